"""Panel rounds that cannot mislead (issue 17), clicked through from the dashboard.

A facilitator tries a project that costs more than the round's budget and is told what to do,
then opens voting and closes it early through the confirmation; the round then says it closed
early, not the date it was due to close. A member reads why each project was funded or not, in
the rule's own figures.
"""
import re
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def _long_date(day):
    return f"{day.day} {day.strftime('%B %Y')}"


def test_a_facilitator_is_refused_a_project_dearer_than_the_budget_and_closes_voting_early(page, live_server):
    base = live_server.url
    sign_in(page, base, "facilitator@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Panels").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Young people’s panels", use_inner_text=True)
    # A panel of its own, so the demo panel's rounds are left as they are.
    page.get_by_role("link", name="Set up a panel").click()
    page.get_by_label("Panel name").fill("Early closing panel")
    page.get_by_role("button", name="Save panel").click()
    expect(heading).to_have_text("Early closing panel", use_inner_text=True)
    page.get_by_role("link", name="Start a voting round").click()
    page.get_by_label("Round name").fill("Spring sports")
    page.get_by_label("Pot the money comes from").select_option(label="Youth Voice Fund")
    page.get_by_label("Budget, in whole pounds").fill("15000")
    page.get_by_label("Choose projects that fit within the budget").check()
    page.get_by_label("Most votes first").check()
    due = date.today() + timedelta(days=40)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Save round").click()
    expect(heading).to_have_text("Spring sports", use_inner_text=True)

    # Seen: a £20,000 project on a £15,000 budget went on the ballot. Now the cost is refused, saying what to do.
    page.get_by_role("link", name="Add a project").click()
    page.get_by_label("Project name").fill("Sports hall")
    page.get_by_label("Summary for young people").fill("A new sports hall, open every evening, free for 11 to 19s.")
    page.get_by_label("Cost, in whole pounds").fill("20000")
    page.get_by_role("button", name="Save project").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("more than the round’s whole budget of £15,000", use_inner_text=True)
    expect(page.locator("#cost-error")).to_contain_text("Enter a cost of £15,000 or less, or raise the budget first",
                                                        use_inner_text=True)
    summary.get_by_role("link").first.click()          # the summary leads to the field to fix
    expect(page.get_by_label("Cost, in whole pounds")).to_be_focused()
    page.get_by_label("Cost, in whole pounds").fill("12000")
    page.get_by_role("button", name="Save project").click()
    expect(heading).to_have_text("Spring sports", use_inner_text=True)
    expect(page.locator("#projects ~ table")).to_contain_text("£12,000", use_inner_text=True)

    # Opening fixes the rules, so it asks first.
    page.get_by_role("button", name="Open voting").click()
    expect(heading).to_have_text("Open voting in Spring sports?", use_inner_text=True)
    page.get_by_role("button", name="Yes, open voting").click()
    expect(page.locator("main")).to_contain_text("Voting open", use_inner_text=True)
    expect(page.locator("main")).to_contain_text(f"closes {_long_date(due)}", use_inner_text=True)

    # Closing early asks for confirmation, says what happens next, and can be cancelled.
    page.get_by_role("button", name="Close voting early").click()
    expect(heading).to_have_text("Close voting in Spring sports now?", use_inner_text=True)
    expect(page.locator(".govuk-warning-text")).to_contain_text(f"Voting is due to close {_long_date(due)}",
                                                                use_inner_text=True)
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    page.get_by_role("link", name="No, go back").click()
    expect(heading).to_have_text("Spring sports", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("Voting open", use_inner_text=True)
    page.get_by_role("button", name="Close voting early").click()
    expect(heading).to_have_text("Close voting in Spring sports now?", use_inner_text=True)
    page.get_by_role("button", name="Close voting now").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Voting is closed",
                                                                               use_inner_text=True)
    # From now on the round says when it closed, early, and no longer the date it was due to close.
    main = page.locator("main")
    expect(main).to_contain_text(f"closed early, on {_long_date(date.today())}", use_inner_text=True)
    expect(main).not_to_contain_text(_long_date(due), use_inner_text=True)
    assert page.console_errors == []


def test_a_member_reads_why_each_project_was_funded_or_not(page, live_server):
    base = live_server.url
    sign_in(page, base, "member@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your panel").click()
    card = page.locator(".govuk-summary-card", has=page.get_by_role("heading", name="Summer activities"))
    # Each project's reason on the member's own page, in the rule's figures.
    reasons = card.locator(".app-member-why li")
    expect(reasons.first).to_contain_text(re.compile(r"(funded|not funded)\."), use_inner_text=True)
    expect(card).to_contain_text(re.compile(r"left between them|was left"), use_inner_text=True)
    expect(card).not_to_contain_text("stronger support", use_inner_text=True)
    card.get_by_role("link", name="See what was funded and why in Summer activities").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Summer activities", use_inner_text=True)
    main = page.locator("main")
    expect(main.locator(".app-how-shared")).to_contain_text("equal share", use_inner_text=True)
    expect(main.locator(".app-why").first).to_contain_text("costs £", use_inner_text=True)
    main.locator("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="We did")).to_be_visible()
    expect(page.locator("main .app-why")).to_contain_text(re.compile(r"It was (not )?funded"), use_inner_text=True)
    expect(page.locator("main")).to_contain_text("How the money was shared", use_inner_text=True)
    page.get_by_role("link", name="All results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Summer activities", use_inner_text=True)
    assert page.console_errors == []
