"""Evaluation that flows, clicked through (issue 17): an evaluator opens a bid from the dashboard, reads and
downloads its file and scores it; the commissioner moderates each bid on one page and follows the next-step
links to the award, where a mistake keeps what was ticked; the provider finds the outcome on its bids.

The journey runs on an opportunity of its own (made here, as the demo's would be), so the demo's
evaluation stays as other journeys expect it."""
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from commissioning.accounts.models import User
from commissioning.core.models import LONDON
from commissioning.extensions import db
from tests.browser.conftest import sign_in

TITLE = "Detached youth work in Speke and Garston: light-touch procurement"
PLAN = b"Week 1: street-based sessions.\nWeek 2: drop-ins at the hub.\n"
ALT_VALLEY = "Alt Valley Youth Partnership"
SOUTHSIDE = "Southside Young People's Arts CIC"


def _user(email):
    return db.session.scalars(db.select(User).where(User.email == email)).one()


@pytest.fixture(scope="module")
def flow_round(live_app):
    """A closed procurement with two bids (Alt Valley's with a file), three evaluators with no interest,
    every sheet submitted but Eve's for Alt Valley. Returns the quality criteria's names."""
    from commissioning.bids import operations as bid_ops
    from commissioning.evaluation import operations as ev_ops
    from commissioning.evaluation.models import Interest
    from commissioning.opportunities import operations as opp_ops
    from commissioning.opportunities.models import Opportunity, OpportunityKind
    with live_app.app_context():
        model = db.session.scalars(db.select(Opportunity).where(Opportunity.kind == OpportunityKind.procurement)
                                   .order_by(Opportunity.id)).first()
        commissioner = _user("commissioner@demo.test")
        providers = [_user("provider@demo.test"), _user("provider2@demo.test")]
        eve, ed, femi = (_user(e) for e in ("evaluator@demo.test", "evaluator2@demo.test", "evaluator4@demo.test"))
        now = datetime.now(LONDON).replace(microsecond=0)
        opened, deadline = now - timedelta(days=20), now - timedelta(days=2)
        opp = opp_ops.create_opportunity(model.specification, commissioner, title=TITLE,
                                         summary="Youth workers meeting young people where they spend time.",
                                         clarification_deadline=opened + timedelta(days=5),
                                         submission_deadline=deadline, word_limit=500,
                                         eligibility=[{"question": "Are your youth workers qualified?",
                                                       "pass_answer": "yes"}])
        opp_ops.open_opportunity(opp, now=opened)
        names = [c["name"] for c in opp.quality_criteria]
        bids = []
        for n, user in enumerate(providers):
            bid = bid_ops.start_bid(opp, user.memberships[0].organisation, user, now=opened + timedelta(days=1))
            bid_ops.save_draft(bid, user, now=opened + timedelta(days=2),
                               answers={name: f"Our plan for {name.lower()}." for name in names},
                               eligibility={"0": "yes"}, price_pence=9_000_000 + n * 500_000,
                               price_breakdown="Staff 85%, venues 15%", declarations=True)
            if n == 0:
                bid_ops.add_attachment(bid, user, ("delivery-plan.txt", "text/plain", PLAN),
                                       now=opened + timedelta(days=3))
            bid_ops.submit_bid(bid, user, f"flow-journey-{bid.id}", now=deadline - timedelta(days=1))
            bids.append(bid)
        opp_ops.close_due()
        ev_ops.assign(opp, bids, [eve, ed, femi], commissioner)
        for evaluator in (eve, ed, femi):
            for bid in bids:
                ev_ops.declare(opp, evaluator, bid.organisation, Interest.none)
        for evaluator, bid in [(ed, bids[0]), (ed, bids[1]), (femi, bids[0]), (femi, bids[1]), (eve, bids[1])]:
            ev_ops.save_scores(bid, evaluator, {name: (3, f"{evaluator.name.split()[0]} found a sound plan")
                                                for name in names}, submit=True)
        db.session.commit()
        db.session.remove()
    return names


def test_an_evaluation_flows_from_scoring_to_the_outcome(page, live_server, flow_round):
    names = flow_round
    base = live_server.url

    # The evaluator, from the dashboard, opens the bid, reads its file and scores it.
    sign_in(page, base, "evaluator@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Evaluations").click()
    expect(page.locator("main")).to_contain_text("1 of 2 scored", use_inner_text=True)
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bids to evaluate")
    page.get_by_role("button", name=f"Score {ALT_VALLEY}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ALT_VALLEY)
    attachments = page.locator("main ul").filter(has=page.get_by_role("link", name="delivery-plan.txt"))
    expect(attachments).to_contain_text("(Text, ", use_inner_text=True)
    with page.expect_download() as caught:
        page.get_by_role("link", name="delivery-plan.txt").click()
    download = caught.value
    assert download.failure() is None and download.suggested_filename == "delivery-plan.txt"
    with open(download.path(), "rb") as saved:
        assert saved.read() == PLAN
    for i, name in enumerate(names):
        page.locator(f"#score-{i}").fill("4")
        page.get_by_label(f"Justification for {name}").fill(f"Eve saw strong evidence on {name.lower()}")
    page.get_by_role("button", name="Submit my scores").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Your scores are submitted", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("You have scored every bid", use_inner_text=True)
    page.get_by_role("link", name="Your evaluations").click()
    expect(page.get_by_role("listitem").filter(has_text=TITLE)).to_contain_text("all 2 scored", use_inner_text=True)
    page.get_by_role("button", name="Sign out").click()

    # The commissioner moderates each bid on one page, then follows the next steps to the award.
    sign_in(page, base, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Opportunities").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Evaluation", exact=True).click()
    page.get_by_role("link", name="Moderation: agree the scores, bid by bid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    page.get_by_role("link", name=f"Moderate {ALT_VALLEY}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Moderate {ALT_VALLEY}")
    main = page.locator("main")
    expect(main).to_contain_text(f"Eve saw strong evidence on {names[0].lower()}", use_inner_text=True)
    expect(main).to_contain_text("Ed found a sound plan", use_inner_text=True)
    expect(main).to_contain_text("Mean 3.3 of 5", use_inner_text=True)
    for name in names:
        page.get_by_label(f"Agreed score for {name}, from 0 to 5").fill("4")
        page.get_by_label(f"Reason for the agreed score for {name}").fill("Agreed at the panel meeting")
    page.get_by_role("button", name=f"Save the agreed scores for {ALT_VALLEY}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Moderate {SOUTHSIDE}")  # the next bid, at once
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Agreed scores recorded for {ALT_VALLEY}", use_inner_text=True)
    for name in names:
        page.get_by_label(f"Agreed score for {name}, from 0 to 5").fill("3")
        page.get_by_label(f"Reason for the agreed score for {name}").fill("A sound plan, less evidence")
    page.get_by_role("button", name=f"Save the agreed scores for {SOUTHSIDE}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation")
    expect(page.locator("tbody")).to_contain_text(f"All {len(names)} criteria", use_inner_text=True)
    page.get_by_role("button", name="Next: totals and ranking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Totals and ranking")
    page.get_by_role("button", name="Calculate totals and ranking").click()
    expect(page.get_by_role("table")).to_be_visible(timeout=30_000)  # the page reloads itself when done
    page.get_by_role("button", name="Next: record the award").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Award")
    tick = page.get_by_label(re.compile(rf"{ALT_VALLEY}: total"))
    amount = page.get_by_label(f"Amount for {ALT_VALLEY}, in pounds")
    tick.check()
    amount.fill("ninety thousand")
    page.get_by_label("Reasons for the decision").fill("The highest total on quality and price")
    page.get_by_role("button", name="Record the award").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter each amount in pounds", use_inner_text=True)
    expect(tick).to_be_checked()  # what was ticked and typed is still there
    expect(amount).to_have_value("ninety thousand")
    expect(page.get_by_label("Reasons for the decision")).to_have_value("The highest total on quality and price")
    amount.fill("9000")
    page.get_by_role("button", name="Record the award").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Award .*\?$"))  # it cannot be undone
    expect(page.locator("main")).to_contain_text(f"{ALT_VALLEY} (£9,000)", use_inner_text=True)
    page.get_by_role("button", name="Yes, record the award").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Award recorded", use_inner_text=True)
    page.get_by_role("button", name="Sign out").click()

    # The provider sees the outcome on its list of bids and on the bid.
    sign_in(page, base, "provider@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Your bids").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE, exact=True))
    expect(row).to_contain_text("Successful", use_inner_text=True)
    expect(row).to_contain_text("Awarded £9,000", use_inner_text=True)
    row.get_by_role("link", name=TITLE, exact=True).click()
    outcome = page.locator(".govuk-summary-card")
    expect(outcome).to_contain_text("Successful", use_inner_text=True)
    expect(outcome).to_contain_text("£9,000", use_inner_text=True)
    expect(page.locator("main")).not_to_contain_text("can see this bid", use_inner_text=True)
    expect(outcome).to_contain_text("Assessment summary", use_inner_text=True)  # ready, or being prepared
    # The one refused award answered 400, as an error page should; nothing else went wrong.
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"]
