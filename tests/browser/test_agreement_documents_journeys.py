"""A grant agreement signed by the grant recipient and countersigned by the council, reached by links from
each dashboard: the executed copy appears once the worker has made it, and downloads with both signatures."""
import io
import re
from urllib.parse import urlparse

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import sign_in


def _open_register(page, status):
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    page.get_by_label("Status").select_option(status)
    page.get_by_label("Kind").select_option("grant_agreement")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(rf"/contracts\?(.*&)?status={status}"))


def test_countersigning_makes_an_executed_copy_that_both_sides_can_download(page, browser, live_server):
    base = live_server.url
    recipient = browser.new_context()
    signer = recipient.new_page()
    sign_in(signer, base, "provider@demo.test")
    _open_register(signer, "issued")
    signer.get_by_role("link", name=re.compile("GRA-")).first.click()
    expect(signer).to_have_url(re.compile(r"/contracts/\d+$"))
    path = urlparse(signer.url).path
    main = signer.locator("main")
    expect(main).to_contain_text("The Grant Recipient", use_inner_text=True)      # its own party name
    expect(main).not_to_contain_text("Provider", use_inner_text=True)
    expect(signer.get_by_role("link", name=re.compile(r"Open version \d+ \(PDF"))).to_be_visible(timeout=30_000)
    signer.get_by_label("Your full name").fill("Jo Bloggs")
    signer.get_by_label("Your role").fill("Chair of Trustees")
    signer.get_by_role("button", name="Accept and sign").click()
    expect(main).to_contain_text("Signed. The council will countersign.", use_inner_text=True)

    sign_in(page, base, "commissioner@demo.test")
    _open_register(page, "signed")
    page.locator(f'main a[href="{path}"]').click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    page.get_by_role("button", name="Countersign for the council").click()
    expect(page.locator("main")).to_contain_text("Countersigned: the agreement is active.", use_inner_text=True)
    # The page waits for the worker and shows the executed copy when it is ready, without a reload by hand.
    download_link = page.get_by_role("link", name=re.compile(r"Download the executed copy of version \d+ \(PDF\)"))
    expect(download_link).to_be_visible(timeout=60_000)
    with page.expect_download() as caught:
        download_link.click()
    download = caught.value
    assert download.failure() is None and download.suggested_filename.endswith("-executed.pdf")
    with open(download.path(), "rb") as saved:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(saved.read())).pages).split())
    for expected in ("Executed copy", "Jo Bloggs", "Chair of Trustees", "the Grant Recipient", "the Funder"):
        assert expected in text, expected

    # The grant recipient finds it on the same page.
    signer.reload()
    expect(signer.get_by_role("link", name=re.compile(r"Download the executed copy"))).to_be_visible()
    recipient.close()
    assert page.console_errors == []
