"""A provider bids for the demo grant round in Chromium: answers, autosave, submit, receipt."""
import re

from tests.browser.conftest import sign_in


def test_provider_completes_and_submits_a_bid(page, live_server, smtp_server):
    sign_in(page, live_server.url, "provider2@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bids").click()
    page.get_by_role("link", name="Evening youth clubs in Alt Valley: grant round").click()
    page.wait_for_url(re.compile(r".*/bids/\d+$"))
    # Autosave: typing is saved without pressing a button, and announced.
    answers = page.locator("textarea[name^='answer-']")
    for i in range(answers.count()):
        answers.nth(i).fill(f"We run Friday clubs with young people planning every term ({i}).")
    page.get_by_role("group", name="Is your organisation based in or serving Liverpool?").get_by_label("Yes").check()
    page.locator("#declarations").check()
    page.get_by_label("Your price, in pounds").fill("45000")
    page.locator(".app-autosave-status", has_text="Draft saved at").wait_for(timeout=15000)
    page.reload()
    assert "We run Friday clubs" in page.locator("textarea[name='answer-0']").input_value()
    page.get_by_role("button", name="Submit the bid").click()
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "Version 1 submitted" in banner
    sha = re.search(r"[0-9a-f]{64}", banner).group(0)
    [receipt] = smtp_server.wait_for(To="provider2@demo.test", Subject="Bid received: Evening youth clubs")
    assert sha in receipt.get_content()
    assert page.console_errors == []


def test_commissioner_sees_only_the_count_before_the_deadline(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name="Evening youth clubs in Alt Valley: grant round").click()
    page.get_by_role("link", name="Bids", exact=True).click()
    main = page.inner_text("main")
    assert "Bids are sealed until" in main and "We run Friday clubs" not in main
