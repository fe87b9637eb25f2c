"""All writes to notices: drafting the ones due, a commissioner's details, publishing, sending.

Publishing freezes the release ``build`` makes, stores it in the OCDS feed as the process's next
release (never rewritten), and, with Find a Tender configured, queues it for sending through the
outbox. Each write leaves an audit entry.
"""
from datetime import datetime

from flask import current_app

from commissioning.audit.operations import log_action
from commissioning.core.locks import lock_row, try_transaction_lock
from commissioning.core.models import utcnow
from commissioning.core.transitions import move
from commissioning.extensions import db
from commissioning.notices import build, fts
from commissioning.notices.models import Notice, NoticeStatus
from commissioning.notices.rules import KINDS
from commissioning.notices.util import expected, is_procurement, notices_of, today_in_london
from commissioning.opendata.models import PublishedRelease
from commissioning.opportunities.models import Opportunity


class NoticeError(ValueError):
    """A notice that cannot be published as it stands; ``field`` names the detail to fix, if one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


#: What a commissioner must add before each notice can go out: (detail, label, why it is asked).
DETAILS = {
    "UK2": [("engagement", "How did you engage the market?",
             "Say who you talked to, how (events, questionnaires, meetings) and what you asked")],
    "UK3": [("tender_notice_on", "When will the tender notice be published?",
             "Enter the date the tender notice is planned for")],
    "UK4": [("no_lots_reason", "Why is the contract not divided into lots?",
             "Say why the contract is not divided into lots"),
            ("no_engagement_reason", "If you held no preliminary market engagement notice, why not?", None)],
    "UK5": [("justification", "Why is the contract awarded directly?",
             "Say which direct award justification applies and why")],
    "UK12": [("reason", "Why was the procurement stopped?", "Say why no contract will be awarded")],
}


def _label(notice):
    return f"{KINDS[notice.notice_type].title} ({notice.notice_type}) for {notice.opportunity.reference}"


def draft_due_notices(today=None):
    """Make a draft for every notice whose event has happened and that has none. Returns how many."""
    if not try_transaction_lock("notices.draft_due"):
        return 0
    today = today or today_in_london()
    made = []
    for opp in db.session.scalars(db.select(Opportunity).where(Opportunity.opened_at.is_not(None))
                                  .order_by(Opportunity.id)):
        if not is_procurement(opp):
            continue
        rows = notices_of(opp)
        have = {(n.notice_type, n.subject) for n in rows}
        wanted, _above = expected(opp, rows, today)
        for exp in wanted:
            if not exp.triggered or (exp.code, exp.subject) in have or exp.code in ("UK2", "UK3"):
                continue
            if not exp.required and exp.code not in ("UK6", "UK9", "UK10"):
                continue   # optional ones a commissioner starts; these three are drafted as they often help
            notice = Notice(opportunity=opp, notice_type=exp.code, subject=exp.subject, due_on=exp.due_on, details={})
            db.session.add(notice)
            made.append(notice)
    if made:
        db.session.flush()
        log_action(("Notice", made[0].id), "notices.drafted", f"{len(made)} notice(s) drafted",
                   user=None, notices=[f"{n.notice_type} {n.opportunity.reference} {n.subject}".strip() for n in made])
    return len(made)


def start_notice(opp, code, by, today=None):
    """A commissioner starts an optional notice (UK2, UK3 or another not drafted yet)."""
    if not is_procurement(opp):
        raise NoticeError("Grant rounds are not procurements: they have no Procurement Act notices")
    wanted, _above = expected(opp, today=today)
    match = next((e for e in wanted if e.code == code and e.triggered), None)
    if match is None:
        raise NoticeError(f"A {KINDS[code].title.lower()} is not possible for this procurement now"
                          if code in KINDS else "There is no such notice")
    existing = db.session.scalars(db.select(Notice).where(Notice.opportunity_id == opp.id, Notice.notice_type == code,
                                                          Notice.subject == match.subject)).first()
    if existing is not None:
        return existing
    notice = Notice(opportunity=opp, notice_type=code, subject=match.subject, due_on=match.due_on, details={})
    db.session.add(notice)
    db.session.flush()
    log_action(notice, "notice.started", f"{_label(notice)} started", user=by)
    return notice


def problems(notice, details=None):
    """[(field, message)] that stop ``notice`` being published now."""
    details = notice.details if details is None else details
    opp = notice.opportunity
    out = []
    for key, _label_text, message in DETAILS.get(notice.notice_type, ()):
        if key == "no_lots_reason" and opp.lots:
            continue
        value = (details.get(key) or "").strip() if isinstance(details.get(key), str) else details.get(key)
        if not value and message:
            out.append((key, message))
    if notice.notice_type in ("UK2", "UK3"):
        tender = db.session.scalars(db.select(Notice).where(
            Notice.opportunity_id == opp.id, Notice.notice_type == "UK4",
            Notice.status == NoticeStatus.published)).first()
        if tender is not None:
            out.append((None, f"The tender notice is already published: a {KINDS[notice.notice_type].title.lower()} "
                              "comes before it"))
    if notice.notice_type == "UK3" and details.get("tender_notice_on"):
        try:
            datetime.fromisoformat(details["tender_notice_on"])
        except (TypeError, ValueError):
            out.append(("tender_notice_on", "Enter the planned date as a real date"))
    return out


def save_details(notice, by, **details):
    """What the commissioner adds to a draft (reasons, dates); kept until it is published."""
    lock_row(notice)
    if notice.status is not NoticeStatus.draft:
        raise NoticeError("This notice is published: it can no longer change")
    allowed = {key for key, _l, _m in DETAILS.get(notice.notice_type, ())}
    cleaned = {key: (value.strip() if isinstance(value, str) else value)
               for key, value in details.items() if key in allowed}
    notice.details = {**(notice.details or {}), **cleaned}
    log_action(notice, "notice.details_saved", f"{_label(notice)}: details saved", user=by, fields=sorted(cleaned))
    return notice


def publish(notice, by, now=None):
    """Freeze the release, add it to the OCDS feed, and queue it for Find a Tender when configured."""
    lock_row(notice)   # once only: a second request waits, then sees it published
    if notice.status is NoticeStatus.published:
        raise NoticeError("This notice is already published")
    found = problems(notice)
    if found:
        field, message = found[0]
        raise NoticeError(message, field)
    now = now or utcnow()
    release = build.build(notice, now)
    ocid = release["ocid"]
    sequence = (db.session.scalar(db.select(db.func.max(PublishedRelease.sequence))
                                  .where(PublishedRelease.ocid == ocid)) or 0) + 1
    release["id"] = f"{ocid}-{sequence}"
    from commissioning.opendata.operations import digest
    row = PublishedRelease(ocid=ocid, sequence=sequence, release_id=release["id"], date=now, digest=digest(release),
                           data=release, notice_type=notice.notice_type)
    db.session.add(row)
    move(notice, NoticeStatus.published, f"published by {by.name}" if by else "published", "A notice",
         "notice.published")
    notice.published_at, notice.published_by_id = now, by.id if by else None
    notice.release_id, notice.release = release["id"], release
    key = current_app.config["FTS_API_KEY"]
    if key:
        from commissioning.outbox.operations import enqueue_task
        notice.fts_payload, notice.fts_status = fts.payload(release), "queued"
        db.session.flush()
        enqueue_task("notices.submit_to_fts", notice_id=notice.id)
    db.session.flush()
    return notice


def send_again(notice, by):
    """After a refusal or an unknown outcome, the commissioner sends the stored payload once more."""
    lock_row(notice)
    if notice.fts_status not in ("failed", "refused", "unknown"):
        raise NoticeError("This notice is not waiting to be sent again")
    if not current_app.config["FTS_API_KEY"]:
        raise NoticeError("Find a Tender is not configured (FTS_API_KEY)")
    notice.fts_status = "queued"
    from commissioning.outbox.operations import enqueue_task
    enqueue_task("notices.submit_to_fts", notice_id=notice.id)
    log_action(notice, "notice.fts_queued", f"{_label(notice)} queued for Find a Tender again", user=by)


def _mark_sending(notice_id):
    """On PostgreSQL, note "sending" in its own committed transaction before the POST, so that a
    worker killed after Find a Tender answered is not followed by a second POST (the redelivery
    sees "sending" and asks a person to check instead)."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as conn:
        # pagecache: no generation moved here. "Sending" lasts the one POST, and the task's own
        # commit that follows moves it; this thread's transaction may hold the generation row.
        conn.execute(db.update(Notice).where(Notice.id == notice_id).values(fts_status="sending"))


def submit_to_fts(notice_id):
    """Send one published notice to Find a Tender (the task's work). Returns the status kept."""
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.fts_status not in ("queued", "sending"):
        return None if notice is None else notice.fts_status
    if notice.fts_status == "sending":
        notice.fts_status = "unknown"
        notice.fts_response = {"error": "A send was interrupted: check Find a Tender before sending it again"}
        log_action(notice, "notice.fts_unknown", f"{_label(notice)}: an interrupted send; check Find a Tender",
                   user=None)
        return notice.fts_status
    config = current_app.config
    _mark_sending(notice.id)
    notice.fts_submitted_at = utcnow()
    try:
        answer = fts.submit(config["FTS_API_URL"], config["FTS_API_KEY"], notice.fts_payload)
    except fts.FindATenderError as exc:
        notice.fts_status, notice.fts_response = "refused", {"http_status": exc.status, **exc.body}
        log_action(notice, "notice.fts_refused", f"{_label(notice)} refused by Find a Tender ({exc.status})", user=None)
        return notice.fts_status
    except ConnectionError:
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:   # not sent: the retry may send it
                # pagecache: back to what kept pages showed before "sending": nothing to move.
                conn.execute(db.update(Notice).where(Notice.id == notice.id).values(fts_status="queued"))
        raise
    notice.fts_status = str(answer.get("status") or "received").lower()[:30]
    notice.fts_response = answer
    log_action(notice, "notice.fts_sent", f"{_label(notice)} sent to Find a Tender: {notice.fts_status}", user=None,
               submission_id=answer.get("submission_id"))
    return notice.fts_status
