from commissioning.accounts.models import Role
from commissioning.accounts.util import make_reset_token
from commissioning.audit.models import AuditEntry
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.outbox.models import OutboxTask
from tests.unit.test_secret_links import mailed_link


def test_login_with_right_password_reaches_dashboard(client, create_user):
    user = create_user(Role.commissioner, name="Chris")
    response = client.post("/login", data={"email": user.email.upper(), "password": "a-long-test-password"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200 and "Hello, Chris" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.signed_in",
                                                         AuditEntry.user_id == user.id))


def test_wrong_password_and_unknown_email_get_the_same_clear_message(client, create_user):
    user = create_user(Role.evaluator)
    wrong = client.post("/login", data={"email": user.email, "password": "not-the-password"})
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "whatever-it-is"})
    for response in (wrong, unknown):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "There is a problem" in html and "Enter a correct email address and password" in html
        assert "<title>Error:" in html


def test_empty_login_form_shows_error_summary_linked_to_fields(client):
    html = client.post("/login", data={}).get_data(as_text=True)
    assert 'href="#email"' in html and 'href="#password"' in html


def test_open_redirect_is_refused(client, create_user):
    user = create_user(Role.evaluator)
    response = client.post("/login?next=https://evil.example/x",
                           data={"email": user.email, "password": "a-long-test-password"})
    assert response.headers["Location"].endswith("/dashboard")


def test_next_within_the_site_is_followed(client, create_user):
    user = create_user(Role.admin)
    response = client.post("/login?next=/admin/audit",
                           data={"email": user.email, "password": "a-long-test-password"})
    assert response.headers["Location"].endswith("/admin/audit")


def test_login_is_rate_limited(client, create_user):
    user = create_user(Role.evaluator)
    statuses = [client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert "Too many attempts" in client.post("/login", data={"email": user.email, "password": "x"}).get_data(as_text=True)


def test_logout_needs_post_and_signs_out(login, create_user):
    client = login(create_user(Role.evaluator))
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_inactive_user_cannot_sign_in(client, create_user):
    user = create_user(Role.commissioner)
    user.active = False
    db.session.flush()
    response = client.post("/login", data={"email": user.email, "password": "a-long-test-password"})
    assert response.status_code == 200


def test_password_reset_mails_a_single_use_link(app, client, create_user, smtp_server, monkeypatch):
    user = create_user(Role.provider)
    response = client.post("/password-reset", data={"email": user.email})
    assert "Check your email" in response.get_data(as_text=True)
    email = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == user.email)).one()
    task = db.session.scalars(db.select(OutboxTask)).one()
    assert task.task_name == "mail.send_email" and task.kwargs == {"email_id": email.id}
    link = mailed_link(app, smtp_server, monkeypatch, user.email)  # by SMTP: the stored mail has no link
    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert "between 12 and 200 characters" in short.get_data(as_text=True)
    done = client.post(link, data={"password": "a-brand-new-password", "confirm": "a-brand-new-password"})
    assert done.status_code == 302
    again = client.get(link)
    assert again.status_code == 400 and "This link does not work" in again.get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": "a-brand-new-password"}).status_code == 302


def test_password_reset_for_unknown_email_reveals_nothing_and_sends_nothing(client):
    response = client.post("/password-reset", data={"email": "ghost@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(OutgoingEmail.id))) == 0


def test_expired_and_forged_reset_tokens_get_clear_pages(app, client, create_user, monkeypatch):
    user = create_user(Role.provider)
    token = make_reset_token(user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    expired = client.get(f"/password-reset/{token}")
    assert expired.status_code == 400 and "This link has expired" in expired.get_data(as_text=True)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", 3600)
    forged = client.get(f"/password-reset/{token[:-3]}abc")
    assert forged.status_code == 400 and "This link does not work" in forged.get_data(as_text=True)


def test_passwords_are_hashed_with_argon2(create_user):
    user = create_user(Role.admin)
    assert user.password_hash.startswith("$argon2id$")
    assert "a-long-test-password" not in user.password_hash
