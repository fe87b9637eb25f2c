"""A monitoring return clicked through: the provider fills and submits it, the monitor accepts it."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_return_from_draft_to_accepted(page, browser, live_server):
    base = live_server.url
    provider_context = browser.new_context()
    provider = provider_context.new_page()
    sign_in(provider, base, "provider2@demo.test")
    provider.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    provider.get_by_role("link", name="CON-0001").click()
    expect(provider).to_have_url(re.compile(r"/contracts/\d+$"))
    # The return sent back for changes, now overdue: its period has ended, so it can be submitted.
    provider.get_by_role("table", name=re.compile("Returns due")).get_by_role("row").filter(
        has_text="Overdue").get_by_role("link").first.click()
    expect(provider).to_have_url(re.compile(r"/returns/\d+$"))
    url = provider.url    # read once the return's own page is there
    provider.get_by_label(re.compile("actual for the period")).fill("-5")
    provider.get_by_role("button", name="Submit the return").click()
    expect(provider.locator(".govuk-error-summary")).to_contain_text("cannot be negative", use_inner_text=True)
    provider.get_by_label(re.compile("actual for the period")).fill("390")
    provider.get_by_label("Spent in the period, in pounds").fill("4200")
    provider.get_by_label("How many gave feedback").fill("20")
    provider.get_by_label("How many were positive").fill("17")
    provider.get_by_label("Achievements").fill("Outreach in all six wards.")
    provider.get_by_role("button", name="Submit the return").click()
    expect(provider.locator("main")).to_contain_text("Return submitted", use_inner_text=True)
    provider_context.close()

    sign_in(page, base, "monitor@demo.test")
    page.goto(url)
    expect(page.locator("main")).to_contain_text("suggested: Amber", use_inner_text=True)
    page.get_by_label("Green: on track").check()
    page.get_by_role("button", name="Accept the return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("give a reason", use_inner_text=True)
    page.get_by_label("Reason, if you change the suggested rating").fill("Within a few of target in a holiday month")
    page.get_by_role("button", name="Accept the return").click()
    main = page.locator("main")
    expect(main).to_contain_text("Return accepted.", use_inner_text=True)    # first: "Green" is on the form page too
    expect(main).to_contain_text("Green", use_inner_text=True)
    page.get_by_role("link", name="Notifications").click()
    expect(page).to_have_url(base + "/notifications")
    expect(page.locator("main")).to_contain_text("overdue", use_inner_text=True)
    # The only console message is the browser noting the refused form's 400 answer.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
