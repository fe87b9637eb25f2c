import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template

from commissioning.accounts.models import User
from commissioning.accounts.util import make_reset_token
from commissioning.audit.operations import log_action
from commissioning.core.models import utcnow
from commissioning.core.locks import row_locked
from commissioning.core.urls import absolute_url, mail_link
from commissioning.extensions import db
from commissioning.mail.models import EmailStatus, OutgoingEmail, Reminder, ReminderPreference
from commissioning.outbox.operations import enqueue_task

SEND_TASK = "mail.send_email"
#: What a stored body holds where the secret link goes; the link exists only in the message sent.
SECRET_LINK_PLACEHOLDER = "[link: sent to the person, not kept]"


def _password_link(user):
    """A fresh single-use link to choose a password: signed, bound to the password hash, time-limited."""
    return absolute_url("accounts.reset_password", token=make_reset_token(user))


#: The secret links a mail can carry, each minted when the mail is sent (kind -> minter).
SECRET_LINKS = {"password_reset": _password_link, "set_password": _password_link}


def queue_email(to_address, kind, subject, template, sealed_for=None, secret_link=None, **context):
    """Render ``templates/emails/<template>.txt`` and queue it to be sent after the commit.

    People without an email address (panel members who joined with a code) get nothing: None.
    ``sealed_for`` (an opportunity) hides the mail from staff until its deadline. ``secret_link``,
    a (kind in SECRET_LINKS, user) pair, fills ``{{ link }}`` with a placeholder: the link itself is
    minted by the worker and is never stored, so nobody who reads the outbox can use it.
    """
    if not to_address:
        return None
    context.setdefault("service_name", current_app.config["SERVICE_NAME"])
    # Links in mail come from core/urls.py (BASE_URL and the page's path): {{ mail_url('endpoint', ...) }}.
    context.setdefault("mail_url", absolute_url)
    link_kind, link_user = secret_link or (None, None)
    if link_kind is not None:
        if link_kind not in SECRET_LINKS:
            raise ValueError(f"unknown secret link {link_kind!r}")
        context["link"] = SECRET_LINK_PLACEHOLDER
    body = render_template(f"emails/{template}.txt", **context)
    email = OutgoingEmail(to_address=to_address, kind=kind, subject=subject, body=body,
                          sealed_opportunity_id=getattr(sealed_for, "id", sealed_for), secret_link=link_kind,
                          secret_link_user_id=link_user.id if link_user is not None else None)
    db.session.add(email)
    db.session.flush()
    enqueue_task(SEND_TASK, email_id=email.id)
    log_action(email, "mail.queued", f"{kind} mail queued for {to_address}", sealed_for=sealed_for, kind=kind)
    return email


def _mint_link(email):
    user = db.session.get(User, email.secret_link_user_id) if email.secret_link_user_id else None
    if user is None or not user.active:
        return "[this link is no longer available: ask for a new one from the sign-in page]"
    return SECRET_LINKS[email.secret_link](user)


def body_to_send(email):
    """The body as sent: the stored one with its secret link, if any, minted now."""
    if not email.secret_link or SECRET_LINK_PLACEHOLDER not in email.body:
        return email.body
    return email.body.replace(SECRET_LINK_PLACEHOLDER, _mint_link(email))


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
        message.set_content(body_to_send(email))
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except smtplib.SMTPException as exc:
            # Retried all the same, but the worker's log and the outbox row never name the recipient
            # (a receipt's recipient is a bidder, sealed until the deadline).
            text = re.sub(re.escape(email.to_address), "<recipient>", f"{type(exc).__name__}: {exc}",
                          flags=re.IGNORECASE)
            raise smtplib.SMTPException(f"mail {email.id} not sent: {text}"[:500]) from None
        email.status = EmailStatus.sent
    else:
        email.status = EmailStatus.held
        if email.secret_link and config["APP_ENV"] == "development":
            # Development only, never in production: with no SMTP the developer's way to the link
            # is the worker's own console (the outbox shows only that the mail was sent).
            current_app.logger.warning("Development only: the %s link in held mail %s to %s is %s",
                                       email.secret_link, email.id, email.to_address,
                                       _mint_link(email))
    email.sent_at = utcnow()
    email.error = None
    log_action(email, "mail.sent", f"{email.kind} mail delivered to {email.to_address}",
               sealed_for=email.sealed_opportunity_id, backend=config["MAIL_BACKEND"])
    return email


def record_failure(email_id, error):
    email = db.session.get(OutgoingEmail, email_id)
    if email is not None and email.status is EmailStatus.pending:
        email.status = EmailStatus.failed
        email.error = str(error)[:500]
        log_action(email, "mail.failed", f"mail to {email.to_address} failed",
                   sealed_for=email.sealed_opportunity_id, error=str(error)[:500])


# --- notifications: on the person's page, and by mail now or in their daily digest --------------

def claim_notification(key, kind, user, subject, text, link, digest, now, sealed_for=None):
    """Insert the notification unless its key exists; True only for the caller that inserted it.

    One INSERT ... ON CONFLICT DO NOTHING: two writers at once block on the key and only one wins.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Reminder.__table__).values(
        key=key, kind=kind, user_id=user.id, subject=subject, text=text, link=link, digest=digest,
        created_at=now, sealed_opportunity_id=getattr(sealed_for, "id", sealed_for)
    ).on_conflict_do_nothing(index_elements=["key"]).returning(Reminder.__table__.c.id)
    return db.session.execute(statement).scalar() is not None


def wants_digest(user_ids):
    """{(user id, kind)} of the notifications these people chose to get in the daily digest (one query)."""
    if not user_ids:
        return set()
    return {(p.user_id, p.kind) for p in db.session.scalars(
        db.select(ReminderPreference).where(ReminderPreference.user_id.in_(user_ids),
                                            ReminderPreference.digest.is_(True)))}


def notify(user, kind, key, subject, text, link, template="reminder", mail_kind=None, sealed_for=None,
           digest=None, now=None, **context):
    """Tell one person once (``key`` is unique) that something happened or is due.

    It goes on their notifications page with ``link``, a path (see core/urls.py), and by mail now,
    or in the daily digest when they chose that for this ``kind``. ``sealed_for`` (an opportunity)
    seals the mail, and later the digest that carries it, until the deadline. ``digest`` may be
    given when the caller has already read the preferences (the sweep, for many people at once).
    True when this call made the notification.
    """
    if not link.startswith("/"):
        raise ValueError(f"a notification links to a path in the app, not {link!r}")
    now = now or utcnow()
    if digest is None:
        digest = (user.id, kind) in wants_digest({user.id})
    if not claim_notification(key, kind, user, subject, text, link, digest, now, sealed_for):
        return False
    if not digest:
        context.setdefault("settings", absolute_url("monitoring.notifications", _anchor="settings"))
        queue_email(user.email, mail_kind or kind, subject, template, sealed_for=sealed_for, user_name=user.name,
                    text=text, link=mail_link(link), **context)
    return True
