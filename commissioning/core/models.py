"""Column helpers shared by every domain's models."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, types

from commissioning.extensions import db


#: Every date a person sees, and every deadline they set, is in UK time.
LONDON = ZoneInfo("Europe/London")


def utcnow():
    """Timezone-aware now; every timestamp is stored in UTC and shown in Europe/London."""
    return datetime.now(UTC)


class UTCDateTime(types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)


class CacheGeneration(db.Model):
    """One row: how many writing transactions have committed (core/pagecache.py keeps public pages by it)."""

    __tablename__ = "cache_generation"

    id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    value = db.Column(db.BigInteger, nullable=False, default=0)
