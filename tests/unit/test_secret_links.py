"""Secrets in mail are never stored readable (issue 15, seen 2).

A password reset or invitation link is minted by the worker as it sends the mail and goes only into
the message sent; the outbox, the audit log and every other page show that such a mail was sent,
never its link, so an administrator cannot take over an account.
"""
import json
import logging
import re

from commissioning.accounts.models import Role
from commissioning.accounts.operations import request_password_reset
from commissioning.accounts.util import ResetTokenError, user_for_reset_token
from commissioning.audit.models import AuditEntry
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.mail.operations import SECRET_LINK_PLACEHOLDER, deliver_email
from tests.unit import test_access
from tests.unit.test_access import ACCESS, urls

objects = test_access.objects  # the access walk's fixture: every page has its objects

LINK = re.compile(r"https?://[^/\s]+(/password-reset/\S+)")
TOKEN = re.compile(r"password-reset/([A-Za-z0-9_.\-]{20,})")


def send_by_smtp(app, smtp_server, monkeypatch, email):
    """Deliver one queued mail through the test SMTP server, as the worker does; return what it received."""
    for key, value in {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port,
                       "MAIL_USE_TLS": False, "MAIL_USERNAME": ""}.items():
        monkeypatch.setitem(app.config, key, value)
    before = len(smtp_server.matching(To=email.to_address))
    deliver_email(email.id)
    received = smtp_server.matching(To=email.to_address)
    assert len(received) == before + 1, "the mail was not sent"
    return received[-1]


def mailed_link(app, smtp_server, monkeypatch, to_address):
    """The path of the password link the person receives by SMTP (the stored mail does not have it)."""
    email = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == to_address,
                                                              OutgoingEmail.secret_link.is_not(None))
                               .order_by(OutgoingEmail.id.desc())).first()
    assert email is not None and SECRET_LINK_PLACEHOLDER in email.body and "/password-reset/" not in email.body
    return LINK.search(send_by_smtp(app, smtp_server, monkeypatch, email).get_content()).group(1)


def _signed_in(app, user, password="a-long-test-password"):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": password}).status_code == 302
    return client


def test_an_admin_finds_no_reset_or_invitation_link_on_any_page(app, objects):
    admin = objects["users"]["admin"]
    victim = objects["users"]["commissioner"]
    client = _signed_in(app, admin)
    assert client.post("/password-reset", data={"email": victim.email}).status_code == 200
    response = client.post(f"/organisations/{objects['provider_org'].id}/members",
                           data={"name": "New Starter", "email": "new.starter@example.org"})
    assert response.status_code == 302
    db.session.commit()
    for email_id in db.session.scalars(db.select(OutgoingEmail.id)).all():
        deliver_email(email_id)  # MAIL_BACKEND=outbox: held in the app, as in the embedded set-up
    db.session.commit()
    kinds = set(db.session.scalars(db.select(OutgoingEmail.kind)))
    assert {"password_reset", "member_invited"} <= kinds

    pages = [u for endpoint, (builder, table) in ACCESS.items() if table["admin"] == 200
             for u in urls(builder, objects) if not u.startswith("/api/v1")]
    pages += ["/admin/mail?per_page=200", f"/admin/mail?to={victim.email}", "/admin/mail?to=new.starter@example.org",
              "/admin/audit?per_page=200", "/admin/audit?action=mail.queued", "/admin/audit?action=mail.sent",
              "/admin/audit?action=user.password_reset_requested", "/admin/audit?object_type=OutgoingEmail"]
    pages += [f"/admin/mail/{i}" for i in db.session.scalars(db.select(OutgoingEmail.id))]
    found = []
    for url in pages:
        html = client.get(url).data.decode("utf-8", "replace")
        found += [(url, token) for token in TOKEN.findall(html) if token != "not-a-token"]
    assert found == []
    outbox = client.get(f"/admin/mail?to={victim.email}").get_data(as_text=True)
    assert "Reset your password" in outbox  # that it was sent is shown, never its link
    reset = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.kind == "password_reset")).one()
    assert "never kept" in client.get(f"/admin/mail/{reset.id}").get_data(as_text=True)

    # Nor is any link kept where a page could be added to show it.
    stored = [m.body for m in db.session.scalars(db.select(OutgoingEmail))]
    stored += [json.dumps(e.details) + e.summary for e in db.session.scalars(db.select(AuditEntry))]
    for text in stored:
        for token in TOKEN.findall(text):
            try:
                user_for_reset_token(token)
            except ResetTokenError:
                continue
            raise AssertionError(f"a working reset token is stored: {text[:200]}")
        assert "/password-reset/" not in text


def test_the_person_gets_a_working_reset_link_by_smtp(app, client, create_user, smtp_server, monkeypatch):
    user = create_user(Role.provider)
    client.post("/password-reset", data={"email": user.email})
    link = mailed_link(app, smtp_server, monkeypatch, user.email)
    assert client.get(link).status_code == 200
    done = client.post(link, data={"password": "a-brand-new-password", "confirm": "a-brand-new-password"})
    assert done.status_code == 302
    assert client.get(link).status_code == 400  # it works once
    _signed_in(app, user, "a-brand-new-password")


def test_an_invited_person_gets_a_working_set_password_link_by_smtp(app, login, create_user, create_organisation,
                                                                   smtp_server, monkeypatch):
    org = create_organisation()
    inviter = create_user(Role.provider, organisation=org, is_org_admin=True)
    login(inviter).post(f"/organisations/{org.id}/members", data={"name": "Invitee", "email": "invitee@example.org"})
    db.session.commit()
    link = mailed_link(app, smtp_server, monkeypatch, "invitee@example.org")
    fresh = app.test_client()
    assert fresh.post(link, data={"password": "invitee-password", "confirm": "invitee-password"}).status_code == 302
    assert fresh.post("/login", data={"email": "invitee@example.org", "password": "invitee-password"}).status_code == 302


def test_only_a_development_worker_shows_a_held_link_on_its_console(app, create_user, monkeypatch, caplog):
    user = create_user(Role.provider)
    for env, shown in (("production", False), ("test", False), ("development", True)):
        request_password_reset(user)
        email = db.session.scalars(db.select(OutgoingEmail).order_by(OutgoingEmail.id.desc())).first()
        monkeypatch.setitem(app.config, "APP_ENV", env)
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            deliver_email(email.id)
        assert ("/password-reset/" in caplog.text) is shown, env
        assert "/password-reset/" not in email.body
