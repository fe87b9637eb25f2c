"""Downloads keep their names in a real browser, whatever the alphabet (issue 14).

A header must be Latin-1, so a name such as ``Southside’s return – Q3.pdf`` or the Welsh
``cyfradd-ŵyn-ifanc.csv`` travels as RFC 6266 ``filename*=UTF-8''...``: the server must not
fail on it and Chromium must save the file under the name, not a mangled one."""
from decimal import Decimal

from playwright.sync_api import expect

from commissioning.extensions import db
from tests.browser.conftest import sign_in

TYPOGRAPHIC = "Southside’s return – Q3.pdf"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_a_welsh_indicator_downloads_as_a_csv_under_its_welsh_name(page, live_server, live_context):
    from commissioning.indicators.models import Polarity
    from commissioning.indicators.operations import save_indicator, set_year
    indicator = save_indicator(name="Cyfradd ŵyn ifanc", unit="%", polarity=Polarity.lower_is_better,
                               baseline_year=2004, baseline_value=Decimal("13"), tolerance=Decimal("0.5"))
    set_year(indicator, 2005, Decimal("12"), Decimal("12.2"))
    db.session.commit()

    page.goto(f"{live_server.url}/indicators/{indicator.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cyfradd ŵyn ifanc")
    with page.expect_download() as caught:
        page.get_by_role("link", name="Download the figures (CSV)").click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename == "cyfradd-ŵyn-ifanc.csv"
    with open(download.path(), encoding="utf-8") as saved:
        assert "Cyfradd ŵyn ifanc" in saved.read()
    assert page.console_errors == []


def test_a_return_attachment_with_a_typographic_name_downloads_under_that_name(page, live_server, live_context):
    from commissioning.accounts.models import Organisation
    from commissioning.contracts.models import Agreement, AgreementStatus
    # The Southside contract's last return: far in the future, so no other journey works on it.
    agreement = db.session.scalars(db.select(Agreement).join(Organisation).where(
        Organisation.name.startswith("Southside"), Agreement.status == AgreementStatus.active)
        .order_by(Agreement.id)).first()
    due = max(agreement.returns, key=lambda d: d.due_on)

    sign_in(page, live_server.url, "provider2@demo.test")
    page.goto(f"{live_server.url}/returns/{due.id}")
    page.get_by_label("Supporting file (optional)").set_input_files(
        {"name": TYPOGRAPHIC, "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("main")).to_contain_text("Draft saved.", use_inner_text=True)

    with page.expect_download() as caught:
        page.get_by_role("link", name="Download the supporting file").click()
    download = caught.value
    assert download.failure() is None
    assert download.suggested_filename == TYPOGRAPHIC
    with open(download.path(), "rb") as saved:
        assert saved.read() == PDF
    assert page.console_errors == []
