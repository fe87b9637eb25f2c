from commissioning.mail.operations import deliver_email, record_failure
from workers.base import task


def _give_up(exc, email_id):
    record_failure(email_id, exc)


@task("mail.send_email", on_give_up=_give_up)
def send_email(email_id):
    """Deliver one queued mail; a mail already sent is not sent again."""
    email = deliver_email(email_id)
    return email.status.value if email else "missing"
