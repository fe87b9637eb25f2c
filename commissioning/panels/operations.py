"""Every write for panels, members and rounds; each leaves an audit entry."""
import hashlib
import json
import random
import secrets
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from commissioning.accounts.models import Role
from commissioning.accounts.operations import create_user, request_password_reset
from commissioning.audit.operations import log_action
from commissioning.core.locks import lock_row, row_locked, try_transaction_lock
from commissioning.core.models import utcnow
from commissioning.core.money import format_pounds
from commissioning.core.transitions import move
from commissioning.core.urls import absolute_url
from commissioning.extensions import db
from commissioning.funding.operations import InsufficientFunds, commit_funds
from commissioning.funding.util import balances
from commissioning.mail.operations import queue_email
from commissioning.outbox.operations import enqueue_task
from commissioning.panels import allocation
from commissioning.panels.models import (
    TIE_BREAKS, AllocationRule, Ballot, BallotChannel, BallotType, PanelContribution, MemberLink, Panel, PanelMember, Round,
    RoundProject, RoundResult, RoundStatus, VoteCast)
from commissioning.panels.util import ballot_projects, has_voted, place_name, withheld_reason

COUNT_TASK = "panels.count_round"
RULE_VERSION = "commissioning-allocation/1"
SUMMARY_MAX_WORDS = 150
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
CODE_LIFETIME = timedelta(days=14)


class PanelError(ValueError):
    """A refusal worded for the person who asked."""


class AlreadyVoted(PanelError):
    """The member has voted in this round; a secret ballot cannot be found again to change."""


class _Nobody:
    """An audit entry's user that is no one: log_action would otherwise name the signed-in voter."""

    id = None


NOBODY = _Nobody()


def create_panel(name, locality, facilitator):
    panel = Panel(name=name, locality=locality, facilitator=facilitator)
    db.session.add(panel)
    db.session.flush()
    log_action(panel, "panel.created", f"Panel {name} created", facilitator_id=facilitator.id)
    return panel


# --- members -------------------------------------------------------------------------------

def _code_hash(code):
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()


def add_member(panel, display_name, age_band, locality=None, email=None):
    """Returns (member, joining code or None). With an email the member sets a password by mail."""
    user = create_user(email or None, display_name, secrets.token_urlsafe(32), roles=[Role.panel_member])
    member = PanelMember(panel=panel, user=user, display_name=display_name, age_band=age_band, locality=locality)
    db.session.add(member)
    db.session.flush()
    log_action(member, "panel.member_added", f"{display_name} joined {panel.name}", age_band=age_band.value,
               with_email=bool(email))
    if email:
        request_password_reset(user)
        return member, None
    return member, issue_joining_code(member)


def has_joined(member):
    """Whether the member's sign-in has been used, to sign in or to vote: from then on no code may open it.

    A vote cast before the sign-in was made (the member was removed and added again) does not count:
    the new sign-in is theirs to take up with its code.
    """
    user = member.user
    if user.last_login_at is not None:
        return True
    query = db.select(VoteCast.id).where(VoteCast.member_id == member.id)
    if user.created_at is not None:
        query = query.where(VoteCast.voted_at >= user.created_at)
    return db.session.scalar(query.limit(1)) is not None


def issue_joining_code(member):
    """A new one-time code (the old one stops working); only its hash is kept.

    Only for a member who has not joined yet: a code signs in as the member, so a code for someone
    who has joined would let whoever holds it vote as them. Someone who has lost access is
    removed and added again (``remove_member``, ``add_member_again``).
    """
    lock_row(member)
    if not member.active:
        raise PanelError(f"{member.display_name} has been removed from the panel. Add them again to give them "
                         "a new joining code")
    if has_joined(member):
        raise PanelError(f"{member.display_name} has already joined, so they need no new code: a new code would "
                         "let whoever has it sign in and vote as them. If they have lost access, remove them from "
                         "the panel, then add them again. Any vote they have already cast still counts, once")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    member.joining_code_hash = _code_hash(raw)
    member.joining_code_expires_at = utcnow() + CODE_LIFETIME
    log_action(member, "panel.joining_code_issued", f"Joining code issued to {member.display_name}")
    return f"{raw[:4]}-{raw[4:]}"


def remove_member(member, by):
    """Take the member off the panel: they can no longer sign in or vote. Ballots already cast stay counted."""
    from commissioning.accounts.operations import deactivate_user
    lock_row(member)  # once only
    if not member.active:
        return member
    member.active = False
    member.joining_code_hash = None
    member.joining_code_expires_at = None
    if member.user.active:
        deactivate_user(member.user, by)
    log_action(member, "panel.member_removed", f"{member.display_name} removed from {member.panel.name}")
    return member


def add_member_again(member, by):
    """Bring a removed member back with a new sign-in and joining code; None if they are already back.

    The record is the same one, so what it holds stays with it: their consent, time given,
    declared links and the rounds they have voted in, where they cannot vote again. The old
    sign-in stays switched off.
    """
    lock_row(member)  # once only: a second request finds the member already back
    if member.active:
        return None
    old = member.user
    member.user = create_user(None, member.display_name, secrets.token_urlsafe(32), roles=[Role.panel_member])
    member.active = True
    db.session.flush()
    log_action(member, "panel.member_added_again", f"{member.display_name} added again to {member.panel.name}",
               old_user_id=old.id, user_id=member.user.id)
    return issue_joining_code(member)


def use_joining_code(code):
    """The member the code belongs to, once; None for a wrong, used or expired code."""
    if not code or not code.strip():
        return None
    member = db.session.scalars(db.select(PanelMember).where(
        PanelMember.joining_code_hash == _code_hash(code.strip()))).first()
    if member is None or not member.active or member.joining_code_expires_at < utcnow():
        return None
    member.joining_code_hash = None
    member.joining_code_expires_at = None
    log_action(member, "panel.joining_code_used", f"{member.display_name} joined with a code", user=member.user)
    return member


def record_consent(member, note, by=None):
    if not (note or "").strip():
        raise PanelError("Say who gave consent and how, for example ‘Mother, signed form’")
    member.consent_recorded_at = utcnow()
    member.consent_recorded_by_id = by.id if by else None
    member.consent_note = note.strip()
    log_action(member, "panel.consent_recorded", f"Parental consent recorded for {member.display_name}",
               note=member.consent_note)


def add_contribution(member, on, activity, minutes, by):
    if minutes <= 0:
        raise PanelError("Enter the time given, more than zero")
    entry = PanelContribution(member=member, on=on, activity=activity.strip(), minutes=minutes,
                         recorded_by_id=by.id if by else None)
    db.session.add(entry)
    db.session.flush()
    log_action(member, "panel.contribution_recorded", f"{member.display_name}: {activity} ({minutes} minutes)")
    return entry


def set_links(member, organisations, details=None):
    """Replace the member's declared links with ``organisations``.

    Members are asked before they vote. A ballot already cast is secret and cannot be found
    again, so a link declared afterwards counts from the member's next vote.
    """
    wanted = {o.id for o in organisations}
    for link in list(member.links):
        if link.organisation_id not in wanted:
            member.links.remove(link)
    have = {link.organisation_id for link in member.links}
    for org in organisations:
        if org.id not in have:
            member.links.append(MemberLink(organisation=org, details=details))
    db.session.flush()
    log_action(member, "panel.links_declared", f"{member.display_name} declared {len(wanted)} link(s)",
               organisations=sorted(wanted))


# --- rounds --------------------------------------------------------------------------------

def _next_reference():
    count = db.session.scalar(db.select(db.func.count(Round.id))) or 0
    return f"PB-{count + 1:04d}"


ROUND_FIELDS = ("title", "pot", "budget_pence", "ballot_type", "max_projects", "min_projects", "rule",
                "quorum", "min_approval_percent", "opens_at", "closes_at", "total_points", "max_points",
                "completion", "utility", "compare", "fund_unvoted", "tie_break")


def _check_rules(fields):
    kind = fields["ballot_type"]
    if fields["budget_pence"] <= 0 or fields["budget_pence"] % 100:
        raise PanelError("Enter the budget in whole pounds, more than zero")
    if kind is BallotType.up_to_n:
        if not fields.get("max_projects"):
            raise PanelError("Enter how many projects each member can choose at most")
        if fields.get("min_projects") and fields["min_projects"] > fields["max_projects"]:
            raise PanelError("The fewest projects to choose cannot be more than the most")
    if kind is BallotType.ranked:
        if not fields.get("max_projects"):
            raise PanelError("Enter how many projects each member can put in order at most")
        if fields.get("min_projects") and fields["min_projects"] > fields["max_projects"]:
            raise PanelError("The fewest projects to put in order cannot be more than the most")
    if kind is BallotType.cumulative:
        total = fields.get("total_points")
        if not total:
            raise PanelError("Enter how many points each member shares out")
        if fields.get("min_projects") and fields["min_projects"] > total:
            raise PanelError(f"With {total} points a member can give points to {total} projects at most, so "
                             "the fewest projects to give points to cannot be more than that")
        if fields.get("max_points") and fields["max_points"] > total:
            raise PanelError("The most points on one project cannot be more than the points each member shares out")
    rule = fields["rule"]
    if rule is AllocationRule.phragmen and kind.kind != "approval":
        raise PanelError("Phragmén counts ticked choices only: choose a ballot where members tick projects, or "
                         "another way for the votes to decide")
    if fields.get("completion") not in (None, *allocation.COMPLETIONS):
        raise PanelError("Choose what is done with money equal shares leaves over")
    if fields.get("utility", "cost") not in allocation.UTILITIES:
        raise PanelError("Choose what a funded project counts for")
    if fields.get("utility", "cost") != "cost" and (rule is not AllocationRule.equal_shares
                                                    or kind.kind != "approval"):
        raise PanelError("Counting each funded project the same works only for equal shares with ticked choices")
    if fields.get("compare") not in (None, "greedy"):
        raise PanelError("The only comparison is against most votes first")
    if fields.get("tie_break", "approvals-then-id") not in TIE_BREAKS:
        raise PanelError("Choose how ties are settled")
    if fields["closes_at"] <= fields["opens_at"]:
        raise PanelError("Voting must close after it opens")


PROCUREMENT_NOT_FOR_PANELS = (
    "Only grant rounds can go to a young people’s panel. This is a procurement, so the law needs it to be "
    "decided on the evaluators’ scores against the published criteria: each bid needs its completed "
    "evaluations before the award.")


def create_round(panel, by, opportunity=None, **fields):
    from commissioning.opportunities.models import OpportunityKind
    if opportunity is not None and opportunity.kind is not OpportunityKind.grant_round:
        raise PanelError(PROCUREMENT_NOT_FOR_PANELS)
    _check_rules(fields)
    rnd = Round(reference=_next_reference(), panel=panel, created_by_id=by.id if by else None,
                opportunity=opportunity, **fields)
    db.session.add(rnd)
    db.session.flush()
    log_action(rnd, "round.created", f"{rnd.reference} {rnd.title} created for {panel.name}",
               budget_pence=rnd.budget_pence, rule=rnd.rule.value)
    return rnd


def _ensure_draft(rnd):
    if rnd.status is not RoundStatus.draft:
        raise PanelError("Voting has opened, so the rules and projects are fixed and cannot change")


def _too_dear(projects, budget_pence):
    """The first project that costs more than the whole budget: no ballot could fund it."""
    return next((p for p in sorted(projects, key=lambda p: -p.cost_pence) if p.cost_pence > budget_pence), None)


def update_round(rnd, **fields):
    _ensure_draft(rnd)
    _check_rules(fields)
    dear = _too_dear(rnd.projects, fields["budget_pence"])
    if dear is not None:
        raise PanelError(f"‘{dear.title}’ costs {format_pounds(dear.cost_pence)}, more than a budget of "
                         f"{format_pounds(fields['budget_pence'])}. Enter a budget of at least "
                         f"{format_pounds(dear.cost_pence)}, or lower that project’s cost or remove it first")
    for key, value in fields.items():
        setattr(rnd, key, value)
    log_action(rnd, "round.updated", f"{rnd.reference} rules changed", budget_pence=rnd.budget_pence,
               rule=rnd.rule.value, ballot_type=rnd.ballot_type.value)


def _check_project(rnd, title, summary, cost_pence):
    if not (title or "").strip():
        raise PanelError("Enter the project’s name")
    if len((summary or "").split()) > SUMMARY_MAX_WORDS:
        raise PanelError(f"Keep the summary to {SUMMARY_MAX_WORDS} words or fewer")
    if cost_pence is None or cost_pence < 0 or cost_pence % 100:
        raise PanelError("Enter the cost in whole pounds")
    if cost_pence > rnd.budget_pence:
        # No ballot could fund it, and a within-budget ballot could not even include it.
        raise PanelError(f"The cost is more than the round’s whole budget of {format_pounds(rnd.budget_pence)}, "
                         f"so the panel could never fund it. Enter a cost of {format_pounds(rnd.budget_pence)} or "
                         "less, or raise the budget first (Change the rules)")


def add_project(rnd, title, summary, cost_pence, organisation=None, bid=None, code=None):
    _ensure_draft(rnd)
    if rnd.opportunity_id is not None and bid is None:
        raise PanelError("This round decides between the opportunity’s bids: projects come only from its bids")
    _check_project(rnd, title, summary, cost_pence)
    taken = {p.code for p in rnd.projects}
    if code is None:
        code = str(max([int(c) for c in taken if c.isdigit()] or [0]) + 1)
    elif code in taken:
        raise PanelError(f"Project id {code} is already on this ballot")
    project = RoundProject(round=rnd, code=code, title=title.strip(), summary=(summary or "").strip(),
                           cost_pence=cost_pence, organisation=organisation, bid=bid)
    db.session.add(project)
    db.session.flush()
    log_action(rnd, "round.project_added", f"{title} added to {rnd.reference}", project_id=project.id,
               cost_pence=cost_pence)
    return project


def update_project(project, title, summary, cost_pence, organisation=None):
    _ensure_draft(project.round)
    if project.bid_id is not None:
        # A bid's bidder and price are what was bid: only the plain-language summary is written here.
        title, cost_pence, organisation = project.title, project.cost_pence, project.organisation
    _check_project(project.round, title, summary, cost_pence)
    project.title, project.summary = title.strip(), (summary or "").strip()
    project.cost_pence, project.organisation = cost_pence, organisation
    log_action(project.round, "round.project_updated", f"{title} changed on {project.round.reference}",
               project_id=project.id, cost_pence=cost_pence)


def remove_project(project):
    rnd = project.round
    _ensure_draft(rnd)
    rnd.projects.remove(project)
    db.session.flush()
    log_action(rnd, "round.project_removed", f"{project.title} removed from {rnd.reference}")


def rules_of(rnd):
    """The rules as plain data: what is frozen at opening and what the digest covers."""
    return {
        "rule_version": RULE_VERSION,
        "rule": rnd.rule.value,
        "tie_break": rnd.tie_break,
        "ballot_type": rnd.ballot_type.value,
        "max_projects": rnd.max_projects,
        "min_projects": rnd.min_projects,
        "budget_pence": rnd.budget_pence,
        "quorum": rnd.quorum,
        "min_approval_percent": rnd.min_approval_percent,
        "total_points": rnd.total_points,
        "max_points": rnd.max_points,
        # Equal shares only; None is add1, as for every round frozen before the option existed.
        "completion": (rnd.completion or "add1") if rnd.rule is AllocationRule.equal_shares else None,
        "utility": rnd.utility or "cost",
        "compare": rnd.compare,
        "fund_unvoted": bool(rnd.fund_unvoted),
        "closes_at": rnd.closes_at.isoformat(),
        "projects": {p.code: p.cost_pence for p in rnd.projects},
    }


def opening_problem(rnd, now=None):
    """Why voting cannot open now, in words that say what to do; None when it can."""
    try:
        _check_opening(rnd, now or utcnow())
    except PanelError as exc:
        return str(exc)
    return None


def open_voting(rnd, by, now=None):
    lock_row(rnd)  # once only: a second request waits, then sees the new state
    now = now or utcnow()
    _check_opening(rnd, now)
    rnd.opens_at = now
    rnd.frozen_rules = rules_of(rnd)
    move(rnd, RoundStatus.open, f"opened by {by.name if by else 'the system'}", "A round", "round.opened")
    for member in rnd.panel.members:
        if member.user.email and member.can_vote:
            queue_email(member.user.email, "panel_voting_open", f"Voting is open: {rnd.title}",
                        "panel_voting_open", name=member.display_name, round=rnd.title,
                        closes=rnd.closes_at, link=absolute_url("panels.vote", round_id=rnd.id))


def _check_opening(rnd, now):
    _ensure_draft(rnd)
    if not rnd.projects:
        raise PanelError("Add at least one project before opening voting")
    missing = [p.title for p in rnd.projects if not p.summary.strip()]
    if missing:
        raise PanelError(f"Write a plain-language summary for {missing[0]} before opening voting")
    dear = _too_dear(rnd.projects, rnd.budget_pence)
    if dear is not None:
        raise PanelError(f"‘{dear.title}’ costs {format_pounds(dear.cost_pence)}, more than the whole budget of "
                         f"{format_pounds(rnd.budget_pence)}, so the panel could never fund it. Lower its cost, "
                         "remove it or raise the budget, then open voting")
    if rnd.closes_at <= now:
        raise PanelError("The closing date has passed: set a later one before opening voting")
    if rnd.min_projects and rnd.min_projects > len(rnd.projects):
        raise PanelError(f"Members must choose at least {rnd.min_projects} projects, but only "
                         f"{len(rnd.projects)} are on the ballot")
    if rnd.ballot_type is BallotType.cumulative and rnd.max_points \
            and rnd.max_points * len(rnd.projects) < rnd.total_points:
        raise PanelError(f"With at most {rnd.max_points} points on each of {len(rnd.projects)} projects, nobody "
                         f"could give all {rnd.total_points} points. Add projects or allow more points on one")
    voters = sum(1 for m in rnd.panel.members if m.can_vote)
    if rnd.quorum and rnd.quorum > voters:
        raise PanelError(f"The quorum is {rnd.quorum} ballots, but only {voters} members can vote")
    available = balances([rnd.pot_id])[rnd.pot_id].uncommitted
    if rnd.budget_pence > available:
        raise PanelError(f"{rnd.pot.name} has only {format_pounds(available)} uncommitted, less than the budget")


def _rules_unchanged(rnd):
    return rnd.frozen_rules == {**rules_of(rnd), "closes_at": rnd.frozen_rules["closes_at"]}


class Choices(list):
    """The projects a ballot chose, in its order (first choice first when ranked), with any points."""

    def __init__(self, projects, points=None):
        super().__init__(projects)
        self.points = points or {}   # RoundProject id -> points, for points ballots


def _plural(n, word, words=None):
    return f"{n} {word if n == 1 else words or word + 's'}"


def _check_voter(rnd, member):
    if rnd.status is not RoundStatus.open:
        raise PanelError("Voting is not open for this round")
    if not member.can_vote:
        raise PanelError("You can vote once your youth worker has recorded a parent’s or carer’s OK")
    if member.user.created_at > rnd.opens_at:
        # Who may vote is settled when voting opens: a sign-in made later (a new member, or one added
        # again) cannot add a ballot, so nobody can make extra voters to work out someone's vote.
        raise PanelError("You joined after voting opened for this round, so you cannot vote in it. "
                         "You can vote in the next round")


def _on_ballot(rnd, ids):
    by_id = {p.id: p for p in ballot_projects(rnd)}
    chosen = []
    for pid in ids:
        if pid not in by_id:
            raise PanelError("One of your choices is not on this ballot. Please choose again from the list")
        if by_id[pid] not in chosen:
            chosen.append(by_id[pid])
    return chosen


def _points_choices(rnd, entry):
    """Points ballots: ``entry`` is {project id: points}, every given project at least 1, adding up to the total."""
    total = rnd.total_points
    projects = _on_ballot(rnd, [pid for pid, pts in entry.items() if pts])
    points = {p.id: entry[p.id] for p in projects}
    given = sum(points.values())
    if not points:
        raise PanelError(f"Give your {total} points to the projects you want")
    too_many = next((p for p in projects if rnd.max_points and points[p.id] > rnd.max_points), None)
    if too_many is not None:
        extra = points[too_many.id] - rnd.max_points
        raise PanelError(f"You gave ‘{too_many.title}’ {points[too_many.id]} points. The most one project can have "
                         f"is {rnd.max_points}: take {extra} away")
    if given > total:
        raise PanelError(f"You have given {given} points. You have {total} to give: take {given - total} away")
    if given < total:
        raise PanelError(f"You have given {given} points. You have {total} to give: give {total - given} more")
    if rnd.min_projects and len(projects) < rnd.min_projects:
        raise PanelError(f"Give points to at least {rnd.min_projects} projects. You gave points to "
                         f"{_plural(len(projects), 'project')}")
    projects.sort(key=lambda p: p.code)
    return Choices(projects, points)


def _ranked_choices(rnd, entry):
    """Ranked ballots: ``entry`` is {project id: place}, places 1, 2, 3... each used once, no gaps."""
    by_place = {}
    for pid, place in entry.items():
        by_place.setdefault(place, []).append(pid)
    if not by_place:
        raise PanelError("Put at least one project in order: choose 1st for the project you want most")
    projects = {p.id: p for p in _on_ballot(rnd, list(entry))}
    for place in sorted(by_place):
        if len(by_place[place]) > 1:
            names = " and ".join(f"‘{projects[pid].title}’" for pid in by_place[place][:2])
            raise PanelError(f"You put {names} both as your {place_name(place)} choice. Give each project a "
                             "different place")
    for place in range(1, max(by_place) + 1):
        if place not in by_place:
            raise PanelError(f"You have a {place_name(max(by_place))} choice but no {place_name(place)} choice. Number "
                             "your choices 1st, 2nd, 3rd and so on, without gaps")
    if len(by_place) > rnd.max_projects:
        raise PanelError(f"You can put up to {rnd.max_projects} projects in order. You put {len(by_place)}, so "
                         f"take {len(by_place) - rnd.max_projects} out")
    if rnd.min_projects and len(by_place) < rnd.min_projects:
        raise PanelError(f"Put at least {rnd.min_projects} projects in order. You put {len(by_place)}")
    return Choices([projects[by_place[place][0]] for place in sorted(by_place)])


def _ticked_choices(rnd, project_ids):
    chosen = _on_ballot(rnd, project_ids)
    if rnd.ballot_type is BallotType.choose_one:
        if not chosen:
            raise PanelError("Choose the one project you want most")
        if len(chosen) > 1:
            raise PanelError(f"Choose only one project. You chose {len(chosen)}")
        return Choices(chosen)
    if not chosen:
        raise PanelError("Choose at least one project")
    if rnd.ballot_type is BallotType.within_budget:
        total = sum(p.cost_pence for p in chosen)
        if total > rnd.budget_pence:
            raise PanelError(f"Your choices add up to {format_pounds(total)}, but there is only "
                             f"{format_pounds(rnd.budget_pence)} to spend. Untick something to get under "
                             f"{format_pounds(rnd.budget_pence)}")
    else:
        if len(chosen) > rnd.max_projects:
            raise PanelError(f"You can choose up to {rnd.max_projects} projects. You chose {len(chosen)}, "
                             f"so untick {len(chosen) - rnd.max_projects}")
        if rnd.min_projects and len(chosen) < rnd.min_projects:
            short = rnd.min_projects - len(chosen)
            raise PanelError(f"Choose at least {rnd.min_projects} projects. You chose {len(chosen)}, so tick "
                             f"{short} more")
    return Choices(chosen)


def check_ballot(rnd, member, entry):
    """The ballot's choices, or PanelError in words a 12-year-old understands.

    ``entry`` is what the member chose, in the round's kind of ballot: a list of project ids
    (ticks, or one pick), {project id: points}, or {project id: place} (1 for first choice).
    """
    _check_voter(rnd, member)
    kind = rnd.ballot_type
    if kind is BallotType.cumulative:
        chosen = _points_choices(rnd, dict(entry))
    elif kind is BallotType.ranked:
        chosen = _ranked_choices(rnd, dict(entry))
    else:
        chosen = _ticked_choices(rnd, list(entry))
    linked = {link.organisation_id for link in member.links}
    for project in chosen:
        if project.organisation_id in linked:
            undo = {BallotType.cumulative: "Take its points away", BallotType.ranked: "Take it out of your order"}
            raise PanelError(f"You told us you have a link to {project.organisation.name}, so you cannot vote "
                             f"for ‘{project.title}’. {undo.get(kind, 'Untick it')}")
    return chosen


def preview_ballot(rnd, member, entry, now=None):
    """What a member would vote for, checked as the vote will be; nothing is stored.

    For the check-your-answers page: once sent, a secret ballot cannot be changed.
    """
    now = now or utcnow()
    if rnd.status is RoundStatus.open and rnd.closes_at <= now:
        raise PanelError("Voting has closed for this round")
    if has_voted(rnd, member):
        raise AlreadyVoted("You have already voted in this round. Your vote is secret, so nobody can find it to "
                           "change it, and your first vote is the one that counts")
    return check_ballot(rnd, member, entry)


def _ballot(rnd, chosen, channel):
    """A secret ballot row for ``chosen``: the projects sorted, with their points or their order."""
    ballot = Ballot(round_id=rnd.id, project_ids=sorted(p.id for p in chosen), channel=channel)
    if rnd.ballot_type is BallotType.cumulative:
        ballot.scores = {str(pid): pts for pid, pts in sorted(chosen.points.items())}
    elif rnd.ballot_type is BallotType.ranked:
        ballot.ranking = [p.id for p in chosen]
    return ballot


def cast_ballot(rnd, member, entry, now=None):
    """Record that the member voted, and their ballot apart from it, so the two cannot be matched.

    The ballot has no member, no time and a random id; the audit entry says a ballot was cast,
    not by whom, and not what it chose.
    """
    lock_row(member)  # one vote each: a second vote at once waits here, then finds the first
    now = now or utcnow()
    chosen = preview_ballot(rnd, member, entry, now)
    db.session.add(VoteCast(round_id=rnd.id, member_id=member.id, voted_at=now))
    ballot = _ballot(rnd, chosen, BallotChannel.online)
    db.session.add(ballot)
    db.session.flush()
    log_action(rnd, "round.ballot_cast", f"A ballot was cast on {rnd.reference}", user=NOBODY)
    return ballot


class EntriesDiffer(PanelError):
    """A paper ballot typed twice, differently: ``differences`` says how, project by project."""

    def __init__(self, differences):
        super().__init__("The two entries are different, so nothing was saved")
        self.differences = differences


def _as_typed(rnd, entry):
    """An entry as comparable data: {project id: what it was given}, ticks as True."""
    if rnd.ballot_type in (BallotType.cumulative, BallotType.ranked):
        return {pid: value for pid, value in dict(entry).items() if value}
    return {pid: True for pid in entry}


def entry_differences(rnd, first, second):
    """How two typings of one paper ballot differ, in plain words; empty when they match exactly."""
    from commissioning.panels.util import place_name
    one, two = _as_typed(rnd, first), _as_typed(rnd, second)
    titles = {p.id: p.title for p in rnd.projects}
    kind = rnd.ballot_type

    def said(value):
        if kind is BallotType.cumulative:
            return f"{_plural(value, 'point')}" if value else "no points"
        if kind is BallotType.ranked:
            return f"{place_name(value)} choice" if value else "not in the order"
        return "chosen" if value else "not chosen"
    differences = []
    for pid in sorted(one.keys() | two.keys(), key=lambda i: (titles.get(i, ""), i)):
        if one.get(pid) != two.get(pid):
            title = titles.get(pid, "A project not on this ballot")
            differences.append(f"‘{title}’: {said(one.get(pid))} the first time, {said(two.get(pid))} the second time")
    return differences


def cast_paper_ballot(rnd, member, first, second, by, now=None):
    """A ballot a member cast on paper, typed twice by a facilitator: saved only if both typings match.

    The member is recorded as having voted (so they cannot vote again online); the ballot is kept
    apart as any other, marked ``paper``. The audit names who entered it, never what it chose.
    """
    differences = entry_differences(rnd, first, second)
    if differences:
        raise EntriesDiffer(differences)
    lock_row(member)  # one vote each, whichever way it comes
    now = now or utcnow()
    if member.panel_id != rnd.panel_id:
        raise PanelError(f"{member.display_name} is not on this round’s panel")
    chosen = preview_ballot(rnd, member, first, now)
    db.session.add(VoteCast(round_id=rnd.id, member_id=member.id, voted_at=now))
    db.session.add(_ballot(rnd, chosen, BallotChannel.paper))
    db.session.flush()
    log_action(rnd, "round.paper_ballot_entered", f"A paper ballot was entered on {rnd.reference}, typed twice",
               user=by)
    return chosen


def _shuffle_ballots(rnd):
    """Store the round's ballots again, in a random order with new ids.

    Rows are kept in the order they were written (PostgreSQL's heap, SQLite's rowid), which is
    the order people voted in, as ``panel_votes_cast`` records it; rewriting them breaks that.
    """
    rows = db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id)).all()
    kept = [(list(b.project_ids), b.scores, b.ranking, b.channel) for b in rows]
    for ballot in rows:
        db.session.delete(ballot)
    db.session.flush()
    random.SystemRandom().shuffle(kept)
    db.session.add_all(Ballot(round_id=rnd.id, project_ids=ids, scores=scores, ranking=ranking, channel=channel)
                       for ids, scores, ranking, channel in kept)
    db.session.flush()


def close_voting(rnd, by, why, now=None):
    """Close voting and queue the count; ``closed_at`` records when, so a round closed early says so."""
    lock_row(rnd)  # once only: a second request waits, then sees the new state
    move(rnd, RoundStatus.closed, why, "A round", "round.closed")
    rnd.closed_at = now or utcnow()
    _shuffle_ballots(rnd)
    enqueue_task(COUNT_TASK, round_id=rnd.id)


def close_due(now=None):
    """Close every open round whose closing time has passed and queue its count."""
    if not try_transaction_lock("panels.close_due"):
        return []
    now = now or utcnow()
    query = (db.select(Round).where(Round.status == RoundStatus.open, Round.closes_at <= now)
             .order_by(Round.id))
    query = row_locked(query, skip_locked=True)
    closed = []
    for rnd in db.session.scalars(query):
        close_voting(rnd, None, "the closing time passed", now)
        closed.append(rnd.id)
    return closed


def ballots_for(rnd):
    """Anonymous ballots in project codes, in a canonical order (no member ids).

    Ticks (and one pick): sorted lists of codes, as always, so a round's digest does not change.
    Points: {code: points}. Ranked: lists of codes, first choice first.
    """
    code = {p.id: p.code for p in rnd.projects}
    kind = BallotType((rnd.frozen_rules or {}).get("ballot_type") or rnd.ballot_type.value).kind
    if kind == "cumulative":
        rows = db.session.scalars(db.select(Ballot.scores).where(Ballot.round_id == rnd.id))
        ballots = [{code[int(i)]: pts for i, pts in (scores or {}).items()} for scores in rows]
        return sorted(ballots, key=lambda b: (len(b), sorted(b.items(), key=lambda i: str(i[0]))))
    if kind == "ordinal":
        rows = db.session.scalars(db.select(Ballot.ranking).where(Ballot.round_id == rnd.id))
        return sorted(([code[i] for i in ranking or []] for ranking in rows), key=lambda b: (len(b), b))
    rows = db.session.scalars(db.select(Ballot.project_ids).where(Ballot.round_id == rnd.id))
    return sorted((sorted((code[i] for i in ids), key=str) for ids in rows), key=lambda b: (len(b), b))


def ballots_digest(rules, ballots):
    canonical = json.dumps({"rules": rules, "ballots": ballots}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


TIES = {"approvals-then-id": "approvals", "id": "id"}


def engine_options(rules):
    """The engine's options from frozen rules; a round frozen before an option existed gets its default."""
    kind = BallotType(rules["ballot_type"]).kind
    options = {"ties": TIES.get(rules.get("tie_break") or "approvals-then-id", "approvals"),
               "compare": rules.get("compare"), "unvoted": bool(rules.get("fund_unvoted"))}
    if rules["rule"] == AllocationRule.equal_shares.value:
        options["completion"] = rules.get("completion") or "add1"
        if kind == "approval":
            options["utility"] = rules.get("utility") or "cost"
    if kind != "approval":
        options["kind"] = kind
    return options


def _only(ballot, kept):
    """A ballot without the projects not in ``kept``, in its own shape (and a ranking's order)."""
    if isinstance(ballot, dict):
        return {c: pts for c, pts in ballot.items() if c in kept}
    return [c for c in ballot if c in kept]


def compute_outcome(rules, ballots):
    """The result from frozen rules and anonymous ballots alone, so anyone can recompute it.

    With it, the trace: the rule's own figures for every project (``allocation``), in whole
    pounds, plus the projects the rule never saw, each with its reason: ``no_votes``,
    ``below_threshold`` (too small a share of voters) or ``over_budget`` (it costs more than
    the whole budget, which setting up a round now refuses; kept for rounds set up before).
    A project chosen by nobody is seen only when the round lets money left fund such projects.
    """
    costs = rules["projects"]
    kind = BallotType(rules["ballot_type"]).kind
    approvals = {c: 0 for c in costs}
    points = {c: 0 for c in costs}
    firsts = {c: 0 for c in costs}
    for ballot in ballots:
        for c in ballot:
            approvals[c] += 1
            if kind == "cumulative":
                points[c] += ballot[c]
        if kind == "ordinal" and ballot:
            firsts[ballot[0]] += 1
    n = len(ballots)
    threshold = rules.get("min_approval_percent") or 0
    unvoted = bool(rules.get("fund_unvoted"))
    eligible = {c for c in costs if (approvals[c] > 0 or unvoted) and approvals[c] * 100 >= threshold * n}
    # Whole pounds, so that add1 raises shares by one pound, as a .pb file in pounds does.
    pounds = {c: costs[c] // 100 for c in eligible}
    shaped = [_only(b, eligible) for b in ballots]
    budget = rules["budget_pence"] // 100
    result = allocation.allocate(rules["rule"], pounds, shaped, budget, trace=True, **engine_options(rules))
    selected = set(result["selected"])
    quorum_met = not rules.get("quorum") or n >= rules["quorum"]
    trace = result["trace"]
    if "projects" not in trace:
        # A rule that keeps no figures of its own (Phragmén): what it chose, and each project's votes.
        trace["projects"] = {c: {"step": None, "votes": approvals[c], "cost": str(pounds[c]), "money": None,
                                 "funded": c in selected, "reason": "chosen" if c in selected else "not_chosen",
                                 "paid_before": {}} for c in eligible}
        trace["order"] = sorted(selected, key=str)
    for c in costs:
        if c not in eligible:
            reason = ("over_budget" if costs[c] > rules["budget_pence"] else "no_votes" if approvals[c] == 0
                      else "below_threshold")
            trace["projects"][c] = {"step": None, "votes": approvals[c], "cost": str(costs[c] // 100),
                                    "money": None, "funded": False, "reason": reason, "paid_before": {}}
        elif costs[c] > rules["budget_pence"]:
            trace["projects"][c]["over_budget"] = True
    projects = {}
    for c in costs:
        projects[c] = {"approvals": approvals[c], "funded": c in selected,
                       "below_threshold": approvals[c] > 0 and c not in eligible}
        if kind == "cumulative":
            projects[c]["points"] = points[c]
        elif kind == "ordinal":
            projects[c]["firsts"] = firsts[c]
    return {"selected": sorted(selected, key=str), "spent_pence": sum(costs[c] for c in selected),
            "ballots": n, "quorum_met": quorum_met, "trace": trace, "projects": projects}


def count_round(round_id):
    """Compute and store a closed round's result once; a second call changes nothing."""
    rnd = db.session.get(Round, round_id)
    if rnd is None or rnd.status is not RoundStatus.closed or rnd.result is not None:
        return None
    rules = rnd.frozen_rules
    ballots = ballots_for(rnd)
    outcome = compute_outcome(rules, ballots)
    eligible = max(sum(1 for m in rnd.panel.members if m.can_vote), len(ballots))  # imported ballots have no members
    result = RoundResult(round=rnd, computed_at=utcnow(), rule_version=rules["rule_version"],
                         ballots_digest=ballots_digest(rules, ballots), ballots=outcome["ballots"],
                         eligible=eligible, quorum_met=outcome["quorum_met"], selected=outcome["selected"],
                         spent_pence=outcome["spent_pence"], projects=outcome["projects"], trace=outcome["trace"])
    db.session.add(result)
    move(rnd, RoundStatus.decided, "the votes were counted", "A round", "round.decided")
    withheld = withheld_reason(rnd)
    if withheld:
        # With so few ballots, what was funded, the count or even the digest (tried against every
        # possible ballot) could show how someone voted: the audit keeps none of them.
        log_action(rnd, "round.counted", f"{rnd.reference} counted: too few ballots for the result to be shown",
                   shown=False)
    else:
        log_action(rnd, "round.counted", f"{rnd.reference}: {len(outcome['selected'])} project(s) funded, "
                   f"{outcome['ballots']} ballot(s)", selected=outcome["selected"], digest=result.ballots_digest,
                   quorum_met=outcome["quorum_met"], shown=True)
    for member in rnd.panel.members:
        if not member.user.email:
            continue
        if withheld:
            queue_email(member.user.email, "panel_results", f"Voting has closed: {rnd.title}",
                        "panel_results_withheld", name=member.display_name, round=rnd.title,
                        link=absolute_url("panels.me"))
        else:
            queue_email(member.user.email, "panel_results", f"The results are in: {rnd.title}", "panel_results",
                        name=member.display_name, round=rnd.title,
                        link=absolute_url("panels.results", round_id=rnd.id))
    return result


def confirm_awards(rnd, by):
    """Turn the panel's funded projects into awards, counted as money young people directed."""
    lock_row(rnd)  # once only: a second request waits, then sees the new state
    from commissioning.evaluation.award import award
    result = rnd.result
    if rnd.status is not RoundStatus.decided or result is None:
        raise PanelError("The votes have not been counted yet")
    if not result.quorum_met:
        raise PanelError("Too few members voted to meet the quorum, so this result cannot be confirmed as it is")
    if withheld_reason(rnd):
        raise PanelError("Too few people voted for this result to be shown, so it cannot be confirmed: "
                         "confirming would publish what was funded")
    funded = [p for p in rnd.projects if p.code in set(result.selected)]
    if not funded:
        raise PanelError("The panel funded no projects, so there is nothing to confirm")
    # Claim the confirmation in one conditional UPDATE: of two clicks at once, only one commits money.
    claimed = db.session.execute(
        db.update(RoundResult).where(RoundResult.id == result.id, RoundResult.confirmed_at.is_(None))
        .values(confirmed_at=utcnow(), confirmed_by_id=by.id)).rowcount
    if not claimed:
        raise PanelError("These awards have already been confirmed")
    db.session.refresh(result)
    reasons = f"Decided by the young people’s panel {rnd.panel.name} in round {rnd.reference}"
    if rnd.opportunity is not None:
        award(rnd.opportunity, by, [(p.bid, p.cost_pence) for p in funded], reasons, utcnow().date(),
              panel_round=rnd)
    else:
        try:
            for p in funded:
                commit_funds(rnd.pot, p.cost_pence, "RoundProject", p.id, f"{p.title}, funded by {rnd.reference}",
                             youth_directed=True)
        except InsufficientFunds as exc:
            raise PanelError(str(exc)) from None
    log_action(rnd, "round.awards_confirmed", f"{len(funded)} award(s) confirmed from {rnd.reference}",
               projects=[p.id for p in funded])


def _pence(amount, what):
    """Whole pence from a .pb amount in pounds (an int, or an exact Fraction/Decimal when it has pence)."""
    pence = Fraction(amount) * 100
    if pence.denominator != 1:
        written = Decimal(pence.numerator) / Decimal(pence.denominator) / 100
        raise PanelError(f"{what} is £{written:f}: amounts must be in whole pence")
    return int(pence)


def rule_from_pb(name):
    """(rule, completion) from a .pb file's META ``rule``: "greedy", "equalshares/add1", "equalshares", ...

    pabulib names equal shares without a completion "equalshares"; a name it has none for
    ("unknown") gives (None, None).
    """
    name = (name or "").strip().lower().replace("-comparison", "")
    if "phragm" in name:
        return "phragmen", None
    if name.startswith("greedy"):
        return "greedy", None
    if name.startswith(("equalshares", "equal-shares", "mes")):
        tail = name.partition("/")[2]
        completion = tail if tail in allocation.COMPLETIONS else None if tail else "none"
        return "equal-shares", completion
    return None, None


def import_round(panel, pot, data, by=None, rule=None, title=None):
    """A closed round from a parsed .pb file (amounts in pounds, pence kept), its ballots anonymous.

    Approval files become rounds where members tick projects within the budget; cumulative
    files points rounds (the points to share are the file's ``max_sum_points``, else the most
    any voter gave); ordinal files ranked rounds (up to the file's ``max_length``, else the
    longest ranking).
    """
    meta = data["meta"]
    kind = data.get("kind", "approval")
    file_rule, completion = rule_from_pb(meta.get("rule"))
    completion = meta.get("equal_shares_completion") or completion
    if rule is not None and rule != file_rule:
        completion = None
    rule = rule or file_rule or "equal-shares"
    if completion not in (None, *allocation.COMPLETIONS):
        raise PanelError(f"The completion {completion!r} is not one this app knows")
    equal_shares = rule == "equal-shares"
    options = dict(compare="greedy" if "-comparison" in meta.get("rule", "").lower() else None,
                   utility=(meta.get("utility") if equal_shares else None) or "cost", fund_unvoted=meta.get("fund_unvoted") == "yes",
                   tie_break=meta.get("tie_break") or "approvals-then-id",
                   min_approval_percent=_meta_int(meta, "min_approval_percent"))
    ballots = data["ballots"]
    fields = dict(ballot_type=BallotType.within_budget, max_projects=None, min_projects=None)
    if kind == "cumulative":
        most = max((sum(b.values()) for b in ballots), default=1) or 1
        fields = dict(ballot_type=BallotType.cumulative, max_projects=None, min_projects=None,
                      total_points=_meta_int(meta, "max_sum_points") or most)
    elif kind == "ordinal":
        longest = max((len(b) for b in ballots), default=1) or 1
        fields = dict(ballot_type=BallotType.ranked, min_projects=None,
                      max_projects=_meta_int(meta, "max_length") or max(longest, 1))
    elif meta.get("vote_type", "").lower() == "choose-1":
        fields["ballot_type"] = BallotType.choose_one
    elif _meta_int(meta, "max_length") or _meta_int(meta, "min_length"):
        fields = dict(ballot_type=BallotType.up_to_n, min_projects=_meta_int(meta, "min_length"),
                      max_projects=_meta_int(meta, "max_length") or len(data["costs"]))
    now = utcnow()
    rnd = create_round(panel, by, title=title or meta.get("description") or "Imported round", pot=pot,
                       budget_pence=_pence(data["budget"], "The budget"), rule=AllocationRule(rule), quorum=None,
                       opens_at=now, closes_at=now + timedelta(seconds=1),
                       completion=completion if rule == "equal-shares" else None, **options, **fields)
    names = data.get("names", {})
    projects = {}
    for code in sorted(data["costs"], key=str):
        project = RoundProject(round=rnd, code=str(code), title=names.get(code) or f"Project {code}",
                               summary="", cost_pence=_pence(data["costs"][code], f"The cost of project {code}"))
        db.session.add(project)
        projects[code] = project
    db.session.flush()
    rnd.frozen_rules = rules_of(rnd)
    rnd.status = RoundStatus.closed
    rnd.closed_at = rnd.closes_at
    rows = []
    for b in ballots:
        row = Ballot(round_id=rnd.id, project_ids=sorted(projects[c].id for c in b), channel=BallotChannel.imported)
        if kind == "cumulative":
            row.scores = {str(projects[c].id): int(pts) for c, pts in sorted(b.items(), key=lambda i: projects[i[0]].id)}
        elif kind == "ordinal":
            row.ranking = [projects[c].id for c in b]
        rows.append(row)
    db.session.add_all(rows)
    db.session.flush()
    log_action(rnd, "round.imported", f"{rnd.reference} imported with {len(ballots)} ballots",
               projects=len(projects), rule=rule, kind=kind)
    return rnd


def _meta_int(meta, key):
    try:
        return int(str(meta.get(key, "")).strip()) or None
    except ValueError:
        return None
