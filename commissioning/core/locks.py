"""Locks that keep periodic tasks from overlapping across workers."""
import zlib

from sqlalchemy import text

from commissioning.extensions import db


def try_transaction_lock(name):
    """Take a lock named ``name`` for the current transaction; False when someone holds it.

    On PostgreSQL this is an advisory lock released at commit or rollback, so two
    workers running the same sweep never overlap. SQLite allows one writer at a time
    already, so there it always succeeds.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}).scalar())
