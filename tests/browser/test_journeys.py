"""Whole journeys clicked through in Chromium as their users would."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_sign_in_see_dashboard_and_sign_out(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign in").first.click()
    page.get_by_label("Email address").fill("commissioner@demo.test")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/dashboard")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Chris Doyle", use_inner_text=True)
    expect(page.get_by_role("heading", name="Commissioning")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("main")).to_contain_text("You have signed out", use_inner_text=True)
    page.goto(live_server.url + "/dashboard")
    expect(page).to_have_url(re.compile("/login"))
    assert page.console_errors == []


def test_wrong_password_shows_error_summary_that_focuses_the_field(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Email address").fill("provider@demo.test")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()      # the answer to the POST is a new page: wait for it to load
    summary.get_by_role("link", name="Enter a correct email address and password").click()
    expect(page.locator("#email")).to_be_focused()
    assert page.console_errors == []


def test_admin_reads_the_audit_log_and_filters_it(page, live_server):
    sign_in(page, live_server.url, "admin@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Audit log").click()
    page.get_by_label("Action").select_option("user.signed_in")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/admin/audit\?action=user\.signed_in"))
    rows = page.locator("tbody tr")
    expect(rows).not_to_have_count(0)
    # Every row is a sign-in: none lacks the action (a case-sensitive pattern, as `in` was).
    expect(rows.filter(has_not_text=re.compile(r"user\.signed_in"))).to_have_count(0)


def test_keyboard_user_can_skip_to_content(page, live_server):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()    # the page is there before we type
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text(re.compile(r"^\s*Skip to main content\s*$"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
