"""An agreement clicked through: issued, prepared by the worker, signed by the provider, countersigned."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_grant_agreement_from_draft_to_active(page, browser, live_server):
    base = live_server.url
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    page.get_by_label("Status").select_option("drafted")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/contracts\?(.*&)?status=drafted"))    # the filtered list, not the first
    page.get_by_role("link", name=re.compile("GRA-")).first.click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+$"))
    agreement_url = page.url    # read once the agreement's own page is there
    expect(page.locator("main")).to_contain_text("Southside Young People's Arts CIC", use_inner_text=True)

    # A payment schedule that does not add up is refused with the figures.
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Amount of payment 1", exact=True).fill("1")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("add up to", use_inner_text=True)
    page.goto(agreement_url)

    page.get_by_role("button", name="Issue for signature").click()
    # The page says the document is being prepared, then shows it once the worker is done.
    expect(page.get_by_role("link", name=re.compile(r"Open version 1 \(PDF"))).to_be_visible(timeout=30_000)

    provider = browser.new_context()
    signer = provider.new_page()
    sign_in(signer, base, "provider2@demo.test")
    signer.goto(agreement_url)
    signer.get_by_label("Your full name").fill("Sam Okafor")
    signer.get_by_label("Your role").fill("Director")
    signer.get_by_role("button", name="Accept and sign").click()
    expect(signer.locator("main")).to_contain_text("Signed. The council will countersign.", use_inner_text=True)
    provider.close()

    page.goto(agreement_url)
    page.get_by_role("button", name="Countersign for the council").click()
    main = page.locator("main")
    expect(main).to_contain_text("Countersigned: the agreement is active.", use_inner_text=True)
    expect(main).to_contain_text("Sam Okafor, Director", use_inner_text=True)
    assert page.console_errors == []
