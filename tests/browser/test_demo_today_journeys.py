"""A commissioner new to the demo finds a council's world of 2026/27, by links from the dashboard."""
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

OLD_WORDS = ("Connexions", "Primary Care Trust", "Every Child Matters", "2008/09", "2007/08")


def _dashboard_link(page, name):
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    page.locator("main").get_by_role("link", name=name, exact=True).click()


def test_commissioner_finds_today_s_funding_indicators_and_outcomes(page, live_server):
    sign_in(page, live_server.url, "commissioner@demo.test")
    main = page.locator("main")

    # Funding: this year's and last year's streams, the youth offer under the 2023 duty.
    _dashboard_link(page, "Funding and allocation")
    pots = main.get_by_role("table").first
    expect(pots).to_contain_text("Holiday Activities and Food programme", use_inner_text=True)
    expect(pots).to_contain_text("2026/27", use_inner_text=True)
    expect(pots).to_contain_text("2025/26", use_inner_text=True)
    expect(pots).to_contain_text("Youth Guarantee trailblazer", use_inner_text=True)
    main.get_by_role("link", name="Local youth offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Local youth offer", use_inner_text=True)
    expect(main).to_contain_text("2026/27", use_inner_text=True)
    expect(main).to_contain_text("section 507B of the Education Act 1996", use_inner_text=True)

    # Indicators: measured the way councils measure them now, and labelled as demo figures.
    _dashboard_link(page, "Indicators and trajectories")
    expect(main).to_contain_text("First-time entrants to the youth justice system", use_inner_text=True)
    main.get_by_role("link", name="Young people taking part in positive activities every month").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Young people taking part in positive activities every month", use_inner_text=True)
    expect(main.get_by_role("table")).to_contain_text("2026/27", use_inner_text=True)
    expect(main).to_contain_text("Demo figures", use_inner_text=True)

    # A need: today's outcomes for young people, and the national youth strategy among its priorities.
    _dashboard_link(page, "Needs register")
    main.get_by_role("link", name="Evening and weekend activities in Alt Valley").click()
    expect(main).to_contain_text("Outcomes for young people", use_inner_text=True)
    expect(main).to_contain_text("Enriching activities and skills for life", use_inner_text=True)
    expect(main).to_contain_text("Youth Matters", use_inner_text=True)
    for word in OLD_WORDS:   # checked after the positive waits, on the settled page
        expect(main).not_to_contain_text(word, use_inner_text=True)
    assert page.console_errors == []
