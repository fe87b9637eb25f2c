"""Reads for monitoring: who may review, KPI history for charts, the latest RAG per contract of a need."""
from commissioning.accounts.models import Role
from commissioning.contracts.models import Agreement
from commissioning.contracts.util import can_view
from commissioning.extensions import db
from commissioning.core.vocabulary import VulnerableGroup
from commissioning.monitoring.models import AGE_BANDS, MonitoringReturn, Reminder, ReturnStatus


def can_review(user, agreement):
    """Commissioners, and the contract's own monitor."""
    return user.is_authenticated and (user.has_role(Role.commissioner) or (
        user.has_role(Role.contract_monitor) and agreement.monitor_id == user.id))


def can_edit_return(user, agreement):
    return user.is_authenticated and user.has_role(Role.provider) and any(
        m.organisation_id == agreement.organisation_id for m in user.memberships)


def returns_of(agreement):
    """{due_id: return} for an agreement (one query)."""
    return {r.due_id: r for r in db.session.scalars(
        db.select(MonitoringReturn).where(MonitoringReturn.agreement_id == agreement.id))}


def kpi_history(agreement):
    """Per KPI: its target and [(period end, actual, rag)] from submitted and accepted returns, in order."""
    rows = {k["name"]: {"kpi": k, "points": []} for k in agreement.kpis}
    returns = returns_of(agreement)
    for due in agreement.returns:
        ret = returns.get(due.id)
        if ret is None or ret.status not in (ReturnStatus.submitted, ReturnStatus.accepted):
            continue
        for name, value in ret.kpi_actuals.items():
            if name in rows:
                rag = (ret.kpi_rags or {}).get(name, {}).get("rag")
                rows[name]["points"].append((due.period_end, value, rag))
    return list(rows.values())


def chart(history, width=560, height=200, pad=40):
    """Coordinates for an SVG chart of one KPI: actuals as points joined by a line, the target as a rule."""
    points = history["points"]
    try:
        target = float(str(history["kpi"].get("target", "")).replace(",", ""))
    except ValueError:
        target = None
    top = max([v for _d, v, _r in points] + ([target] if target else []) + [1]) * 1.15
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def y(value):
        return round(height - pad - (value / top) * (height - 2 * pad), 1)
    coords = [(round(pad + i * step, 1), y(v), d, v, r) for i, (d, v, r) in enumerate(points)]
    return {"width": width, "height": height, "pad": pad, "coords": coords,
            "line": " ".join(f"{x},{yy}" for x, yy, *_rest in coords),
            "target_y": y(target) if target else None, "target": target, "top": round(top)}


def latest_rags_for_need(need):
    """For the need page: each contract made from this need and its latest RAG (the golden thread)."""
    from flask import url_for
    from commissioning.specifications.models import specification_needs
    agreements = db.session.scalars(db.select(Agreement).join(
        specification_needs, specification_needs.c.specification_id == Agreement.specification_id)
        .where(specification_needs.c.need_id == need.id).order_by(Agreement.reference)).all()
    latest = {}  # one query for all of them, newest first: the first seen per agreement is its latest
    for ret in db.session.scalars(db.select(MonitoringReturn).where(
            MonitoringReturn.agreement_id.in_([a.id for a in agreements]),
            MonitoringReturn.status == ReturnStatus.accepted).order_by(MonitoringReturn.accepted_at.desc())):
        latest.setdefault(ret.agreement_id, ret)
    rows = []
    for agreement in agreements:
        ret = latest.get(agreement.id)
        rag = ret.overall_rag.short if ret and ret.overall_rag else "Not rated yet"
        rows.append({"label": f"{agreement.reference} {agreement.organisation.name}",
                     "url": url_for("contracts.show", agreement_id=agreement.id),
                     "status": f"{agreement.status.title}; latest RAG: {rag}"})
    return rows


def notifications_for(user, limit=100):
    return db.session.scalars(db.select(Reminder).where(Reminder.user_id == user.id)
                              .order_by(Reminder.created_at.desc()).limit(limit)).all()


def form_values(ret):
    """A return as the strings its form shows: what the page fills in, and what the API starts from."""
    values = {f"kpi-{i}": ret.kpi_actuals.get(k["name"], "") for i, k in enumerate(ret.agreement.kpis)}
    values.update({f"age-{j}": ret.reach.get("age", {}).get(band, "") for j, band in enumerate(AGE_BANDS)})
    values.update({f"loc-{loc.id}": ret.reach.get("locality", {}).get(loc.name, "")
                   for loc in reach_localities(ret.agreement)})
    values.update({f"group-{g.value}": ret.reach.get("group", {}).get(g.title, "") for g in VulnerableGroup})
    values.update(spend=f"{ret.spend_pence / 100:.2f}" if ret.spend_pence is not None else "",
                  feedback_responses=ret.feedback_responses if ret.feedback_responses is not None else "",
                  feedback_positive=ret.feedback_positive if ret.feedback_positive is not None else "",
                  feedback_quotes=ret.feedback_quotes, achievements=ret.achievements, issues=ret.issues)
    return {k: ("" if v is None else str(v)) for k, v in values.items()}


def reach_localities(agreement):
    """The localities the specification covers, for reach by locality."""
    from commissioning.localities.models import Locality
    from commissioning.specifications.models import Specification
    spec = db.session.get(Specification, agreement.specification_id)
    ids = spec.version(agreement.specification_version).content.get("locality_ids") or []
    return db.session.scalars(db.select(Locality).where(Locality.id.in_(ids)).order_by(Locality.name)).all()


# The list of returns across agreements -------------------------------------------------------------

#: Each status a return's row can show, with the words and tag colour the agreement and return pages use.
#: The first three say when a return nobody has sent (or one sent back) is due; the rest say how far it got.
RETURN_STATES = {
    "overdue": ("Overdue", "red"),
    "due_soon": ("Due soon", "yellow"),
    "not_due": ("Not due yet", "grey"),
    "draft": ("Draft", "grey"),
    "returned": ("Sent back for changes", "yellow"),
    "submitted": ("Submitted", "blue"),
    "accepted": ("Accepted", "green"),
}
DUE_SOON_DAYS = 30   # as the agreement page counts "due soon"


def _today():
    from commissioning.core.models import LONDON, utcnow
    return utcnow().astimezone(LONDON).date()


def _owed():
    """A return the provider still has to send: not started, a draft, or sent back to them."""
    return db.or_(MonitoringReturn.id.is_(None),
                  MonitoringReturn.status.in_([ReturnStatus.draft, ReturnStatus.returned]))


def _state_condition(state, today):
    from datetime import timedelta

    from commissioning.contracts.models import ReturnDue
    soon = today + timedelta(days=DUE_SOON_DAYS)
    if state == "overdue":
        return db.and_(_owed(), ReturnDue.due_on < today)
    if state == "due_soon":
        return db.and_(_owed(), ReturnDue.due_on.between(today, soon))
    if state == "not_due":
        return db.and_(_owed(), ReturnDue.due_on > soon)
    return MonitoringReturn.status == ReturnStatus(state)


def return_state_rank(today=None):
    """A column ordering rows by what needs doing first: overdue, waiting for review, due soon, not due yet,
    then accepted; a sent-back or draft return sorts with its due date's group."""
    today = today or _today()
    ranks = ["overdue", "submitted", "due_soon", "not_due"]
    return db.case(*((_state_condition(state, today), rank) for rank, state in enumerate(ranks)),
                   else_=len(ranks))


def returns_list_query(user, filters=None, order=None, today=None):
    """The returns due on agreements ``user`` may see (can_view() as a WHERE clause), as a select of ReturnDue
    with its agreement and provider loaded, filtered by ``filters`` from ReturnListForm.read()."""
    from commissioning.accounts.models import Organisation
    from commissioning.contracts.models import AgreementKind, ReturnDue
    from commissioning.contracts.util import visible_contracts
    from commissioning.core.pagination import contains
    filters, today = filters or {}, today or _today()
    query = (db.select(ReturnDue).join(Agreement, Agreement.id == ReturnDue.agreement_id)
             .join(Organisation, Organisation.id == Agreement.organisation_id)
             .outerjoin(MonitoringReturn, MonitoringReturn.due_id == ReturnDue.id)
             .where(visible_contracts(user))
             .options(db.contains_eager(ReturnDue.agreement).contains_eager(Agreement.organisation)))
    if filters.get("status"):
        query = query.where(_state_condition(filters["status"], today))
    if filters.get("rag"):
        from commissioning.monitoring.models import Rag
        query = query.where(MonitoringReturn.overall_rag.is_(None) if filters["rag"] == "none"
                            else MonitoringReturn.overall_rag == Rag(filters["rag"]))
    if filters.get("kind"):
        query = query.where(Agreement.kind == AgreementKind(filters["kind"]))
    if filters.get("q"):
        query = query.where(contains(filters["q"], Agreement.reference, Organisation.name))
    return query.order_by(*(order or (ReturnDue.due_on, ReturnDue.id)))


def return_tags(due, ret, today):
    """The (words, colour) tags of one row: its due status while the provider owes it, then how far it got."""
    from datetime import timedelta
    if ret is not None and ret.status in (ReturnStatus.submitted, ReturnStatus.accepted):
        return [RETURN_STATES[ret.status.value]]
    timing = ("overdue" if due.due_on < today
              else "due_soon" if due.due_on <= today + timedelta(days=DUE_SOON_DAYS) else "not_due")
    return [RETURN_STATES[timing]] + ([RETURN_STATES[ret.status.value]] if ret is not None else [])


def return_rows(dues, today=None):
    """(due, its return or None, its tags) for one page of ``dues``: one query whatever the number."""
    today = today or _today()
    ids = [due.id for due in dues]
    started = {r.due_id: r for r in db.session.scalars(
        db.select(MonitoringReturn).where(MonitoringReturn.due_id.in_(ids)))} if ids else {}
    return [(due, started.get(due.id), return_tags(due, started.get(due.id), today)) for due in dues]


__all__ = ["can_view", "can_review", "can_edit_return", "returns_of", "kpi_history", "chart",
           "latest_rags_for_need", "notifications_for", "form_values",
           "reach_localities", "RETURN_STATES", "return_state_rank", "returns_list_query", "return_tags",
           "return_rows"]
