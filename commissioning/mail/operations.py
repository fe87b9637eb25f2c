import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template

from commissioning.audit.operations import log_action
from commissioning.core.models import utcnow
from commissioning.core.locks import row_locked
from commissioning.extensions import db
from commissioning.mail.models import EmailStatus, OutgoingEmail
from commissioning.outbox.operations import enqueue_task

SEND_TASK = "mail.send_email"


def queue_email(to_address, kind, subject, template, **context):
    """Render ``templates/emails/<template>.txt`` and queue it to be sent after the commit.

    People without an email address (panel members who joined with a code) get nothing: None.
    """
    if not to_address:
        return None
    context.setdefault("service_name", current_app.config["SERVICE_NAME"])
    context.setdefault("base_url", current_app.config["BASE_URL"])
    body = render_template(f"emails/{template}.txt", **context)
    email = OutgoingEmail(to_address=to_address, kind=kind, subject=subject, body=body)
    db.session.add(email)
    db.session.flush()
    enqueue_task(SEND_TASK, email_id=email.id)
    log_action(email, "mail.queued", f"{kind} mail queued for {to_address}", kind=kind)
    return email


def deliver_email(email_id):
    """Send one queued mail (worker side). Idempotent: a sent or held mail is left alone.

    With ``MAIL_BACKEND=outbox`` the mail is kept for admins to read in the app.
    SMTP errors propagate so the task retries with backoff; the caller commits.
    """
    query = db.select(OutgoingEmail).where(OutgoingEmail.id == email_id)
    query = row_locked(query)
    email = db.session.scalars(query).first()
    if email is None or email.status in (EmailStatus.sent, EmailStatus.held):
        return email
    email.attempts += 1
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        message = EmailMessage()
        message["From"] = config["MAIL_DEFAULT_SENDER"]
        message["To"] = email.to_address
        message["Subject"] = email.subject
        # The same Message-ID on every attempt, so a resend after a crash can be recognised.
        domain = make_msgid().rsplit("@", 1)[-1].rstrip(">")
        message["Message-ID"] = f"<commissioning-mail-{email.id}@{domain}>"
        message.set_content(email.body)
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        email.status = EmailStatus.sent
    else:
        email.status = EmailStatus.held
    email.sent_at = utcnow()
    email.error = None
    log_action(email, "mail.sent", f"{email.kind} mail delivered to {email.to_address}",
               backend=config["MAIL_BACKEND"])
    return email


def record_failure(email_id, error):
    email = db.session.get(OutgoingEmail, email_id)
    if email is not None and email.status is EmailStatus.pending:
        email.status = EmailStatus.failed
        email.error = str(error)[:500]
        log_action(email, "mail.failed", f"mail to {email.to_address} failed", error=str(error)[:500])
