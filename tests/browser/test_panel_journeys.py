"""A panel round clicked through: set up, a member joins with a code and votes on a phone, results.

A vote is secret and final: the member checks their choices on a page that says so, then sends.
A round with too few votes shows no results, only why.
"""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from commissioning.extensions import db
from tests.browser.conftest import run_axe, sign_in


def _others_vote_for(live_app, round_id, title, how_many):
    """``how_many`` of the demo panel's other members vote for the project ``title`` (the database, not a page)."""
    from commissioning.panels import operations as ops
    from commissioning.panels.models import Round
    from commissioning.panels.util import has_voted
    with live_app.app_context():
        rnd = db.session.get(Round, round_id)
        project = next(p for p in rnd.projects if p.title == title)
        voters = [m for m in rnd.panel.members if m.can_vote and not has_voted(rnd, m)
                  and m.display_name != "Sky"][:how_many]
        for member in voters:
            ops.cast_ballot(rnd, member, [project.id])
        db.session.commit()
        db.session.remove()


def _round_with_two_votes(live_app):
    """A counted round of the demo panel with two ballots, too few for its results to be shown."""
    from commissioning.funding.models import Pot
    from commissioning.panels import operations as ops
    from commissioning.panels.models import Panel
    with live_app.app_context():
        panel = db.session.scalars(db.select(Panel).where(Panel.name == "Youth Voice Panel")).one()
        pot = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Voice Fund")).one()
        data = {"meta": {"description": "Two votes only"}, "costs": {"1": 100, "2": 200},
                "names": {"1": "Skate jam", "2": "Poetry slam"}, "ballots": [{"1"}, {"2"}], "budget": 300}
        rnd = ops.import_round(panel, pot, data)
        ops.count_round(rnd.id)
        db.session.commit()
        round_id = rnd.id
        db.session.remove()
    return round_id


def test_a_round_from_set_up_to_results(page, browser, live_server):
    base = live_server.url
    sign_in(page, base, "facilitator@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Panels").click()
    page.get_by_role("link", name="Youth Voice Panel").click()

    # A new member without an email address gets a joining code.
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Name to show").fill("Sky")
    page.get_by_label("18 to 21").check()
    page.get_by_role("button", name="Add member").click()
    shown = page.locator(".app-joining-code")
    expect(shown).to_have_text(re.compile(r"^\s*[A-Z2-9]{4}-[A-Z2-9]{4}\s*$"), use_inner_text=True)
    code = shown.inner_text().strip()    # read once the page shows it
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)

    # A round with two projects; the rules are checked as the form is sent.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Panels").click()
    page.get_by_role("link", name="Youth Voice Panel").click()
    page.get_by_role("link", name="Start a voting round").click()
    page.get_by_label("Round name").fill("Journey round")
    page.get_by_label("Budget, in whole pounds").fill("10000")
    page.get_by_label("Choose projects that fit within the budget").check()
    page.get_by_role("radio", name=re.compile(r"^Equal shares")).check()   # the rule, not the later questions
    closes = date.today() + timedelta(days=7)
    page.get_by_label("Day").fill(str(closes.day))
    page.get_by_label("Month").fill(str(closes.month))
    page.get_by_label("Year").fill(str(closes.year))
    page.get_by_role("button", name="Save round").click()
    round_heading = page.get_by_role("heading", level=1)
    for title, cost in (("Bike repair club", "6000"), ("Film nights", "5000")):
        expect(round_heading).to_have_text("Journey round", use_inner_text=True)    # back on the round's page
        page.get_by_role("link", name="Add a project").click()
        expect(round_heading).to_have_text("Add a project", use_inner_text=True)
        page.get_by_label("Project name").fill(title)
        page.get_by_label("Summary for young people").fill(f"{title}: free, every week, for 11 to 19 year olds.")
        page.get_by_label("Cost, in whole pounds").fill(cost)
        page.get_by_role("button", name="Save project").click()
    expect(round_heading).to_have_text("Journey round", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("Film nights", use_inner_text=True)    # with the second project
    page.get_by_role("button", name="Open voting").click()
    page.get_by_role("button", name="Yes, open voting").click()    # opening fixes the rules: it asks first
    expect(page.locator("main")).to_contain_text("Voting open", use_inner_text=True)
    expect(page).to_have_url(re.compile(r"/panels/rounds/\d+$"))
    round_url = page.url

    # The member joins with the code on a phone-sized screen and votes, watching the running total.
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    member = phone.new_page()
    member.goto(f"{base}/")
    member.get_by_role("link", name="Join your panel with your code").click()
    member.get_by_label("Joining code").fill(code.lower())
    member.get_by_role("button", name="Join").click()
    expect(member.locator("main")).to_contain_text("Hello, Sky", use_inner_text=True)
    member.get_by_role("link", name=re.compile("Vote now.*Journey round")).click()
    # No bidder on this ballot, so there is no link to declare: straight to the ballot.
    expect(member.get_by_role("heading", level=1)).to_have_text("Choose the projects you want", use_inner_text=True)
    member.get_by_label(re.compile("Bike repair club")).check()
    member.get_by_label(re.compile("Film nights")).check()
    total = member.locator(".app-ballot-total")
    expect(total).to_contain_text("£1,000 too much", use_inner_text=True)
    member.get_by_role("button", name="Check my choices").click()
    # The refusal is a new page: wait for it (its error summary) before touching its boxes.
    expect(member.locator(".govuk-error-summary")).to_be_visible()
    # Refused in plain words.
    expect(member.locator("main")).to_contain_text("there is only £10,000 to spend", use_inner_text=True)
    member.get_by_label(re.compile("Film nights")).uncheck()
    expect(total).to_contain_text("£4,000 left", use_inner_text=True)    # the new page's script fills the total in
    member.get_by_role("button", name="Check my choices").click()
    # Checked first: the page says a sent vote is secret and cannot be changed.
    expect(member.get_by_role("heading", level=1)).to_have_text("Check your vote", use_inner_text=True)
    expect(member.locator("main")).to_contain_text("Once you send your vote, you cannot change it",
                                                   use_inner_text=True)
    expect(member.locator(".app-vote-choices")).to_have_text(re.compile(r"^\s*Bike repair club: £6,000\s*$"),
                                                             use_inner_text=True)
    member.get_by_role("button", name="Change my choices").click()
    expect(member.get_by_label(re.compile("Bike repair club"))).to_be_checked()     # choices kept
    member.get_by_role("button", name="Check my choices").click()
    member.get_by_role("button", name="Send my vote").click()
    expect(member.locator("main")).to_contain_text("Your vote is sent", use_inner_text=True)
    expect(member.locator("main")).to_contain_text("You have voted. Thank you.", use_inner_text=True)
    expect(member.get_by_role("link", name=re.compile("Vote now.*Journey round"))).to_have_count(0)
    phone.close()

    # Four more members vote; the facilitator sees how many have voted, never what they chose.
    round_id = int(round_url.rsplit("/", 1)[1])
    _others_vote_for(live_server.app, round_id, "Bike repair club", 4)
    page.goto(round_url)
    expect(page.locator("main")).to_contain_text(re.compile(r"5 of \d+ members who can vote have voted"),
                                                 use_inner_text=True)
    # The facilitator closes voting; the page shows progress, then the worker's count.
    page.get_by_role("button", name="Close voting early").click()
    page.get_by_role("button", name="Close voting now").click()    # it asks first: closing cannot be undone
    expect(page.get_by_role("link", name="See the results")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="See the results").click()
    expect(page).to_have_url(re.compile(r"/panels/rounds/\d+/results$"))
    main = page.locator("main")
    expect(main).to_contain_text("You said, we did", use_inner_text=True)
    # A pattern, not a string, so the tab between the row's key and value (innerText) is kept, not normalised.
    expect(main).to_contain_text(re.compile("Money used\t£6,000"), use_inner_text=True)
    page.get_by_role("link", name="Bike repair club").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bike repair club", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("5 of 5 people who voted chose it.", use_inner_text=True)
    assert page.console_errors == []


def test_too_few_votes_show_no_results_and_the_pages_say_why(axe_page, live_server):
    """Checked by axe too: the page that says why, and the member's check-your-vote page."""
    base = live_server.url
    round_id = _round_with_two_votes(live_server.app)
    response = axe_page.goto(f"{base}/panels/rounds/{round_id}/results")  # typed on purpose: withheld results refused
    assert response.status == 200
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Results not shown: Two votes only",
                                                                   use_inner_text=True)
    expect(axe_page.locator("main")).to_contain_text("Fewer than 5 people voted", use_inner_text=True)
    expect(axe_page.locator("main")).not_to_contain_text("Skate jam", use_inner_text=True)
    assert run_axe(axe_page) == []
    assert axe_page.goto(f"{base}/panels/rounds/{round_id}/ballots.pb").status == 404  # typed on purpose: no file

    sign_in(axe_page, base, "member@demo.test")
    axe_page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your panel").click()
    expect(axe_page.locator("main")).to_contain_text("The results are not shown. Fewer than 5 people voted",
                                                     use_inner_text=True)
    axe_page.get_by_role("link", name=re.compile("Vote now.*Winter ideas")).click()
    # The links question comes first unless answered: wait for whichever page the link leads to
    # before asking, or the question is looked for on the page being left.
    axe_page.wait_for_url(re.compile(r"/panels/rounds/\d+/(links|vote)"))
    if axe_page.url.split("?")[0].endswith("/links"):
        axe_page.get_by_role("button", name="Save and continue").click()
        axe_page.wait_for_url(re.compile(r"/panels/rounds/\d+/vote"))
    axe_page.locator(".govuk-checkboxes__input:not([disabled])").first.check()
    axe_page.get_by_role("button", name="Check my choices").click()
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Check your vote", use_inner_text=True)
    assert run_axe(axe_page) == []      # and not sent: the demo's round keeps its voters' turn
