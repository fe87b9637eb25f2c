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


def row_locked(query, skip_locked=False):
    """``query`` with FOR UPDATE on PostgreSQL (SKIP LOCKED for sweeps that share out rows).

    SQLite has no row locks and lets one writer in at a time, so there the query is unchanged.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return query
    return query.with_for_update(skip_locked=skip_locked)
