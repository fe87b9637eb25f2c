"""Every public page fits a phone, 320 and 390 px wide, without sideways scrolling (WCAG 1.4.10).

Issue 17 saw `/opportunities` cut off on a 390 px phone (deadline and status off the screen).
Each page anyone can open without signing in (the access table's anonymous pages, so a new
public page is checked without being listed here) is loaded at each width; once its main
content shows, the page must not be wider than the screen. A genuinely wide table may scroll
inside its own labelled region (the reflow exception for 2-D tables); the page itself may not.
"""
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.test_accessibility import demo_objects, pages_for  # noqa: F401  (demo_objects: a fixture)

WIDTHS = [320, 390]

FITS = "(width) => window.innerWidth === width && document.documentElement.scrollWidth <= window.innerWidth"

#: For the failure message only: the elements that stick out past the right edge, innermost first.
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.app-table-scroll'))
  .filter(el => ![...el.children].some(child => child.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5)
  .map(el => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`
             + ` (right edge at ${Math.round(el.getBoundingClientRect().right)} px): `
             + (el.textContent || '').trim().slice(0, 60))"""


@pytest.fixture
def phone(browser, request):
    # Not is_mobile: Chromium's mobile emulation widens the layout viewport to fit what overflows,
    # which would hide the very fault this looks for.
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("phone", WIDTHS, indirect=True, ids=[f"{w}px" for w in WIDTHS])
def test_every_public_page_fits_a_phone_screen(phone, live_server, demo_objects):
    paths = pages_for("anonymous", demo_objects)  # with the postcode searches, found and refused
    assert {"/opportunities", "/whats-on?postcode=L11+0BP", "/whats-on?postcode=nowhere"} <= set(paths)
    too_wide = []
    for path in paths:
        response = phone.goto(live_server.url + path)
        assert response.status == 200, path
        expect(phone.locator("main"), path).to_be_visible()
        expect(phone.get_by_role("heading", level=1).first, path).to_be_visible()
        try:
            phone.wait_for_function(FITS, arg=phone.viewport_size["width"], timeout=3_000)
        except PlaywrightTimeoutError:
            too_wide.append((path, phone.evaluate(WIDER_THAN_SCREEN)))
    assert too_wide == [], "wider than the screen:\n" + "\n".join(
        f"{path}: {'; '.join(widest)}" for path, widest in too_wide)


@pytest.mark.parametrize("phone", [320], indirect=True, ids=["320px"])
def test_a_wide_table_scrolls_in_a_labelled_region_anyone_can_reach(phone, live_server, demo_objects):
    """A 2-D table of figures scrolls inside a region keyboard users can focus, named by its caption."""
    phone.goto(f"{live_server.url}/indicators/{demo_objects['indicator'].id}")
    region = phone.get_by_role("region", name=re.compile("by year"))
    expect(region).to_have_attribute("tabindex", "0")
    expect(region.get_by_role("table")).to_be_visible()
    region.focus()
    expect(region).to_be_focused()


@pytest.mark.parametrize("phone", [320], indirect=True, ids=["320px"])
def test_other_tables_stack_each_cell_under_its_heading(phone, live_server):
    """A list table becomes one block per row, each cell led by its column's heading."""
    phone.goto(f"{live_server.url}/api")
    table = phone.locator("main table.app-table--stack").first
    expect(table).to_be_visible()
    expect(table.locator("td[data-label='Path']").first).to_be_visible()
    expect(table.locator("td:not([data-label])")).to_have_count(0)
    expect(table.get_by_role("columnheader", name="Path")).to_have_count(1)
