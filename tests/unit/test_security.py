import re

from commissioning.accounts.models import Role
from tests.conftest import csrf_token_from


def test_forged_or_missing_csrf_token_is_refused_with_400(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = create_user(Role.commissioner)
    missing = client.post("/login", data={"email": user.email, "password": "a-long-test-password"})
    forged = client.post("/login", data={"email": user.email, "password": "a-long-test-password",
                                         "csrf_token": "forged.token.value"})
    for response in (missing, forged):
        assert response.status_code == 400
        assert "Your form could not be checked" in response.get_data(as_text=True)
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    ok = client.post("/login", data={"email": user.email, "password": "a-long-test-password", "csrf_token": token})
    assert ok.status_code == 302


def test_logout_without_csrf_token_does_not_sign_out(app, login, create_user, monkeypatch):
    client = login(create_user(Role.evaluator))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_oversized_body_gets_413_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    response = client.post("/login", data={"email": "a@b.cd", "password": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_security_headers_and_csp_nonce(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    html = response.get_data(as_text=True)
    assert f'nonce="{nonce}"' in html
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "unsafe-inline" not in csp


def test_session_cookie_is_http_only_and_lax(client, create_user):
    user = create_user(Role.admin)
    response = client.post("/login", data={"email": user.email, "password": "a-long-test-password"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signed_in_pages_are_not_cached(login, create_user):
    client = login(create_user(Role.admin))
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_server_error_page_leaks_nothing(app):
    from commissioning import create_app
    fresh = create_app({**{k: app.config[k] for k in ("APP_ENV", "SECRET_KEY", "DATABASE_URL",
                                                       "OUTBOX_DISPATCH", "BROKER_DIR")}})

    @fresh.route("/__boom_for_test")
    def boom():
        raise RuntimeError("secret-internal-detail")

    response = fresh.test_client().get("/__boom_for_test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "secret-internal-detail" not in html and "Traceback" not in html
