"""An agreement clicked through: issued, prepared by the worker, signed by the provider, countersigned."""
import re

from tests.browser.conftest import sign_in


def test_a_grant_agreement_from_draft_to_active(page, browser, live_server):
    base = live_server.url
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    page.get_by_label("Status").select_option("drafted")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile("GRA-")).first.click()
    agreement_url = page.url
    assert "Southside Young People's Arts CIC" in page.inner_text("main")

    # A payment schedule that does not add up is refused with the figures.
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Amount of payment 1", exact=True).fill("1")
    page.get_by_role("button", name="Save draft").click()
    assert "add up to" in page.inner_text(".govuk-error-summary")
    page.goto(agreement_url)

    page.get_by_role("button", name="Issue for signature").click()
    # The page says the document is being prepared, then shows it once the worker is done.
    page.get_by_role("link", name=re.compile(r"Open version 1 \(PDF")).wait_for(timeout=30000)

    provider = browser.new_context()
    signer = provider.new_page()
    sign_in(signer, base, "provider2@demo.test")
    signer.goto(agreement_url)
    signer.get_by_label("Your full name").fill("Sam Okafor")
    signer.get_by_label("Your role").fill("Director")
    signer.get_by_role("button", name="Accept and sign").click()
    assert "Signed. The council will countersign." in signer.inner_text("main")
    provider.close()

    page.goto(agreement_url)
    page.get_by_role("button", name="Countersign for the council").click()
    main = page.inner_text("main")
    assert "Countersigned: the agreement is active." in main and "Sam Okafor, Director" in main
    assert page.console_errors == []
