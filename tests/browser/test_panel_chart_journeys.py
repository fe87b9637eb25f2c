"""A member on a phone sees the money and each project as a picture, with the figures beside it (issue 18)."""
from playwright.sync_api import expect

from tests.browser.conftest import run_axe, sign_in


def test_a_member_on_a_phone_opens_the_picture_and_reads_the_same_figures_in_the_table(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    try:
        base = live_server.url
        sign_in(page, base, "member@demo.test")
        page.get_by_role("button", name="Menu").click()   # on a phone the service navigation folds away
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your panel").click()
        card = page.locator(".govuk-summary-card", has=page.get_by_role("heading", name="Summer activities"))
        picture = card.locator("details", has_text="See it as a picture")
        chart = picture.get_by_role("img", name="The money and each project in Summer activities")
        expect(chart).to_be_hidden()
        picture.locator("summary").click()
        expect(chart).to_be_visible()
        table = picture.locator("table.app-money-table")
        expect(table.locator("tbody tr").first).to_contain_text("£", use_inner_text=True)
        # The picture fits the phone's width: no sideways scrolling to see a bar.
        box = chart.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        # The results page draws the same picture for everyone, with its table.
        card.get_by_role("link", name="See what was funded and why in Summer activities").click()
        main = page.locator("main")
        expect(main.get_by_role("img", name="How the money compared with each project’s cost")).to_be_visible()
        expect(main.locator("table.app-money-table caption")).to_contain_text("in figures", use_inner_text=True)
        assert errors == []
    finally:
        context.close()


def test_the_pictures_pass_axe_on_a_phone(browser, live_server):
    context = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "member@demo.test")
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your panel").click()
        page.locator("details", has_text="See it as a picture").first.locator("summary").click()
        expect(page.locator("details[open] svg").first).to_be_visible()
        assert run_axe(page) == []
        page.locator(".govuk-summary-card").get_by_role("link", name="See what was funded and why").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("What young people funded", use_inner_text=True)
        page.locator("main table").first.get_by_role("link").first.click()
        expect(page.get_by_role("heading", name="We did")).to_be_visible()
        expect(page.get_by_role("img", name="Its money against its cost")).to_be_visible()
        assert run_axe(page) == []
    finally:
        context.close()
