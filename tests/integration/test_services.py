import uuid


def test_healthz_reports_database_and_redis(live_app):
    response = live_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "broker": "ok", "rate_limits": "ok"}


def test_healthz_reports_a_broker_outage(make_app):
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz")
    # Degraded, not down: the process still serves pages, so a load balancer must keep it.
    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["broker"] == "unavailable"
    assert response.get_json()["database"] == "ok"


def test_login_rate_limit_is_stored_in_redis(make_app, live_config):
    import redis

    from commissioning.config import SETTINGS
    # The shipped limits, not the browser tier's lifted ones in live_config.
    limits = {name: SETTINGS[name][0] for name in ("LOGIN_RATE_LIMIT", "LOGIN_RATE_LIMIT_PER_ADDRESS")}
    assert limits["LOGIN_RATE_LIMIT"] == "10 per minute"
    app = make_app(WTF_CSRF_ENABLED=False, **limits)
    client = app.test_client()
    email = f"nobody-{uuid.uuid4().hex[:6]}@example.org"
    statuses = [client.post("/login", data={"email": email, "password": "wrong-password"}).status_code
                for _ in range(11)]
    assert statuses[-1] == 429 and statuses[:10] == [200] * 10
    keys = redis.Redis.from_url(live_config["REDIS_URL"]).keys(f"*{email}*")
    assert keys, "the limiter should keep its counters in Redis"
    # A second app process shares the same counters.
    other = make_app(WTF_CSRF_ENABLED=False, **limits).test_client()
    assert other.post("/login", data={"email": email, "password": "wrong-password"}).status_code == 429
