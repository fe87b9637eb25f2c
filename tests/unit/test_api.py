"""The JSON API: tokens (hashed, scoped, revocable), the pages' permission rules, pagination,
filters, one error shape, rate limits per token, and writes through the same operations."""
import hashlib
from datetime import date, timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.api.models import ApiToken
from commissioning.api.operations import create_token
from commissioning.audit.models import AuditEntry
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.monitoring.models import ReturnStatus
from commissioning.needs.models import Need, NeedStatus
from tests.unit.test_monitoring import active  # noqa: F401  (fixture)


def bearer(plain):
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def token_for():
    """``token_for(user, scope="read")`` -> the plain token."""
    def factory(user, scope="read", days=30):
        _row, plain = create_token(user, "test", scope, days)
        db.session.commit()
        return plain
    return factory


ERROR_KEYS = {"code", "status", "message"}


def assert_error(response, code):
    assert response.status_code == code, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) - {"errors"} == ERROR_KEYS and body["code"] == code and body["message"]
    return body


# --- tokens -------------------------------------------------------------------------------------

def test_a_token_is_shown_once_and_only_its_hash_is_kept(app, login, create_user):
    user = create_user(Role.commissioner)
    client = login(user)
    page = client.get("/account/api-tokens")
    assert page.status_code == 200 and "You have no tokens" in page.get_data(as_text=True)
    response = client.post("/account/api-tokens", data={"name": "Finance nightly import", "scope": "read",
                                                        "expiry": "90"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "shown only once" in html
    plain = html.split('id="token" name="token" type="text" value="')[1].split('"')[0]
    assert plain.startswith("cmsn_") and len(plain) > 40
    token = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    stored = [str(getattr(token, c.key)) for c in ApiToken.__table__.columns]
    assert not any(plain in value for value in stored)
    assert token.expires_at - utcnow() > timedelta(days=89)
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert token.prefix in listing and plain not in listing and "Finance nightly import" in listing
    assert client.get("/api/v1/needs", headers=bearer(plain)).status_code == 200
    assert db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_type == "ApiToken")).all() == [
        "api_token.created"]


def test_the_token_form_explains_what_is_missing(login, create_user):
    client = login(create_user(Role.provider))
    response = client.post("/account/api-tokens", data={"name": " ", "scope": "admin", "expiry": "7"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a name for the token" in html and "There is a problem" in html
    assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": "a-long-test-password"}).status_code == 302
    return client


def test_revoking_a_token_stops_it_at_once_and_only_its_owner_can(app, login, create_user, token_for):
    owner, other = create_user(Role.commissioner), create_user(Role.commissioner)
    plain = token_for(owner)
    token = db.session.scalars(db.select(ApiToken)).one()
    assert signed_in(app, other).post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/needs", headers=bearer(plain)).status_code == 200
    client = login(owner)
    asked = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert asked.status_code == 200 and "Yes, revoke the token" in asked.get_data(as_text=True)
    assert app.test_client().get("/api/v1/needs", headers=bearer(plain)).status_code == 200
    response = client.post(f"/account/api-tokens/{token.id}/revoke", data={"confirmed": "yes"})
    assert response.status_code == 302
    body = assert_error(app.test_client().get("/api/v1/needs", headers=bearer(plain)), 401)
    assert "revoked" in body["message"]
    assert "Revoked" in client.get("/account/api-tokens").get_data(as_text=True)
    assert "api_token.revoked" in db.session.scalars(db.select(AuditEntry.action)).all()


def test_expired_malformed_and_deactivated_tokens_are_refused(app, create_user, token_for):
    user = create_user(Role.commissioner)
    plain = token_for(user)
    client = app.test_client()
    token = db.session.scalars(db.select(ApiToken)).one()
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get("/api/v1/needs", headers=bearer(plain))
    assert_error(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    token.expires_at = None
    user.active = False
    db.session.commit()
    assert_error(client.get("/api/v1/needs", headers=bearer(plain)), 401)
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer cmsn_guessed", plain):
        assert_error(client.get("/api/v1/indicators", headers={"Authorization": header}), 401)


def test_a_password_reset_stops_every_token(app, login, create_user, token_for):
    from commissioning.accounts.operations import reset_password
    user = create_user(Role.commissioner)
    plain = token_for(user)
    client = app.test_client()
    assert client.get("/api/v1/needs", headers=bearer(plain)).status_code == 200
    reset_password(user, "another-long-password")
    db.session.commit()
    assert "password was reset" in assert_error(client.get("/api/v1/needs", headers=bearer(plain)), 401)["message"]
    page = signed_in_as(app, user, "another-long-password").get("/account/api-tokens").get_data(as_text=True)
    assert "Stopped by a password reset" in page


def signed_in_as(app, user, password):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": password}).status_code == 302
    return client


def test_the_browser_session_does_not_open_the_api(login, create_user):
    """Cookies are ignored, so another site cannot make a signed-in browser call the API (no CSRF)."""
    client = login(create_user(Role.commissioner))
    assert client.get("/needs").status_code == 200
    assert_error(client.get("/api/v1/needs"), 401)
    assert_error(client.post("/api/v1/needs", json={"title": "Sneaky"}), 401)
    assert db.session.scalar(db.select(db.func.count(Need.id))) == 0


# --- the pages' rules, by token -------------------------------------------------------------------

@pytest.fixture
def world(create_user, create_organisation, create_need, create_indicator, create_agreement, active, token_for,
          give_documents):
    """Two providers' agreements (one issued and active, one drafted) and a token per role."""
    agreement, provider, monitor, commissioner = active()
    other_org = create_organisation("Elsewhere Youth Trust")
    give_documents(other_org)
    other_provider = create_user(Role.provider, organisation=other_org)
    drafted = create_agreement(other_org, other_provider)
    need = create_need()
    users = {role.value: create_user(role) for role in Role if role is not Role.provider}
    users.update(provider=provider, contract_monitor=monitor, commissioner=commissioner)
    tokens = {role: token_for(user) for role, user in users.items()}
    tokens["other_provider"] = token_for(other_provider)
    return {"agreement": agreement, "drafted": drafted, "need": need, "indicator": create_indicator(),
            "due": sorted(agreement.returns, key=lambda d: d.due_on)[0], "users": users, "tokens": tokens,
            "other_provider": other_provider}


PUBLIC = {"anonymous": 200}


def api_table(default, **per_role):
    roles = ["anonymous", "admin", "commissioner", "evaluator", "provider", "panel_facilitator", "panel_member",
             "contract_monitor", "other_provider"]
    return {role: per_role.get(role, default) for role in roles}


def test_each_role_gets_what_the_pages_give_it(app, world):
    w = world
    viewers = dict(admin=200, commissioner=200, contract_monitor=200)
    # Another organisation's contract is "not there" (404), as an unknown id is: ids cannot be probed.
    on_contract = dict(admin=200, commissioner=200, contract_monitor=200, provider=200, other_provider=404)
    table = {
        "/api/v1/needs": api_table(403, anonymous=401, **viewers),
        f"/api/v1/needs/{w['need'].id}": api_table(403, anonymous=401, **viewers),
        "/api/v1/indicators": api_table(200),
        f"/api/v1/indicators/{w['indicator'].id}": api_table(200),
        "/api/v1/opportunities": api_table(200),
        "/api/v1/contracts": api_table(403, anonymous=401, **{**on_contract, "other_provider": 200}),
        f"/api/v1/contracts/{w['agreement'].id}": api_table(403, anonymous=401, **on_contract),
        f"/api/v1/contracts/{w['drafted'].id}": api_table(403, anonymous=401, admin=200, commissioner=200,
                                                          provider=404, contract_monitor=404, other_provider=404),
        "/api/v1/returns": api_table(403, anonymous=401, **{**on_contract, "other_provider": 200}),
        f"/api/v1/returns/{w['due'].id}": api_table(403, anonymous=401, **on_contract),
        "/api/v1/panel-results": api_table(200),
        "/api/v1/needs/999999": api_table(403, anonymous=401, admin=404, commissioner=404, contract_monitor=404),
    }
    client = app.test_client()
    failures = []
    for url, expected in table.items():
        for role, status in expected.items():
            headers = bearer(w["tokens"][role]) if role != "anonymous" else {}
            got = client.get(url, headers=headers)
            if got.status_code != status:
                failures.append(f"{role} {url}: expected {status}, got {got.status_code}")
            elif status >= 400:
                assert_error(got, status)
    assert failures == []


def test_lists_hold_only_what_each_user_may_see(app, world):
    client = app.test_client()

    def refs(role, url="/api/v1/contracts"):
        return sorted(c["reference"] for c in client.get(url, headers=bearer(world["tokens"][role])).get_json()["items"])
    mine, drafted = world["agreement"].reference, world["drafted"].reference
    assert refs("commissioner") == sorted([mine, drafted])
    assert refs("provider") == [mine]
    assert refs("contract_monitor") == [mine]
    assert refs("other_provider") == []              # their agreement is still a draft: the council's
    returns = client.get("/api/v1/returns?per_page=100", headers=bearer(world["tokens"]["provider"])).get_json()
    assert returns["total"] == len(world["agreement"].returns)
    assert {r["contract_reference"] for r in returns["items"]} == {mine}
    assert client.get("/api/v1/returns", headers=bearer(world["tokens"]["other_provider"])).get_json()["total"] == 0


def test_opportunities_show_public_fields_and_never_drafts(app, create_opportunity):
    published, draft = create_opportunity(), create_opportunity(opened=False)
    items = app.test_client().get("/api/v1/opportunities").get_json()["items"]
    assert [o["id"] for o in items] == [published.id]
    assert set(items[0]) == {"id", "reference", "title", "summary", "kind", "status", "max_value_pence", "lots",
                             "opened_at", "clarification_deadline", "submission_deadline", "planned_award_date",
                             "awarded_on", "url"}
    assert items[0]["awarded_on"] is None
    assert_error(app.test_client().get(f"/api/v1/opportunities/{draft.id}"), 404)


def test_a_panel_round_that_decides_an_award_stays_with_the_panel_until_confirmed(app, create_user, token_for,
                                                                                    create_opportunity, create_pot):
    from tests.unit.test_access import _panel_objects
    users = {role.value: create_user(role) for role in Role}
    objects = _panel_objects(users, create_pot())
    decided = objects["decided_round"]
    client = app.test_client()
    assert [r["reference"] for r in client.get("/api/v1/panel-results").get_json()["items"]] == [decided.reference]
    decided.opportunity_id = create_opportunity().id          # as if the panel were choosing among bids
    db.session.commit()
    assert client.get("/api/v1/panel-results").get_json()["total"] == 0
    assert_error(client.get(f"/api/v1/panel-results/{decided.id}"), 404)
    facilitator = bearer(token_for(users["panel_facilitator"]))
    member = bearer(token_for(users["panel_member"]))
    outsider = bearer(token_for(users["evaluator"]))
    assert client.get(f"/api/v1/panel-results/{decided.id}", headers=facilitator).status_code == 200
    assert client.get(f"/api/v1/panel-results/{decided.id}", headers=member).status_code == 200
    assert client.get(f"/api/v1/panel-results/{decided.id}", headers=outsider).status_code == 404
    from commissioning.accounts.models import UserRole
    db.session.execute(db.delete(UserRole).where(UserRole.user_id == users["panel_facilitator"].id))
    db.session.commit()
    db.session.expire_all()
    assert client.get(f"/api/v1/panel-results/{decided.id}", headers=facilitator).status_code == 404
    decided.result.confirmed_at = utcnow()
    db.session.commit()
    body = client.get(f"/api/v1/panel-results/{decided.id}").get_json()
    assert body["confirmed_at"] and body["projects"][0]["approvals"] == 5 and body["projects"][0]["funded"]


# --- pagination and filters ---------------------------------------------------------------------

def test_pages_links_and_filters(app, create_user, create_need, token_for):
    headers = bearer(token_for(create_user(Role.commissioner)))
    needs = [create_need(title=f"Need {i:02d}") for i in range(23)]
    needs[0].status = NeedStatus.closed
    db.session.commit()
    client = app.test_client()
    first = client.get("/api/v1/needs?per_page=10&tier=universal", headers=headers).get_json()
    assert (first["total"], len(first["items"]), first["page"]) == (23, 10, 1)
    assert first["links"]["prev"] is None
    assert first["links"]["next"].endswith("/api/v1/needs?tier=universal&page=2&per_page=10")
    last = client.get("/api/v1/needs?per_page=10&page=3", headers=headers).get_json()
    assert len(last["items"]) == 3 and last["links"]["next"] is None and last["links"]["prev"]
    beyond = client.get("/api/v1/needs?per_page=10&page=9", headers=headers).get_json()
    assert beyond["items"] == [] and beyond["links"]["prev"].endswith("page=3&per_page=10")
    # Query keys that are url_for's own options are ignored like any unknown key, not obeyed.
    odd = client.get("/api/v1/needs?_external=1&_scheme=https&_anchor=zz&_method=POST&per_page=10",
                     headers=headers)
    assert odd.status_code == 200
    assert odd.get_json()["links"]["next"].endswith("/api/v1/needs?page=2&per_page=10")
    seen = [n["id"] for page in (1, 2, 3) for n in client.get(
        f"/api/v1/needs?per_page=10&page={page}", headers=headers).get_json()["items"]]
    assert sorted(seen) == sorted(n.id for n in needs) and len(set(seen)) == 23
    closed = client.get("/api/v1/needs?status=closed", headers=headers).get_json()
    assert [n["id"] for n in closed["items"]] == [needs[0].id]
    today = date.today().isoformat()
    assert client.get(f"/api/v1/needs?updated_from={today}", headers=headers).get_json()["total"] == 23
    assert client.get("/api/v1/needs?updated_to=2001-01-01", headers=headers).get_json()["total"] == 0
    # The ends of the calendar are answered, not overflowed.
    assert client.get("/api/v1/needs?updated_to=9999-12-31&updated_from=0001-01-01",
                      headers=headers).get_json()["total"] == 23
    for bad in ("per_page=0", "per_page=101", "page=0", "status=open", "updated_from=yesterday"):
        body = assert_error(client.get(f"/api/v1/needs?{bad}", headers=headers), 422)
        assert set(body["errors"]) == {bad.split("=")[0]}


def test_a_list_costs_the_same_queries_for_five_or_fifty(app, create_user, create_need, token_for, count_queries):
    headers = bearer(token_for(create_user(Role.commissioner)))
    client = app.test_client()

    def cost():
        client.get("/api/v1/needs?per_page=100", headers=headers)   # warm the token's last-used stamp
        with count_queries() as cnt:
            assert client.get("/api/v1/needs?per_page=100", headers=headers).status_code == 200
        return cnt()
    for _ in range(5):
        create_need()
    few = cost()
    for _ in range(45):
        create_need()
    assert cost() == few


# --- writes ----------------------------------------------------------------------------------------

NEED = {"title": "Nowhere to go on Sunday afternoons", "tier": "universal", "age_min": 11, "age_max": 19,
        "need_not_met": "Young people in the east of the city have no open provision on Sundays.",
        "groups": ["young_carers"], "outcomes": ["enjoy_and_achieve"]}


def test_a_commissioner_records_a_need_with_a_write_token_only(app, create_user, create_locality, token_for):
    commissioner = create_user(Role.commissioner)
    locality = create_locality()
    client = app.test_client()
    refused = assert_error(client.post("/api/v1/needs", json=NEED, headers=bearer(token_for(commissioner))), 403)
    assert "can only read" in refused["message"]
    write = bearer(token_for(commissioner, "write"))
    response = client.post("/api/v1/needs", json={**NEED, "age_min": 11.0, "locality_ids": [locality.id]},
                           headers=write)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    need = db.session.get(Need, body["id"])
    assert need.status is NeedStatus.draft and need.created_by_id == commissioner.id
    assert body["localities"] == [locality.name] and body["locality_ids"] == [locality.id]
    assert body["groups"] == ["young_carers"]
    assert response.headers["Location"].endswith(f"/api/v1/needs/{body['id']}")
    listed = client.get("/api/v1/localities?per_page=100").get_json()["items"]
    assert {"id": locality.id, "name": locality.name, "slug": locality.slug} in listed
    assert [o.title for o in need.options] == ["Do nothing", "Do very little"]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "need.created")).one()
    assert entry.user_id == commissioner.id
    token = db.session.scalars(db.select(ApiToken).where(ApiToken.scope == "write")).one()
    assert entry.details["via_api_token"] == token.prefix
    monitor = bearer(token_for(create_user(Role.contract_monitor), "write"))
    assert_error(client.post("/api/v1/needs", json=NEED, headers=monitor), 403)


@pytest.mark.parametrize("change, field, words", [
    ({"age_max": 22}, "age_max", "only when for_lldd"),
    ({"age_min": 15, "age_max": 12}, "age_max", "oldest age must be the same as or more"),
    ({"age_min": 5}, "age_min", "between 8 and 25"),
    ({"title": "   "}, "title", "not only spaces"),
    ({"title": "Bad\x00title"}, "title", "control characters"),
    ({"tier": "everyone"}, "tier", "Must be one of"),
    ({"locality_ids": [987654]}, "locality_ids", "No locality has id 987654"),
    ({"colour": "blue"}, "colour", "Unknown field"),
    ({"title": None}, "title", "Field may not be null"),
    ({"age_min": 12.5}, "age_min", "Not a valid integer"),          # refused, not truncated to 12
    ({"age_min": "12"}, "age_min", "Not a valid integer"),
    ({"locality_ids": []}, "locality_ids", "Choose at least one locality"),
    ({"outcomes": []}, "outcomes", "Choose at least one outcome"),
])
def test_refused_input_names_the_field(app, create_user, create_locality, token_for, change, field, words):
    headers = bearer(token_for(create_user(Role.commissioner), "write"))
    need = {**NEED, "locality_ids": [create_locality().id], **change}
    body = assert_error(app.test_client().post("/api/v1/needs", json=need, headers=headers), 422)
    assert list(body["errors"]) == [field] and words in " ".join(body["errors"][field])
    assert db.session.scalar(db.select(db.func.count(Need.id))) == 0


def test_a_body_that_is_not_json_is_refused_clearly(app, create_user, token_for):
    headers = bearer(token_for(create_user(Role.commissioner), "write"))
    response = app.test_client().post("/api/v1/needs", data="{not json", headers={
        **headers, "Content-Type": "application/json"})
    assert response.status_code in (400, 422) and set(response.get_json()) >= ERROR_KEYS


def test_a_provider_fills_in_and_submits_a_return(app, world, token_for):
    client = app.test_client()
    due = world["due"]
    url = f"/api/v1/returns/{due.id}"
    write = bearer(token_for(world["users"]["provider"], "write"))
    assert_error(client.patch(url, json={"spend_pence": 100}, headers=bearer(world["tokens"]["provider"])), 403)
    assert_error(client.patch(url, json={"spend_pence": 100}, headers=bearer(token_for(world["other_provider"],
                                                                                      "write"))), 404)
    kpi = world["agreement"].kpis[0]["name"]
    saved = client.patch(url, json={"kpi_actuals": {kpi: 130}, "achievements": "All six sessions ran."},
                         headers=write)
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["status"] == "draft" and saved.get_json()["kpi_actuals"] == {kpi: 130.0}
    missing = assert_error(client.patch(url, json={"submit": True}, headers=write), 422)
    assert "Enter the spend" in missing["message"] and list(missing["errors"]) == ["spend_pence"]
    unknown = assert_error(client.patch(url, json={"kpi_actuals": {"Smiles": 3}}, headers=write), 422)
    assert "no KPI called “Smiles”" in unknown["errors"]["kpi_actuals"][0]
    too_much = assert_error(client.patch(url, json={"spend_pence": world["agreement"].value_pence + 1},
                                         headers=write), 422)
    assert "more than the agreement" in too_much["message"] and list(too_much["errors"]) == ["spend_pence"]
    feedback = assert_error(client.patch(url, json={"feedback_responses": 3, "feedback_positive": 4}, headers=write),
                            422)
    assert list(feedback["errors"]) == ["feedback_positive"]
    as_form = client.patch(url, data="spend_pence=5", headers={**write, "Content-Type": "application/x-www-form-urlencoded"})
    assert "Content-Type: application/json" in assert_error(as_form, 415)["message"]
    done = client.patch(url, json={"spend_pence": 250_000, "submit": True}, headers=write).get_json()
    assert done["status"] == "submitted" and done["spend_pence"] == 250_000
    assert done["achievements"] == "All six sessions ran."          # what was not sent stayed
    assert done["feedback_quotes"] == ""
    assert done["suggested_rag"] in ("green", "amber", "red")
    locked = assert_error(client.patch(url, json={"issues": "late change"}, headers=write), 409)
    assert locked["message"] == "This return is submitted and locked"
    from commissioning.monitoring.models import MonitoringReturn
    ret = db.session.scalars(db.select(MonitoringReturn).where(MonitoringReturn.due_id == due.id)).one()
    assert ret.status is ReturnStatus.submitted and ret.issues == ""
    from commissioning.core.models import LONDON
    today = utcnow().astimezone(LONDON).date()
    future = next(d for d in sorted(world["agreement"].returns, key=lambda d: d.due_on) if d.period_end >= today)
    early = assert_error(client.patch(f"/api/v1/returns/{future.id}", json={
        "kpi_actuals": {kpi: 10}, "spend_pence": 100, "submit": True}, headers=write), 422)
    assert list(early["errors"]) == ["submit"] and "when the period has ended" in early["message"]
    monitor_view = client.get(url, headers=bearer(world["tokens"]["contract_monitor"])).get_json()
    assert monitor_view["status"] == "submitted"
    submitted = client.get("/api/v1/returns?status=submitted", headers=bearer(world["tokens"]["commissioner"]))
    assert [r["id"] for r in submitted.get_json()["items"]] == [due.id]


# --- errors and limits ----------------------------------------------------------------------------

def test_every_error_has_the_same_shape(app, monkeypatch):
    client = app.test_client()
    assert_error(client.get("/api/v1/nothing-here"), 404)
    not_allowed = assert_error(client.delete("/api/v1/indicators"), 405)
    assert not_allowed["status"] == "Method Not Allowed"
    assert set(client.delete("/api/v1/indicators").headers["Allow"].split(", ")) >= {"GET"}
    from commissioning.api import util

    def broken(_args):
        raise RuntimeError("secret connection string postgres://user:pw@db")
    monkeypatch.setattr(util, "indicators_query", broken)
    response = client.get("/api/v1/indicators")
    body = assert_error(response, 500)
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
    assert body["status"] == "Internal Server Error"


def test_the_rate_limit_is_per_token(app, create_user, token_for, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    client = app.test_client()
    first, second = bearer(token_for(create_user(Role.commissioner))), bearer(token_for(create_user(Role.admin)))
    for _ in range(3):
        assert client.get("/api/v1/indicators", headers=first).status_code == 200
    # One limit across the whole API, not one per endpoint.
    response = client.get("/api/v1/needs", headers=first)
    body = assert_error(response, 429)
    assert "Too many requests" in body["message"] and response.headers.get("Retry-After")
    assert client.get("/api/v1/needs", headers=second).status_code == 200


def test_made_up_tokens_share_the_address_allowance(app, monkeypatch):
    import secrets
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/indicators", headers=bearer("cmsn_" + secrets.token_urlsafe(32))).status_code == 401
    assert_error(client.get("/api/v1/indicators", headers=bearer("cmsn_" + secrets.token_urlsafe(32))), 429)
    assert_error(client.get("/api/v1/indicators"), 429)      # the same address, without a token


# --- the description ----------------------------------------------------------------------------

def test_the_openapi_document_describes_every_api_route(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    documented = {(path, method.upper()) for path, item in spec["paths"].items() for method in item
                  if method != "parameters"}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed and routed == documented
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == ERROR_KEYS
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert "default" in op["responses"], f"{method} {path} documents no error"


def test_the_reference_page_lists_the_operations(app):
    html = app.test_client().get("/api").get_data(as_text=True)
    assert "/api/v1/returns/{return_id}" in html and "Fill in a return, and submit it" in html
    assert "120 per minute" in html
