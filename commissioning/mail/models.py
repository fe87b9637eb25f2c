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
    """A message to one recipient. In the embedded set-up it stays here for admins to read."""

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

    def __repr__(self):
        return f"<OutgoingEmail {self.id} {self.kind} to {self.to_address}>"
