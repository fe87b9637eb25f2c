import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from commissioning.core.locks import row_locked, try_transaction_lock
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.outbox.models import OutboxTask

log = logging.getLogger(__name__)
_PENDING = "outbox_pending"


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
            celery.send_task(name, kwargs=kwargs, task_id=f"outbox-{row_id}", ignore_result=True,
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
            conn.execute(update(OutboxTask).where(OutboxTask.id.in_(sent))
                         .values(dispatched_at=utcnow()))


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_PENDING, None)


def dispatch_pending(min_age_seconds=5, limit=500):
    """Send outbox rows that were not sent after their commit (broker down, crash).

    Rows younger than ``min_age_seconds`` are left to their own commit hook. Locked
    rows are skipped so that several workers can sweep at once without double work.
    Returns the number sent; the caller commits.
    """
    if not try_transaction_lock("outbox.dispatch_pending"):
        return 0
    cutoff = utcnow() - timedelta(seconds=min_age_seconds)
    query = (db.select(OutboxTask).where(OutboxTask.dispatched_at.is_(None),
                                         OutboxTask.created_at <= cutoff)
             .order_by(OutboxTask.id).limit(limit))
    query = row_locked(query, skip_locked=True)
    rows = db.session.scalars(query).all()
    if not rows:
        return 0
    app = current_app._get_current_object()
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
