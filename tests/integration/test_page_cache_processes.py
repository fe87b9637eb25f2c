"""The page cache with more than one web process on PostgreSQL (core/pagecache.py).

Two app instances on the live database stand for two web processes: each has its own kept pages,
notes and listener connection. What one commits, the other hears (LISTEN/NOTIFY) and so builds
its pages anew; while it cannot hear (its connection cut, or silent too long) it reads the
generation row per request instead, and is never stale.
"""
import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest

from commissioning.core import pagecache
from commissioning.extensions import db
from tests import services
from tests.fixtures.views import count_view_runs

WAIT = 10  # seconds, at most, for a listener to hear or to come back


@pytest.fixture
def processes(make_app):
    """(writer, reader, reader's view runs): the reader listening for commits."""
    settings = dict(WTF_CSRF_ENABLED=False, LOGIN_RATE_LIMIT="10000 per minute",
                    LOGIN_RATE_LIMIT_PER_ADDRESS="10000 per minute")
    writer, reader = make_app(**settings), make_app(**settings)
    runs = count_view_runs(reader, dict.__setitem__)  # a throwaway app: nothing to undo
    with reader.test_request_context("/"):
        listener = pagecache.store(reader).listener
        assert listener is not None
        _until(lambda: listener.ready(), "the reader's listener connected")
    yield writer, reader, runs
    for app in (writer, reader):
        pagecache.store(app).listener._pid = None   # its thread ends at its next wake-up
        with app.app_context():
            db.engine.dispose()


def _until(check, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"not within {WAIT} s: {what}")


@contextmanager
def _elsewhere():
    """The two apps share this process's count of its own writes, which another web process would
    not: while it is open, writes leave that count alone, so the reader learns of them only as a
    separate process would (its listener, or the generation row)."""
    real = pagecache._wrote_here
    pagecache._wrote_here = lambda: None
    before = pagecache._local_value[0]
    try:
        yield
    finally:
        pagecache._wrote_here = real
    assert pagecache._local_value[0] == before


def _write(app):
    """A write a page may show, as another process makes it: a line in the audit log."""
    from commissioning.audit.operations import log_action
    from commissioning.needs.models import Need
    with _elsewhere(), app.app_context():
        need = db.session.scalars(db.select(Need).order_by(Need.id)).first()
        log_action(need, "test.looked", f"Looked at by the page cache test {uuid.uuid4().hex[:6]}")
        db.session.commit()


def _heard_after(reader, before):
    listener = pagecache.store(reader).listener
    _until(lambda: listener.count > before, "the reader heard of the commit")


def test_a_commit_in_one_process_is_heard_by_another_which_builds_its_page_anew(processes):
    writer, reader, runs = processes
    client = reader.test_client()
    assert client.get("/opportunities").status_code == 200
    assert client.get("/opportunities").status_code == 200
    assert runs["opportunities.index"] == 1
    listener = pagecache.store(reader).listener
    with reader.test_request_context("/"):
        assert pagecache.generation()[0] == "heard"       # from the listener, not the row
    before = listener.count
    _write(writer)
    _heard_after(reader, before)
    assert client.get("/opportunities").status_code == 200
    assert runs["opportunities.index"] == 2


def test_a_session_ended_in_one_process_is_refused_by_another_that_noted_it(processes):
    from commissioning.accounts.models import UserSession
    from commissioning.accounts.operations import end_session
    writer, reader, runs = processes
    client = reader.test_client()
    assert client.post("/login", data={"email": "commissioner@demo.test",
                                       "password": "demo-password"}).status_code == 302
    assert client.get("/contracts").status_code == 200
    assert client.get("/contracts").status_code == 200    # kept, and the session noted
    assert runs["contracts.index"] == 1
    listener = pagecache.store(reader).listener
    before = listener.count
    with _elsewhere(), writer.app_context():
        row = db.session.scalars(db.select(UserSession).order_by(UserSession.id.desc())).first()
        end_session(row, "revoked_by_admin")
        db.session.commit()
    assert client.get("/dashboard").status_code == 302    # a view reads the session: at once
    _heard_after(reader, before)
    assert client.get("/contracts").status_code == 302    # the kept page too, once heard


def _cut_listeners():
    with psycopg.connect(services.PG_ADMIN_URL, autocommit=True) as conn:
        return conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                            (pagecache.Listener.NAME,)).rowcount


def test_with_its_listener_cut_a_process_reads_the_generation_and_then_listens_again(processes, monkeypatch):
    writer, reader, runs = processes
    client = reader.test_client()
    client.get("/opportunities")
    client.get("/opportunities")
    listener = pagecache.store(reader).listener
    monkeypatch.setattr(listener, "RETRY_SECONDS", 600)  # it stays away until told to try again
    before = listener.count
    assert _cut_listeners() >= 1
    _until(lambda: not listener.listening, "the reader noticed its connection was cut")
    assert listener.count > before                        # the cut itself counts as a commit
    with reader.test_request_context("/"):
        assert pagecache.generation()[0] == "read"
    client.get("/opportunities")
    built = runs["opportunities.index"]
    _write(writer)                                        # nobody hears this one
    client.get("/opportunities")
    assert runs["opportunities.index"] == built + 1       # read from the row: not stale
    listener.retry.set()
    _until(lambda: listener.heard(), "the reader listens again")


def test_a_listener_silent_too_long_is_not_trusted(processes):
    """A connection lost without a word (no reset, no answer) stops counting within two checks."""
    _writer, reader, _runs = processes
    listener = pagecache.store(reader).listener
    with reader.test_request_context("/"):
        assert pagecache.generation()[0] == "heard"
        listener.confirmed -= 2 * listener.CHECK_SECONDS
        assert pagecache.generation()[0] == "read"
