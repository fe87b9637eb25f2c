"""People administration: every change audited and in force on the person's very next request."""
import pytest

from commissioning.accounts.models import Membership, OrganisationType, Role, SessionEnd, UserSession
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
    assert "You cannot change your own roles" in page
    db.session.refresh(admin)
    assert admin.is_admin
    assert not audited("user.roles_changed", admin)
    # Whoever else takes the last administrator's role away (no page lets a non-admin try) is refused too.
    from commissioning.accounts import operations as ops
    with pytest.raises(ops.PeopleError, match="only active administrator"):
        ops.set_roles(admin, ["commissioner"], create_user(Role.commissioner))


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
    assert client.post(f"/admin/users/{person.id}/tokens/{token.id}/revoke",
                       data={"confirmed": "yes"}).status_code == 302
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


# --- sealed means sealed: nobody at the council becomes a bidder through people administration -----------

def _refusal(client, user):
    return client.get(f"/admin/users/{user.id}").get_data(as_text=True)


def test_an_admin_cannot_make_themselves_a_bidder_and_open_a_sealed_draft(
        app, login, create_user, create_organisation, create_opportunity, give_documents):
    """The review's reproduction: admin gives themselves the provider role and joins a bidder."""
    from commissioning.bids.operations import start_bid
    admin = create_user(Role.admin, name="Asha Admin")
    create_user(Role.admin, name="Another Admin")  # so "the only administrator" is not why it is refused
    bidder_org = create_organisation("Alt Valley Youth Partnership")
    give_documents(bidder_org)
    provider = create_user(Role.provider, organisation=bidder_org)
    opp = create_opportunity()
    bid = start_bid(opp, bidder_org, provider)
    bid.answers = {opp.quality_criteria[0]["name"]: "Our sealed answer"}
    db.session.commit()
    client = login(admin)
    assert client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["admin", "provider"]}).status_code == 302
    assert "You cannot change your own roles" in _refusal(client, admin)
    assert client.post(f"/admin/users/{admin.id}/memberships",
                       data={"organisation": str(bidder_org.id)}).status_code == 302
    assert "You cannot change your own organisations" in _refusal(client, admin)
    db.session.refresh(admin)
    assert admin.role_set == {Role.admin} and admin.memberships == []
    assert not audited("user.roles_changed", admin) and not audited("user.membership_added", admin)
    assert client.get("/my-bids").status_code == 403
    page = client.get(f"/bids/{bid.id}")
    assert page.status_code == 403 and "Our sealed answer" not in page.get_data(as_text=True)


def test_nobody_changes_their_own_memberships(app, login, create_user, create_organisation):
    from commissioning.accounts import operations as ops
    council = create_organisation("Northshire Council", type=OrganisationType.local_authority)
    admin = create_user(Role.admin, organisation=council)
    membership = admin.memberships[0]
    client = login(admin)
    client.post(f"/admin/users/{admin.id}/memberships/{membership.id}", data={"make_admin": "yes"})
    assert "You cannot change your own organisations" in _refusal(client, admin)
    client.post(f"/admin/users/{admin.id}/memberships/{membership.id}/remove")
    assert "You cannot change your own organisations" in _refusal(client, admin)
    db.session.refresh(membership)
    assert not membership.is_org_admin and db.session.get(Membership, membership.id) is not None
    with pytest.raises(ops.PeopleError, match="your own roles"):
        ops.set_roles(admin, ["admin", "commissioner"], admin)


def test_the_provider_role_is_never_held_with_a_council_role(app, login, create_user):
    admin = create_user(Role.admin)
    person = create_user(Role.evaluator, name="Eve Evaluator")
    client = login(admin)
    for council in ("admin", "commissioner", "evaluator", "contract_monitor", "panel_facilitator"):
        assert client.post(f"/admin/users/{person.id}/roles",
                           data={"roles": [council, "provider"]}).status_code == 302
        assert "cannot be a provider and have a council role" in _refusal(client, person)
    db.session.refresh(person)
    assert person.role_set == {Role.evaluator} and not audited("user.roles_changed", person)
    # A panel member is a young person, not council staff: that pairing is not refused.
    client.post(f"/admin/users/{person.id}/roles", data={"roles": ["provider", "panel_member"]})
    db.session.refresh(person)
    assert person.role_set == {Role.provider, Role.panel_member}


def test_council_staff_cannot_join_a_bidding_organisation(app, login, create_user, create_organisation):
    admin = create_user(Role.admin)
    bidder_org = create_organisation("Alt Valley Youth Partnership", type=OrganisationType.charity)
    council = create_organisation("Northshire Council", type=OrganisationType.local_authority)
    officer = create_user(Role.commissioner, name="Chris Commissioner")
    client = login(admin)
    assert client.post(f"/admin/users/{officer.id}/memberships",
                       data={"organisation": str(bidder_org.id)}).status_code == 302
    page = _refusal(client, officer)
    assert "Chris Commissioner has a council role (commissioner), so they cannot join Alt Valley Youth Partnership" in page
    db.session.refresh(officer)
    assert officer.memberships == [] and not audited("user.membership_added", officer)
    # A public body does not bid: council staff may belong to one.
    assert client.post(f"/admin/users/{officer.id}/memberships",
                       data={"organisation": str(council.id)}).status_code == 302
    db.session.refresh(officer)
    assert [m.organisation_id for m in officer.memberships] == [council.id]


def test_a_bidding_organisations_member_cannot_be_given_a_council_role(app, login, create_user,
                                                                        create_organisation):
    admin = create_user(Role.admin)
    bidder_org = create_organisation("Southside Arts CIC", type=OrganisationType.cic)
    provider = create_user(Role.provider, name="Priya Provider", organisation=bidder_org)
    client = login(admin)
    for council in ("admin", "commissioner", "evaluator", "contract_monitor", "panel_facilitator"):
        assert client.post(f"/admin/users/{provider.id}/roles", data={"roles": [council]}).status_code == 302
        assert "Priya Provider is a member of Southside Arts CIC, which bids for work" in _refusal(client, provider)
    db.session.refresh(provider)
    assert provider.role_set == {Role.provider} and not audited("user.roles_changed", provider)


def test_accounts_are_never_created_mixing_council_and_bidder(app, create_organisation):
    from commissioning.accounts import operations as ops
    bidder_org = create_organisation(type=OrganisationType.charity)
    with pytest.raises(ops.PeopleError):
        ops.create_user("both@example.org", "Both", PASSWORD, roles=[Role.commissioner, Role.provider])
    with pytest.raises(ops.PeopleError):
        ops.create_user("officer@example.org", "Officer", PASSWORD, roles=[Role.evaluator],
                        organisation=bidder_org)


def test_the_demo_people_keep_council_and_bidders_apart():
    from commissioning.accounts.models import COUNCIL_ROLES
    from commissioning.demo import ORGANISATIONS, USERS
    types = {name: org_type for name, org_type, _fields in ORGANISATIONS}
    for email, _name, roles, org_name, _org_admin in USERS:
        council = set(roles) & COUNCIL_ROLES
        assert not (council and Role.provider in roles), email
        assert not (council and org_name and not types[org_name].is_public_body), email


def test_the_bid_pages_refuse_council_staff_even_when_the_data_says_they_belong(
        app, login, create_user, create_organisation, create_opportunity, give_documents):
    """A second line: a membership made behind the operations' back still opens no bid."""
    from commissioning.accounts.models import UserRole
    from commissioning.bids.operations import start_bid
    bidder_org = create_organisation()
    give_documents(bidder_org)
    provider = create_user(Role.provider, organisation=bidder_org)
    bid = start_bid(create_opportunity(), bidder_org, provider)
    db.session.commit()
    for council in (Role.admin, Role.commissioner, Role.evaluator, Role.contract_monitor, Role.panel_facilitator):
        insider = create_user(Role.provider, organisation=bidder_org)
        insider.roles.append(UserRole(role=council))
        db.session.commit()
        client = sign_in(app.test_client(), insider)
        assert client.get("/my-bids").status_code == 403, council
        assert client.get(f"/bids/{bid.id}").status_code == 403, council
        assert client.post(f"/bids/{bid.id}/autosave", data={}).status_code == 403, council
