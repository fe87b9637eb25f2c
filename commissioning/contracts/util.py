"""Reads for agreements: who may see one, the register and its CSV."""
import csv
import io

from commissioning.accounts.models import Role
from commissioning.contracts.models import Agreement, AgreementKind, AgreementStatus, ReturnDue
from commissioning.core.models import LONDON, utcnow
from commissioning.core.spreadsheets import safe_cell
from commissioning.extensions import db


def can_view(user, agreement):
    """Commissioners and administrators; the contract's monitor; the provider's own people."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.admin, Role.commissioner):
        return True
    if user.has_role(Role.contract_monitor) and agreement.monitor_id == user.id:
        return True
    # Providers see their agreement from its issue: a draft (perhaps in standstill) is the council's.
    return (user.has_role(Role.provider) and agreement.status is not AgreementStatus.drafted
            and any(m.organisation_id == agreement.organisation_id for m in user.memberships))


def visible_contracts(user):
    """can_view() as a WHERE clause, for lists: everything for commissioners and administrators,
    their own for monitors, their organisation's once issued for providers."""
    if user.has_role(Role.admin, Role.commissioner):
        return db.true()
    clauses = []
    if user.has_role(Role.contract_monitor):
        clauses.append(Agreement.monitor_id == user.id)
    if user.has_role(Role.provider):
        clauses.append(db.and_(Agreement.organisation_id.in_([m.organisation_id for m in user.memberships]),
                               Agreement.status != AgreementStatus.drafted))
    return db.or_(*clauses) if clauses else db.false()


def register(user, status=None, kind=None, q=None):
    """(agreement, next return due) for what ``user`` may see, filtered; two queries whatever the size."""
    query = (db.select(Agreement).where(visible_contracts(user)).order_by(Agreement.reference)
             .options(db.joinedload(Agreement.organisation)))
    if status:
        query = query.where(Agreement.status == AgreementStatus(status))
    if kind:
        query = query.where(Agreement.kind == AgreementKind(kind))
    if q:
        from commissioning.accounts.models import Organisation
        query = query.join(Organisation, Organisation.id == Agreement.organisation_id).where(
            db.or_(Organisation.name.ilike(f"%{q}%"), Agreement.title.ilike(f"%{q}%"),
                   Agreement.reference.ilike(f"%{q}%")))
    agreements = db.session.scalars(query).unique().all()
    today = utcnow().astimezone(LONDON).date()
    next_due = dict(db.session.execute(
        db.select(ReturnDue.agreement_id, db.func.min(ReturnDue.due_on))
        .where(ReturnDue.agreement_id.in_([a.id for a in agreements]), ReturnDue.due_on >= today)
        .group_by(ReturnDue.agreement_id)).all()) if agreements else {}
    return [(a, next_due.get(a.id)) for a in agreements]


def register_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "kind", "title", "provider", "value_pounds", "start", "end", "status",
                     "next_return_due"])
    for a, due in rows:
        writer.writerow([a.reference, a.kind.title, safe_cell(a.title), safe_cell(a.organisation.name),
                         f"{a.value_pence / 100:.2f}", a.start_date.isoformat(), a.end_date.isoformat(),
                         a.status.title, due.isoformat() if due else ""])
    return out.getvalue()


def kpi_traces(kpis):
    """How each KPI traces back, for people: {"text", "indicator_id", "name"} in the KPIs' order.

    Stored traces are keys ("indicator:3", "need: Title"); an indicator is named from its record,
    all of them in one query, so a renamed indicator reads with its new name.
    """
    from commissioning.indicators.models import Indicator

    def indicator_id(trace):
        key, _, rest = str(trace or "").partition(":")
        return int(rest) if key == "indicator" and rest.strip().isdigit() else None
    ids = {indicator_id(k.get("trace")) for k in kpis} - {None}
    names = dict(db.session.execute(db.select(Indicator.id, Indicator.name).where(Indicator.id.in_(ids))).all()) \
        if ids else {}
    out = []
    for k in kpis:
        trace = str(k.get("trace") or "")
        found = indicator_id(trace)
        if found is not None:
            name = names.get(found)
            out.append({"text": f"Indicator: {name}" if name else "An indicator since removed",
                        "indicator_id": found if name else None, "name": name})
        elif trace.startswith("need:"):
            out.append({"text": f"Need: {trace.partition(':')[2].strip()}", "indicator_id": None, "name": None})
        else:
            out.append({"text": "The specification" if trace in ("", "specification") else trace,
                        "indicator_id": None, "name": None})
    return out
