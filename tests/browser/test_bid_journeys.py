"""A provider bids for the demo grant round in Chromium: answers, autosave, submit, receipt."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_provider_completes_and_submits_a_bid(page, live_server, smtp_server):
    sign_in(page, live_server.url, "provider2@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bids").click()
    page.get_by_role("link", name="Evening youth clubs in Alt Valley: grant round").click()
    expect(page).to_have_url(re.compile(r".*/bids/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bid", use_inner_text=True)
    # Autosave: typing is saved without pressing a button, and announced.
    answers = page.locator("textarea[name^='answer-']")
    expect(answers).not_to_have_count(0)
    for i in range(answers.count()):
        answers.nth(i).fill(f"We run Friday clubs with young people planning every term ({i}).")
    page.get_by_role("group", name="Is your organisation based in or serving Liverpool?").get_by_label("Yes").check()
    page.locator("#declarations").check()
    page.get_by_label("Your price, in pounds").fill("45000")
    expect(page.locator(".app-autosave-status")).to_contain_text("Draft saved at", use_inner_text=True)
    page.reload()
    expect(page.locator("textarea[name='answer-0']")).to_have_value(re.compile("We run Friday clubs"))
    page.get_by_role("button", name="Submit the bid").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Version 1 submitted", use_inner_text=True)
    expect(banner).to_contain_text(re.compile(r"[0-9a-f]{64}"), use_inner_text=True)
    sha = re.search(r"[0-9a-f]{64}", banner.inner_text()).group(0)    # read once it is there
    [receipt] = smtp_server.wait_for(To="provider2@demo.test", Subject="Bid received: Evening youth clubs")
    assert sha in receipt.get_content()
    assert page.console_errors == []


def test_commissioner_sees_only_the_count_before_the_deadline(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name="Evening youth clubs in Alt Valley: grant round").click()
    page.get_by_role("link", name="Bids", exact=True).click()
    expect(page).to_have_url(re.compile(r".*/opportunities/\d+/bids$"))
    main = page.locator("main")
    expect(main).to_contain_text("Bids are sealed until", use_inner_text=True)
    # Only on the settled page: the answers are not shown (checked after the positive wait above).
    expect(main).not_to_contain_text("We run Friday clubs", use_inner_text=True)
