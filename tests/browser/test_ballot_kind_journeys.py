"""Each kind of ballot voted through the real pages on a phone-sized screen (issue 18).

A member signs in, finds their round from "Your panel", reads the limits before the form, makes
one mistake and is told in plain words what to change (with what they entered kept), then checks
their choices and sends. A facilitator enters a member's paper ballot, types it differently the
second time and is shown the difference with nothing saved, then types it twice the same.
"""
import re
from uuid import uuid4

import pytest
from playwright.sync_api import expect

from commissioning.extensions import db
from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 800}
#: The one mistake each journey makes is answered 400, which the browser's console reports; nothing else may be.
REFUSED = ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]


@pytest.fixture
def phone(browser):
    """A phone-sized context (not Chromium's mobile emulation, which widens the layout to fit)."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


def _round_of(live_app, ballot_type, email=None, others=0, **rules):
    """A panel of its own (the demo facilitator's) with an open round of that kind; its title and panel's name.

    With ``email``, a member who signs in with it (joined before the round opened); ``others``
    members without email or phone, who can vote on paper.
    """
    from datetime import timedelta

    from commissioning.accounts.models import Role
    from commissioning.accounts.operations import create_user
    from commissioning.accounts.models import User
    from commissioning.core.models import utcnow
    from commissioning.funding.models import Pot
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, PanelMember
    n = uuid4().hex[:6]
    with live_app.app_context():
        facilitator = db.session.scalars(db.select(User).where(User.email == "facilitator@demo.test")).one()
        panel = panel_ops.create_panel(f"Kinds journey panel {ballot_type} {n}", None, facilitator)
        if email:
            user = create_user(email, "Kim Kinds", "demo-password", roles=[Role.panel_member])
            db.session.add(PanelMember(panel=panel, user=user, display_name="Kim", age_band=AgeBand.age_18_21))
        for i in range(others):
            panel_ops.add_member(panel, f"Paper voter {i + 1}", AgeBand.age_18_21)
        now = utcnow()
        fields = dict(max_projects=None, min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
                      min_approval_percent=None)
        title = f"Kinds journey round {n}"
        rnd = panel_ops.create_round(panel, facilitator, title=title,
                                     pot=db.session.scalars(db.select(Pot).order_by(Pot.id)).first(),
                                     budget_pence=900_000, ballot_type=BallotType(ballot_type), opens_at=now,
                                     closes_at=now + timedelta(days=3), **{**fields, **rules})
        for name, pounds in (("Skate ramps", 3_000), ("Music studio", 4_000), ("Late bus", 2_000)):
            panel_ops.add_project(rnd, name, f"{name} for young people in the area.", pounds * 100, None)
        panel_ops.open_voting(rnd, facilitator)
        db.session.commit()
        panel_name = panel.name
        db.session.remove()
    return title, panel_name


def _menu(page, name):
    """Follow a link in the header's menu, which a phone-sized screen keeps behind its "Menu" button."""
    toggle = page.locator(".govuk-service-navigation__toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    link = page.get_by_role("navigation", name="Menu").get_by_role("link", name=name)
    expect(link).to_be_visible()
    link.click()


def _to_ballot(page, base, email, title):
    sign_in(page, base, email)
    _menu(page, "Your panel")
    expect(page).to_have_title(re.compile("^Your panel"))
    page.get_by_role("link", name=f"Vote now in {title}").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _check_and_send(page, choices):
    page.get_by_role("button", name="Check my choices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote", use_inner_text=True)
    listed = page.locator(".app-vote-choices")
    for choice in choices:
        expect(listed).to_contain_text(choice, use_inner_text=True)
    page.get_by_role("button", name="Send my vote").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your vote is sent",
                                                                               use_inner_text=True)


def _error(page, text):
    expect(page.locator(".govuk-error-summary")).to_contain_text(text, use_inner_text=True)
    expect(page.locator("#projects-error")).to_contain_text(text, use_inner_text=True)


def _fits(page):
    page.wait_for_function("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_ticks_with_a_fewest_and_a_most(phone, live_server, live_app):
    title, _ = _round_of(live_app, "up_to_n", "kinds.ticks@example.org", max_projects=2, min_projects=2)
    _to_ballot(phone, live_server.url, "kinds.ticks@example.org", title)
    expect(phone.locator(".app-ballot-limits")).to_contain_text("Tick 2 projects.", use_inner_text=True)
    _fits(phone)
    phone.get_by_label("Skate ramps: £3,000").check()
    phone.get_by_role("button", name="Check my choices").click()
    _error(phone, "Choose at least 2 projects. You chose 1, so tick 1 more")
    expect(phone.get_by_label("Skate ramps: £3,000")).to_be_checked()       # kept
    phone.get_by_label("Late bus: £2,000").check()
    _check_and_send(phone, ["Skate ramps: £3,000", "Late bus: £2,000"])
    assert phone.console_errors == REFUSED


def test_choose_one(phone, live_server, live_app):
    title, _ = _round_of(live_app, "choose_one", "kinds.one@example.org")
    _to_ballot(phone, live_server.url, "kinds.one@example.org", title)
    expect(phone.locator(".app-ballot-limits")).to_contain_text("Choose the one project you want most.",
                                                                use_inner_text=True)
    phone.get_by_role("button", name="Check my choices").click()
    _error(phone, "Choose the one project you want most")
    phone.get_by_role("radio", name="Music studio: £4,000").check()
    _check_and_send(phone, ["Music studio: £4,000"])
    assert phone.console_errors == REFUSED


def test_points(phone, live_server, live_app):
    title, _ = _round_of(live_app, "cumulative", "kinds.points@example.org", total_points=10, min_projects=2)
    _to_ballot(phone, live_server.url, "kinds.points@example.org", title)
    expect(phone.locator(".app-ballot-limits")).to_contain_text("You have 10 points to give.", use_inner_text=True)
    _fits(phone)
    ramps = phone.get_by_label("Skate ramps: £3,000")
    expect(ramps).to_have_attribute("inputmode", "numeric")
    ramps.fill("6")
    phone.get_by_label("Music studio: £4,000").fill("6")
    phone.get_by_role("button", name="Check my choices").click()
    _error(phone, "You have given 12 points. You have 10 to give: take 2 away")
    expect(phone.get_by_label("Skate ramps: £3,000")).to_have_value("6")      # what was typed stays
    phone.get_by_label("Music studio: £4,000").fill("4")
    _check_and_send(phone, ["Skate ramps: 6 points", "Music studio: 4 points"])
    assert phone.console_errors == REFUSED


def test_ranked(phone, live_server, live_app):
    title, _ = _round_of(live_app, "ranked", "kinds.ranked@example.org", max_projects=3)
    _to_ballot(phone, live_server.url, "kinds.ranked@example.org", title)
    expect(phone.locator(".app-ballot-limits")).to_contain_text("Put up to 3 projects in order",
                                                                use_inner_text=True)
    _fits(phone)
    phone.get_by_label("Late bus: £2,000").select_option(label="1st choice")
    phone.get_by_label("Skate ramps: £3,000").select_option(label="1st choice")
    phone.get_by_role("button", name="Check my choices").click()
    _error(phone, "both as your 1st choice. Give each project a different place")
    expect(phone.get_by_label("Late bus: £2,000")).to_have_value("1")
    phone.get_by_label("Skate ramps: £3,000").select_option(label="2nd choice")
    _check_and_send(phone, ["1st choice: Late bus", "2nd choice: Skate ramps"])
    assert phone.console_errors == REFUSED


def test_a_facilitator_types_a_paper_ballot_twice(phone, live_server, live_app):
    title, panel_name = _round_of(live_app, "cumulative", others=2, total_points=5)
    base = live_server.url
    sign_in(phone, base, "facilitator@demo.test")
    _menu(phone, "Panels")
    phone.get_by_role("link", name=panel_name, exact=True).click()
    phone.get_by_role("link", name=re.compile(re.escape(title))).click()
    phone.get_by_role("link", name="Enter a paper ballot").click()
    heading = phone.get_by_role("heading", level=1)
    expect(heading).to_have_text("Enter a paper ballot", use_inner_text=True)
    _fits(phone)
    phone.get_by_label("Who voted on this paper ballot").select_option(label="Paper voter 1")
    phone.get_by_label("Skate ramps: £3,000").fill("3")
    phone.get_by_label("Late bus: £2,000").fill("2")
    phone.get_by_role("button", name="Continue to the second entry").click()
    expect(heading).to_have_text("Type the paper ballot again", use_inner_text=True)
    expect(phone.get_by_label("Skate ramps: £3,000")).to_have_value("")     # typed afresh, not copied
    phone.get_by_label("Skate ramps: £3,000").fill("2")
    phone.get_by_label("Late bus: £2,000").fill("3")
    phone.get_by_role("button", name="Save the paper ballot").click()
    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The two entries are different, so nothing was saved", use_inner_text=True)
    expect(summary).to_contain_text("‘Skate ramps’: 3 points the first time, 2 points the second time",
                                    use_inner_text=True)
    expect(heading).to_have_text("Enter a paper ballot", use_inner_text=True)
    expect(phone.get_by_label("Who voted on this paper ballot")).to_have_value(re.compile(r"\d+"))
    for _entry in ("first", "second"):
        phone.get_by_label("Skate ramps: £3,000").fill("3")
        phone.get_by_label("Late bus: £2,000").fill("2")
        phone.get_by_role("button", name=re.compile("Continue to the second entry|Save the paper ballot")).click()
    expect(phone.locator(".govuk-notification-banner--success")).to_contain_text(
        "Paper voter 1’s paper ballot is saved, typed twice the same", use_inner_text=True)
    expect(phone.locator("main")).to_contain_text("1 of 2 members who can vote have voted, 1 of them on paper",
                                                  use_inner_text=True)
    assert phone.console_errors == REFUSED
