"""Reads for panels: who manages what, a member's view of a round, and plain-language explanations."""
from fractions import Fraction

from flask import current_app

from commissioning.accounts.models import Role, User
from commissioning.core.models import LONDON
from commissioning.core.money import format_pounds
from commissioning.extensions import db
from commissioning.panels.models import (
    Ballot, Panel, PanelMember, Round, RoundResult, RoundStatus, VoteCast)


def can_manage_panel(user, panel):
    """Commissioners and administrators manage every panel; a facilitator their own."""
    if not user.is_authenticated:
        return False
    return user.has_role(Role.admin, Role.commissioner) or (
        user.has_role(Role.panel_facilitator) and panel.facilitator_id == user.id)


def panels_for(user):
    query = db.select(Panel).order_by(Panel.name)
    if not user.has_role(Role.admin, Role.commissioner):
        query = query.where(Panel.facilitator_id == user.id)
    return db.session.scalars(query).all()


def facilitators():
    return db.session.scalars(db.select(User).join(User.roles).where(
        User.roles.any(role=Role.panel_facilitator), User.active.is_(True)).order_by(User.name)).unique().all()


def member_of(user):
    if not user.is_authenticated:
        return None
    return db.session.scalars(db.select(PanelMember).where(PanelMember.user_id == user.id)).first()


def has_voted(rnd, member):
    """Whether the member has voted in the round; what they chose is not stored with them."""
    return db.session.scalar(db.select(VoteCast.id).where(VoteCast.round_id == rnd.id,
                                                          VoteCast.member_id == member.id)) is not None


def rounds_for_member(member):
    return db.session.scalars(db.select(Round).where(Round.panel_id == member.panel_id,
                                                     Round.status != RoundStatus.draft)
                              .order_by(Round.closes_at.desc())).all()


def ballot_projects(rnd):
    """The projects a ballot offers: never one that costs more than the whole budget.

    Setting up a round refuses such a project; this keeps one from a round set up before that
    off the ballot, where a member could tick it for nothing.
    """
    return [p for p in rnd.projects if p.cost_pence <= rnd.budget_pence]


def ballot_count(rnd):
    return db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == rnd.id)) or 0


def votes_cast(rnd):
    """How many members have voted: the turnout a facilitator may follow while voting is open."""
    return db.session.scalar(db.select(db.func.count(VoteCast.id)).where(VoteCast.round_id == rnd.id)) or 0


def min_ballots():
    return current_app.config["PANEL_MIN_BALLOTS"]


def withheld_reason(rnd):
    """Why a counted round's results are not shown to anyone, in plain words; None when they are.

    With few ballots, the vote counts, what was funded or the .pb file can show how one
    person voted. So they are shown only when the quorum was met and at least
    PANEL_MIN_BALLOTS people voted.
    """
    result = rnd.result
    if result is None:
        return None
    if not result.quorum_met:
        return (f"Fewer than {rnd.quorum} people voted, and this round needed {rnd.quorum} votes to count. So "
                "there is no result, and we do not show the votes: with so few, someone could work out how a "
                "person voted.")
    if result.ballots < min_ballots():
        return (f"Fewer than {min_ballots()} people voted. We only show results when at least {min_ballots()} "
                "people have voted, so that nobody can work out how someone voted.")
    return None


def published_results(query):
    """``query`` of rounds joined to their results, kept to those whose results may be shown."""
    return query.where(RoundResult.quorum_met.is_(True), RoundResult.ballots >= min_ballots())


def published_rounds(page, per_page):
    """Counted rounds whose results anyone may see, newest first: a page of them for the public index.

    A round that decided an opportunity's bids stays among the panel until its award is confirmed.
    """
    query = (db.select(Round).join(RoundResult, RoundResult.round_id == Round.id)
             .options(db.contains_eager(Round.result), db.joinedload(Round.panel))
             .where(db.or_(Round.opportunity_id.is_(None), RoundResult.confirmed_at.is_not(None)))
             .order_by(RoundResult.computed_at.desc(), Round.id.desc()))
    return db.paginate(published_results(query), page=page, per_page=per_page, error_out=False)


def _pence(amount):
    """An exact amount in pounds from a trace ("4000/3") as whole pence, rounded down.

    Down, so money that falls short of a cost in whole pounds never shows as enough, and money
    that was enough never shows as short.
    """
    value = Fraction(amount) * 100
    return value.numerator // value.denominator


def _money(amount):
    return format_pounds(_pence(amount))


def _names(titles):
    titles = [f"‘{t}’" for t in titles]
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def _people(count):
    return "1 person" if count == 1 else f"{count} people"


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def _ordinal(n):
    if 1 <= n <= len(ORDINALS):
        return ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def place_name(n):
    """A place in a ranked ballot as people write it: 1st, 2nd, 3rd, 11th, 22nd."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def ballot_limits(rnd):
    """What a member may choose, in plain words, said before the ballot form."""
    from commissioning.panels.models import BallotType
    kind = rnd.ballot_type
    money = format_pounds(rnd.budget_pence)
    if kind is BallotType.within_budget:
        return (f"There is {money} to spend. Tick the projects you want, as long as they add up to no more "
                "than that.")
    if kind is BallotType.choose_one:
        return f"Choose the one project you want most. There is {money} to share."
    if kind is BallotType.up_to_n:
        if rnd.min_projects and rnd.min_projects == rnd.max_projects:
            how = f"Tick {rnd.max_projects} projects."
        elif rnd.min_projects:
            how = f"Choose at least {rnd.min_projects} projects and no more than {rnd.max_projects}."
        else:
            how = f"Tick up to {rnd.max_projects} projects."
        return f"{how} There is {money} to share."
    if kind is BallotType.cumulative:
        text = f"You have {rnd.total_points} points to give. Give more points to the projects you want more."
        if rnd.min_projects:
            text += f" Give points to at least {rnd.min_projects} projects."
        if rnd.max_points:
            text += f" One project can have {rnd.max_points} points at most."
        return text + f" Your points must add up to {rnd.total_points}. There is {money} to share."
    text = (f"Put up to {rnd.max_projects} projects in order: 1st for the one you want most, then 2nd, and so on. "
            "Leave out the ones you do not want.")
    if rnd.min_projects:
        text += f" Put at least {rnd.min_projects} in order."
    return text + f" There is {money} to share."


def rule_options(rules):
    """The frozen rules in plain words, one (heading, sentence) each, for the round and results pages.

    A round frozen before an option existed shows that option's default, which is how it was counted.
    """
    from commissioning.panels.models import COMPLETIONS, TIE_BREAKS, AllocationRule
    rule = AllocationRule(rules["rule"])
    if rule is AllocationRule.greedy:
        how = "Most votes first: projects in order of how many people chose them, each funded if it still fitted."
    elif rule is AllocationRule.phragmen:
        how = ("Phragmén: each project’s cost was shared out between the people who chose it, as evenly as it "
               "could be.")
    else:
        how = "Equal shares: everyone who voted had an equal share of the money to spend on what they chose."
        if rules.get("utility") == "approvals":
            how += " Every funded project counted the same for the people who chose it, whatever it cost."
        else:
            how += " A dearer project counted for more for the people who chose it."
    if rules.get("compare") == "greedy" and rule is not AllocationRule.greedy:
        how += (" Then the result was compared with most votes first: if more voters would be happier with that "
                "result than less happy, it was used instead (as Świecie did in 2024).")
    if rule is AllocationRule.equal_shares:
        left = COMPLETIONS[rules.get("completion") or "add1"] + "."
    elif rule is AllocationRule.greedy:
        left = "Projects further down the list were funded if they still fitted in what was left."
    else:
        left = "Projects were added while they still fitted in the budget."
    if rules.get("fund_unvoted"):
        left += " Money still left could also fund projects nobody chose, as the pabutools reference does."
    else:
        left += (" Projects nobody chose were never funded, even with money left over: a project nobody chose "
                 "has no young person backing it. (The pabutools reference funds them.)")
    share = rules.get("min_approval_percent")
    needs = (f"A project needed at least {share}% of the people who voted to choose it." if share
             else "None: any project someone chose could be funded.")
    return [("How the votes decided", how), ("What happened to money left over", left),
            ("Ties", TIE_BREAKS.get(rules.get("tie_break") or "approvals-then-id", "")),
            ("Projects needing a minimum share", needs)]


def support(rnd, facts):
    """A project's support in the round's kind of ballot: "27 points from 9 people", "1st choice of 4 of 9 people"."""
    people = facts["approvals"]
    if "points" in facts:
        return f"{facts['points']} {'point' if facts['points'] == 1 else 'points'} from {_people(people)}"
    if "firsts" in facts:
        return f"1st choice of {facts['firsts']}, in the order of {_people(people)}"
    return str(people)


def paper_ballots(rnd):
    """How many of the round's ballots were on paper, entered by a facilitator (never which ones)."""
    from commissioning.panels.models import BallotChannel
    return db.session.scalar(db.select(db.func.count(Ballot.id)).where(
        Ballot.round_id == rnd.id, Ballot.channel == BallotChannel.paper)) or 0


def round_trace(rnd):
    """The rule's figures behind a counted round's result: stored when it was counted, or for a
    result counted before traces were kept, worked out again from its stored ballots and frozen rules."""
    result = rnd.result
    if result.trace is not None:
        return result.trace
    from commissioning.panels.operations import ballots_for, compute_outcome
    return compute_outcome(rnd.frozen_rules, ballots_for(rnd))["trace"]


def how_shared(rnd, trace=None):
    """How the rule shared the money, in plain words, from its own figures: said once above the reasons."""
    trace = trace or round_trace(rnd)
    budget = _money(trace["budget"])
    if trace["rule"] == "greedy":
        return (f"The projects were put in order of how many people chose them, most first. Each one in turn was "
                f"funded if it still fitted in what was left of the {budget}. Projects with the same number of votes "
                "went in order of their project number.")
    if trace["rule"] == "phragmen":
        return (f"Phragmén: the cost of each project was shared out between the people who chose it, so that what "
                f"each person carried stayed as even as it could be. Projects were added one at a time, the one that "
                f"kept the load most even first, while they still fitted in the {budget}.")
    share = trace.get("share")
    compared = trace.get("comparison") or {}
    if compared.get("taken") == "greedy" and trace["rule"] != "greedy":
        return (f"Equal shares was worked out, then compared with most votes first: "
                f"{_people(compared['prefer_greedy'])} liked the most-votes-first result better and "
                f"{_people(compared['prefer_rule'])} the equal-shares one, so most votes first was used. In it, the "
                f"projects were put in order of how many people chose them, and each was funded if it still fitted "
                f"in what was left of the {budget}.")
    if not share:
        return "Nobody voted, so nothing was paid for."
    text = (f"Everyone who voted got an equal share of the {budget} to spend on the projects they chose: "
            f"{_money(share['start'])} each ({budget} split between {_people(trace['voters'])}). A project was paid "
            "for when the people who chose it had enough left between them, sharing its cost as equally as they "
            "could. Each time, the project its supporters could pay for with the smallest amount each was paid for "
            "first.")
    if share["raises"]:
        text += (f" Some of the money would have been left over, so everyone’s share was raised, a pound at a time, "
                 f"to {_money(share['used'])}, as far as it could go without the projects costing more than "
                 f"{budget}.")
    return text


def explain(rnd, project, trace=None):
    """Why a project was or was not funded ("you said, we did"), from the rule's own figures for it."""
    trace = trace or round_trace(rnd)
    result = rnd.result
    facts = trace["projects"][project.code]
    titles = {p.code: p.title for p in rnd.projects}
    votes, voters = facts["votes"], result.ballots
    said = f"{votes} of {voters} people who voted chose it."
    cost, budget = _money(facts["cost"]), _money(trace["budget"])
    reason = facts["reason"]
    if reason == "over_budget" or facts.get("over_budget"):
        if votes == 0:
            return said, (f"It was not funded: it costs {cost}, more than the whole budget of {budget}, so it could "
                          "not fit on anyone’s list of choices.")
        return said, (f"It was not funded: it costs {cost}, more than the whole budget of {budget}, so however the "
                      "votes had gone there was not enough money for it.")
    if reason == "no_votes":
        return said, "Nobody chose it, so it was not funded."
    if reason == "below_threshold":
        share = 100 * votes // voters if voters else 0   # down, so a share just short never shows as enough
        return said, (f"It needed at least {rnd.frozen_rules['min_approval_percent']}% of the people who voted to "
                      f"choose it. It got {share}%, so it was not funded.")
    compared = trace.get("comparison") or {}
    if compared.get("taken") == "greedy" and trace["rule"] != "greedy":
        funded = result.projects[project.code]["funded"]
        return said, (f"It was {'funded' if funded else 'not funded'}. Equal shares was compared with most votes "
                      f"first: {_people(compared['prefer_greedy'])} liked the most-votes-first result better and "
                      f"{_people(compared['prefer_rule'])} the equal-shares one, so most votes first was used, and "
                      f"{'it included' if funded else 'it did not include'} this project.")
    if reason == "completion":
        return said, (f"It was funded with money equal shares left over: once equal shares had finished, it was "
                      f"one of the most-chosen projects that still fitted, at {cost}.")
    if reason == "free":
        return said, "It costs nothing and someone chose it, so it was funded first."
    if reason == "no_score":
        return said, ("Everyone who put it in their order put it last, and last place scores nothing, so it was "
                      "not funded.")
    if reason == "no_cost":
        return said, ("It costs nothing, so there was nothing for this rule to pay for it, and it is not listed "
                      "as funded.")
    if trace["rule"] == "phragmen":
        if facts["funded"]:
            return said, f"It was funded: its cost of {cost} was shared out between the people who chose it."
        return said, (f"It was not funded: the projects that kept the cost most evenly shared were added first, "
                      f"and then its cost of {cost} no longer fitted in what was left of the {budget}.")
    if trace["rule"] == "greedy":
        place = (f"It was number {facts['step']} in the order of votes, with {votes} "
                 f"{'vote' if votes == 1 else 'votes'}.")
        if facts["funded"]:
            return said, (f"It was funded. {place} When its turn came, {_money(facts['money'])} was left, "
                          f"enough for its cost of {cost}.")
        left = f"only {_money(facts['money'])} was left" if _pence(facts["money"]) else "nothing was left"
        return said, f"It was not funded. {place} When its turn came, {left}, but it costs {cost}."
    paid = facts.get("paid_before") or {}
    before = ""
    if paid:
        spent = sum((Fraction(v) for v in paid.values()), Fraction(0))
        before = (f" They had already used {_money(spent)} of their share{'s' if votes != 1 else ''} to help pay for "
                  f"{_names(titles.get(c, c) for c in sorted(paid, key=lambda c: trace['order'].index(c)))}, "
                  f"which they had also chosen.")
    who = f"the {_people(votes)} who chose it"
    between = " between them" if votes != 1 else ""
    if facts["funded"]:
        return said, (f"It was funded, the {_ordinal(facts['step'])} project to be paid for. When its turn came, "
                      f"{who} had {_money(facts['money'])} left{between}, enough for its cost of {cost}, and "
                      f"{'each' if votes != 1 else 'they'} paid {_money(facts['each_paid_at_most'])} at most."
                      f"{before}")
    if facts["step"] == 1 and not paid:
        did = (f"It was not funded. From {'their shares' if votes != 1 else 'their share'}, {who} had only "
               f"{_money(facts['money'])}{between}, but it costs {cost}, so they could not pay for it.")
    else:
        bought = trace["order"][:facts["step"] - 1]
        did = (f"It was not funded. When its turn came, after {_names(titles.get(c, c) for c in bought)} "
               f"{'was' if len(bought) == 1 else 'were'} paid for, {who} had only {_money(facts['money'])} left"
               f"{between}, but it costs {cost}, so they could not pay for it.{before}")
    completion = trace.get("completion") or {}
    if completion.get("stopped") == "over_budget" and project.code in completion.get("next_would_add", []):
        did += (f" With everyone’s share raised by one more pound it would have been paid for, but then the projects "
                f"would have cost {_money(completion['next_would_cost'])}, more than the {budget} budget, so the "
                "shares were not raised that far.")
    return said, did


def explanations(rnd):
    """Every project's (you said, we did), worked from one trace."""
    trace = round_trace(rnd)
    return {p.code: explain(rnd, p, trace) for p in rnd.projects}


def recount_command(rnd):
    """The `commissioning pb allocate` line that counts the round's .pb file again by its frozen rules."""
    rules = rnd.frozen_rules
    words = ["commissioning pb allocate", f"{rnd.reference}.pb", "--rule", rules["rule"]]
    if rules["rule"] == "equal-shares":
        words += ["--completion", rules.get("completion") or "add1"]
        if (rules.get("utility") or "cost") != "cost":
            words += ["--utility", rules["utility"]]
    if rules.get("tie_break") == "id":
        words += ["--ties", "id"]
    if rules.get("compare"):
        words += ["--compare", rules["compare"]]
    if rules.get("fund_unvoted"):
        words += ["--unvoted"]
    return " ".join(words)


def round_as_pb(rnd):
    """The round as a pabulib .pb file in whole pounds, ballots anonymous and in canonical order.

    In the round's own kind of ballot (approval or choose-1, cumulative points, ordinal ranks),
    with the rule by its pabulib name, the days voting opened and closed, and once counted each
    project's votes (and points) and whether it was selected. The rule's options pabulib has no
    key for are kept in META's comment (``write_pb``), so that importing the file counts it alike.
    """
    from commissioning.panels.models import BallotType
    from commissioning.panels.operations import ballots_for, rules_of
    from commissioning.panels.pabulib import write_pb
    rules = rnd.frozen_rules or rules_of(rnd)
    ballot_type = BallotType(rules["ballot_type"])
    kind = ballot_type.kind
    meta = {"description": rnd.title, "country": "United Kingdom", "unit": rnd.panel.area,
            "instance": rnd.reference, "budget": rules["budget_pence"] // 100, "currency": "GBP",
            "rule": rules["rule"], "completion": rules.get("completion"), "compare": rules.get("compare"),
            "date_begin": rnd.opens_at.astimezone(LONDON).date() if rnd.status is not RoundStatus.draft else None,
            "date_end": rnd.closed_at.astimezone(LONDON).date() if rnd.closed_at else None,
            "min_length": rules.get("min_projects"), "max_length": rules.get("max_projects"),
            "min_approval_percent": rules.get("min_approval_percent")}
    if ballot_type is BallotType.choose_one:
        meta.update(vote_type="choose-1", max_length=1)
    elif kind == "cumulative":
        meta.update(max_sum_points=rules.get("total_points"), min_sum_points=rules.get("total_points"),
                    max_points=rules.get("max_points"), max_length=None)
    # Ours, in the comment: how to count it again exactly as it was counted.
    if rules.get("completion") not in (None, "add1"):
        meta["equal_shares_completion"] = rules["completion"]
    if rules.get("utility") not in (None, "cost"):
        meta["utility"] = rules["utility"]
    if rules.get("fund_unvoted"):
        meta["fund_unvoted"] = "yes"
    if rules.get("tie_break") not in (None, "approvals-then-id"):
        meta["tie_break"] = rules["tie_break"]
    costs = {code: cost // 100 for code, cost in rules["projects"].items()}
    names = {p.code: p.title for p in rnd.projects}
    ballots = [(i + 1, b) for i, b in enumerate(ballots_for(rnd))]
    extra = None
    if rnd.result is not None:
        from commissioning.panels.pabulib import pabulib_counts
        extra = pabulib_counts(kind, costs, [b for _i, b in ballots])
        for code in costs:
            extra[code]["selected"] = int(code in rnd.result.selected)
    return write_pb({k: v for k, v in meta.items() if v is not None}, costs, names, ballots, kind=kind, extra=extra)
