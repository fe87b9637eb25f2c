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
