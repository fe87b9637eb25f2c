"""Every write for monitoring; each leaves an audit entry. The reminder sweep runs on the beat."""
import math
from datetime import timedelta

from commissioning.accounts.models import User
from commissioning.audit.operations import log_action
from commissioning.contracts.models import Agreement, AgreementStatus, ReturnDue
from commissioning.core.locks import lock_row, row_locked, try_transaction_lock
from commissioning.core.models import LONDON, utcnow
from commissioning.core.money import format_pounds
from commissioning.core.transitions import move
from commissioning.core.urls import absolute_url, app_path, mail_link
from commissioning.core.vocabulary import VulnerableGroup
from commissioning.extensions import db
from commissioning.mail.models import NOTIFICATION_KINDS
from commissioning.mail.operations import notify, queue_email, wants_digest
from commissioning.mail.util import commissioners_of
from commissioning.monitoring.util import reach_localities
from commissioning.monitoring.models import (
    AGE_BANDS, Decision, MonitoringReturn, Rag, Reminder, ReminderPreference, ReturnAction, ReturnStatus,
    ReviewDecision)

TOLERANCE = 0.10          # within 10% of the target is amber, beyond is red
RAG_ORDER = {Rag.green: 0, Rag.amber: 1, Rag.red: 2}

# Days from the due date: (offset, what it says, who else hears).
RETURN_STEPS = [(-14, "is due in 14 days", ()), (-3, "is due in 3 days", ()), (0, "is due today", ()),
                (1, "is 1 day overdue", ()), (7, "is 7 days overdue", ("monitor",)),
                (14, "is 14 days overdue", ("monitor", "commissioner"))]
CONTRACT_END_DAYS = 90
DOCUMENT_EXPIRY_DAYS = 30
ACTION_WINDOW_DAYS = 30


class MonitoringError(ValueError):
    """A refusal worded for the person who asked; ``field`` says which input it is about."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def _today():
    return utcnow().astimezone(LONDON).date()


# --- returns -------------------------------------------------------------------------------

def return_for(due):
    """The return for a due date, created as a draft the first time anyone opens it."""
    existing = db.session.scalars(db.select(MonitoringReturn).where(MonitoringReturn.due_id == due.id)).first()
    if existing:
        return existing
    ret = MonitoringReturn(due=due, agreement_id=due.agreement_id, kpi_actuals={}, reach={})
    db.session.add(ret)
    db.session.flush()
    return ret


def _number(raw, label, field, whole=False):
    text = (raw or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise MonitoringError(f"{label} must be {'a whole number' if whole else 'a number'}, like 12",
                              field) from None
    if not math.isfinite(value):
        raise MonitoringError(f"{label} must be {'a whole number' if whole else 'a number'}, like 12", field)
    if value < 0:
        raise MonitoringError(f"{label} cannot be negative", field)
    return value


def save_return(ret, user, form):
    """Save a draft from the submitted form fields (a dict of strings); errors name the field."""
    if ret.status not in (ReturnStatus.draft, ReturnStatus.returned):
        raise MonitoringError(f"This return is {ret.status.title.lower()} and locked")
    agreement = ret.agreement
    actuals = {}
    for i, kpi in enumerate(agreement.kpis):
        value = _number(form.get(f"kpi-{i}"), f"The actual for “{kpi['name']}”", f"kpi-{i}")
        if value is not None:
            actuals[kpi["name"]] = value
    reach = {"age": {}, "locality": {}, "group": {}}
    for j, band in enumerate(AGE_BANDS):
        count = _number(form.get(f"age-{j}"), f"The number aged {band.lower()}", f"age-{j}", whole=True)
        if count is not None:
            reach["age"][band] = count
    for locality in reach_localities(agreement):
        count = _number(form.get(f"loc-{locality.id}"), f"The number in {locality.name}", f"loc-{locality.id}",
                        whole=True)
        if count is not None:
            reach["locality"][locality.name] = count
    for group in VulnerableGroup:
        count = _number(form.get(f"group-{group.value}"), f"The number who are {group.title.lower()}",
                        f"group-{group.value}", whole=True)
        if count is not None:
            reach["group"][group.title] = count
    spend = _number(form.get("spend"), "Spend", "spend")
    spend_pence = round(spend * 100) if spend is not None else None
    if spend_pence is not None and spend_pence > agreement.value_pence:
        raise MonitoringError(f"Spend cannot be more than the agreement’s value, {format_pounds(agreement.value_pence)}",
                              "spend")
    responses = _number(form.get("feedback_responses"), "The number of young people who gave feedback",
                        "feedback_responses", whole=True)
    positive = _number(form.get("feedback_positive"), "The number who were positive", "feedback_positive",
                       whole=True)
    if responses is not None and positive is not None and positive > responses:
        raise MonitoringError("More young people cannot be positive than gave feedback", "feedback_positive")
    ret.kpi_actuals, ret.reach, ret.spend_pence = actuals, reach, spend_pence
    ret.feedback_responses, ret.feedback_positive = responses, positive
    ret.feedback_quotes = (form.get("feedback_quotes") or "").strip()[:5000]
    ret.achievements = (form.get("achievements") or "").strip()[:10000]
    ret.issues = (form.get("issues") or "").strip()[:10000]
    log_action(ret.agreement, "return.saved", f"Return due {ret.due.due_on} saved", user=user, return_id=ret.id)


def attach(ret, user, upload):
    """One supporting file per return (a register of attendance, photos' consent forms...)."""
    from commissioning.files.operations import store_file
    if ret.status not in (ReturnStatus.draft, ReturnStatus.returned):
        raise MonitoringError(f"This return is {ret.status.title.lower()} and locked")
    filename, content_type, data = upload
    ret.attachment_file_id = store_file(filename, content_type, data, user).id
    log_action(ret.agreement, "return.attachment", f"{filename} attached to the return due {ret.due.due_on}",
               user=user)


def submit_return(ret, user):
    lock_row(ret)  # once only: a second request waits, then sees the new state
    if _today() <= ret.due.period_end:
        after = ret.due.period_end + timedelta(days=1)
        raise MonitoringError(f"This return covers the period to {ret.due.period_end.strftime('%-d %B %Y')}: "
                              f"submit it from {after.strftime('%-d %B %Y')}, when the period has ended")
    missing = [k["name"] for k in ret.agreement.kpis if k["name"] not in ret.kpi_actuals]
    if missing:
        raise MonitoringError(f"Enter the actual for “{missing[0]}” before submitting", "kpi-0")
    if ret.spend_pence is None:
        raise MonitoringError("Enter the spend for the period before submitting", "spend")
    ret.submitted_at, ret.submitted_by_id = utcnow(), user.id
    move(ret, ReturnStatus.submitted, f"submitted by {user.name}", "A return", "return.submitted")
    ret.kpi_rags, ret.suggested_rag = suggest(ret.agreement, ret.kpi_actuals)
    _tell_reviewers(ret, user)


def _tell_reviewers(ret, by):
    """The contract's monitor hears that a return is in; with no monitor, the commissioner reviews it."""
    agreement = ret.agreement
    reviewers = [agreement.monitor] if agreement.monitor is not None else commissioners_of(agreement.created_by_id)
    due = ret.due.due_on.strftime("%-d %B %Y")
    for reviewer in reviewers:
        notify(reviewer, "return_submitted", f"return_submitted:{ret.id}:{ret.submitted_at.isoformat()}:{reviewer.id}",
               f"Return to review: {agreement.reference}, due {due}",
               f"{agreement.organisation.name} submitted the monitoring return for {agreement.title} due {due}. "
               "Review it, then accept it or send it back with what needs changing.",
               app_path("monitoring.return_page", due_id=ret.due_id), template="return_submitted",
               reference=agreement.reference, title=agreement.title, organisation=agreement.organisation.name,
               due=due, submitted_by=by.name)


def suggest(agreement, actuals):
    """RAG per KPI from the actual against its target (polarity respected), and the worst of them."""
    rags = {}
    for kpi in agreement.kpis:
        actual = actuals.get(kpi["name"])
        try:
            target = float(str(kpi.get("target", "")).replace(",", ""))
        except ValueError:
            target = None
        if actual is None or target is None or target == 0:
            continue
        lower_is_better = kpi.get("polarity") == "lower"
        ratio = (target / actual if actual else math.inf) if lower_is_better else actual / target
        rag = Rag.green if ratio >= 1 else Rag.amber if ratio >= 1 - TOLERANCE else Rag.red
        rags[kpi["name"]] = {"target": target, "actual": actual, "rag": rag.value}
    worst = max((Rag(r["rag"]) for r in rags.values()), key=RAG_ORDER.get, default=None)
    return rags, worst


def send_back(ret, by, comments):
    lock_row(ret)  # once only: a second request waits, then sees the new state
    if not (comments or "").strip():
        raise MonitoringError("Say what needs changing", "comments")
    ret.monitor_comments = comments.strip()
    move(ret, ReturnStatus.returned, f"sent back by {by.name}", "A return", "return.returned")
    for m in ret.agreement.organisation.memberships:
        queue_email(m.user.email, "return_sent_back", f"Changes needed: {ret.agreement.reference} return",
                    "return_sent_back", user_name=m.user.name, reference=ret.agreement.reference,
                    due=ret.due.due_on, comments=ret.monitor_comments,
                    link=absolute_url("monitoring.return_page", due_id=ret.due_id))


def accept_return(ret, by, overall, reason, actions):
    """``actions``: [(text, owner, due_on)]. A different overall RAG from the suggestion needs a reason."""
    lock_row(ret)  # once only: a second request waits, then sees the new state
    if ret.status is not ReturnStatus.submitted:
        raise MonitoringError("Only a submitted return can be accepted")
    if ret.suggested_rag is not None and overall is not ret.suggested_rag and not (reason or "").strip():
        raise MonitoringError(f"The suggested rating is {ret.suggested_rag.short}: give a reason for rating it "
                              f"{overall.short}", "reason")
    for text, owner, due_on in actions:
        if not text.strip() or not owner.strip() or due_on is None:
            raise MonitoringError("Give each action its text, an owner and a due date", "actions")
        if due_on < ret.due.period_start:
            raise MonitoringError(f"An action’s due date cannot be before the period it is about, which starts "
                                  f"{ret.due.period_start.strftime('%-d %B %Y')}", "actions")
        ret.actions.append(ReturnAction(text=text.strip(), owner=owner.strip(), due_on=due_on))
    ret.overall_rag, ret.rag_override_reason = overall, (reason or "").strip() or None
    ret.accepted_at, ret.accepted_by_id = utcnow(), by.id
    move(ret, ReturnStatus.accepted, f"accepted by {by.name}, rated {overall.short}", "A return",
         "return.accepted")
    agreement = ret.agreement
    due = ret.due.due_on.strftime("%-d %B %Y")
    for m in agreement.organisation.memberships:
        notify(m.user, "return_accepted", f"return_accepted:{ret.id}:{m.user.id}",
               f"Return accepted: {agreement.reference}, due {due}",
               f"Your monitoring return for {agreement.title} due {due} was accepted, rated {overall.short}."
               + (f" {len(ret.actions)} action(s) agreed: see the return." if ret.actions else ""),
               app_path("monitoring.return_page", due_id=ret.due_id), template="return_accepted",
               reference=agreement.reference, title=agreement.title, due=due, rating=overall.title,
               actions=[(a.text, a.owner, a.due_on) for a in ret.actions])


def released_payments(agreement):
    """For each payment, whether it can be paid: a conditional one once the return for the period that
    ended by its due date has been accepted."""
    accepted = {r.due_id for r in db.session.scalars(db.select(MonitoringReturn).where(
        MonitoringReturn.agreement_id == agreement.id, MonitoringReturn.status == ReturnStatus.accepted))}
    out = []
    for p in agreement.payments:
        if not p["conditional"]:
            out.append(True)
            continue
        before = sorted((d for d in agreement.returns if d.period_end.isoformat() <= p["due"]),
                        key=lambda d: d.period_end)
        out.append(bool(before) and before[-1].id in accepted)
    return out


def complete_action(action, by):
    action.done_at = utcnow()
    log_action(action.monitoring_return.agreement, "return.action_done", f"Action done: {action.text}", user=by)


def record_decision(agreement, by, decision, reason):
    """Extend, recommission (a new draft specification from the same needs), decommission or vary."""
    if not (reason or "").strip():
        raise MonitoringError("Give the reasons for the decision, with the evidence", "reason")
    row = ReviewDecision(agreement_id=agreement.id, decision=decision, reason=reason.strip(), decided_by_id=by.id)
    if decision is Decision.recommission:
        from commissioning.specifications.models import Specification
        from commissioning.specifications.operations import create_specification
        from commissioning.needs.models import NeedStatus
        from commissioning.needs.operations import change_need_status
        spec = db.session.get(Specification, agreement.specification_id)
        for need in spec.needs:
            if need.status is NeedStatus.specified:
                change_need_status(need, NeedStatus.prioritised, f"recommissioning {agreement.reference}")
        content = dict(spec.version(agreement.specification_version).content)
        content["title"] = f"{content['title']} (recommissioned)"
        row.specification_id = create_specification(by, list(spec.needs), content).id
    db.session.add(row)
    db.session.flush()
    log_action(agreement, "agreement.review_decision", f"{agreement.reference}: {decision.title}: {reason.strip()}",
               decision=decision.value, specification_id=row.specification_id)
    return row


# --- reminders -----------------------------------------------------------------------------

def _remind(out, kind, key, users, subject, text, link, now):
    for user in users:
        out.append((kind, f"{key}:{user.id}", user, subject, text, link))


def _commissioners(agreement):
    return commissioners_of(agreement.created_by_id)


def due_returns_query(today):
    """Returns due in the reminder window and not yet submitted: a range on the due-date index."""
    done = db.select(MonitoringReturn.id).where(
        MonitoringReturn.due_id == ReturnDue.id,
        MonitoringReturn.status.in_([ReturnStatus.submitted, ReturnStatus.accepted]))
    return (db.select(ReturnDue.id, ReturnDue.due_on, ReturnDue.agreement_id)
            .where(ReturnDue.due_on.between(today + timedelta(days=RETURN_STEPS[0][0]),
                                            today + timedelta(days=RETURN_STEPS[-1][0])))
            .where(~db.exists(done)))


def sweep_reminders(today=None):
    """Create and send every reminder now due, each exactly once. Returns how many were new."""
    if not try_transaction_lock("monitoring.sweep_reminders"):
        return 0
    today = today or _today()
    now = utcnow()
    pending = []
    rows = db.session.execute(due_returns_query(today)).all()
    agreements = {a.id: a for a in db.session.scalars(db.select(Agreement).where(
        Agreement.id.in_({r.agreement_id for r in rows}),
        Agreement.status.in_([AgreementStatus.active, AgreementStatus.signed])))} if rows else {}
    for due_id, due_on, agreement_id in rows:
        agreement = agreements.get(agreement_id)
        if agreement is None:
            continue
        offset = (today - due_on).days
        reached = [step for step in RETURN_STEPS if step[0] <= offset]
        if not reached:
            continue
        step, says, also = reached[-1]   # only the latest step: a late sweep does not send stale ones
        users = [m.user for m in agreement.organisation.memberships]
        if "monitor" in also and agreement.monitor is not None:
            users.append(agreement.monitor)
        if "commissioner" in also:
            users += _commissioners(agreement)
        subject = f"{agreement.reference}: the monitoring return due {due_on.strftime('%-d %B %Y')} {says}"
        _remind(pending, "return", f"return:{due_id}:{step}", users, subject,
                f"The return for {agreement.title} {says}.",
                app_path("monitoring.return_page", due_id=due_id), now)
    for agreement in db.session.scalars(db.select(Agreement).where(
            Agreement.status == AgreementStatus.active,
            Agreement.end_date.between(today, today + timedelta(days=CONTRACT_END_DAYS)))):
        users = _commissioners(agreement) + ([agreement.monitor] if agreement.monitor else [])
        _remind(pending, "contract_end", f"contract_end:{agreement.id}:{CONTRACT_END_DAYS}", users,
                f"{agreement.reference} ends on {agreement.end_date.strftime('%-d %B %Y')}",
                "Time to decide: extend, recommission or decommission.",
                app_path("monitoring.review", agreement_id=agreement.id), now)
    from commissioning.providers.models import ProviderDocument
    for document in db.session.scalars(db.select(ProviderDocument).where(
            ProviderDocument.expires_on.between(today, today + timedelta(days=DOCUMENT_EXPIRY_DAYS)))):
        from commissioning.accounts.models import Organisation
        users = [m.user for m in db.session.get(Organisation, document.organisation_id).memberships]
        _remind(pending, "document_expiry", f"document_expiry:{document.id}:{document.expires_on}", users,
                f"{document.title} expires on {document.expires_on.strftime('%-d %B %Y')}",
                "Upload the new one to your organisation’s documents so that you can keep bidding.",
                app_path("providers.documents", org_id=document.organisation_id), now)
    for action in db.session.scalars(db.select(ReturnAction).where(
            ReturnAction.done_at.is_(None),
            ReturnAction.due_on.between(today - timedelta(days=ACTION_WINDOW_DAYS), today - timedelta(days=1)))):
        agreement = action.monitoring_return.agreement
        users = ([agreement.monitor] if agreement.monitor else []) + [m.user for m in agreement.organisation.memberships]
        _remind(pending, "action_overdue", f"action_overdue:{action.id}", users,
                f"{agreement.reference}: an action was due {action.due_on.strftime('%-d %B %Y')}",
                f"“{action.text}” (owner: {action.owner}) is past its due date.",
                app_path("monitoring.return_page", due_id=action.monitoring_return.due_id), now)
    from commissioning.notices.rules import KINDS
    from commissioning.notices.util import overdue_query
    for notice in db.session.scalars(overdue_query(today)):
        kind = KINDS[notice.notice_type]
        users = commissioners_of(notice.opportunity.created_by_id)
        _remind(pending, "notice_overdue", f"notice_overdue:{notice.id}", users,
                f"{notice.opportunity.reference}: the {kind.title.lower()} ({notice.notice_type}) was due "
                f"{notice.due_on.strftime('%-d %B %Y')}",
                f"The Procurement Act 2023 asks for it in {kind.section}. Check it and publish it.",
                app_path("notices.show", notice_id=notice.id), now)
    digests = wants_digest({user.id for _k, _key, user, *_rest in pending})
    created = 0
    for kind, key, user, subject, text, link in pending:
        created += notify(user, kind, key, subject, text, link, mail_kind=f"reminder_{kind}",
                          digest=(user.id, kind) in digests, now=now)
    if created:
        log_action(("ReminderSweep", 0), "reminders.swept", f"{created} reminder(s) created", day=today.isoformat())
    return created


#: Tasks a digest leaves out: a mail staff can read in the outbox must not show that an organisation
#: is bidding (the dashboard, seen only by the person, shows them).
SEALED_TASKS = frozenset({"draft_bids", "clarification_answers"})


def _digest_tasks(user):
    """The person's open tasks as the digest lists them: (label, due, overdue, absolute link)."""
    from commissioning.main.tasks import tasks_for
    return [(t.label, t.due, t.overdue, mail_link(t.url)) for t in tasks_for(user) if t.key not in SEALED_TASKS]


def send_digests(now=None):
    """One mail a day per person with the notifications they chose to get daily, each once, and the
    tasks waiting for them. Notifications sealed for an opportunity go in a mail of their own, sealed
    the same way, so the open digest never shows staff that someone bid or asked."""
    now = now or utcnow()
    query = (db.select(Reminder).where(Reminder.digest.is_(True), Reminder.digested_at.is_(None))
             .order_by(Reminder.user_id, Reminder.created_at))
    query = row_locked(query, skip_locked=True)
    by_mail = {}
    for reminder in db.session.scalars(query):
        by_mail.setdefault((reminder.user_id, reminder.sealed_opportunity_id), []).append(reminder)
    for (user_id, sealed), reminders in by_mail.items():
        user = db.session.get(User, user_id)
        queue_email(user.email, "reminder_digest", f"Your daily notifications ({len(reminders)})", "reminder_digest",
                    sealed_for=sealed, user_name=user.name,
                    reminders=[(r.subject, r.text, mail_link(r.link)) for r in reminders],
                    tasks=[] if sealed else _digest_tasks(user),
                    notifications=absolute_url("monitoring.notifications"), dashboard=absolute_url("main.dashboard"))
        for reminder in reminders:
            reminder.digested_at = now
    return len({user_id for user_id, _sealed in by_mail})


def set_preferences(user, digest_kinds, kinds):
    """Save, for each of ``kinds``, whether ``user`` gets it in the daily digest or a mail each time."""
    unknown = set(kinds) - set(NOTIFICATION_KINDS)
    if unknown:
        raise ValueError(f"unknown notification kinds {sorted(unknown)}")
    rows = {p.kind: p for p in db.session.scalars(db.select(ReminderPreference).where(
        ReminderPreference.user_id == user.id, ReminderPreference.kind.in_(list(kinds))))}
    for kind in kinds:
        row = rows.get(kind)
        if row is None:
            row = ReminderPreference(user_id=user.id, kind=kind)
            db.session.add(row)
        row.digest = kind in digest_kinds
    log_action(user, "reminders.preferences", "Notification preferences saved", user=user,
               digest=sorted(set(digest_kinds) & set(kinds)))


def mark_read(user):
    db.session.execute(db.update(Reminder).where(Reminder.user_id == user.id, Reminder.read_at.is_(None))
                       .values(read_at=utcnow()))
