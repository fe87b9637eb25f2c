"""Every write for agreements; each leaves an audit entry. PDFs are rendered by a worker."""
import calendar
import hashlib
from datetime import date, timedelta

from commissioning.audit.operations import log_action
from commissioning.contracts import wording
from commissioning.contracts.models import (
    Agreement, AgreementDocument, AgreementKind, AgreementStatus, Clause, ReturnDue, Variation, VariationStatus)
from commissioning.core.enums import InvalidTransition
from commissioning.core.models import LONDON, utcnow
from commissioning.core.money import format_pounds
from commissioning.core.transitions import move
from commissioning.core.urls import absolute_url, app_path
from commissioning.core.locks import lock_row, row_locked
from commissioning.extensions import db
from commissioning.files.operations import store_file
from commissioning.mail.operations import notify, queue_email
from commissioning.mail.util import commissioners_of
from commissioning.outbox.operations import enqueue_task

RENDER_TASK = "contracts.render_document"
EXECUTED_TASK = "contracts.render_executed"
TEMPLATE = "pdf/agreement.html"
RETURN_DAYS_AFTER_PERIOD = 14
MONTHS = {"monthly": 1, "quarterly": 3, "six_monthly": 6, "annually": 12}


class AgreementError(ValueError):
    """A refusal worded for the person who asked."""


#: The clause library as first installed. Parties, the activity and cross-references are tokens
#: (see wording.py), so each reads right in either kind of agreement and in any order.
DEFAULT_CLAUSES = [
    ("definitions", "Definitions", "In this agreement {council} is the commissioning council named above; "
     "{provider} is the organisation named above; {services} means what is described in {schedule:activity}; and "
     "a Working Day is any day other than a weekend or a bank holiday in England.", ["contract", "grant_agreement"]),
    ("term", "Term", "This agreement runs from the start date to the end date shown under Key terms, unless it is "
     "extended as the extension options there allow or ended earlier under the clauses on review, break and "
     "termination.", ["contract", "grant_agreement"]),
    ("services", "The Services", "{Provider} will deliver {services} with reasonable skill and care, to the "
     "specification version named in {schedule:activity}, and will involve young people in how {services} are "
     "run.", ["contract"]),
    ("use_of_grant", "Use of the grant", "{Provider} will spend the grant only on {services} described in "
     "{schedule:activity}, will keep records of how it was spent, and will repay any part not spent on "
     "{services}.", ["grant_agreement"]),
    ("payment", "Payment", "{Council} will pay the amounts in {schedule:payments} on the dates shown. A payment "
     "marked as conditional is made only once the monitoring return before it has been accepted.",
     ["contract", "grant_agreement"]),
    ("monitoring", "Monitoring and performance", "{Provider} will send a monitoring return by each date in "
     "{schedule:returns}, reporting against the key performance indicators in {schedule:kpis}. {Council} will "
     "rate performance and may ask for an improvement plan.", ["contract", "grant_agreement"]),
    ("safeguarding", "Safeguarding", "{Provider} will keep and follow a safeguarding policy for children and young "
     "people, make sure everyone working with young people has the right level of DBS check, and report any "
     "safeguarding concern to the local safeguarding partnership without delay.", ["contract", "grant_agreement"]),
    ("data_protection", "Data protection", "Each party will comply with the UK GDPR and the Data Protection Act "
     "2018. {Provider} will process young people's personal data only to deliver {services}, keep it secure, and "
     "tell {council} of any personal data breach within 48 hours.", ["contract", "grant_agreement"]),
    ("equality", "Equality", "{Provider} will not discriminate unlawfully and will help {council} meet its "
     "public sector equality duty.", ["contract", "grant_agreement"]),
    ("acknowledgement", "Acknowledging the funding", "{Provider} will say in its publicity that {services} is "
     "funded by {council}.", ["grant_agreement"]),
    ("variation", "Changes", "A change to the value, term, key performance indicators or payment schedule is valid "
     "only as a written variation approved by {council} and signed by both parties.",
     ["contract", "grant_agreement"]),
    ("termination", "Termination", "Either party may end this agreement if the other seriously breaches it and does "
     "not put the breach right within 30 days of being asked in writing.", ["contract", "grant_agreement"]),
    ("disputes", "Disputes", "The parties will try to settle any dispute by meeting in good faith before using "
     "mediation. This agreement is governed by the law of England and Wales.", ["contract", "grant_agreement"]),
]


def ensure_clauses():
    """Create the default clause library once; an administrator edits it from then on."""
    if db.session.scalar(db.select(Clause.id).limit(1)):
        return 0
    for position, (key, title, body, kinds) in enumerate(DEFAULT_CLAUSES):
        db.session.add(Clause(key=key, title=title, body=body, kinds=kinds, position=position))
    db.session.flush()
    return len(DEFAULT_CLAUSES)


def update_clause(clause, title, body, by):
    """A new version of a clause; references are checked so that every document reads right."""
    if not title.strip() or not body.strip():
        raise AgreementError("Enter the clause’s title and text")
    problem = wording.check_clause_text(body, set(db.session.scalars(db.select(Clause.key))))
    if problem:
        raise AgreementError(problem)
    clause.title, clause.body = title.strip(), body.strip()
    clause.version += 1
    log_action(clause, "clause.updated", f"Clause {clause.key} changed (version {clause.version})", user=by)


# --- dates ---------------------------------------------------------------------------------

def add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(start, end, months):
    """(period start, period end) pairs covering start..end in steps of ``months``."""
    out, k = [], 0
    current = start
    while current <= end:
        following = add_months(start, (k + 1) * months)   # from the start each time: no drift at month ends
        out.append((current, min(following - timedelta(days=1), end)))
        current, k = following, k + 1
    return out


def payment_plan(value_pence, start, end, schedule):
    """Instalments that add up exactly to the value (the last takes the rounding)."""
    if schedule == "single_payment":
        return [{"due": start.isoformat(), "amount_pence": value_pence, "conditional": False}]
    step = 1 if schedule == "monthly_in_arrears" else 3
    spans = periods(start, end, step)
    in_arrears = schedule in ("quarterly_in_arrears", "monthly_in_arrears")
    share = value_pence // len(spans)
    plan = [{"due": (span_end if in_arrears else span_start).isoformat(), "amount_pence": share,
             "conditional": in_arrears} for span_start, span_end in spans]
    plan[-1]["amount_pence"] += value_pence - share * len(spans)
    return plan


def _schedule_returns(agreement):
    """Monitoring returns due a fortnight after each period; past ones already generated are kept."""
    today = utcnow().astimezone(LONDON).date()
    wanted = {span_end + timedelta(days=RETURN_DAYS_AFTER_PERIOD): (span_start, span_end) for span_start, span_end in
              periods(agreement.start_date, agreement.end_date, MONTHS.get(agreement.monitoring_frequency, 3))}
    for due in list(agreement.returns):
        # Past dates stay once the agreement is in force (their returns are history); a draft is redone.
        if not (due.due_on >= today or agreement.status in (AgreementStatus.drafted, AgreementStatus.issued)):
            continue
        span = wanted.get(due.due_on)
        if span is None:
            agreement.returns.remove(due)
        elif (due.period_start, due.period_end) != span:
            # The same due date under another frequency (a quarter's end is also a month's): the period
            # changes in place, since a delete and insert of one date would collide in a single flush.
            due.period_start, due.period_end = span
    have = {due.due_on for due in agreement.returns}
    for due_on, (span_start, span_end) in sorted(wanted.items()):
        if due_on not in have:
            agreement.returns.append(ReturnDue(period_start=span_start, period_end=span_end, due_on=due_on))


# --- creating and drafting -----------------------------------------------------------------

def _next_reference(kind):
    prefix = "CON" if kind is AgreementKind.contract else "GRA"
    count = db.session.scalar(db.select(db.func.count(Agreement.id)).where(Agreement.kind == kind)) or 0
    return f"{prefix}-{count + 1:04d}"


def _parties(opp, organisation, authority):
    from commissioning.funding.models import Pot, PotKind
    content = opp.specification.version(opp.specification_version).content
    pot = db.session.get(Pot, content["pot_id"])
    kind = AgreementKind.contract if opp.kind.value == "procurement" else AgreementKind.grant_agreement
    roles = wording.ROLES[kind]
    parties = [{"name": authority, "role": roles["council"], "party": "council"}]
    if pot is not None and pot.kind is PotKind.pooled_budget:
        partners = sorted({c.organisation.name for c in pot.contributions if c.organisation.name != authority})
        parties += [{"name": name, "role": roles["joint"], "party": "joint"} for name in partners]
    parties.append({"name": organisation.name, "role": roles["provider"], "party": "provider"})
    return parties


def create_from_award(awarded, by, authority, start=None):
    """A drafted agreement from an awarded bid: parties, value, term, KPIs, payments, returns."""
    existing = db.session.scalars(db.select(Agreement).where(Agreement.awarded_bid_id == awarded.id)).first()
    if existing:
        return existing
    ensure_clauses()
    bid = awarded.bid
    opp = bid.opportunity
    content = opp.specification.version(opp.specification_version).content
    from commissioning.evaluation.models import AwardDecision
    decision = db.session.get(AwardDecision, awarded.award_id)
    today = utcnow().astimezone(LONDON).date()
    start = start or max(today, (decision.standstill_end + timedelta(days=1)) if decision.standstill_end else today)
    end = add_months(start, content.get("contract_months") or 12) - timedelta(days=1)
    kind = AgreementKind.contract if opp.kind.value == "procurement" else AgreementKind.grant_agreement
    needs = [n.title for n in opp.specification.needs]
    kpis = [{"name": k["name"], "unit": k.get("unit") or "", "target": k.get("target") or "",
             "frequency": k.get("frequency") or "quarterly",
             "trace": f"indicator:{k['indicator_id']}" if k.get("indicator_id") else
             (f"need: {needs[0]}" if needs else "specification")} for k in content.get("kpis", [])]
    agreement = Agreement(
        reference=_next_reference(kind), kind=kind, awarded_bid_id=awarded.id, opportunity_id=opp.id,
        organisation_id=bid.organisation_id, specification_id=opp.specification_id,
        specification_version=opp.specification_version, title=opp.title,
        parties=_parties(opp, bid.organisation, authority), value_pence=awarded.amount_pence,
        start_date=start, end_date=end, extension_options=content.get("extension_options") or "",
        kpis=kpis, payments=payment_plan(awarded.amount_pence, start, end, content.get("payment_schedule")),
        monitoring_frequency=content.get("monitoring_frequency") or "quarterly",
        review_clause="The parties will review delivery against the KPIs every six months and at the end of the "
                      "first year.",
        break_clause="Either party may end this agreement on three months’ written notice after the first "
                     "twelve months.",
        standstill_end=decision.standstill_end, created_by_id=by.id if by else None)
    db.session.add(agreement)
    db.session.flush()
    _schedule_returns(agreement)
    log_action(agreement, "agreement.created", f"{agreement.reference} drafted for {bid.organisation.name} "
               f"({format_pounds(agreement.value_pence)})", awarded_bid_id=awarded.id)
    return agreement


def replan_payments(agreement, value_pence, end, today=None):
    """Payments due by today stay; the rest of the value is spread over what is left of the term."""
    today = today or utcnow().astimezone(LONDON).date()
    if value_pence == agreement.value_pence and end == agreement.end_date:
        return [dict(p) for p in agreement.payments]
    kept = [dict(p) for p in agreement.payments if date.fromisoformat(p["due"]) <= today]
    remaining = value_pence - sum(p["amount_pence"] for p in kept)
    if remaining < 0:
        raise AgreementError(f"{format_pounds(value_pence - remaining)} has already fallen due, more than the new "
                             f"value {format_pounds(value_pence)}")
    if remaining == 0:
        return kept
    from commissioning.specifications.models import Specification
    spec = db.session.get(Specification, agreement.specification_id)
    schedule = spec.version(agreement.specification_version).content.get("payment_schedule")
    start = max(today + timedelta(days=1), agreement.start_date)
    if start > end:
        return kept + [{"due": end.isoformat(), "amount_pence": remaining, "conditional": False}]
    return kept + payment_plan(remaining, start, end, schedule)


def check_terms(value_pence, start, end, payments, kpis):
    if end <= start:
        raise AgreementError("The end date must be after the start date")
    if not payments:
        raise AgreementError("Add at least one payment")
    total = sum(p["amount_pence"] for p in payments)
    if total != value_pence:
        raise AgreementError(f"The payments add up to {format_pounds(total)}, not the value "
                             f"{format_pounds(value_pence)}: change an amount so that they match")
    for p in payments:
        if p["amount_pence"] <= 0:
            raise AgreementError("Each payment must be more than £0")
        due = date.fromisoformat(p["due"])
        if not start - timedelta(days=31) <= due <= end + timedelta(days=90):
            raise AgreementError(f"The payment due {due.strftime('%-d %B %Y')} falls outside the term")
    for k in kpis:
        if not str(k.get("target") or "").strip():
            raise AgreementError(f"Enter a target for the KPI “{k['name']}”")


def update_draft(agreement, by, **fields):
    if agreement.status is not AgreementStatus.drafted:
        raise AgreementError("Only a drafted agreement can be edited: use a variation once it is signed")
    merged = {key: fields.get(key, getattr(agreement, key)) for key in
              ("start_date", "end_date", "payments", "kpis", "value_pence")}
    check_terms(merged["value_pence"], merged["start_date"], merged["end_date"], merged["payments"], merged["kpis"])
    for key, value in fields.items():
        setattr(agreement, key, value)
    _schedule_returns(agreement)
    log_action(agreement, "agreement.updated", f"{agreement.reference} draft changed", user=by,
               fields=sorted(fields))


# --- documents -----------------------------------------------------------------------------

def _clauses(kind):
    rows = db.session.scalars(db.select(Clause).order_by(Clause.position, Clause.id)).all()
    return [c for c in rows if kind.value in c.kinds]


def snapshot(agreement, reason, authority, overrides=None):
    """The plain data a document is rendered from (templates never see ORM objects).

    Clause numbers come from the clauses' order and schedule numbers from wording.SCHEDULES; the
    tokens in clause text are resolved here, once, so the PDF and the page read the same words.
    """
    from commissioning.contracts.util import kpi_traces
    from commissioning.specifications.models import Specification
    data = {key: getattr(agreement, key) for key in ("value_pence", "start_date", "end_date", "kpis", "payments",
                                                     "special_conditions", "extension_options")}
    data.update(overrides or {})
    kind = agreement.kind
    spec = db.session.get(Specification, agreement.specification_id)
    content = spec.version(agreement.specification_version).content
    clauses = _clauses(kind)
    numbered = [{"key": c.key, "title": c.title, "body": c.body} for c in clauses]
    for key, extra_title, extra in (("review", "Review", agreement.review_clause),
                                    ("break", "Break", agreement.break_clause),
                                    ("special_conditions", "Special conditions", data["special_conditions"])):
        if extra and extra.strip():
            numbered.append({"key": key, "title": extra_title, "body": extra.strip()})
    numbers = {c["key"]: n for n, c in enumerate(numbered, start=1)}
    numbered = [{"number": numbers[c["key"]], "title": wording.resolve(c["title"], kind, numbers),
                 "body": wording.resolve(c["body"], kind, numbers)} for c in numbered]
    fingerprint = hashlib.sha256("|".join(f"{c.key}:{c.version}" for c in clauses).encode()).hexdigest()[:12]
    start, end = data["start_date"], data["end_date"]
    if isinstance(start, str):
        start, end = date.fromisoformat(start), date.fromisoformat(end)
    returns = [{"period": f"{s.strftime('%-d %b %Y')} to {e.strftime('%-d %b %Y')}",
                "due": (e + timedelta(days=RETURN_DAYS_AFTER_PERIOD)).strftime("%-d %B %Y")}
               for s, e in periods(start, end, MONTHS.get(agreement.monitoring_frequency, 3))]
    parties = wording.parties_for(agreement.parties, kind)
    schedules = wording.schedules(kind)
    traces = kpi_traces(data["kpis"])
    return {
        "authority": authority, "reference": agreement.reference, "kind": kind.title,
        "is_grant": kind is AgreementKind.grant_agreement, "title": agreement.title,
        "reason": reason, "parties": parties, "terms": wording.terms(kind),
        "schedules": schedules, "schedule": {s["key"]: s for s in schedules},
        "provider": next(p["name"] for p in parties if p["party"] == "provider"),
        "value": format_pounds(data["value_pence"]), "start": start.strftime("%-d %B %Y"),
        "end": end.strftime("%-d %B %Y"), "extension_options": data["extension_options"] or "None",
        "specification": {"reference": spec.reference,
                          "version": agreement.specification_version, "purpose": content.get("purpose", ""),
                          "outputs": content.get("outputs", ""), "requirements": content.get("requirements", "")},
        "kpis": [{**k, "traced_to": trace["text"]} for k, trace in zip(data["kpis"], traces)],
        "payments": [{"due": date.fromisoformat(p["due"]).strftime("%-d %B %Y"),
                      "amount": format_pounds(p["amount_pence"]), "conditional": p["conditional"]}
                     for p in data["payments"]],
        "returns": returns, "monitoring": agreement.monitoring_frequency.replace("_", " "),
        "clauses": numbered,
        "variations": [{"reference": v.reference, "reason": v.reason, "agreed": v.countersigned_at.strftime(
            "%-d %B %Y") if v.countersigned_at else ""} for v in agreement.variations
            if v.status is VariationStatus.agreed],
        "template_version": f"{TEMPLATE}@2+clauses:{fingerprint}",
    }


def _new_document(agreement, reason, authority, overrides=None):
    version = (agreement.documents[-1].version + 1) if agreement.documents else 1
    data = snapshot(agreement, reason, authority, overrides)
    document = AgreementDocument(agreement=agreement, version=version, reason=reason,
                                 template_version=data["template_version"], snapshot={**data, "version": version},
                                 created_at=utcnow())
    db.session.add(document)
    db.session.flush()
    enqueue_task(RENDER_TASK, document_id=document.id)
    return document


def render_document(document_id):
    """Render and store one document version; a second run (or a retry) finds it done."""
    from commissioning.pdf import render_pdf_pages
    query = db.select(AgreementDocument).where(AgreementDocument.id == document_id)
    query = row_locked(query)
    document = db.session.scalars(query).first()
    if document is None or document.file_id is not None:
        return document
    pdf, pages = render_pdf_pages(TEMPLATE, _renderable(document.snapshot))
    stored = store_file(f"{document.snapshot['reference']}-v{document.version}.pdf", "application/pdf", pdf)
    document.file_id, document.sha256, document.pages = stored.id, stored.sha256, pages
    document.rendered_at = utcnow()
    log_action(document.agreement, "agreement.document_rendered",
               f"{document.snapshot['reference']} version {document.version} rendered ({pages} pages)",
               sha256=stored.sha256, template_version=document.template_version)
    return document


def _renderable(data):
    """A stored snapshot with what the template needs; documents prepared before schedules were
    numbered from their order (or parties named per kind) get them here, from their kind."""
    kind = AgreementKind.grant_agreement if data.get("is_grant") else AgreementKind.contract
    if "schedule" not in data:
        schedules = wording.schedules(kind)
        data = {**data, "schedules": schedules, "schedule": {s["key"]: s for s in schedules}}
    if "terms" not in data:
        data = {**data, "terms": wording.terms(kind), "parties": wording.parties_for(data["parties"], kind)}
    return data


def _signatures(agreement, signatory, signatory_role, signed_at, copy_file_id, countersigner, countersigned_at):
    """Who signed, for whom and as what, when and how: the plain data of an executed copy."""
    from commissioning.files.models import StoredFile
    parties = wording.parties_for(agreement.parties, agreement.kind)
    terms = wording.terms(agreement.kind)
    council = next((p["name"] for p in parties if p["party"] == "council"), "")
    how = "Accepted in the service"
    if copy_file_id:
        stored = db.session.get(StoredFile, copy_file_id)
        how = f"Signed copy uploaded to the service (SHA-256 {stored.sha256})"
    return [
        {"party": agreement.organisation.name, "as": terms["provider"], "signatory": signatory,
         "signatory_role": signatory_role, "signed_at": _when(signed_at), "how": how},
        {"party": council, "as": terms["council"], "signatory": countersigner.name,
         "signatory_role": f"Commissioner, {council}", "signed_at": _when(countersigned_at),
         "how": "Countersigned in the service"},
    ]


def _when(moment):
    return moment.astimezone(LONDON).strftime("%-d %B %Y at %H:%M (UK time)")


def _request_executed(document, signatures):
    """Record who signed ``document`` and queue the worker that makes its executed copy."""
    if document is None or document.executed_requested_at is not None:
        return
    document.executed_snapshot = {"signatures": signatures, "signed_sha256": document.sha256}
    document.executed_requested_at = utcnow()
    db.session.flush()
    enqueue_task(EXECUTED_TASK, document_id=document.id)


def render_executed(document_id):
    """Make and store the executed copy of one countersigned version; a retry finds it done."""
    from commissioning.pdf import render_pdf_pages
    document = db.session.scalars(row_locked(
        db.select(AgreementDocument).where(AgreementDocument.id == document_id))).first()
    if document is None or document.executed_snapshot is None or document.executed_file_id is not None:
        return document
    made = utcnow()
    execution = {**document.executed_snapshot, "made_on": _when(made)}
    pdf, _pages = render_pdf_pages(TEMPLATE, {**_renderable(document.snapshot), "execution": execution})
    reference = document.snapshot["reference"]
    stored = store_file(f"{reference}-v{document.version}-executed.pdf", "application/pdf", pdf)
    document.executed_file_id, document.executed_sha256, document.executed_at = stored.id, stored.sha256, made
    log_action(document.agreement, "agreement.executed_copy_made",
               f"{reference} version {document.version}: executed copy made", sha256=stored.sha256,
               signed_sha256=document.sha256)
    return document


def _tell_provider(agreement, subject, template, **context):
    link = absolute_url("contracts.show", agreement_id=agreement.id)
    terms = wording.terms(agreement.kind)
    for membership in agreement.organisation.memberships:
        if membership.user.email:
            queue_email(membership.user.email, template, subject, template, user_name=membership.user.name,
                        reference=agreement.reference, title=agreement.title, link=link,
                        document=terms["document"], party=terms["provider"], council=terms["council"], **context)


# --- the life of an agreement --------------------------------------------------------------

def issue(agreement, by, authority, today=None):
    lock_row(agreement)  # once only: a second request waits, then sees the new state
    today = today or utcnow().astimezone(LONDON).date()
    if agreement.standstill_end and today <= agreement.standstill_end:
        raise AgreementError(f"The standstill period runs until {agreement.standstill_end.strftime('%-d %B %Y')}: "
                             "the contract can be issued from the next day")
    check_terms(agreement.value_pence, agreement.start_date, agreement.end_date, agreement.payments, agreement.kpis)
    move(agreement, AgreementStatus.issued, f"issued by {by.name if by else 'the system'}", "An agreement",
         "agreement.issued")
    document = _new_document(agreement, "Issued for signature", authority)
    _tell_provider(agreement, f"Ready to sign: {agreement.title}", "agreement_issued")
    return document


def assign_monitor(agreement, monitor, by):
    agreement.monitor_id = monitor.id
    log_action(agreement, "agreement.monitor_assigned", f"{monitor.name} monitors {agreement.reference}", user=by)


def recall(agreement, by):
    move(agreement, AgreementStatus.drafted, f"recalled by {by.name} for changes", "An agreement",
         "agreement.recalled")


def _check_seen(document, sha256_seen):
    if document is None or document.sha256 is None:
        raise AgreementError("The document is still being prepared: try again in a moment")
    if sha256_seen != document.sha256:
        raise AgreementError("The document has changed since you opened it. Open the latest version, read it, "
                             "then sign")


def _check_signatory(agreement, user, name, role):
    if not any(m.organisation_id == agreement.organisation_id for m in user.memberships):
        raise AgreementError("Only someone from the provider can sign for it")
    if not (name or "").strip() or not (role or "").strip():
        raise AgreementError("Enter your full name and your role")


def sign(agreement, user, name, role, sha256_seen):
    """The provider's authorised signatory accepts the exact PDF they saw."""
    lock_row(agreement)  # once only: a second request waits, then sees the new state
    if agreement.status is not AgreementStatus.issued:
        raise AgreementError("This agreement is not waiting for a signature")
    _check_signatory(agreement, user, name, role)
    _check_seen(agreement.document, sha256_seen)
    agreement.provider_signatory, agreement.provider_signatory_role = name.strip(), role.strip()
    agreement.provider_signed_at, agreement.provider_signed_sha256 = utcnow(), sha256_seen
    move(agreement, AgreementStatus.signed, f"accepted by {name.strip()} ({role.strip()})", "An agreement",
         "agreement.signed")
    _tell_commissioners_signed(agreement, copy=False)


def _tell_commissioners_signed(agreement, copy):
    """The agreement's commissioner hears that it waits for the council's countersignature."""
    for commissioner in commissioners_of(agreement.created_by_id):
        notify(commissioner, "agreement_signed",
               f"agreement_signed:{agreement.id}:{agreement.provider_signed_at.isoformat()}:{commissioner.id}",
               f"Signed, ready to countersign: {agreement.reference}",
               f"{agreement.organisation.name} signed {agreement.reference} {agreement.title}. Countersign it so "
               "that it comes into force.",
               app_path("contracts.show", agreement_id=agreement.id), template="agreement_signed",
               reference=agreement.reference, title=agreement.title, organisation=agreement.organisation.name,
               signatory=agreement.provider_signatory, signatory_role=agreement.provider_signatory_role, copy=copy)


def upload_signed_copy(agreement, user, name, role, upload, sha256_seen):
    """A wet-signed or otherwise signed copy instead of accepting in the app, of the version on screen."""
    lock_row(agreement)  # once only: a second request waits, then sees the new state
    if agreement.status is not AgreementStatus.issued:
        raise AgreementError("This agreement is not waiting for a signature")
    _check_signatory(agreement, user, name, role)
    _check_seen(agreement.document, sha256_seen)
    filename, content_type, data = upload
    if content_type != "application/pdf":
        raise AgreementError("Upload the signed copy as a PDF")
    stored = store_file(filename, content_type, data, user)
    agreement.signed_copy_file_id = stored.id
    agreement.provider_signatory, agreement.provider_signatory_role = name.strip(), role.strip()
    agreement.provider_signed_at = utcnow()
    agreement.provider_signed_sha256 = sha256_seen
    move(agreement, AgreementStatus.signed, f"signed copy uploaded by {name.strip()} (sha256 {stored.sha256[:12]})",
         "An agreement", "agreement.signed")
    _tell_commissioners_signed(agreement, copy=True)


def countersign(agreement, by):
    lock_row(agreement)  # once only: a second request waits, then sees the new state
    if agreement.status is not AgreementStatus.signed or not agreement.provider_signed_sha256:
        raise AgreementError(f"The {wording.terms(agreement.kind)['provider_word']} has not signed yet: "
                             "countersign once they have")
    agreement.countersigned_by_id, agreement.countersigned_at = by.id, utcnow()
    move(agreement, AgreementStatus.active, f"countersigned by {by.name}", "An agreement", "agreement.countersigned")
    signed = next((d for d in agreement.documents if d.sha256 == agreement.provider_signed_sha256), None)
    _request_executed(signed, _signatures(agreement, agreement.provider_signatory, agreement.provider_signatory_role,
                                          agreement.provider_signed_at, agreement.signed_copy_file_id, by,
                                          agreement.countersigned_at))
    _tell_provider(agreement, f"Signed by both parties: {agreement.title}", "agreement_active")


def ending_problem(agreement, reason, early, today=None):
    """Why the agreement cannot end this way now, or None: asked before the confirmation page too."""
    today = today or utcnow().astimezone(LONDON).date()
    if early and not (reason or "").strip():
        return "Say why the agreement is ending early"
    if not early and today < agreement.end_date:
        return (f"It runs until {agreement.end_date.strftime('%-d %B %Y')}: to stop it before then, "
                "terminate it early with a reason")
    return None


def end(agreement, by, reason, early, today=None):
    """End at the end date, or terminate early with a reason; open variations and future returns go."""
    lock_row(agreement)  # once only: a second request waits, then sees the new state
    today = today or utcnow().astimezone(LONDON).date()
    target = AgreementStatus.terminated if early else AgreementStatus.ended
    if not agreement.status.can_become(target):
        raise InvalidTransition(f"An agreement that is {agreement.status.title.lower()} cannot be "
                                f"{target.title.lower()}")
    problem = ending_problem(agreement, reason, early, today)
    if problem:
        raise AgreementError(problem)
    why = (reason or "").strip() or "Reached its end date"
    move(agreement, AgreementStatus.terminated if early else AgreementStatus.ended, why,
         "An agreement", "agreement.terminated" if early else "agreement.ended")
    agreement.end_reason = why
    for variation in agreement.variations:
        if variation.status in (VariationStatus.proposed, VariationStatus.approved, VariationStatus.signed):
            variation.status = VariationStatus.withdrawn
            log_action(agreement, "variation.withdrawn", f"{variation.reference} withdrawn: the agreement ended")
    for due in list(agreement.returns):
        if due.due_on > today and due.period_start > today:
            agreement.returns.remove(due)


# --- variations ----------------------------------------------------------------------------

VARIABLE = ("value_pence", "end_date", "kpis", "payments", "special_conditions")


def propose_variation(agreement, by, reason, **new):
    if agreement.status is not AgreementStatus.active:
        raise AgreementError("Only an active agreement can be varied")
    if not (reason or "").strip():
        raise AgreementError("Say why the agreement needs to change")
    if any(v.status in (VariationStatus.proposed, VariationStatus.approved, VariationStatus.signed)
           for v in agreement.variations):
        raise AgreementError("Finish or withdraw the variation in progress first")
    changes = {}
    for key in VARIABLE:
        if key in new and new[key] is not None:
            old, value = getattr(agreement, key), new[key]
            if key == "end_date":
                old, value = old.isoformat(), value.isoformat()
            if old != value:
                changes[key] = {"old": old, "new": value}
    if not changes:
        raise AgreementError("Change at least one thing: the value, end date, KPI targets, payments or conditions")
    merged = {key: new.get(key) if key in changes else getattr(agreement, key) for key in VARIABLE}
    end_date = new["end_date"] if "end_date" in changes else agreement.end_date
    check_terms(merged["value_pence"], agreement.start_date, end_date, merged["payments"], merged["kpis"])
    number = len(agreement.variations) + 1
    variation = Variation(agreement=agreement, number=number, reference=f"{agreement.reference}-V{number}",
                          reason=reason.strip(), changes=changes, proposed_by_id=by.id)
    db.session.add(variation)
    db.session.flush()
    log_action(agreement, "agreement.variation_proposed", f"{variation.reference} proposed: {reason.strip()}",
               changes=sorted(changes))
    return variation


def _applied(variation):
    out = {}
    for key, change in variation.changes.items():
        out[key] = date.fromisoformat(change["new"]) if key == "end_date" else change["new"]
    return out


def _in_force(variation):
    if variation.agreement.status is not AgreementStatus.active:
        raise AgreementError("The agreement is no longer active, so this variation cannot go ahead")


def approve_variation(variation, by, authority):
    _in_force(variation)
    move(variation, VariationStatus.approved, f"approved by {by.name}", "A variation", "variation.approved")
    variation.approved_by_id = by.id
    document = _new_document(variation.agreement, f"Variation {variation.number}: {variation.reason}", authority,
                             overrides=_applied(variation))
    variation.document_version = document.version
    _tell_provider(variation.agreement, f"A change to sign: {variation.agreement.title}", "agreement_variation")
    return document


def sign_variation(variation, user, name, role, sha256_seen):
    lock_row(variation)  # once only: a second request waits, then sees the new state
    agreement = variation.agreement
    _in_force(variation)
    if variation.status is not VariationStatus.approved:
        raise AgreementError("This variation is not waiting for a signature")
    _check_signatory(agreement, user, name, role)
    document = next((d for d in agreement.documents if d.version == variation.document_version), None)
    _check_seen(document, sha256_seen)
    variation.provider_signatory, variation.provider_signed_at = f"{name.strip()} ({role.strip()})", utcnow()
    variation.provider_signed_sha256 = sha256_seen
    move(variation, VariationStatus.signed, f"signed by {name.strip()}", "A variation", "variation.signed")


def countersign_variation(variation, by):
    lock_row(variation)  # once only: a second request waits, then sees the new state
    _in_force(variation)
    if variation.status is not VariationStatus.signed:
        raise AgreementError("The provider has not signed this variation yet")
    agreement = variation.agreement
    for key, value in _applied(variation).items():
        setattr(agreement, key, value)
    variation.countersigned_by_id, variation.countersigned_at = by.id, utcnow()
    _schedule_returns(agreement)
    name, _, role = (variation.provider_signatory or "").partition(" (")
    document = next((d for d in agreement.documents if d.version == variation.document_version), None)
    _request_executed(document, _signatures(agreement, name, role.removesuffix(")"), variation.provider_signed_at,
                                            None, by, variation.countersigned_at))
    move(variation, VariationStatus.agreed, f"countersigned by {by.name}", "A variation", "variation.agreed")
    log_action(agreement, "agreement.varied", f"{variation.reference} in force", changes=variation.changes)


def withdraw_variation(variation, by):
    lock_row(variation)  # once only: a second request waits, then sees the new state
    move(variation, VariationStatus.withdrawn, f"withdrawn by {by.name}", "A variation", "variation.withdrawn")


class PaymentError(AgreementError):
    """Why a payment cannot be recorded, and the form field it is about (None: the whole form)."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def record_payment(agreement, by, amount_pence, paid_on, reference, instalment=None, today=None):
    """Record money paid under an agreement in force; refused in words when it cannot be true."""
    from commissioning.contracts.models import Payment
    from commissioning.contracts.util import paid_against
    from commissioning.monitoring.operations import released_payments
    lock_row(agreement)  # two people recording the last of an instalment at once: one waits, then sees it paid
    today = today or utcnow().astimezone(LONDON).date()
    if agreement.status not in (AgreementStatus.active, AgreementStatus.ended, AgreementStatus.terminated):
        raise PaymentError(None, "Payments are recorded once the agreement is signed by both parties")
    reference = (reference or "").strip()
    if not reference:
        raise PaymentError("reference", "Enter the payment reference from the finance system")
    if any(p.reference == reference for p in agreement.payments_made):
        raise PaymentError("reference", f"A payment with the reference {reference} is already recorded on {agreement.reference}")
    if paid_on > today:
        raise PaymentError("paid_on", "The date paid cannot be in the future")
    signed = agreement.countersigned_at.astimezone(LONDON).date() if agreement.countersigned_at else agreement.start_date
    if paid_on < signed:
        raise PaymentError("paid_on", f"The date paid cannot be before the agreement was signed, "
                             f"on {signed.strftime('%-d %B %Y')}")
    if amount_pence <= 0:
        raise PaymentError("amount", "Enter an amount more than £0")
    if instalment is not None:
        if not 0 <= instalment < len(agreement.payments):
            raise PaymentError("instalment", "Choose a payment from the schedule, or none")
        scheduled = agreement.payments[instalment]
        if not released_payments(agreement)[instalment]:
            raise PaymentError("instalment", "This payment depends on a monitoring return: it can be paid once the return "
                                 "for its period has been accepted")
        left = scheduled["amount_pence"] - paid_against(agreement)[instalment]
        if amount_pence > left:
            raise PaymentError("amount", f"Only {format_pounds(left)} of this scheduled payment is left to pay"
                                 if left else "This scheduled payment has been paid in full")
    payment = Payment(agreement=agreement, instalment=instalment, amount_pence=amount_pence, paid_on=paid_on,
                      reference=reference, recorded_by_id=by.id if by else None)
    db.session.add(payment)
    db.session.flush()
    log_action(agreement, "agreement.payment_recorded",
               f"{format_pounds(amount_pence)} paid on {paid_on.strftime('%-d %B %Y')} under {agreement.reference} "
               f"({reference})", user=by, payment_id=payment.id, instalment=instalment)
    return payment
