"""People administration clicked through: an admin deactivates someone who is signed in elsewhere."""
import re
import uuid

from playwright.sync_api import expect

from commissioning.accounts.models import Role
from commissioning.accounts.operations import create_user
from commissioning.extensions import db
from tests.browser.conftest import sign_in


def _leaver(live_app):
    """Someone of this test's own, so that deactivating them changes nothing other tests use."""
    email = f"leaver-{uuid.uuid4().hex[:8]}@demo.test"
    with live_app.app_context():
        create_user(email, "Rowan Leaver", "demo-password", roles=[Role.commissioner])
        db.session.commit()
        db.session.remove()
    return email


def test_an_admin_deactivates_a_person_whose_open_session_then_stops(page, browser, live_server):
    base = live_server.url
    email = _leaver(live_server.app)
    theirs = browser.new_context()
    leaver = theirs.new_page()
    try:
        sign_in(leaver, base, email)
        leaver.get_by_role("link", name="Your account").click()
        expect(leaver.get_by_role("heading", level=1)).to_have_text("Your account", use_inner_text=True)
        expect(leaver.get_by_role("table")).to_contain_text("This device", use_inner_text=True)

        sign_in(page, base, "admin@demo.test")
        page.get_by_role("link", name="People and roles").click()
        expect(page).to_have_url(f"{base}/admin/users")
        page.get_by_label("Name or email").fill("Rowan Leaver")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="Rowan Leaver").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Rowan Leaver", use_inner_text=True)
        session_row = page.get_by_role("row", name=re.compile("Headless Chrome"))
        expect(session_row).to_have_count(1)
        expect(session_row).to_contain_text("Signed in", use_inner_text=True)
        page.get_by_role("link", name="Deactivate account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Deactivate Rowan Leaver?", use_inner_text=True)
        expect(page.locator(".govuk-warning-text")).to_contain_text("signed out at once on 1 device",
                                                                   use_inner_text=True)
        page.get_by_role("button", name="Deactivate account").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("deactivated", use_inner_text=True)
        expect(page.locator(".govuk-summary-list")).to_contain_text("Deactivated", use_inner_text=True)
        expect(page.get_by_role("button", name="Reactivate account")).to_be_visible()

        # The leaver's next page, in the browser still holding the old cookie, is the sign-in page.
        leaver.reload()
        expect(leaver).to_have_url(re.compile(r"/login"))
        expect(leaver.get_by_role("heading", level=1)).to_have_text("Sign in", use_inner_text=True)
        leaver.get_by_label("Email address").fill(email)
        leaver.get_by_label("Password", exact=True).fill("demo-password")
        leaver.get_by_role("button", name="Sign in").click()
        expect(leaver.locator(".govuk-error-summary")).to_be_visible()
        expect(leaver).to_have_url(re.compile(r"/login"))
    finally:
        theirs.close()
    assert page.console_errors == []
