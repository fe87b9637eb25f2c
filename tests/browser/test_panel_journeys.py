"""A panel round clicked through: set up, a member joins with a code and votes on a phone, results."""
import re
from datetime import date, timedelta

from tests.browser.conftest import sign_in


def test_a_round_from_set_up_to_results(page, browser, live_server):
    base = live_server.url
    sign_in(page, base, "facilitator@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Panels").click()
    page.get_by_role("link", name="Youth Opportunities Panel").click()

    # A new member without an email address gets a joining code.
    page.get_by_role("link", name="Add a member").click()
    page.get_by_label("Name to show").fill("Sky")
    page.get_by_label("18 to 21").check()
    page.get_by_role("button", name="Add member").click()
    code = page.locator(".app-joining-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)

    # A round with two projects; the rules are checked as the form is sent.
    page.goto(f"{base}/panels")
    page.get_by_role("link", name="Youth Opportunities Panel").click()
    page.get_by_role("link", name="Start a voting round").click()
    page.get_by_label("Round name").fill("Journey round")
    page.get_by_label("Budget, in whole pounds").fill("10000")
    page.get_by_label("Choose projects that fit within the budget").check()
    page.get_by_label("Equal shares").check()
    closes = date.today() + timedelta(days=7)
    page.get_by_label("Day").fill(str(closes.day))
    page.get_by_label("Month").fill(str(closes.month))
    page.get_by_label("Year").fill(str(closes.year))
    page.get_by_role("button", name="Save round").click()
    for title, cost in (("Bike repair club", "6000"), ("Film nights", "5000")):
        page.get_by_role("link", name="Add a project").click()
        page.get_by_label("Project name").fill(title)
        page.get_by_label("Summary for young people").fill(f"{title}: free, every week, for 11 to 19 year olds.")
        page.get_by_label("Cost, in whole pounds").fill(cost)
        page.get_by_role("button", name="Save project").click()
    page.get_by_role("button", name="Open voting").click()
    assert "Voting open" in page.inner_text("main")
    round_url = page.url

    # The member joins with the code on a phone-sized screen and votes, watching the running total.
    phone = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    member = phone.new_page()
    member.goto(f"{base}/join")
    member.get_by_label("Joining code").fill(code.lower())
    member.get_by_role("button", name="Join").click()
    assert "Hello, Sky" in member.inner_text("main")
    member.get_by_role("link", name=re.compile("Vote now.*Journey round")).click()
    # No bidder on this ballot, so there is no link to declare: straight to the ballot.
    member.get_by_label(re.compile("Bike repair club")).check()
    member.get_by_label(re.compile("Film nights")).check()
    total = member.locator(".app-ballot-total")
    assert "£1,000 too much" in total.inner_text()
    member.get_by_role("button", name="Send my vote").click()
    assert "there is only £10,000 to spend" in member.inner_text("main")     # refused in plain words
    member.get_by_label(re.compile("Film nights")).uncheck()
    assert "£4,000 left" in total.inner_text()
    member.get_by_role("button", name="Send my vote").click()
    assert "Your vote is saved" in member.inner_text("main")
    phone.close()

    # The facilitator closes voting; the page shows progress, then the worker's count.
    page.goto(round_url)
    page.get_by_role("button", name="Close voting now and count").click()
    page.get_by_role("link", name="See the results").wait_for(timeout=30000)
    page.get_by_role("link", name="See the results").click()
    main = page.inner_text("main")
    assert "You said, we did" in main and "Money used\t£6,000" in main
    page.get_by_role("link", name="Bike repair club").click()
    assert "1 of 1 people who voted chose it." in page.inner_text("main")
    assert page.console_errors == []
