from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.fixtures.tiers import _rollback, marker_hook  # noqa: F401  (overrides the unit tier's)

pytest_collection_modifyitems = marker_hook(Path(__file__).parent, "browser")


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
#: How long every `expect()` keeps retrying. Playwright's default (5 s) is too short on a busy CI
#: machine, where the app, the Celery worker and Chromium share the cores; a passing check
#: returns as soon as it holds, so only a failing one waits this long.
EXPECT_TIMEOUT_MS = 15_000
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context, under the app's real CSP; console errors fail the test."""
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()


@pytest.fixture
def axe_page(browser):
    """A context that may inject axe-core (its script would otherwise be refused by the CSP)."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


def run_axe(page):
    """Run axe-core on the current page; return its WCAG A/AA violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def sign_in(page, base_url, email, password="demo-password"):
    page.goto(f"{base_url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base_url}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello", use_inner_text=True)
