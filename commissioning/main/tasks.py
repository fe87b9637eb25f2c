"""What each person can act on now: the dashboard's task list, and the daily digest's.

Reads only. Each kind of task is one aggregate query (how many, the earliest due date, and
one id so a single task links straight to its page), so a person's list costs the same
number of queries however many rows lie behind it. A task appears only when its count is
above zero; the dashboard says what would appear for a role with none.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, has_request_context, url_for

from commissioning.accounts.models import Role
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db


@dataclass(frozen=True)
class Task:
    role: str
    key: str
    label: str
    count: int
    url: str  # relative, url_for(...) without _external
    due: date | None = None
    overdue: bool = False


def _day(value):
    """A stored date or UTC datetime as the London day people read it as."""
    if value is None:
        return None
    if hasattr(value, "astimezone"):
        return value.astimezone(LONDON).date()
    return value


def _aggregate(query_from, id_column, due_column=None):
    """(count, earliest due, the id when there is exactly one) for ``query_from``, in one query."""
    columns = [db.func.count(db.distinct(id_column)), db.func.min(id_column)]
    columns.append(db.func.min(due_column) if due_column is not None else db.literal(None))
    count, first_id, due = db.session.execute(query_from.with_only_columns(*columns).order_by(None)).one()
    return count or 0, (first_id if count == 1 else None), due


def _task(role, key, label, aggregate, one_url, many_url, today=None):
    """A Task, or None when there is nothing to do. ``one_url(id)`` links to the only item."""
    count, only_id, due = aggregate
    if not count:
        return None
    due_day = _day(due)
    url = one_url(only_id) if only_id is not None and one_url is not None else many_url
    return Task(role=role, key=key, label=label(count), count=count, url=url, due=due_day,
                overdue=bool(due_day and today and due_day < today))


def _plural(count, one, many):
    return one if count == 1 else many


# --- panels --------------------------------------------------------------------------------

def _panel_member_tasks(user, today):
    from commissioning.panels.models import Round, RoundResult, RoundStatus, VoteCast
    from commissioning.panels.util import member_of, min_ballots
    member = member_of(user)
    if member is None or not member.active:
        return []
    tasks = []
    if member.can_vote:
        not_voted = ~db.exists().where(VoteCast.round_id == Round.id, VoteCast.member_id == member.id)
        open_rounds = db.select(Round).where(Round.panel_id == member.panel_id, Round.status == RoundStatus.open,
                                             Round.opens_at >= user.created_at, not_voted)
        tasks.append(_task(
            "panel_member", "rounds_to_vote",
            lambda n: _plural(n, "Vote in a round that is open", f"Vote in {n} rounds that are open"),
            _aggregate(open_rounds, Round.id, Round.closes_at),
            lambda rid: url_for("panels.links", round_id=rid), url_for("panels.me"), today))
    since = utcnow() - timedelta(days=60)
    published = db.select(Round).join(RoundResult, RoundResult.round_id == Round.id).where(
        Round.panel_id == member.panel_id, Round.status == RoundStatus.decided, RoundResult.computed_at >= since,
        RoundResult.quorum_met.is_(True), RoundResult.ballots >= min_ballots())
    tasks.append(_task(
        "panel_member", "results_published",
        lambda n: _plural(n, "See what was funded and why", f"See what was funded and why in {n} rounds"),
        _aggregate(published, Round.id),
        lambda rid: url_for("panels.results", round_id=rid), url_for("panels.me"), today))
    return tasks


def _panel_facilitator_tasks(user, today):
    from commissioning.panels.models import Panel, PanelMember, Round, RoundResult, RoundStatus
    from commissioning.panels.models import AgeBand
    own = Panel.facilitator_id == user.id
    rounds = db.select(Round).join(Panel, Panel.id == Round.panel_id).where(own)
    under_16 = [band for band in AgeBand if band.needs_parental_consent]
    consent = db.select(PanelMember).join(Panel, Panel.id == PanelMember.panel_id).where(
        own, PanelMember.active.is_(True), PanelMember.consent_recorded_at.is_(None),
        PanelMember.age_band.in_(under_16))
    results = rounds.join(RoundResult, RoundResult.round_id == Round.id).where(
        Round.status == RoundStatus.decided, RoundResult.confirmed_at.is_(None), RoundResult.quorum_met.is_(True))
    index = url_for("panels.index")
    return [
        _task("panel_facilitator", "rounds_being_set_up",
              lambda n: _plural(n, "Finish setting up a round and open voting",
                                f"Finish setting up {n} rounds and open voting"),
              _aggregate(rounds.where(Round.status == RoundStatus.draft), Round.id, Round.opens_at),
              lambda rid: url_for("panels.round_page", round_id=rid), index, today),
        _task("panel_facilitator", "consent_outstanding",
              lambda n: _plural(n, "Record a parent’s or carer’s consent for a member",
                                f"Record a parent’s or carer’s consent for {n} members"),
              _aggregate(consent, PanelMember.id),
              lambda mid: url_for("panels.member", member_id=mid), index, today),
        _task("panel_facilitator", "rounds_open",
              lambda n: _plural(n, "Follow a round that is open for voting",
                                f"Follow {n} rounds that are open for voting"),
              _aggregate(rounds.where(Round.status == RoundStatus.open), Round.id, Round.closes_at),
              lambda rid: url_for("panels.round_page", round_id=rid), index, today),
        _task("panel_facilitator", "results_to_share",
              lambda n: _plural(n, "Share a round’s results with your panel",
                                f"Share {n} rounds’ results with your panel"),
              _aggregate(results, Round.id),
              lambda rid: url_for("panels.results", round_id=rid), index, today),
    ]


ROLE_TASKS = {
    Role.panel_member: _panel_member_tasks,
    Role.panel_facilitator: _panel_facilitator_tasks,
}


def tasks_for(user, today=None):
    """Every task ``user`` can act on now, role by role (roles in title order), none with a zero count."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not has_request_context():
        # A worker (the daily digest) has no request: links are paths all the same.
        with current_app.test_request_context("/"):
            return tasks_for(user, today)
    today = today or utcnow().astimezone(LONDON).date()
    tasks = []
    for role in sorted(user.role_set, key=lambda r: r.title):
        compute = ROLE_TASKS.get(role)
        if compute is not None:
            tasks.extend(t for t in compute(user, today) if t is not None)
    return tasks
