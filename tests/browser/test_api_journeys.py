"""An API token clicked through: created in the account's settings, used, revoked; the reference page read."""
import json

from tests.browser.conftest import run_axe, sign_in


def test_a_commissioner_creates_uses_and_revokes_a_token(page, axe_page, live_server):
    base = live_server.url
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("button", name="Create token").click()
    summary = page.inner_text(".govuk-error-summary")
    assert "Enter a name for the token" in summary and "Choose what the token can do" in summary
    page.get_by_label("Name").fill("Dashboard nightly read")
    page.get_by_label("Read only").check()
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Create token").click()
    assert "shown only once" in page.inner_text("main")
    plain = page.get_by_label("Your token").input_value()
    assert plain.startswith("cmsn_")

    # Another system uses it: no cookies, only the header.
    api = page.context.request
    answer = api.get(f"{base}/api/v1/needs?per_page=2", headers={"Authorization": f"Bearer {plain}"})
    body = answer.json()
    assert answer.status == 200 and body["total"] >= 3 and len(body["items"]) == 2
    refused = api.post(f"{base}/api/v1/needs", headers={"Authorization": f"Bearer {plain}"},
                       data=json.dumps({"title": "x"}))
    assert refused.status == 403 and "can only read" in refused.json()["message"]

    page.get_by_role("link", name="Back to your API tokens").click()
    row = page.get_by_role("row", name="Dashboard nightly read")
    assert "Active" in row.inner_text() and plain[:12] in row.inner_text() and plain not in page.content()
    row.get_by_role("button", name="Revoke").click()
    assert "revoked" in page.inner_text(".govuk-notification-banner, main")
    assert "Revoked" in page.get_by_role("row", name="Dashboard nightly read").inner_text()
    gone = api.get(f"{base}/api/v1/needs", headers={"Authorization": f"Bearer {plain}"})
    assert gone.status == 401
    # The refused form's 400 is the only console message.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]

    # The same states, checked by axe: the form with its errors, and the one-time token page.
    sign_in(axe_page, base, "provider@demo.test")
    axe_page.goto(f"{base}/account/api-tokens")
    axe_page.get_by_role("button", name="Create token").click()
    axe_page.wait_for_selector(".govuk-error-summary")
    assert run_axe(axe_page) == []
    axe_page.get_by_label("Name").fill("Case system")
    axe_page.get_by_label("Read and write").check()
    axe_page.get_by_role("button", name="Create token").click()
    axe_page.wait_for_selector("#token")
    assert run_axe(axe_page) == []


def test_anyone_finds_the_api_reference_from_the_footer(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="API").click()
    main = page.inner_text("main")
    assert "Commissioning API" in main and "/api/v1/returns/{return_id}" in main
    with page.expect_response(lambda r: r.url.endswith("/api/openapi.json")) as answer:
        page.get_by_role("link", name="OpenAPI 3.1 document").click()
    assert answer.value.json()["openapi"] == "3.1.0"
    assert page.console_errors == []
