"""The contract monitor finds returns across their agreements: from the dashboard to the list of
returns, searched for one agreement, to a return's page, by clicking only."""
import re

from playwright.sync_api import expect

from commissioning.extensions import db
from tests.browser.conftest import sign_in


def _an_agreement_the_monitor_watches(live_app):
    from commissioning.accounts.models import User
    from commissioning.contracts.models import Agreement, ReturnDue
    with live_app.app_context():
        monitor = db.session.scalars(db.select(User).where(User.email == "monitor@demo.test")).one()
        reference, returns = db.session.execute(
            db.select(Agreement.reference, db.func.count(ReturnDue.id))
            .join(ReturnDue, ReturnDue.agreement_id == Agreement.id)
            .where(Agreement.monitor_id == monitor.id).group_by(Agreement.id, Agreement.reference)
            .order_by(Agreement.id)).first()
        db.session.remove()
    return reference, returns


def test_a_monitor_searches_the_returns_and_opens_one(page, live_server, live_app):
    base = live_server.url
    reference, returns = _an_agreement_the_monitor_watches(live_app)
    sign_in(page, base, "monitor@demo.test")
    page.get_by_role("main").get_by_role("link", name="Monitoring returns").click()
    expect(page).to_have_url(f"{base}/returns")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Search").fill(reference)
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/returns\?.*q="))
    rows = page.locator("main tbody tr")
    expect(rows.first).to_contain_text(reference, use_inner_text=True)
    expect(page.locator("main")).to_contain_text(f"{returns} returns" if returns != 1 else "1 return",
                                                 use_inner_text=True)
    page.get_by_role("link", name=re.compile(f"^Return for {re.escape(reference)}")).first.click()
    expect(page).to_have_url(re.compile(r"/returns/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.console_errors == []
