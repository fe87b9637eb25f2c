from commissioning.core.models import TimestampMixin, UTCDateTime, utcnow
from commissioning.extensions import db


class Setting(TimestampMixin, db.Model):
    __tablename__ = "settings"

    key = db.Column(db.String(80), primary_key=True)
    value = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<Setting {self.key}={self.value!r}>"
