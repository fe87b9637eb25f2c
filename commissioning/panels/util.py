"""Reads for panels: who manages what, a member's view of a round, and plain-language explanations."""
from flask import current_app

from commissioning.accounts.models import Role, User
from commissioning.core.money import format_pounds
from commissioning.extensions import db
from commissioning.panels.models import (
    AllocationRule, Ballot, Panel, PanelMember, Round, RoundResult, RoundStatus, VoteCast)


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


def explain(rnd, project):
    """Why a project was or was not funded, in words a young person can follow ("you said, we did")."""
    result = rnd.result
    facts = result.projects[project.code]
    approvals, voters = facts["approvals"], result.ballots
    said = f"{approvals} of {voters} people who voted chose it."
    rules = rnd.frozen_rules
    if facts["funded"]:
        if rnd.rule is AllocationRule.greedy:
            return said, ("It was funded: when the projects were put in order of votes, it still fitted in "
                          "the money left when its turn came.")
        return said, ("It was funded: the people who chose it had enough of their equal share of the money "
                      "left to pay for it together.")
    if approvals == 0:
        return said, "Nobody chose it, so it was not funded."
    if facts.get("below_threshold"):
        return said, (f"It needed at least {rules['min_approval_percent']}% of voters to choose it, so it "
                      "was not funded.")
    left = rules["budget_pence"] - result.spent_pence
    if project.cost_pence > left:
        return said, (f"It was not funded: it costs {format_pounds(project.cost_pence)}, and once the projects "
                      f"with stronger support were paid for only {format_pounds(left)} was left.")
    if rnd.rule is AllocationRule.greedy:
        return said, "It was not funded: projects with more votes used the money first."
    share = rules["budget_pence"] / max(voters, 1)
    return said, (f"It was not funded: each voter had an equal share of about {format_pounds(int(share))}. "
                  "The people who chose it had already spent most of their share on other projects they chose, "
                  "so together they could not pay for it.")


def round_as_pb(rnd):
    """The round as a pabulib .pb file in whole pounds, ballots anonymous and in canonical order."""
    from commissioning.panels.operations import ballots_for, rules_of
    from commissioning.panels.pabulib import write_pb
    rules = rnd.frozen_rules or rules_of(rnd)
    meta = {"description": rnd.title, "country": "United Kingdom", "unit": rnd.panel.area,
            "instance": rnd.reference, "budget": rules["budget_pence"] // 100, "currency": "GBP",
            "rule": rnd.rule.value, "min_length": rnd.min_projects, "max_length": rnd.max_projects,
            "min_approval_percent": rules.get("min_approval_percent")}
    costs = {code: cost // 100 for code, cost in rules["projects"].items()}
    names = {p.code: p.title for p in rnd.projects}
    ballots = [(i + 1, b) for i, b in enumerate(ballots_for(rnd))]
    return write_pb({k: v for k, v in meta.items() if v is not None}, costs, names, ballots)
