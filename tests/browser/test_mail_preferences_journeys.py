"""Mail settings clicked through (issue 17): from the dashboard to Notifications, a notification's
link opens on the host the page was read from, and a kind of mail is moved to the daily digest and back."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_monitor_follows_a_notification_and_chooses_the_daily_digest(page, live_server):
    base = live_server.url
    sign_in(page, base, "monitor@demo.test")
    page.get_by_role("link", name="Notifications", exact=True).click()
    expect(page).to_have_url(f"{base}/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    # A notification's link is a path, so it opens here, not at BASE_URL (another port in this tier).
    first = page.locator("main ul.govuk-list a.govuk-link").first
    expect(first).to_have_attribute("href", re.compile(r"^/(returns|contracts)/\d+"))
    first.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/(returns|contracts)/\d+"))
    page.go_back()
    expect(page).to_have_url(f"{base}/notifications")

    setting = page.get_by_label("A provider submits a monitoring return")
    expect(setting).not_to_be_checked()
    setting.check()
    page.get_by_role("button", name="Save your settings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your settings are saved",
                                                                        use_inner_text=True)
    expect(page.get_by_label("A provider submits a monitoring return")).to_be_checked()
    # Back to a mail each time, as the demo has it.
    page.get_by_label("A provider submits a monitoring return").uncheck()
    page.get_by_role("button", name="Save your settings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your settings are saved",
                                                                        use_inner_text=True)
    expect(page.get_by_label("A provider submits a monitoring return")).not_to_be_checked()
    assert page.console_errors == []
