from celery.exceptions import MaxRetriesExceededError  # noqa: F401

from commissioning.mail.operations import deliver_email
from workers.base import task


@task("mail.send_email")
def send_email(email_id):
    """Deliver one queued mail; a mail already sent is not sent again."""
    email = deliver_email(email_id)
    return email.status.value if email else "missing"
