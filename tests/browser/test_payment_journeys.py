"""Payments made and the places grants reach, clicked through (issue 16).

A commissioner opens the active contract, sees what was scheduled against what was paid (one
paid on time, one late), is refused a payment that waits on a monitoring return, and records a
payment outside the schedule; then gives a locality its ONS code, after a plain-words refusal.
"""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_commissioner_sees_scheduled_against_paid_and_records_a_payment(page, live_server):
    base = live_server.url
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    page.get_by_role("link", name=re.compile("CON-0001")).first.click()
    table = page.locator("table.app-payments")
    expect(table).to_contain_text("LCC-PAY-40211", use_inner_text=True)
    expect(table.locator("tbody tr").nth(0)).to_contain_text("Paid", use_inner_text=True)
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Paid late", use_inner_text=True)
    expect(page.locator("#payments ~ p").first).to_contain_text("1 of 2 scheduled payments paid in full were paid on time",
                                                               use_inner_text=True)

    page.get_by_text("Record a payment made").click()
    waiting = page.get_by_label("Which scheduled payment it pays")
    waiting.select_option(index=1)          # the next one: its return has not been accepted yet
    page.get_by_label("Amount paid, in pounds").fill("100")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Payment reference").fill("LCC-PAY-50001")
    page.get_by_role("button", name="Record payment").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("once the return for its period has been accepted", use_inner_text=True)
    expect(page.get_by_label("Payment reference")).to_have_value("LCC-PAY-50001")   # nothing typed is lost

    page.get_by_label("Which scheduled payment it pays").select_option(label="None: a payment outside the schedule")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Payment LCC-PAY-50001 recorded",
                                                                               use_inner_text=True)
    expect(page.locator("table.app-payments")).to_contain_text("Outside the schedule", use_inner_text=True)
    # The refused form answered 400, as a form with an error does; nothing else went wrong.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]


def test_a_locality_is_given_its_ons_code(page, live_server):
    base = live_server.url
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Funding").click()
    page.get_by_role("link", name="Change figures for East").click()
    code = page.get_by_label("ONS geographic code (optional)")
    expect(code).to_have_value("E08000012")
    code.fill("Liverpool")
    page.get_by_role("button", name="Save figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter an ONS code of a ward, district",
                                                                use_inner_text=True)
    page.get_by_label("ONS geographic code (optional)").fill("e08000012")
    page.get_by_role("button", name="Save figures").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Figures for East saved",
                                                                               use_inner_text=True)
    assert page.console_errors == []


def test_a_commissioner_reads_payments_compliance_from_the_register(page, live_server, live_app):
    from commissioning.contracts.util import payments_compliance, reporting_periods
    from commissioning.core.models import LONDON, utcnow
    from commissioning.extensions import db
    with live_app.app_context():
        today = utcnow().astimezone(LONDON).date()
        wanted = [payments_compliance(start, end, today, 30)["settled"] for start, end in reporting_periods(today, 3)]
        db.session.remove()
    assert sum(wanted) >= 2   # the demo's two payments made, 12 and 41 days after they fell due
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Contracts").click()
    page.get_by_role("link", name="Payments compliance: days to pay across every contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments compliance")
    rows = page.get_by_role("table", name="Days to pay, by period").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("(so far)", use_inner_text=True)
    for i, settled in enumerate(wanted):
        expect(rows.nth(i).locator("td").first).to_have_text(str(settled))
    assert page.console_errors == []
