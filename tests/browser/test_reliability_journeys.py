"""A person whose form goes twice from a real browser: the work is done once, and the page says so.

Chromium sends the page's own form (its CSRF token and request key included) twice at once,
as an impatient double click or a resubmitted page load does; the page then shows what the
person would see after the second answer.
"""
import uuid

from playwright.sync_api import expect

from commissioning.extensions import db
from commissioning.opportunities.models import Clarification, Opportunity, OpportunityStatus
from tests.browser.conftest import sign_in

SEND_TWICE = """async (selector) => {
    const form = document.querySelector(selector)
    const body = new FormData(form)
    const send = () => fetch(form.action, {method: 'POST', body, credentials: 'same-origin', redirect: 'manual'})
    const answers = await Promise.all([send(), send()])
    return answers.map((a) => a.type)
}"""  # 'opaqueredirect' twice: each answered with a redirect, whose cookie the browser keeps


def test_a_question_sent_twice_is_asked_once_and_the_page_says_so(page, live_server, live_context):
    opp = db.session.scalars(db.select(Opportunity).where(Opportunity.status == OpportunityStatus.open)
                             .order_by(Opportunity.id)).first()
    question = f"Can two groups bid together? ({uuid.uuid4().hex[:6]})"
    sign_in(page, live_server.url, "provider2@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name=opp.title, exact=True).first.click()
    expect(page).to_have_url(f"{live_server.url}/opportunities/{opp.id}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Your question").fill(question)

    page.evaluate(SEND_TWICE, 'form[action$="/clarifications"]')  # resolves once both are answered

    page.reload()  # the page the two answers left: its banner says what happened
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("You sent this twice. It was done once", use_inner_text=True)
    expect(banner).to_contain_text("Your question has been sent", use_inner_text=True)
    assert questions_asked(question) == 1


def questions_asked(question):
    """How many clarification rows hold ``question`` (the database, not the page)."""
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count()).select_from(Clarification)
                             .where(Clarification.question == question))
