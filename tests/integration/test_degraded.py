"""Redis down is "degraded, not down": a private redis-server is stopped and started again.

The machine's shared Redis (6379) is never touched: the test starts its own redis-server on a
free loopback port, builds an app whose REDIS_URL points at it, and terminates that process.
"""
import logging
import time
import uuid

import pytest

from commissioning.accounts.models import Role
from commissioning.api.operations import create_token
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.outbox.models import OutboxTask
from tests import services

LIMIT = 4          # login attempts per address and email, in this test's app
API_LIMIT = 5      # API requests per address, in this test's app
PASSWORD = "a-long-test-password"


@pytest.fixture
def people(live_context):
    """A commissioner of this test's own, with a read token, committed to the live database."""
    from commissioning.accounts.operations import create_user
    user = create_user(f"degraded-{uuid.uuid4().hex[:8]}@example.org", "Degraded Test", PASSWORD,
                       roles=[Role.commissioner])
    _row, token = create_token(user, "degraded test", "read")
    db.session.commit()
    return {"email": user.email, "token": token}


def _client(app, address):
    """A test client whose requests come from ``address`` (the limits are per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _fail_logins(client, email):
    return [client.post("/login", data={"email": email, "password": "wrong-password"}).status_code
            for _ in range(LIMIT + 1)]


def _api_reads(client):
    return [client.get("/api/v1/indicators").status_code for _ in range(API_LIMIT + 1)]


def _everything_works(app, people, address):
    """Sign-in, password reset, the API and pages answer as they should (never a 500)."""
    client = _client(app, address)
    for path in ("/", "/opportunities", "/indicators", "/whats-on", "/login", "/password-reset"):
        assert client.get(path).status_code == 200, path
    signed_in = client.post("/login", data={"email": people["email"], "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]
    assert client.get("/dashboard").status_code == 200
    assert client.get("/needs").status_code == 200
    reset = _client(app, address).post("/password-reset", data={"email": people["email"]})
    assert reset.status_code == 200 and "Check your email" in reset.get_data(as_text=True)
    api = _client(app, address).get("/api/v1/contracts", headers={"Authorization": f"Bearer {people['token']}"})
    assert api.status_code == 200, api.get_data(as_text=True)


def _latest_reset_row(app, email):
    with app.app_context():
        email_id = db.session.scalar(db.select(OutgoingEmail.id).where(OutgoingEmail.to_address == email)
                                     .order_by(OutgoingEmail.id.desc()).limit(1))
        row = db.session.scalars(db.select(OutboxTask).where(
            OutboxTask.kwargs["email_id"].as_integer() == email_id)).one()
        db.session.remove()
        return row


def _fallback_warnings(caplog):
    return [r for r in caplog.records if "falling back to in-memory" in r.getMessage()]


@pytest.fixture
def limiter_log(caplog, monkeypatch):
    """Flask-Limiter's log records. The migrations' logging.config.fileConfig (run in this process
    by the live_app fixture; in production `commissioning db upgrade` is a process of its own)
    disables loggers that already exist, so switch this one back on for the test."""
    monkeypatch.setattr(logging.getLogger("flask-limiter"), "disabled", False)
    caplog.set_level(logging.INFO, logger="flask-limiter")
    return caplog


def test_redis_down_is_degraded_not_down(make_app, private_redis, people, limiter_log):
    caplog = limiter_log
    app = make_app(REDIS_URL=private_redis.url, WTF_CSRF_ENABLED=False,
                   LOGIN_RATE_LIMIT=f"{LIMIT} per minute", LOGIN_RATE_LIMIT_PER_ADDRESS="1000 per minute",
                   API_RATE_LIMIT=f"{API_LIMIT} per minute")

    # Redis up: everything works and the limits are counted in Redis.
    _everything_works(app, people, "127.0.1.1")
    assert _latest_reset_row(app, people["email"]).dispatched_at is not None
    email = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    assert _fail_logins(_client(app, "127.0.1.2"), email) == [200] * LIMIT + [429]
    assert _api_reads(_client(app, "127.0.1.3")) == [200] * API_LIMIT + [429]
    assert private_redis.keys(f"*{email}*"), "the limits should be counted in Redis"
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.get_json()) == (
        200, {"status": "ok", "database": "ok", "broker": "ok", "rate_limits": "ok"})

    # Redis down: still no 500 anywhere, work waits in the outbox, limits apply per process.
    private_redis.stop()
    _everything_works(app, people, "127.0.2.1")
    assert _latest_reset_row(app, people["email"]).dispatched_at is None, "the mail should wait in the outbox"
    email = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    assert _fail_logins(_client(app, "127.0.2.2"), email) == [200] * LIMIT + [429]
    assert _api_reads(_client(app, "127.0.2.3")) == [200] * API_LIMIT + [429]
    health = app.test_client().get("/healthz")
    assert health.status_code == 200, "a web process that can still serve must stay in the load balancer"
    assert health.get_json() == {"status": "degraded", "database": "ok", "broker": "unavailable",
                                 "rate_limits": "in-memory"}
    assert len(_fallback_warnings(caplog)) == 1, "the fall-back is logged once per outage, not per request"

    # Redis back on the same port: healthz says ok again and the limits are counted in Redis again.
    private_redis.start()
    deadline = time.time() + 90   # Flask-Limiter looks again after 1, 2, 4 ... 32 seconds
    while app.test_client().get("/healthz").get_json()["status"] != "ok":
        assert time.time() < deadline, "healthz never said ok after Redis came back"
        time.sleep(0.25)
    health = app.test_client().get("/healthz")
    assert (health.status_code, health.get_json()) == (
        200, {"status": "ok", "database": "ok", "broker": "ok", "rate_limits": "ok"})
    email = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    assert _fail_logins(_client(app, "127.0.3.2"), email) == [200] * LIMIT + [429]
    assert private_redis.keys(f"*{email}*"), "the limits should be counted in Redis again"
    assert any("recovered" in r.getMessage() for r in caplog.records if r.name == "flask-limiter")
    assert len(_fallback_warnings(caplog)) == 1


def test_healthz_is_503_only_when_the_database_is_down(make_app):
    app = make_app(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{services.free_port()}/nothing")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "down" and response.get_json()["database"] == "unavailable"
