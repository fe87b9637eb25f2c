"""Reads for agreements: who may see one, the register and its CSV."""
import csv
import io

from commissioning.accounts.models import Organisation, Role
from commissioning.contracts.models import Agreement, AgreementKind, AgreementStatus, ReturnDue
from commissioning.core.models import LONDON, utcnow
from commissioning.core.pagination import contains
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


def latest_rating():
    """The overall RAG of an agreement's latest accepted return, as a column (None when none is rated)."""
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    return (db.select(MonitoringReturn.overall_rag)
            .where(MonitoringReturn.agreement_id == Agreement.id, MonitoringReturn.status == ReturnStatus.accepted,
                   MonitoringReturn.overall_rag.is_not(None))
            .order_by(MonitoringReturn.accepted_at.desc(), MonitoringReturn.id.desc())
            .limit(1).correlate(Agreement).scalar_subquery())


def register_query(user, filters=None, order=None):
    """The register as a select of agreements ``user`` may see, filtered and ordered.

    ``filters`` come from RegisterFilterForm.read(): q (provider, title or reference), status, kind,
    rag (a rating, or "none" for not rated yet) and provider (an organisation's id).
    """
    filters = filters or {}
    query = (db.select(Agreement).join(Organisation, Organisation.id == Agreement.organisation_id)
             .where(visible_contracts(user)).options(db.contains_eager(Agreement.organisation)))
    if filters.get("status"):
        query = query.where(Agreement.status == AgreementStatus(filters["status"]))
    if filters.get("kind"):
        query = query.where(Agreement.kind == AgreementKind(filters["kind"]))
    if filters.get("provider"):
        query = query.where(Agreement.organisation_id == int(filters["provider"]))
    if filters.get("rag"):
        from commissioning.monitoring.models import Rag
        rating = latest_rating()
        query = query.where(rating.is_(None) if filters["rag"] == "none" else rating == Rag(filters["rag"]))
    if filters.get("q"):
        query = query.where(contains(filters["q"], Organisation.name, Agreement.title, Agreement.reference))
    return query.order_by(*(order or (Agreement.reference, Agreement.id)))


def register_rows(agreements):
    """(agreement, next return due, latest rating) for each of ``agreements``: two queries whatever the number."""
    if not agreements:
        return []
    ids = [a.id for a in agreements]
    today = utcnow().astimezone(LONDON).date()
    next_due = dict(db.session.execute(
        db.select(ReturnDue.agreement_id, db.func.min(ReturnDue.due_on))
        .where(ReturnDue.agreement_id.in_(ids), ReturnDue.due_on >= today)
        .group_by(ReturnDue.agreement_id)).all())
    ratings = dict(db.session.execute(db.select(Agreement.id, latest_rating()).where(Agreement.id.in_(ids))).all())
    return [(a, next_due.get(a.id), ratings.get(a.id)) for a in agreements]


def provider_choices(user):
    """(id, name) of the organisations in the register ``user`` sees, for its provider filter: one query."""
    return [(str(org_id), name) for org_id, name in db.session.execute(
        db.select(Organisation.id, Organisation.name).join(Agreement, Agreement.organisation_id == Organisation.id)
        .where(visible_contracts(user)).group_by(Organisation.id, Organisation.name).order_by(Organisation.name))]


def register(user, status=None, kind=None, q=None):
    """(agreement, next return due) for what ``user`` may see, filtered, by reference."""
    query = register_query(user, {"status": status, "kind": kind, "q": q})
    return [(a, due) for a, due, _rag in register_rows(db.session.scalars(query).unique().all())]


def register_csv(rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "kind", "title", "provider", "value_pounds", "start", "end", "status",
                     "next_return_due", "latest_rating"])
    for a, due, *rating in rows:
        rag = rating[0] if rating else None
        writer.writerow([a.reference, a.kind.title, safe_cell(a.title), safe_cell(a.organisation.name),
                         f"{a.value_pence / 100:.2f}", a.start_date.isoformat(), a.end_date.isoformat(),
                         a.status.title, due.isoformat() if due else "", rag.short if rag else ""])
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


def paid_against(agreement):
    """Pence paid against each scheduled payment, in schedule order."""
    paid = [0] * len(agreement.payments)
    for payment in agreement.payments_made:
        if payment.instalment is not None and 0 <= payment.instalment < len(paid):
            paid[payment.instalment] += payment.amount_pence
    return paid


def payment_schedule(agreement, released, today, terms_days):
    """Scheduled against paid, row by row, and the agreement's payment figures.

    A scheduled payment is on time when paid in full within ``terms_days`` of falling due (the due
    date stands in for the invoice date); days to pay run from the due date to the last payment
    that completed it (0 when paid before it fell due).
    """
    from datetime import date, timedelta
    paid = paid_against(agreement)
    made = {}
    for payment in agreement.payments_made:
        if payment.instalment is not None:
            made.setdefault(payment.instalment, []).append(payment)
    rows, days = [], []
    for i, scheduled in enumerate(agreement.payments):
        due = date.fromisoformat(scheduled["due"])
        amount, done = scheduled["amount_pence"], paid[i]
        payments = made.get(i, [])
        row = {"index": i, "due": due, "amount_pence": amount, "conditional": scheduled["conditional"],
               "released": released[i], "paid_pence": done, "payments": payments, "days_to_pay": None}
        if done >= amount:
            row["days_to_pay"] = max((payments[-1].paid_on - due).days, 0)
            row["status"] = "Paid" if row["days_to_pay"] <= terms_days else "Paid late"
            days.append(row["days_to_pay"])
        elif today > due + timedelta(days=terms_days):
            row["status"] = "Late: part paid" if done else "Late: not paid"
        elif today >= due:
            row["status"] = "Part paid" if done else "Due"
        else:
            row["status"] = "Part paid" if done else "Not yet due"
        rows.append(row)
    late = sum(1 for r in rows if r["status"].startswith("Late") or r["status"] == "Paid late")
    return {"rows": rows, "unscheduled": [p for p in agreement.payments_made if p.instalment is None],
            "paid_pence": sum(p.amount_pence for p in agreement.payments_made),
            "scheduled_pence": sum(p["amount_pence"] for p in agreement.payments),
            "settled": len(days), "on_time": sum(1 for d in days if d <= terms_days), "late": late,
            "average_days": round(sum(days) / len(days)) if days else None, "terms_days": terms_days}


def reporting_periods(today, count=2):
    """The payments compliance periods (1 April to 30 September, 1 October to 31 March), newest first:
    the one ``today`` is in, then those before it."""
    from datetime import date
    if 4 <= today.month <= 9:
        start = date(today.year, 4, 1)
    else:
        start = date(today.year if today.month >= 10 else today.year - 1, 10, 1)
    periods = []
    for _ in range(count):
        end = date(start.year, 9, 30) if start.month == 4 else date(start.year + 1, 3, 31)
        periods.append((start, end))
        start = date(start.year - 1, 10, 1) if start.month == 4 else date(start.year, 4, 1)
    return periods


def payments_compliance(start, end, today, terms_days):
    """Payments compliance for one period, as a payments compliance notice (UK8) reports it.

    Scheduled payments settled in the period (the payment that completed each, dated in it): how
    many, the average days to pay, and the share paid within ``terms_days``, 31 to 60 days and
    later; and the scheduled payments that fell due in the period and were still unpaid at its end
    (or today, for the period in progress). The due date stands in for the invoice date.
    """
    from datetime import date, timedelta

    from sqlalchemy.orm import selectinload
    upto = min(end, today)
    agreements = db.session.scalars(db.select(Agreement).where(
        Agreement.status.in_([AgreementStatus.active, AgreementStatus.ended, AgreementStatus.terminated]))
        .options(selectinload(Agreement.payments_made))).all()
    days, unpaid, due_count = [], 0, 0
    for agreement in agreements:
        made = {}
        for payment in sorted(agreement.payments_made, key=lambda p: (p.paid_on, p.id)):
            if payment.instalment is not None:
                made.setdefault(payment.instalment, []).append(payment)
        for i, scheduled in enumerate(agreement.payments):
            due = date.fromisoformat(scheduled["due"])
            running, settled_on = 0, None
            for payment in made.get(i, ()):
                running += payment.amount_pence
                if running >= scheduled["amount_pence"]:
                    settled_on = payment.paid_on
                    break
            if settled_on is not None and start <= settled_on <= upto:
                days.append(max((settled_on - due).days, 0))
            if start <= due <= upto:
                due_count += 1
                if (settled_on is None or settled_on > upto) and due + timedelta(days=terms_days) < upto:
                    unpaid += 1

    def share(n, total):
        return round(100 * n / total) if total else None
    within = sum(1 for d in days if d <= terms_days)
    middle = sum(1 for d in days if terms_days < d <= 60)
    later = sum(1 for d in days if d > 60)
    return {"start": start, "end": end, "in_progress": today < end, "settled": len(days),
            "average_days": round(sum(days) / len(days), 1) if days else None,
            "within_terms": share(within, len(days)), "days_31_to_60": share(middle, len(days)),
            "over_60": share(later, len(days)), "due": due_count, "unpaid": unpaid,
            "unpaid_share": share(unpaid, due_count), "terms_days": terms_days,
            "notice_due": end + timedelta(days=30)}
