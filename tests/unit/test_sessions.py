"""Server-side sessions: a sign-in is a row, and ending the row ends the sign-in wherever its cookie is."""
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role, SessionEnd, UserSession
from commissioning.accounts.util import describe_device, make_reset_token
from commissioning.audit.models import AuditEntry
from commissioning.core.models import utcnow
from commissioning.extensions import db
from tests.conftest import csrf_token_from

PASSWORD = "a-long-test-password"


def sign_in(client, user, password=PASSWORD, agent=None):
    headers = {"User-Agent": agent} if agent else {}
    response = client.post("/login", data={"email": user.email, "password": password}, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def session_cookie(client):
    return client.get_cookie("session").value


def sessions_of(user):
    return db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.id)).all()


def signed_out(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_cookie_copied_before_logout_opens_nothing_afterwards(client, create_user):
    user = create_user(Role.commissioner)
    sign_in(client, user)
    assert client.get("/dashboard").status_code == 200
    copied = session_cookie(client)
    assert client.post("/logout").status_code == 302
    client.set_cookie("session", copied)  # the attacker's copy, put back
    assert signed_out(client.get("/dashboard"))
    assert signed_out(client.get("/contracts/1"))
    row = sessions_of(user)[0]
    assert row.revoked_at is not None and row.revoked_reason is SessionEnd.signed_out


def test_a_remember_cookie_cannot_bring_an_ended_session_back(app, client, create_user):
    from flask_login.utils import encode_cookie
    user = create_user(Role.commissioner)
    sign_in(client, user)
    client.get("/dashboard")
    with client.session_transaction() as sess:
        identifier = sess["_user_id"]
    client.post("/logout")
    with app.test_request_context():
        client.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), encode_cookie(identifier))
    assert signed_out(client.get("/dashboard"))


def test_the_cookie_names_a_random_session_whose_hash_alone_is_kept(client, create_user):
    user = create_user(Role.evaluator)
    sign_in(client, user, agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0")
    with client.session_transaction() as sess:
        identifier = sess["_user_id"]
    row = sessions_of(user)[0]
    assert str(user.id) not in identifier.split(":") and len(identifier) >= 40
    assert identifier not in row.secret_hash and len(row.secret_hash) == 64
    assert row.device == "Firefox on Windows"


def test_the_csrf_secret_changes_at_sign_in_and_sign_out(app, client, create_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = create_user(Role.commissioner)

    def secret():
        with client.session_transaction() as sess:
            return sess.get("csrf_token")
    page = client.get("/login").get_data(as_text=True)
    before = secret()
    token = csrf_token_from(page)
    assert client.post("/login", data={"email": user.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    dashboard = client.get("/dashboard").get_data(as_text=True)
    during = secret()
    assert before and during and during != before
    # A token from before the sign-in (as a page left open, or one planted by someone else) is refused.
    stale = client.post("/logout", data={"csrf_token": token})
    assert stale.status_code == 400
    assert client.post("/logout", data={"csrf_token": csrf_token_from(dashboard)}).status_code == 302
    client.get("/login")
    after = secret()
    assert after and after not in (before, during)


def test_an_idle_session_ends(app, client, create_user):
    user = create_user(Role.commissioner)
    sign_in(client, user)
    row = sessions_of(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"], seconds=5)
    db.session.commit()
    assert signed_out(client.get("/dashboard"))


def test_a_busy_session_still_ends_after_the_longest_time(app, client, create_user):
    user = create_user(Role.commissioner)
    sign_in(client, user)
    row = sessions_of(user)[0]
    row.created_at = utcnow() - timedelta(hours=app.config["SESSION_MAX_HOURS"], seconds=5)
    row.last_seen_at = utcnow()
    db.session.commit()
    assert signed_out(client.get("/dashboard"))


def test_last_seen_is_written_at_most_once_a_minute(client, create_user, count_queries, monkeypatch):
    from commissioning.core import models
    user = create_user(Role.commissioner)
    sign_in(client, user)
    row = sessions_of(user)[0]
    first = row.last_seen_at
    client.get("/dashboard")
    db.session.refresh(row)
    assert row.last_seen_at == first  # a page a moment later is not a write
    # Two minutes pass (the clock, not the row, moves: a process that noted the session
    # (core/pagecache.py) knows when it last saw it, as a clock going on would show it).
    real = models.utcnow
    monkeypatch.setattr(models, "utcnow", lambda: real() + timedelta(minutes=2))
    client.get("/dashboard")
    db.session.refresh(row)
    assert row.last_seen_at > first + timedelta(seconds=90)


def test_a_password_reset_ends_every_session(app, client, create_user):
    user = create_user(Role.provider)
    other = sign_in(app.test_client(), user)
    assert other.get("/dashboard").status_code == 200
    token = make_reset_token(user)
    assert client.post(f"/password-reset/{token}", data={"password": "a-brand-new-password",
                                                        "confirm": "a-brand-new-password"}).status_code == 302
    assert signed_out(other.get("/dashboard"))
    assert {r.revoked_reason for r in sessions_of(user)} == {SessionEnd.password_reset}


def test_sign_out_everywhere_ends_every_session_this_one_too(app, create_user):
    user = create_user(Role.evaluator)
    laptop = sign_in(app.test_client(), user)
    phone = sign_in(app.test_client(), user, agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) "
                                                    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
                                                    "Mobile/15E148 Safari/604.1")
    page = laptop.get("/account").get_data(as_text=True)
    assert "Safari on iPhone" in page and "This device" in page
    response = laptop.post("/account/sessions/sign-out-everywhere")
    assert signed_out(response)
    assert "signed out on every device" in laptop.get("/login").get_data(as_text=True)
    assert signed_out(laptop.get("/dashboard")) and signed_out(phone.get("/dashboard"))
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.signed_out_everywhere",
                                                         AuditEntry.object_id == user.id))


def test_a_person_signs_out_one_other_device(app, create_user):
    user = create_user(Role.evaluator)
    laptop = sign_in(app.test_client(), user)
    phone = sign_in(app.test_client(), user)
    phone_row = sessions_of(user)[1]
    answer = laptop.post(f"/account/sessions/{phone_row.id}/sign-out")
    assert answer.status_code == 302
    assert "You have signed out of" in laptop.get("/account").get_data(as_text=True)
    assert signed_out(phone.get("/dashboard"))
    assert laptop.get("/dashboard").status_code == 200


def test_nobody_signs_out_another_persons_session(app, create_user):
    mine, theirs = create_user(Role.evaluator), create_user(Role.evaluator)
    me = sign_in(app.test_client(), mine)
    them = sign_in(app.test_client(), theirs)
    assert me.post(f"/account/sessions/{sessions_of(theirs)[0].id}/sign-out").status_code == 404
    assert them.get("/dashboard").status_code == 200


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, create_user):
    user = create_user(Role.commissioner)
    here = sign_in(app.test_client(), user)
    elsewhere = sign_in(app.test_client(), user)
    wrong = here.post("/account/password", data={"current": "not-my-password", "password": "a-brand-new-password",
                                                 "confirm": "a-brand-new-password"})
    assert wrong.status_code == 400 and "current password is not right" in wrong.get_data(as_text=True)
    assert elsewhere.get("/dashboard").status_code == 200
    done = here.post("/account/password", data={"current": PASSWORD, "password": "a-brand-new-password",
                                                "confirm": "a-brand-new-password"})
    assert done.status_code == 302
    assert here.get("/dashboard").status_code == 200
    assert signed_out(elsewhere.get("/dashboard"))
    assert sign_in(app.test_client(), user, password="a-brand-new-password")
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.password_changed",
                                                         AuditEntry.object_id == user.id))


def test_a_deactivated_persons_session_stops_at_once(client, create_user):
    user = create_user(Role.commissioner)
    sign_in(client, user)
    user.active = False
    db.session.commit()
    assert signed_out(client.get("/dashboard"))


@pytest.mark.parametrize("agent, described", [
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 "
     "Safari/605.1.15", "Safari on Mac"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
     "Safari/537.36", "Chrome on Android"),
    ("python-requests/2.32", "An unknown browser or program"),
    (None, "An unknown browser or program"),
])
def test_devices_are_described_for_people(agent, described):
    assert describe_device(agent) == described


def test_the_account_page_lists_sessions_with_their_times(client, create_user):
    user = create_user(Role.provider)
    sign_in(client, user)
    html = client.get("/account").get_data(as_text=True)
    assert re.search(r"Where you are signed in", html) and "Sign out everywhere" in html


def test_noting_the_session_in_use_does_not_count_as_the_requests_work(client, create_user):
    """A refused form gives its request key back even when that request also noted the session's use."""
    from commissioning.idempotency.models import RequestKey
    user = create_user(Role.commissioner)
    sign_in(client, user)
    row = sessions_of(user)[0]
    row.last_seen_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    ok = client.post("/needs/new", data={"title": "", "request_key": "j" * 24})
    assert ok.status_code == 200, ok.status_code  # the form again, with its errors
    db.session.refresh(row)
    assert row.last_seen_at > utcnow() - timedelta(seconds=30)  # noted in that same request
    assert db.session.scalar(db.select(db.func.count()).select_from(RequestKey)) == 0
