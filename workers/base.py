"""The task decorator every task uses: retries with backoff for transient errors."""
import smtplib

from celery import shared_task
from sqlalchemy.exc import OperationalError

from commissioning.extensions import db

#: Errors that are worth retrying: a database or SMTP server that is briefly away.
TRANSIENT = (OperationalError, smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


def task(name, on_give_up=None, **options):
    """A named, idempotent task that commits its work and retries transient errors.

    Retries back off exponentially (2s, 4s, 8s... with jitter, at most 10 minutes).
    ``on_give_up(exc, **kwargs)`` runs in a fresh transaction when the last retry fails,
    so that the failure is recorded rather than lost.
    """
    options.setdefault("autoretry_for", TRANSIENT)
    options.setdefault("retry_backoff", 2)
    options.setdefault("retry_backoff_max", 600)
    options.setdefault("retry_jitter", True)
    options.setdefault("max_retries", 8)
    options.setdefault("acks_late", True)

    def decorator(fn):
        def run(self, *args, **kwargs):
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException as exc:
                db.session.rollback()
                will_retry = isinstance(exc, TRANSIENT) and self.request.retries < self.max_retries
                if on_give_up is not None and not will_retry:
                    on_give_up(exc, *args, **kwargs)
                    db.session.commit()
                raise
            finally:
                db.session.remove()
        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        run.__module__ = fn.__module__
        return shared_task(name=name, bind=True, **options)(run)
    return decorator
