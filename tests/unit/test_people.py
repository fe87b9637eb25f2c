"""People administration: every change audited and in force on the person's very next request."""
from commissioning.accounts.models import Membership, Role, SessionEnd, UserSession
from commissioning.api.operations import create_token
from commissioning.audit.models import AuditEntry
from commissioning.extensions import db

PASSWORD = "a-long-test-password"


def sign_in(client, user):
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def audited(action, user):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action,
                                                          AuditEntry.object_id == user.id)).all()


def signed_out(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_admins_search_and_filter_people(app, login, create_user):
    admin = create_user(Role.admin, name="Ada Admin")
    create_user(Role.evaluator, name="Evie Evaluator", email="evie@example.org")
    gone = create_user(Role.evaluator, name="Gordon Gone")
    gone.active = False
    db.session.commit()
    client = login(admin)
    by_name = client.get("/admin/users?q=evie").get_data(as_text=True)
    assert "Evie Evaluator" in by_name and "Gordon Gone" not in by_name
    by_email = client.get("/admin/users?q=EVIE@EXAMPLE").get_data(as_text=True)
    assert "Evie Evaluator" in by_email
    deactivated = client.get("/admin/users?status=deactivated&role=evaluator").get_data(as_text=True)
    assert "Gordon Gone" in deactivated and "Evie Evaluator" not in deactivated
    assert "Ada Admin" not in client.get("/admin/users?role=evaluator").get_data(as_text=True)
    assert "No one matches" in client.get("/admin/users?q=%25_").get_data(as_text=True)
    assert client.get("/admin/users?role=pope").status_code == 200  # a bad filter is shown, not a 500


def test_deactivation_ends_an_open_session_and_api_token_at_once(app, login, create_user):
    admin = create_user(Role.admin)
    person = create_user(Role.commissioner, name="Pat Person")
    theirs = sign_in(app.test_client(), person)
    assert theirs.get("/dashboard").status_code == 200
    _token, plain = create_token(person, "Nightly report", "read")
    db.session.commit()
    api = app.test_client()
    assert api.get("/api/v1/needs", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    client = login(admin)
    confirm = client.get(f"/admin/users/{person.id}/deactivate").get_data(as_text=True)
    assert "Deactivate Pat Person?" in confirm and "1 device" in confirm
    done = client.post(f"/admin/users/{person.id}/deactivate")
    assert done.status_code == 302
    assert signed_out(theirs.get("/dashboard"))
    assert api.get("/api/v1/needs", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert sign_in_fails(app, person)
    rows = db.session.scalars(db.select(UserSession).where(UserSession.user_id == person.id)).all()
    assert [r.revoked_reason for r in rows] == [SessionEnd.deactivated]
    entry = audited("user.deactivated", person)[0]
    assert entry.user_id == admin.id and entry.details["sessions_ended"] == 1 and entry.details["tokens_revoked"] == 1
    assert client.post(f"/admin/users/{person.id}/reactivate").status_code == 302
    assert audited("user.reactivated", person)
    assert sign_in(app.test_client(), person).get("/dashboard").status_code == 200


def sign_in_fails(app, user):
    return app.test_client().post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200


def test_an_admin_cannot_deactivate_themselves_or_the_last_admin(app, login, create_user):
    admin = create_user(Role.admin)
    client = login(admin)
    assert "cannot deactivate your own account" in client.get(f"/admin/users/{admin.id}/deactivate").get_data(
        as_text=True)
    client.post(f"/admin/users/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.active
    refused = client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["commissioner"]})
    assert refused.status_code == 302
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "only active administrator" in page
    db.session.refresh(admin)
    assert admin.is_admin
    assert not audited("user.roles_changed", admin)


def test_a_role_change_applies_on_the_next_request(app, login, create_user):
    admin = create_user(Role.admin)
    person = create_user(Role.evaluator)
    theirs = sign_in(app.test_client(), person)
    assert theirs.get("/needs").status_code == 403
    client = login(admin)
    assert client.post(f"/admin/users/{person.id}/roles", data={"roles": ["commissioner"]}).status_code == 302
    assert theirs.get("/needs").status_code == 200
    assert theirs.get("/evaluation").status_code == 403
    entry = audited("user.roles_changed", person)[0]
    assert entry.details == {"added": ["commissioner"], "removed": ["evaluator"]} and entry.user_id == admin.id


def test_memberships_are_added_changed_and_removed(app, login, create_user, create_organisation):
    admin = create_user(Role.admin)
    org = create_organisation("Northside Youth Trust")
    person = create_user(Role.provider)
    client = login(admin)
    assert client.post(f"/admin/users/{person.id}/memberships", data={"organisation": ""}).status_code == 400
    assert client.post(f"/admin/users/{person.id}/memberships",
                       data={"organisation": str(org.id)}).status_code == 302
    membership = db.session.scalars(db.select(Membership).where(Membership.user_id == person.id,
                                                                Membership.organisation_id == org.id)).one()
    assert not membership.is_org_admin
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Northside Youth Trust" in page and "Make administrator" in page
    assert client.post(f"/admin/users/{person.id}/memberships/{membership.id}",
                       data={"make_admin": "yes"}).status_code == 302
    db.session.refresh(membership)
    assert membership.is_org_admin
    assert client.post(f"/admin/users/{person.id}/memberships/{membership.id}/remove").status_code == 302
    assert db.session.get(Membership, membership.id) is None
    assert [len(audited(a, person)) for a in ("user.membership_added", "user.membership_changed",
                                              "user.membership_removed")] == [1, 1, 1]


def test_an_admin_revokes_a_session_all_sessions_and_a_token(app, login, create_user):
    admin = create_user(Role.admin)
    person = create_user(Role.commissioner)
    laptop, phone = sign_in(app.test_client(), person), sign_in(app.test_client(), person)
    token, plain = create_token(person, "Finance system", "read")
    db.session.commit()
    client = login(admin)
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert "Finance system" in page and page.count("Signed in</strong>") == 2
    first = db.session.scalars(db.select(UserSession).where(UserSession.user_id == person.id)
                               .order_by(UserSession.id)).first()
    assert client.post(f"/admin/users/{person.id}/sessions/{first.id}/revoke").status_code == 302
    assert signed_out(laptop.get("/dashboard")) and phone.get("/dashboard").status_code == 200
    assert client.post(f"/admin/users/{person.id}/sessions/revoke").status_code == 302
    assert signed_out(phone.get("/dashboard"))
    assert client.post(f"/admin/users/{person.id}/tokens/{token.id}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/needs", headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    assert audited("user.session_revoked", person) and audited("user.sessions_revoked", person)
    other = create_user(Role.commissioner)
    assert client.post(f"/admin/users/{other.id}/tokens/{token.id}/revoke").status_code == 404
    assert client.post(f"/admin/users/{other.id}/sessions/{first.id}/revoke").status_code == 404


def test_only_admins_manage_people(app, login, create_user):
    person = create_user(Role.evaluator)
    client = login(create_user(Role.commissioner))
    assert client.get(f"/admin/users/{person.id}").status_code == 403
    assert client.post(f"/admin/users/{person.id}/deactivate").status_code == 403
    assert client.post(f"/admin/users/{person.id}/roles", data={"roles": ["admin"]}).status_code == 403
    db.session.refresh(person)
    assert person.active and person.role_set == {Role.evaluator}
