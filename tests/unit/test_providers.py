import io
from datetime import timedelta

from commissioning.accounts.models import Membership, Role, User
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.opportunities.operations import follow, update_opportunity
from commissioning.providers.models import ProviderDocument
from tests.unit.test_secret_links import mailed_link


def _org_admin(create_user, create_organisation):
    org = create_organisation()
    return create_user(Role.provider, organisation=org, is_org_admin=True), org


def test_org_admin_invites_a_colleague_who_sets_a_password(app, login, create_user, create_organisation,
                                                           smtp_server, monkeypatch):
    admin, org = _org_admin(create_user, create_organisation)
    client = login(admin)
    response = client.post(f"/organisations/{org.id}/members", data={"name": "New Colleague", "email": "new@example.org"})
    assert response.status_code == 302
    newcomer = db.session.scalars(db.select(User).where(User.email == "new@example.org")).one()
    assert newcomer.has_role("provider") and org.has_member(newcomer)
    link = mailed_link(app, smtp_server, monkeypatch, "new@example.org")  # by SMTP: the stored mail has no link
    fresh = app.test_client()
    assert fresh.post(link, data={"password": "colleague-password", "confirm": "colleague-password"}).status_code == 302
    again = client.post(f"/organisations/{org.id}/members", data={"name": "Again", "email": "new@example.org"})
    assert "already a member" in again.get_data(as_text=True)


def test_org_admin_removes_a_member_but_not_themself(login, create_user, create_organisation):
    admin, org = _org_admin(create_user, create_organisation)
    colleague = create_user(Role.provider, organisation=org)
    client = login(admin)
    own = db.session.scalars(db.select(Membership).where(Membership.user_id == admin.id)).one()
    theirs = db.session.scalars(db.select(Membership).where(Membership.user_id == colleague.id)).one()
    assert "cannot remove yourself" in client.post(f"/organisations/{org.id}/members/{own.id}/remove",
                                                   follow_redirects=True).get_data(as_text=True)
    client.post(f"/organisations/{org.id}/members/{theirs.id}/remove")
    assert not org.has_member(colleague)


def test_ordinary_members_cannot_manage_people(login, create_user, create_organisation):
    org = create_organisation()
    member = create_user(Role.provider, organisation=org)
    assert login(member).get(f"/organisations/{org.id}/members").status_code == 403


def test_profile_and_vault_upload_with_checks(login, create_user, create_organisation, create_locality):
    admin, org = _org_admin(create_user, create_organisation)
    loc = create_locality()
    client = login(admin)
    response = client.post(f"/organisations/{org.id}/profile", data={
        "name": org.name, "address": "1 Lime Street", "localities": [str(loc.id)],
        "safeguarding_lead": "Sam Lead, 0151 000", "size": "small", "charity_number": "1234567"})
    assert response.status_code == 302 and org.profile.localities == [loc] and org.charity_number == "1234567"
    bad = client.post(f"/organisations/{org.id}/documents", content_type="multipart/form-data", data={
        "kind": "insurance", "title": "Insurance", "expires_on": ["1", "4", "2027"],
        "file": (io.BytesIO(b"MZ\x90"), "insurance.exe")})
    assert bad.status_code == 400 and "The file must be a PDF" in bad.get_data(as_text=True)
    ok = client.post(f"/organisations/{org.id}/documents", content_type="multipart/form-data", data={
        "kind": "insurance", "title": "Insurance", "expires_on": ["1", "4", "2027"],
        "file": (io.BytesIO(b"%PDF-1.4 insurance"), "insurance.pdf")})
    assert ok.status_code == 302
    assert db.session.scalars(db.select(ProviderDocument.title).where(ProviderDocument.organisation_id == org.id)).all() == ["Insurance"]


def test_followers_are_mailed_when_dates_change(create_opportunity, create_user):
    opp = create_opportunity()
    watcher = create_user(Role.provider)
    follow(opp, watcher)
    update_opportunity(opp, submission_deadline=opp.submission_deadline + timedelta(days=7))
    mail = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == watcher.email)).one()
    assert mail.subject.startswith("Dates changed")
    import pytest

    from commissioning.opportunities.operations import OpportunityError
    with pytest.raises(OpportunityError, match="only its dates"):
        update_opportunity(opp, title="A new title")
