"""An API token clicked through: created in the account's settings, used, revoked; the reference page read."""
import json
import re

from playwright.sync_api import expect

from tests.browser.conftest import run_axe, sign_in


def test_a_commissioner_creates_uses_and_revokes_a_token(page, axe_page, live_server):
    base = live_server.url
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(f"{base}/account/api-tokens")
    page.get_by_role("button", name="Create token").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a name for the token", use_inner_text=True)
    expect(summary).to_contain_text("Choose what the token can do", use_inner_text=True)
    page.get_by_label("Name").fill("Dashboard nightly read")
    page.get_by_label("Read only").check()
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Token created", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("shown only once", use_inner_text=True)
    token = page.get_by_label("Your token")
    expect(token).to_have_value(re.compile(r"^cmsn_"))
    plain = token.input_value()    # read only once the page shows it

    # Another system uses it: no cookies, only the header.
    api = page.context.request
    answer = api.get(f"{base}/api/v1/needs?per_page=2", headers={"Authorization": f"Bearer {plain}"})
    body = answer.json()
    assert answer.status == 200 and body["total"] >= 3 and len(body["items"]) == 2
    refused = api.post(f"{base}/api/v1/needs", headers={"Authorization": f"Bearer {plain}"},
                       data=json.dumps({"title": "x"}))
    assert refused.status == 403 and "can only read" in refused.json()["message"]

    page.get_by_role("link", name="Back to your API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens", use_inner_text=True)
    row = page.get_by_role("row", name="Dashboard nightly read")
    expect(row).to_contain_text("Active", use_inner_text=True)
    expect(row).to_contain_text(plain[:12], use_inner_text=True)
    assert plain not in page.content()    # the list page has settled: the whole token is nowhere on it
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke the token “Dashboard nightly read”?",
                                                              use_inner_text=True)
    expect(page.locator(".govuk-warning-text")).to_contain_text("You cannot undo this", use_inner_text=True)
    page.get_by_role("button", name="Yes, revoke the token").click()
    # The flash banner is inside <main>, the first match of the old ".govuk-notification-banner, main".
    expect(page.locator(".govuk-notification-banner")).to_contain_text("revoked", use_inner_text=True)
    expect(page.get_by_role("row", name="Dashboard nightly read")).to_contain_text("Revoked", use_inner_text=True)
    gone = api.get(f"{base}/api/v1/needs", headers={"Authorization": f"Bearer {plain}"})
    assert gone.status == 401
    # The refused form's 400 is the only console message.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]

    # The same states, checked by axe: the form with its errors, and the one-time token page.
    sign_in(axe_page, base, "provider@demo.test")
    axe_page.get_by_role("link", name="API tokens").click()
    expect(axe_page).to_have_url(f"{base}/account/api-tokens")
    axe_page.get_by_role("button", name="Create token").click()
    expect(axe_page.locator(".govuk-error-summary")).to_be_visible()
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("API tokens", use_inner_text=True)
    assert run_axe(axe_page) == []
    axe_page.get_by_label("Name").fill("Case system")
    axe_page.get_by_label("Read and write").check()
    axe_page.get_by_role("button", name="Create token").click()
    expect(axe_page.locator("#token")).to_be_visible()
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Token created", use_inner_text=True)
    assert run_axe(axe_page) == []


def test_anyone_finds_the_api_reference_from_the_footer(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="API").click()
    expect(page).to_have_url(live_server.url + "/api")
    main = page.locator("main")
    expect(main).to_contain_text("Commissioning API", use_inner_text=True)
    expect(main).to_contain_text("/api/v1/returns/{return_id}", use_inner_text=True)
    with page.expect_response(lambda r: r.url.endswith("/api/openapi.json")) as answer:
        page.get_by_role("link", name="OpenAPI 3.1 document").click()
    assert answer.value.json()["openapi"] == "3.1.0"
    assert page.console_errors == []
