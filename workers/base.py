"""The task decorator every task uses: retries with backoff, and the outbox row marked done.

A task sent through the outbox has the Celery id ``outbox-<row id>``. Before its work it
claims the row; if the row is already completed (a redelivery of finished work) or another
worker is running it, the task returns at once. The row is marked completed in the same
transaction as the task's work, so "done" is recorded exactly when the work is, and a
worker killed half-way leaves neither: the sweep sends the row again later.
"""
import smtplib
import time

from celery import shared_task
from celery.utils.log import get_task_logger
from flask import current_app
from sqlalchemy.exc import OperationalError

from commissioning.extensions import db
from commissioning.outbox.operations import claim_task, complete_task, note_task_failure, outbox_row_id

log = get_task_logger(__name__)

#: Errors that are worth retrying: a database or SMTP server that is briefly away.
TRANSIENT = (OperationalError, smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
#: The longest wait before a retry. A retry waits unacknowledged in the worker, so this must stay
#: below BROKER_VISIBILITY_TIMEOUT and OUTBOX_REDELIVER_AFTER (both 300 s by default).
RETRY_BACKOFF_MAX = 240


def task(name, on_give_up=None, **options):
    """A named, idempotent task that commits its work and retries transient errors.

    Retries back off exponentially (2s, 4s, 8s... with jitter, at most RETRY_BACKOFF_MAX).
    ``on_give_up(exc, **kwargs)`` runs in a fresh transaction when the last retry fails,
    so that the failure is recorded rather than lost; the outbox row is then given up too.
    """
    options.setdefault("autoretry_for", TRANSIENT)
    options.setdefault("retry_backoff", 2)
    options.setdefault("retry_backoff_max", RETRY_BACKOFF_MAX)
    options.setdefault("retry_jitter", True)
    options.setdefault("max_retries", 8)
    options.setdefault("acks_late", True)

    def decorator(fn):
        def run(self, *args, **kwargs):
            row_id = outbox_row_id(self.request.id)
            try:
                if row_id is not None:
                    busy = claim_task(row_id)
                    if busy is not None:
                        log.info("%s[%s]: %s, so this copy does nothing", name, self.request.id,
                                 "already completed" if busy == "completed" else "running in another worker")
                        db.session.rollback()
                        return busy
                result = fn(*args, **kwargs)
                if row_id is not None:
                    complete_task(row_id)
                _test_only_pause(name, self.request.id)
                db.session.commit()
                return result
            except Exception as exc:
                db.session.rollback()
                will_retry = isinstance(exc, TRANSIENT) and self.request.retries < self.max_retries
                _record_failure(exc, row_id, will_retry, on_give_up, args, kwargs)
                raise
            except BaseException:  # the worker is going down: leave the row for the sweep
                db.session.rollback()
                raise
            finally:
                db.session.remove()
        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        run.__module__ = fn.__module__
        return shared_task(name=name, bind=True, **options)(run)
    return decorator


def _record_failure(exc, row_id, will_retry, on_give_up, args, kwargs):
    """In a fresh transaction: on_give_up after the last try, and the try noted on the outbox row."""
    giving_up = on_give_up is not None and not will_retry
    try:
        if giving_up:
            on_give_up(exc, *args, **kwargs)
        if row_id is not None:
            note_task_failure(row_id, exc, retrying=will_retry, given_up=giving_up)
        db.session.commit()
    except Exception:
        db.session.rollback()
        if giving_up:
            raise  # the failure could not be recorded: say so rather than hide it
        # Only the note on the row was lost (the database may be the thing that is away).
        log.warning("Could not note the failure on outbox row %s", row_id, exc_info=True)


def _test_only_pause(name, task_id):
    """With APP_ENV=test and TEST_ONLY_PAUSE_TASK naming this task: wait here, work done, nothing committed.

    A test kills the worker during this pause, so "killed in the middle of a task" is exact.
    """
    config = current_app.config
    if config["APP_ENV"] != "test" or config.get("TEST_ONLY_PAUSE_TASK") != name:
        return
    log.warning("TEST_ONLY_PAUSE_TASK: %s[%s] has done its work and waits before its commit", name, task_id)
    time.sleep(600)
