"""Bad input and abuse found by a review: each must get a clear answer, never a 500 or a leak."""
import pytest

from commissioning.accounts.models import Role
from commissioning.config import ConfigError, load_config
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from tests.unit.test_secret_links import mailed_link, send_by_smtp


def test_reset_link_uses_base_url_not_the_host_header(app, client, create_user, monkeypatch, smtp_server):
    monkeypatch.setitem(app.config, "BASE_URL", "https://youth.example.gov.uk")
    user = create_user(Role.provider)
    client.post("/password-reset", data={"email": user.email}, headers={"Host": "evil.example"})
    email = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == user.email)).one()
    body = send_by_smtp(app, smtp_server, monkeypatch, email).get_content()  # the link exists only as sent
    assert "https://youth.example.gov.uk/password-reset/" in body and "evil.example" not in body


def test_a_password_reset_ends_other_sessions(app, create_user, smtp_server, monkeypatch):
    user = create_user(Role.provider)
    old = app.test_client()
    assert old.post("/login", data={"email": user.email, "password": "a-long-test-password"}).status_code == 302
    assert old.get("/dashboard").status_code == 200
    fresh = app.test_client()
    fresh.post("/password-reset", data={"email": user.email})
    link = mailed_link(app, smtp_server, monkeypatch, user.email)
    fresh.post(link, data={"password": "another-long-password", "confirm": "another-long-password"})
    assert old.get("/dashboard").status_code == 302


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/x")
    monkeypatch.setenv("SECRET_KEY", "dev-insecure-key-change-me")
    for name, value in {"BASE_URL": "https://youth.example.gov.uk", "OCDS_PREFIX": "a1b2c3",
                        "GRANTS_PREFIX": "360G-examplecouncil"}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="long random value"):
        load_config()


@pytest.mark.parametrize("path", [
    "/whats-on?page=99999999999999999999", "/admin/audit?page=99999999999999999999",
    "/admin/audit?date_to=31/12/9999", "/admin/users?page=-5&per_page=100000",
])
def test_absurd_query_strings_do_not_break_pages(login, create_user, path):
    response = login(create_user(Role.admin)).get(path)
    assert response.status_code == 200


def test_providers_are_not_offered_private_venues(login, create_user, create_venue):
    create_venue(name="Open Hall")
    create_venue(name="Council Back Office", is_public=False)
    html = login(create_user(Role.provider)).get("/provision/new").get_data(as_text=True)
    assert "Open Hall" in html and "Council Back Office" not in html


def test_tampered_date_and_money_fields_get_messages(login, create_user, create_need, create_organisation):
    client = login(create_user(Role.commissioner))
    need = create_need()
    response = client.post(f"/needs/{need.id}/evidence/new", data={"source": "schools", "summary": "x", "date": "5"})
    assert response.status_code == 200 and "must be a real date" in response.get_data(as_text=True)
    funder = create_organisation()
    huge = client.post("/funding/pots/new", data={"name": "Big", "kind": "funding_stream", "funder": str(funder.id),
                                                  "financial_year": "2026", "tiers": ["universal"],
                                                  "amount": "99999999999999999999999"})
    assert "The amount must be no more than" in huge.get_data(as_text=True)


@pytest.mark.parametrize("value", ["Infinity", "NaN", "1e30"])
def test_indicators_refuse_numbers_they_cannot_chart(login, create_user, create_indicator, client, value):
    ind = create_indicator()
    commissioner = login(create_user(Role.commissioner))
    response = commissioner.post(f"/indicators/{ind.id}/years", data={"year": "2009", "target": value})
    assert response.status_code == 400 and "must be a number smaller than" in response.get_data(as_text=True)
    assert client.get(f"/indicators/{ind.id}").status_code == 200


def test_an_allocation_cannot_share_more_than_the_pot(login, create_user, create_pot, create_locality):
    create_locality()
    pot = create_pot(amount_pence=450_000_00)
    client = login(create_user(Role.commissioner))
    response = client.post(f"/funding/pots/{pot.id}/allocate", data={
        "amount": "999999999", "weight_young_people": "100", "weight_deprivation": "0", "weight_rurality": "0",
        "save": "Save this allocation"})
    assert response.status_code == 200 and "You can share at most the pot’s £450,000" in response.get_data(as_text=True)


def test_the_last_evidence_of_an_evidenced_need_cannot_be_removed(login, create_user, prioritised_need):
    need = prioritised_need()
    client = login(create_user(Role.commissioner))
    item = need.evidence[0]
    response = client.post(f"/needs/{need.id}/evidence/{item.id}/remove", data={"confirmed": "yes"},
                           follow_redirects=True)
    assert "must keep at least one evidence item" in response.get_data(as_text=True)
    assert item in need.evidence


def test_login_is_also_limited_per_address(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_ADDRESS", "5 per minute")
    statuses = [client.post("/login", data={"email": f"someone{i}@example.org", "password": "x"}).status_code
                for i in range(6)]
    assert statuses[-1] == 429


def test_a_task_that_fails_for_good_records_the_failure(app):
    """A mail that cannot be sent for a non-transient reason is marked failed, not left pending."""
    from commissioning.mail.models import EmailStatus
    from commissioning.mail.operations import queue_email
    from workers.base import task

    email = queue_email("x@example.org", "test", "Hello", "password_changed", user_name="X")
    db.session.commit()
    seen = []

    def give_up(exc, email_id):
        from commissioning.mail.operations import record_failure
        seen.append(type(exc).__name__)
        record_failure(email_id, exc)

    @task("tests.always_broken", on_give_up=give_up)
    def always_broken(email_id):
        raise KeyError("a bug, not a blip")

    result = always_broken.apply(kwargs={"email_id": email.id})
    assert result.failed() and seen == ["KeyError"]
    db.session.expire_all()
    assert db.session.get(OutgoingEmail, email.id).status is EmailStatus.failed
