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


def lock_row(obj):
    """Hold ``obj``'s row until the transaction ends, and see its latest committed state.

    Call it first in an operation that must happen once (sign, accept, open, vote...): a
    second request doing the same waits here, then finds the new status and is refused in
    words instead of doing it twice. PostgreSQL takes a row lock (FOR UPDATE); SQLite has
    none, so a no-op UPDATE takes its one write lock, which serialises the same way.
    Unflushed changes to ``obj`` are discarded, so lock before changing anything.
    """
    from sqlalchemy import inspect, select, update
    mapper = inspect(type(obj))
    pk = mapper.primary_key[0]
    ident = getattr(obj, pk.key)
    model = type(obj)
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(model).where(pk == ident).values({pk.key: ident})
                           .execution_options(synchronize_session=False))
        query = select(model).where(pk == ident)
    else:
        query = select(model).where(pk == ident).with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).one()
