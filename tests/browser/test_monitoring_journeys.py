"""A monitoring return clicked through: the provider fills and submits it, the monitor accepts it."""
import re

from tests.browser.conftest import sign_in


def test_a_return_from_draft_to_accepted(page, browser, live_server):
    base = live_server.url
    provider_context = browser.new_context()
    provider = provider_context.new_page()
    sign_in(provider, base, "provider2@demo.test")
    provider.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    provider.get_by_role("link", name="CON-0001").click()
    # The return sent back for changes, now overdue: its period has ended, so it can be submitted.
    provider.get_by_role("table", name=re.compile("Returns due")).get_by_role("row").filter(
        has_text="Overdue").get_by_role("link").first.click()
    url = provider.url
    provider.get_by_label(re.compile("actual for the period")).fill("-5")
    provider.get_by_role("button", name="Submit the return").click()
    assert "cannot be negative" in provider.inner_text(".govuk-error-summary")
    provider.get_by_label(re.compile("actual for the period")).fill("390")
    provider.get_by_label("Spent in the period, in pounds").fill("4200")
    provider.get_by_label("How many gave feedback").fill("20")
    provider.get_by_label("How many were positive").fill("17")
    provider.get_by_label("Achievements").fill("Outreach in all six wards.")
    provider.get_by_role("button", name="Submit the return").click()
    assert "Return submitted" in provider.inner_text("main")
    provider_context.close()

    sign_in(page, base, "monitor@demo.test")
    page.goto(url)
    assert "suggested: Amber" in page.inner_text("main")
    page.get_by_label("Green: on track").check()
    page.get_by_role("button", name="Accept the return").click()
    assert "give a reason" in page.inner_text(".govuk-error-summary")
    page.get_by_label("Reason, if you change the suggested rating").fill("Within a few of target in a holiday month")
    page.get_by_role("button", name="Accept the return").click()
    main = page.inner_text("main")
    assert "Return accepted." in main and "Green" in main
    page.goto(base + "/notifications")
    assert "overdue" in page.inner_text("main")
    # The only console message is the browser noting the refused form's 400 answer.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
