"""Evaluation clicked through: a recused evaluator, and a scoring run with progress then result."""
from tests.browser.conftest import sign_in


def test_recused_evaluator_sees_only_the_bid_they_may_score(page, live_server):
    sign_in(page, live_server.url, "evaluator3@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Evaluations").click()
    page.get_by_role("link", name="Sexual health outreach for young people: light-touch procurement").click()
    main = page.inner_text("main")
    assert "Alt Valley Youth Partnership" in main and "Southside" not in main
    assert page.console_errors == []


def test_commissioner_calculates_totals_and_sees_the_ranking(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name="Sexual health outreach for young people: light-touch procurement").click()
    page.get_by_role("link", name="Evaluation", exact=True).click()
    assert "recused" in page.inner_text("main")
    page.get_by_role("link", name="Totals and ranking").click()
    page.get_by_role("button", name="Calculate totals and ranking").click()
    # The page shows progress, then reloads itself with the result once the worker is done.
    page.get_by_role("table").wait_for(timeout=30000)
    rows = page.locator("tbody tr")
    assert rows.count() == 2
    assert "Calculated" in page.inner_text("main")
    assert page.console_errors == []
