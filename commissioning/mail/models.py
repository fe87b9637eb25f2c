from commissioning.core.enums import StatusEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db


class EmailStatus(StatusEnum):
    pending = "pending", "Waiting to send"
    sent = "sent", "Sent"
    held = "held", "In the app's outbox"
    failed = "failed", "Failed"

    __transitions__ = {
        "pending": {"sent", "held", "failed"},
        "failed": {"sent", "failed"},
    }


class OutgoingEmail(TimestampMixin, db.Model):
    """A message to one recipient. In the embedded set-up it stays here for admins to read,
    except what is sealed (until a deadline) or secret (never kept)."""

    __tablename__ = "outgoing_emails"

    id = db.Column(db.Integer, primary_key=True)
    to_address = db.Column(db.String(254), nullable=False, index=True)
    subject = db.Column(db.String(250), nullable=False)
    body = db.Column(db.Text, nullable=False)
    kind = db.Column(db.String(60), nullable=False)
    status = db.Column(db.Enum(EmailStatus, native_enum=False, length=20), nullable=False,
                       default=EmailStatus.pending)
    sent_at = db.Column(UTCDateTime())
    attempts = db.Column(db.Integer, nullable=False, default=0)
    error = db.Column(db.String(500))
    # A mail about a bid is withheld from staff until this opportunity's deadline (mail/util.py).
    sealed_opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="SET NULL"), index=True)
    # A secret link (password reset, invitation) is never stored: the body holds SECRET_LINK_PLACEHOLDER
    # and these say which link the worker mints into the message it sends (mail/operations.py).
    secret_link = db.Column(db.String(30))
    secret_link_user_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self):
        return f"<OutgoingEmail {self.id} {self.kind} to {self.to_address}>"


class Reminder(db.Model):
    """A notification for one person: on their notifications page, and by mail now or in their digest.

    One per (what, which object, which step, whom): the unique key is what makes it exactly once.
    ``link`` is a path, so it opens on whatever host the page is read from; mail makes it absolute.
    """

    __tablename__ = "reminders"

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(200), nullable=False, unique=True)
    kind = db.Column(db.String(40), nullable=False)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    subject = db.Column(db.String(300), nullable=False)
    text = db.Column(db.Text, nullable=False)
    link = db.Column(db.String(500), nullable=False)
    digest = db.Column(db.Boolean, nullable=False, default=False)
    digested_at = db.Column(UTCDateTime())
    created_at = db.Column(UTCDateTime(), nullable=False)
    read_at = db.Column(UTCDateTime())
    # Caused by a bidder before a deadline: its digest mail is sealed like its own mail would have been.
    sealed_opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="SET NULL"), index=True)

    def __repr__(self):
        return f"<Reminder {self.key}>"


class ReminderPreference(db.Model):
    """A person's choice for one kind of notification: a mail each time (no row, or digest false) or a daily digest."""

    __tablename__ = "reminder_preferences"
    __table_args__ = (db.UniqueConstraint("user_id", "kind"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(40), nullable=False)
    digest = db.Column(db.Boolean, nullable=False, default=False)

    def __repr__(self):
        return f"<ReminderPreference {self.user_id} {self.kind} {'digest' if self.digest else 'immediate'}>"


#: Every kind of notification: what the settings page calls it, and the roles that get it.
NOTIFICATION_KINDS = {
    "return": ("Monitoring returns due and overdue", ("provider", "contract_monitor", "commissioner")),
    "contract_end": ("Contracts ending soon", ("commissioner", "contract_monitor")),
    "document_expiry": ("Documents about to expire", ("provider",)),
    "action_overdue": ("Actions past their due date", ("contract_monitor", "provider")),
    "clarification_asked": ("A bidder asks a clarification question", ("commissioner",)),
    "clarification_answered": ("Your clarification question is answered", ("provider",)),
    "return_submitted": ("A provider submits a monitoring return", ("contract_monitor", "commissioner")),
    "return_accepted": ("Your monitoring return is accepted", ("provider",)),
    "agreement_signed": ("A provider signs an agreement", ("commissioner",)),
    "notice_overdue": ("Procurement Act notices past their due date", ("commissioner",)),
}


def kinds_for(user):
    """{kind: label} of the notifications ``user``'s roles can get, in the order above."""
    roles = {role.value for role in user.role_set}
    return {kind: label for kind, (label, whose) in NOTIFICATION_KINDS.items() if roles & set(whose)}
