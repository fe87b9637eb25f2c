"""Evaluation clicked through: an evaluator off a competition by a declared interest, and a scoring run."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_an_interest_in_one_bidder_takes_the_evaluator_off_the_competition(page, live_server):
    sign_in(page, live_server.url, "evaluator3@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Evaluations").click()
    page.get_by_role("link", name="Young people's mental health and wellbeing support: light-touch procurement").click()
    expect(page).to_have_url(re.compile(r"/evaluation/\d+$"))
    main = page.locator("main")
    expect(main).to_contain_text("You declared an interest in Southside Young People's Arts CIC, so you are off "
                                 "this competition", use_inner_text=True)
    expect(main).to_contain_text("No bids for you to score", use_inner_text=True)
    expect(main.get_by_role("link", name="Alt Valley Youth Partnership")).to_have_count(0)  # its rival too
    assert page.console_errors == []


def test_commissioner_calculates_totals_and_sees_the_ranking(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name="Young people's mental health and wellbeing support: light-touch procurement").click()
    page.get_by_role("link", name="Evaluation", exact=True).click()
    expect(page).to_have_url(re.compile(r"/opportunities/\d+/evaluation$"))
    expect(page.locator("main")).to_contain_text("recused", use_inner_text=True)
    page.get_by_role("link", name="Totals and ranking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Totals and ranking", use_inner_text=True)
    page.get_by_role("button", name="Calculate totals and ranking").click()
    # The page shows progress, then reloads itself with the result once the worker is done.
    expect(page.get_by_role("table")).to_be_visible(timeout=30_000)
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("Calculated", use_inner_text=True)
    assert page.console_errors == []
