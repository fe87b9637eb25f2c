"""Procurement Act notices, clicked through (issue 16).

A commissioner opens the demo's light-touch procurement, finds its notice timeline with the
tender, award and contract details notices published, reads one and its public page; then, on a
new draft procurement, starts a planned procurement notice, is told what it still needs, gives the
date, publishes it after the confirmation page and sees it on the timeline.
"""
import re
import uuid
from datetime import timedelta

from playwright.sync_api import expect

from commissioning.extensions import db
from tests.browser.conftest import sign_in

PROCUREMENT = "Wellbeing drop-ins for young people: light-touch procurement"


def _open_opportunity(page, title):
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("link", name="Procurement Act notices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Procurement Act notices")


def test_a_commissioner_reads_the_published_notices_of_the_demo_procurement(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    _open_opportunity(page, PROCUREMENT)
    table = page.locator("table.govuk-table")
    for code in ("UK4", "UK6", "UK7"):
        row = table.locator("tr", has=page.get_by_role("link", name=re.compile(f"^{code} ")))
        expect(row).to_contain_text("Published", use_inner_text=True)
    page.get_by_role("link", name=re.compile("^UK4 Tender notice")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tender notice (UK4)")
    page.get_by_text("The release in JSON").click()
    expect(page.get_by_label("The release in JSON")).to_contain_text('"noticeType": "UK4"', use_inner_text=True)
    page.get_by_role("link", name="public page").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tender notice", use_inner_text=True)
    assert page.console_errors == []


def _draft_procurement(live_app, title):
    from commissioning.accounts.models import User
    from commissioning.core.models import utcnow
    from commissioning.opportunities import operations as opp_ops
    from commissioning.opportunities.models import Opportunity
    with live_app.app_context():
        commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
        spec = db.session.scalars(db.select(Opportunity).where(Opportunity.title == PROCUREMENT)).one().specification
        now = utcnow()
        opp_ops.create_opportunity(spec, commissioner, title=title, summary="Outreach in parks and on estates.",
                                   clarification_deadline=now + timedelta(days=50),
                                   submission_deadline=now + timedelta(days=60), word_limit=400, eligibility=[])
        db.session.commit()
        db.session.remove()


def test_a_commissioner_starts_and_publishes_a_planned_procurement_notice(page, live_server, live_app):
    title = f"Detached youth work {uuid.uuid4().hex[:4]}"
    _draft_procurement(live_app, title)
    sign_in(page, live_server.url, "commissioner@demo.test")
    _open_opportunity(page, title)
    row = page.locator("tr", has_text="Planned procurement notice")
    expect(row).to_contain_text("Optional", use_inner_text=True)
    row.get_by_role("button", name=re.compile("^Start")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planned procurement notice (UK3)")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Before it can be published", use_inner_text=True)
    expect(page.get_by_role("listitem").filter(has_text="Enter the date the tender notice is planned for")).to_be_visible()
    page.get_by_label("Day").fill("15")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Save the details").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Details saved", use_inner_text=True)
    page.get_by_role("button", name="Publish the notice").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Publish the planned procurement notice",
                                                                 use_inner_text=True)
    page.get_by_role("button", name="Yes, publish the notice").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("published as release",
                                                                               use_inner_text=True)
    page.get_by_role("link", name="Back to the notice timeline").click()
    expect(page.locator("tr", has_text="Planned procurement notice")).to_contain_text("Published", use_inner_text=True)
    assert page.console_errors == []
