"""Personal API tokens: only a hash is kept, so a leaked database does not leak access."""
from commissioning.core.enums import TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime, utcnow
from commissioning.extensions import db


class TokenScope(TitledEnum):
    read = "read", "Read only"
    write = "write", "Read and write"


class ApiToken(TimestampMixin, db.Model):
    __tablename__ = "api_tokens"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(80), nullable=False)
    scope = db.Column(db.Enum(TokenScope, native_enum=False, length=10), nullable=False)
    prefix = db.Column(db.String(16), nullable=False)          # shown, so its owner can tell tokens apart
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    # The owner's password as it was (its hash's last characters, as sessions use): a password
    # reset, as after a lost or stolen account, stops every token made before it.
    password_stamp = db.Column(db.String(12), nullable=False)
    expires_at = db.Column(UTCDateTime())
    last_used_at = db.Column(UTCDateTime())
    revoked_at = db.Column(UTCDateTime())

    user = db.relationship("User")

    def __repr__(self):
        return f"<ApiToken {self.id} {self.prefix} user={self.user_id}>"

    @property
    def reference(self):
        return f"API token {self.prefix}…"

    def is_usable(self, now=None):
        now = now or utcnow()
        return (self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
                and self.password_stamp == self.user.password_hash[-12:])

    @property
    def state(self):
        if self.revoked_at is not None:
            return "Revoked"
        if self.password_stamp != self.user.password_hash[-12:]:
            return "Stopped by a password reset"
        return "Expired" if not self.is_usable() else "Active"

    @property
    def can_write(self):
        return self.scope is TokenScope.write
