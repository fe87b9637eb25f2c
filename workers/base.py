"""The task decorator every task uses: retries with backoff for transient errors."""
import smtplib

from celery import shared_task
from sqlalchemy.exc import OperationalError

from commissioning.extensions import db

#: Errors that are worth retrying: a database or SMTP server that is briefly away.
TRANSIENT = (OperationalError, smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


def task(name, **options):
    """A named, idempotent task that retries transient errors with exponential backoff."""
    options.setdefault("autoretry_for", TRANSIENT)
    options.setdefault("retry_backoff", 2)
    options.setdefault("retry_backoff_max", 600)
    options.setdefault("retry_jitter", True)
    options.setdefault("max_retries", 8)
    options.setdefault("acks_late", True)

    def decorator(fn):
        def run(*args, **kwargs):
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        run.__module__ = fn.__module__
        return shared_task(name=name, **options)(run)
    return decorator
