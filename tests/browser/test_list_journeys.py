"""Lists that grow and what bidders read, in Chromium (issue 17).

A provider goes from the dashboard to the opportunities, searches and filters them, opens one and
reads its specification, then downloads it; on a 390 px phone /opportunities shows the deadline
and status without sideways scrolling.
"""
import re

import pytest
from playwright.sync_api import expect

from commissioning.extensions import db
from commissioning.opportunities.models import Opportunity, OpportunityStatus
from tests.browser.conftest import sign_in

FITS = "(width) => window.innerWidth === width && document.documentElement.scrollWidth <= width"


@pytest.fixture
def open_opportunity(live_app):
    """The demo's open opportunity: its title, a word of it to search for, its specification's title."""
    with live_app.app_context():
        opp = db.session.scalars(db.select(Opportunity).where(Opportunity.status == OpportunityStatus.open)
                                 .order_by(Opportunity.id)).first()
        word = max(re.findall(r"[A-Za-z]{4,}", opp.title), key=len)
        found = {"title": opp.title, "word": word,
                 "spec_title": opp.specification.version(opp.specification_version).content["title"],
                 "purpose": opp.specification.version(opp.specification_version).content["purpose"]}
        db.session.remove()
    return found


def test_a_provider_finds_an_opportunity_and_reads_its_specification(page, live_server, open_opportunity):
    sign_in(page, live_server.url, "provider@demo.test")  # ends on the dashboard
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding opportunities", use_inner_text=True)
    expect(page.locator("#result-count")).to_contain_text(re.compile(r"\d+ opportunit"), use_inner_text=True)

    page.get_by_label("Search").fill(open_opportunity["word"])
    page.get_by_label("Status").select_option(label="Open for bids")
    page.get_by_label("Sort by").select_option(label="Closing soonest")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/opportunities\?.*status=open"))
    expect(page.get_by_label("Search")).to_have_value(open_opportunity["word"])  # the filters stay shown
    results = page.locator("#opportunities")
    expect(results.get_by_role("link", name=open_opportunity["title"])).to_be_visible()
    expect(results).not_to_contain_text("Awarded", use_inner_text=True)

    results.get_by_role("link", name=open_opportunity["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(open_opportunity["title"], use_inner_text=True)
    page.get_by_role("link", name="Read the service specification").click()
    expect(page).to_have_url(re.compile(r"/opportunities/\d+/specification$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(open_opportunity["spec_title"], use_inner_text=True)
    expect(page.locator("main")).to_contain_text(open_opportunity["purpose"].splitlines()[0], use_inner_text=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the specification (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")

    page.get_by_role("link", name="Back to the opportunity").click()
    page.get_by_role("link", name="All opportunities").click()
    page.get_by_label("Search").fill("no opportunity is called this")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("main")).to_contain_text("No opportunities match these filters", use_inner_text=True)
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_label("Search")).to_have_value("")
    expect(page.locator("#opportunities").get_by_role("link", name=open_opportunity["title"])).to_be_visible()
    assert page.console_errors == []


@pytest.mark.parametrize("width", [390, 320])
def test_the_opportunities_list_fits_a_phone(browser, live_server, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    phone = context.new_page()
    try:
        phone.goto(live_server.url + "/")
        phone.get_by_role("link", name=re.compile("open funding opportunities")).click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Funding opportunities", use_inner_text=True)
        first = phone.locator("#opportunities > li").first
        expect(first.get_by_text("Bids by")).to_be_visible()
        expect(first.locator(".govuk-tag")).to_be_visible()
        phone.wait_for_function(FITS, arg=width)
        # The status is wholly on the screen once scrolled to, not cut off at its right edge.
        first.locator(".govuk-tag").scroll_into_view_if_needed()
        expect(first.locator(".govuk-tag")).to_be_in_viewport(ratio=1)
    finally:
        context.close()
