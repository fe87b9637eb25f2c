"""Walk every page as anonymous and as each role, and check the status each gets."""
import pytest

from commissioning.accounts.models import Role
from commissioning.extensions import db
from commissioning.mail.operations import queue_email

ROLES = ["anonymous"] + [r.value for r in Role]
STAFF = {"admin", "commissioner"}


def expect(anonymous=200, default=200, **per_role):
    table = {role: per_role.get(role, default) for role in ROLES}
    table["anonymous"] = anonymous
    return table


def admin_only():
    return expect(anonymous=302, default=403, admin=200)


# endpoint -> (url builder taking the fixtures' objects, expected status per role)
ACCESS = {
    "main.home": (lambda o: "/", expect()),
    "main.accessibility": (lambda o: "/accessibility", expect()),
    "main.healthz": (lambda o: "/healthz", expect()),
    "main.dashboard": (lambda o: "/dashboard", expect(anonymous=302)),
    "accounts.login": (lambda o: "/login", expect(anonymous=200, default=302)),
    "accounts.request_reset": (lambda o: "/password-reset", expect()),
    "accounts.reset_password": (lambda o: "/password-reset/not-a-token", expect(anonymous=400, default=400)),
    "admin.audit_log": (lambda o: "/admin/audit", admin_only()),
    "admin.mail_outbox": (lambda o: "/admin/mail", admin_only()),
    "admin.mail_message": (lambda o: f"/admin/mail/{o['mail'].id}", admin_only()),
    "admin.users": (lambda o: "/admin/users", admin_only()),
    "admin.organisations": (lambda o: "/organisations",
                            expect(anonymous=302, default=403, admin=200, commissioner=200)),
    "admin.organisation": (lambda o: f"/organisations/{o['provider_org'].id}",
                           expect(anonymous=302, default=403, admin=200, commissioner=200, provider=200)),
}

POST_ONLY = {"accounts.logout"}


def test_every_page_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint != "static" and "GET" in rule.methods}
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" not in rule.methods}
    assert endpoints - set(ACCESS) == set(), "add new pages to ACCESS with their expected statuses"
    assert posts <= POST_ONLY | set(ACCESS), f"add POST-only endpoints to POST_ONLY: {posts - POST_ONLY}"


@pytest.fixture
def objects(create_user, create_organisation):
    provider_org = create_organisation("Walk Provider Ltd")
    users = {role.value: create_user(role, organisation=provider_org if role is Role.provider else None)
             for role in Role}
    mail = queue_email("someone@example.org", "test", "Hello", "password_changed", user_name="Someone")
    db.session.flush()
    return {"provider_org": provider_org, "users": users, "mail": mail}


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_page_as(role, app, objects, login):
    client = app.test_client() if role == "anonymous" else login(objects["users"][role])
    failures = []
    for endpoint, (url_for, table) in ACCESS.items():
        url = url_for(objects)
        status = client.get(url).status_code
        if status != table[role]:
            failures.append(f"{endpoint} {url}: expected {table[role]}, got {status}")
    assert failures == []


def test_provider_cannot_see_another_organisation(login, create_user, create_organisation):
    mine, theirs = create_organisation(), create_organisation()
    client = login(create_user(Role.provider, organisation=mine))
    assert client.get(f"/organisations/{mine.id}").status_code == 200
    response = client.get(f"/organisations/{theirs.id}")
    assert response.status_code == 403
    assert theirs.name not in response.get_data(as_text=True)


def test_unknown_ids_give_404(login, create_user):
    client = login(create_user(Role.admin))
    assert client.get("/organisations/999999").status_code == 404
    assert client.get("/admin/mail/999999").status_code == 404
    assert client.get("/no/such/page").status_code == 404
