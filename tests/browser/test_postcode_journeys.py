"""A young person on a phone finds what is on nearest them by postcode (issue 17, phones and places)."""
import re

import pytest
from playwright.sync_api import expect

from commissioning.extensions import db
from commissioning.provision.models import Provision, Venue


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


@pytest.fixture
def placed_venue(live_app):
    """A demo venue the postcode file places, with published activities: (postcode, their names)."""
    with live_app.app_context():
        venue = db.session.scalars(
            db.select(Venue).join(Provision, Provision.venue_id == Venue.id)
            .where(Venue.easting.is_not(None), Venue.is_public.is_(True), Provision.is_published.is_(True))
            .order_by(Venue.id)).first()
        assert venue is not None, "the demo needs a public venue with a postcode in the shipped file"
        names = db.session.scalars(db.select(Provision.name).where(Provision.venue_id == venue.id,
                                                                   Provision.is_published.is_(True))).all()
        postcode = venue.postcode
        db.session.remove()
    return postcode, names


def test_from_the_home_page_to_the_nearest_activity_by_postcode(phone, live_server, placed_venue):
    postcode, names = placed_venue
    page = phone
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="find out what is on for young people near you").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What’s on for young people")

    # A mistyped postcode is refused in plain words, and the field keeps what was typed.
    page.get_by_label("Postcode").fill("Croxteth")
    page.get_by_role("button", name="Show activities").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a postcode, like L11 0BP")
    summary.get_by_role("link", name="Enter a postcode, like L11 0BP").click()
    expect(page.get_by_label("Postcode")).to_be_focused()
    expect(page.get_by_label("Postcode")).to_have_value("Croxteth")

    # Typed any old way, the postcode is understood; the nearest activity comes first.
    page.get_by_label("Postcode").fill(postcode.lower().replace(" ", ""))
    page.get_by_role("button", name="Show activities").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_text(f"nearest to {postcode} first")).to_be_visible()
    first = page.locator("main .govuk-list > li").first
    expect(first.get_by_role("heading", level=2)).to_have_text(re.compile("|".join(map(re.escape, names))))
    expect(first).to_contain_text(f"less than 0.1 miles from {postcode}")
    expect(page.locator("main .govuk-list > li").nth(1)).to_contain_text(re.compile(r"mile|Not known"))
    expect(page.get_by_label("Postcode")).to_have_value(postcode)

    # The page still fits the phone.
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
