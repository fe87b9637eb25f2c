import logging
import zlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, event, select, text, update
from sqlalchemy.orm import Session

from commissioning.core.locks import row_locked, try_transaction_lock
from commissioning.core.models import UTCDateTime, utcnow
from commissioning.extensions import db
from commissioning.outbox.models import OutboxTask

log = logging.getLogger(__name__)
_PENDING = "outbox_pending"
_TASK_ID_PREFIX = "outbox-"
#: First key of the PostgreSQL advisory lock a task holds on its row while it runs (the row id is the second).
_RUNNING = zlib.crc32(b"outbox_tasks.running") & 0x7FFFFFFF
#: Completed rows and request keys are kept this long, then the daily clean-up deletes them.
KEEP_COMPLETED_DAYS = 30
KEEP_REQUEST_KEYS_DAYS = 7
KEEP_SESSIONS_DAYS = 30  # sign-ins older than this ended long ago (SESSION_MAX_HOURS); the audit keeps the history


def enqueue_task(task_name, **kwargs):
    """Record a task to run once the current transaction commits. Returns the row."""
    row = OutboxTask(task_name=task_name, kwargs=kwargs)
    db.session.add(row)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append((row.id, task_name, kwargs))
    return row


def _send(app, rows):
    """Send (id, name, kwargs) rows to the broker; return the ids that were accepted."""
    celery = app.extensions["celery"]
    sent = []
    for row_id, name, kwargs in rows:
        try:
            # ignore_result: nobody waits on these results, and with Redis down the result
            # backend would otherwise reconnect for many seconds inside the web request.
            celery.send_task(name, kwargs=kwargs, task_id=f"{_TASK_ID_PREFIX}{row_id}", ignore_result=True,
                             retry=True, retry_policy=app.config["OUTBOX_RETRY_POLICY"])
        except Exception as exc:  # broker down: the sweep sends it later
            log.warning("Outbox task %s (%s) not sent yet: %s", row_id, name, exc)
            break
        sent.append(row_id)
    return sent


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if app.config["OUTBOX_DISPATCH"] != "broker":
        return
    sent = _send(app, pending)
    if sent:
        # The session has just committed and cannot run SQL; mark on the engine.
        with db.engine.begin() as conn:
            # pagecache: no generation moved. No page shows when a task was handed to the broker,
            # and the commit that queued it has just moved it.
            conn.execute(update(OutboxTask).where(OutboxTask.id.in_(sent))
                         .values(dispatched_at=utcnow()))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_PENDING, None)


# --- the task's side: a row is complete when its task says so ------------------------------

def outbox_row_id(task_id):
    """The outbox row behind a Celery task id (``outbox-<id>``), or None for other tasks (beat's)."""
    if task_id and task_id.startswith(_TASK_ID_PREFIX) and task_id[len(_TASK_ID_PREFIX):].isdigit():
        return int(task_id[len(_TASK_ID_PREFIX):])
    return None


def _postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def claim_task(row_id):
    """Called by a task before its work, in the work's transaction: None to go on, or why not.

    On PostgreSQL the task holds an advisory lock on its row until its transaction ends, so
    two copies of one task (a redelivery while the first still runs) never work at once:
    the second returns "running". A row already completed returns "completed". A row that
    does not exist (cleaned up, or a hand-made id) lets the task run: tasks are idempotent.
    """
    if _postgresql():
        claimed = db.session.execute(
            text("SELECT pg_try_advisory_xact_lock(CAST(:k AS integer), CAST(:id AS integer))"),
            {"k": _RUNNING, "id": row_id}).scalar()
        if not claimed:
            return "running"
    completed = db.session.execute(select(OutboxTask.completed_at).where(OutboxTask.id == row_id)).scalar()
    return "completed" if completed is not None else None


def complete_task(row_id):
    """Mark the row done, in the transaction of the task's work: both commit or neither."""
    db.session.execute(update(OutboxTask).where(OutboxTask.id == row_id, OutboxTask.completed_at.is_(None))
                       .values(completed_at=utcnow()).execution_options(synchronize_session=False))


def note_task_failure(row_id, exc, retrying, given_up):
    """Record a failed try on the row (the caller commits, in a fresh transaction).

    A retry is a new message on the broker, so it restarts the redelivery clock; a task that
    gave up (its on_give_up recorded the failure) is not sent again.
    """
    now = utcnow()
    what = "retrying" if retrying else ("given up" if given_up else "left for the sweep")
    values = {"last_error": f"{what}: {type(exc).__name__}: {exc}"[:500]}
    if retrying:
        values["dispatched_at"] = now
    if given_up:
        values["gave_up_at"] = now
    db.session.execute(update(OutboxTask).where(OutboxTask.id == row_id, OutboxTask.completed_at.is_(None))
                       .values(**values).execution_options(synchronize_session=False))


# --- the sweep ----------------------------------------------------------------------------

def _running_ids():
    """Rows whose task holds its advisory lock right now (PostgreSQL; elsewhere none are known)."""
    if not _postgresql():
        return set()
    rows = db.session.execute(text(
        "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND classid = CAST(:k AS oid) AND objsubid = 2 "
        "AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
        {"k": _RUNNING})
    return {int(objid) for (objid,) in rows}


def redelivery_due(redispatch_count, now, after_seconds):
    """The latest send time at which a row sent ``redispatch_count`` times again is due once more."""
    return now - timedelta(seconds=after_seconds * 2 ** redispatch_count)


def dispatch_pending(min_age_seconds=5, limit=500, now=None):
    """Send outbox rows that were not sent after their commit, and again those never completed.

    Rows never sent and older than ``min_age_seconds`` (younger ones are left to their own
    commit hook) are sent. Rows sent but not completed ``OUTBOX_REDELIVER_AFTER`` seconds
    later (the message was lost with Redis, or the worker running it was killed) are sent
    again, waiting twice as long after each, at most ``OUTBOX_MAX_REDELIVERIES`` times; after
    that the row is given up with the reason in ``last_error``. A row whose task is running
    now is left alone. Locked rows are skipped so that several workers can sweep at once
    without double work. Returns the number sent; the caller commits.
    """
    if not try_transaction_lock("outbox.dispatch_pending"):
        return 0
    now = now or utcnow()
    app = current_app._get_current_object()
    return (_send_unsent(app, now - timedelta(seconds=min_age_seconds), limit)
            + _redeliver_unfinished(app, now, limit))


def _send_unsent(app, cutoff, limit):
    query = (select(OutboxTask).where(OutboxTask.dispatched_at.is_(None), OutboxTask.created_at <= cutoff)
             .order_by(OutboxTask.id).limit(limit))
    rows = db.session.scalars(row_locked(query, skip_locked=True)).all()
    if not rows:
        return 0
    sent = set(_send(app, [(r.id, r.task_name, r.kwargs) for r in rows]))
    now = utcnow()
    for row in rows:
        row.attempts += 1
        if row.id in sent:
            row.dispatched_at = now
            row.last_error = None
        else:
            row.last_error = "broker unavailable"
    return len(sent)


def _redeliver_unfinished(app, now, limit):
    after, most = app.config["OUTBOX_REDELIVER_AFTER"], app.config["OUTBOX_MAX_REDELIVERIES"]
    # Each row's own wait doubles with every redelivery: one cutoff per count, chosen in SQL.
    def cutoff(n):
        return db.literal(redelivery_due(n, now, after), UTCDateTime())
    due_before = (db.case(*[(OutboxTask.redispatch_count == n, cutoff(n)) for n in range(most)], else_=cutoff(most))
                  if most > 0 else cutoff(0))
    query = (select(OutboxTask).where(OutboxTask.dispatched_at.is_not(None), OutboxTask.completed_at.is_(None),
                                      OutboxTask.gave_up_at.is_(None), OutboxTask.dispatched_at <= due_before)
             .order_by(OutboxTask.dispatched_at).limit(limit))
    rows = db.session.scalars(row_locked(query, skip_locked=True)).all()
    running = _running_ids() if rows else set()
    rows = [r for r in rows if r.id not in running]
    for row in [r for r in rows if r.redispatch_count >= most]:
        row.gave_up_at = now
        row.last_error = (f"given up: not completed after {row.redispatch_count} redeliveries "
                          f"(last sent {row.dispatched_at:%Y-%m-%d %H:%M} UTC)")
        log.error("Outbox task %s (%s) %s", row.id, row.task_name, row.last_error)
    rows = [r for r in rows if r.redispatch_count < most]
    if not rows:
        return 0
    sent = set(_send(app, [(r.id, r.task_name, r.kwargs) for r in rows]))
    sent_at = utcnow()
    for row in rows:
        row.attempts += 1
        if row.id in sent:
            waited = int((sent_at - row.dispatched_at).total_seconds())
            row.redispatch_count += 1
            row.dispatched_at = sent_at
            row.last_error = (f"not completed {waited} s after it was sent: sent again "
                              f"({row.redispatch_count} of {most})")
            log.warning("Outbox task %s (%s) %s", row.id, row.task_name, row.last_error)
        else:
            row.last_error = "broker unavailable"
    return len(sent)


def clean_up(now=None, keep_completed_days=KEEP_COMPLETED_DAYS, keep_request_keys_days=KEEP_REQUEST_KEYS_DAYS,
             keep_sessions_days=KEEP_SESSIONS_DAYS):
    """Delete completed outbox rows, request keys and long-ended sign-ins past their keeping time.

    Rows not completed (waiting, or given up) are kept for people to see. A session row is kept
    while it could still sign someone in, however long SESSION_MAX_HOURS is. The caller commits.
    Returns what was deleted.
    """
    from flask import current_app

    from commissioning.accounts.models import UserSession
    from commissioning.idempotency.models import RequestKey
    now = now or utcnow()
    tasks = db.session.execute(delete(OutboxTask).where(
        OutboxTask.completed_at < now - timedelta(days=keep_completed_days))
        .execution_options(synchronize_session=False)).rowcount
    keys = db.session.execute(delete(RequestKey).where(
        RequestKey.created_at < now - timedelta(days=keep_request_keys_days))
        .execution_options(synchronize_session=False)).rowcount
    longest = max(timedelta(days=keep_sessions_days), timedelta(hours=current_app.config["SESSION_MAX_HOURS"] + 24))
    sessions = db.session.execute(delete(UserSession).where(UserSession.created_at < now - longest)
                                  .execution_options(synchronize_session=False)).rowcount
    return {"outbox_tasks": tasks, "request_keys": keys, "user_sessions": sessions}
