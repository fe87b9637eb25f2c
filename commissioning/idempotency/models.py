"""A row per state-changing request that carried a key: the proof it was done, and what it answered."""
from commissioning.core.models import UTCDateTime, utcnow
from commissioning.extensions import db


class RequestKey(db.Model):
    """Written in the same transaction as the request's own changes, so both commit or neither.

    ``key`` is a SHA-256 of the person and the key the form (or ``Idempotency-Key``) sent:
    a second request with the same key waits on this primary key while the first runs,
    then finds the row and is answered with the first one's outcome.
    """
    __tablename__ = "request_keys"

    key = db.Column(db.String(64), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method = db.Column(db.String(10), nullable=False)
    path = db.Column(db.String(500), nullable=False)
    status_code = db.Column(db.Integer)
    location = db.Column(db.String(1000))
    messages = db.Column(db.JSON, nullable=False, default=list)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, index=True)

    def __repr__(self):
        return f"<RequestKey {self.method} {self.path} {self.status_code}>"
