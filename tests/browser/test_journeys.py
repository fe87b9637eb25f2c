"""Whole journeys clicked through in Chromium as their users would."""
from tests.browser.conftest import sign_in


def test_sign_in_see_dashboard_and_sign_out(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email address").fill("commissioner@demo.test")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + "/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Hello, Chris Doyle"
    assert page.get_by_role("heading", name="Commissioning").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(live_server.url + "/")
    assert "You have signed out" in page.inner_text("main")
    page.goto(live_server.url + "/dashboard")
    assert "/login" in page.url
    assert page.console_errors == []


def test_wrong_password_shows_error_summary_that_focuses_the_field(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address").fill("provider@demo.test")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for(state="visible")      # the answer to the POST is a new page: wait for it to load
    summary.get_by_role("link", name="Enter a correct email address and password").click()
    assert page.evaluate("document.activeElement.id") == "email"
    assert page.console_errors == []


def test_admin_reads_the_audit_log_and_filters_it(page, live_server):
    sign_in(page, live_server.url, "admin@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").select_option("user.signed_in")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/admin/audit?action=user.signed_in*")
    page.wait_for_selector("tbody tr")
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    assert all("user.signed_in" in rows.nth(i).inner_text() for i in range(rows.count()))


def test_keyboard_user_can_skip_to_content(page, live_server):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main-content")
