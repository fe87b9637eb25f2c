"""Duties apart in the browser: the pages that refuse a decision or a bid say why, and pass axe."""
import re
from types import SimpleNamespace

from playwright.sync_api import expect

from tests.browser.conftest import run_axe, sign_in


def _specification_in_review(app):
    """A specification Chris wrote, sent for approval, from a need of its own."""
    from datetime import date

    from commissioning.accounts.models import User
    from commissioning.core.vocabulary import EcmOutcome, Tier
    from commissioning.extensions import db
    from commissioning.funding.util import balances
    from commissioning.localities.models import Locality
    from commissioning.needs import operations as need_ops
    from commissioning.needs.models import EvidenceSource, NeedStatus
    from commissioning.specifications import operations as spec_ops
    from tests.fixtures.factories import spec_content
    with app.app_context():
        chris = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
        south = db.session.scalars(db.select(Locality).where(Locality.name == "South")).one()
        need = need_ops.create_need(None, localities=[south], outcomes=[EcmOutcome.be_healthy], tier=Tier.universal,
                                    title="Somewhere to go in South on Sundays", age_min=11, age_max=19,
                                    need_not_met="Nothing is open on Sundays")
        need_ops.add_evidence(need, None, EvidenceSource.young_people, date(2008, 6, 1), "Youth council survey")
        need_ops.save_option(need, need.options[0], is_preferred=True)
        need_ops.change_need_status(need, NeedStatus.evidenced)
        need_ops.change_need_status(need, NeedStatus.prioritised)
        pot_id = max(balances().items(), key=lambda item: item[1].uncommitted)[0]
        spec = spec_ops.create_specification(chris, [need], spec_content(
            SimpleNamespace(id=pot_id), [south.id], title="Sunday sessions in South", max_value_pence=10_000_00))
        spec_ops.submit_for_review(spec)
        db.session.commit()
        spec_id = spec.id
        db.session.remove()
    return spec_id


def test_the_author_is_told_why_they_cannot_decide_and_who_can(axe_page, live_server):
    page = axe_page  # may inject axe-core
    spec_id = _specification_in_review(live_server.app)
    sign_in(page, live_server.url, "commissioner@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Specifications").click()
    page.get_by_label("Search").fill("Sunday sessions in South")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name="Sunday sessions in South").click()
    expect(page).to_have_url(f"{live_server.url}/specifications/{spec_id}")
    refused = page.locator("#decision-refused")
    expect(refused).to_contain_text("You wrote or edited this specification, so you cannot decide any of its "
                                    "approval stages", use_inner_text=True)
    expect(refused).to_contain_text(re.compile(r"Who can decide this stage: .*Dana Flynn"), use_inner_text=True)
    expect(refused).not_to_contain_text("Chris Doyle", use_inner_text=True)
    expect(page.get_by_role("button", name="Record the decision")).to_have_count(0)
    assert run_axe(page) == []


def test_an_evaluator_off_a_competition_is_told_why_on_each_page(axe_page, live_server):
    page = axe_page
    sign_in(page, live_server.url, "evaluator3@demo.test")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Evaluations").click()
    page.get_by_role("link", name="Young people's mental health and wellbeing support: light-touch procurement").click()
    expect(page).to_have_url(re.compile(r"/evaluation/\d+$"))
    expect(page.locator(".govuk-inset-text")).to_contain_text("so you are off this competition", use_inner_text=True)
    assert run_axe(page) == []
    from commissioning.accounts.models import Organisation
    from commissioning.bids.models import Bid
    from commissioning.extensions import db
    opp_id = int(page.url.rsplit("/", 1)[1])
    with live_server.app.app_context():
        rival = db.session.scalar(db.select(Bid.id).join(Organisation, Bid.organisation_id == Organisation.id)
                                  .where(Bid.opportunity_id == opp_id, Organisation.name.startswith("Alt Valley")))
        db.session.remove()
    response = page.goto(f"{live_server.url}/evaluation/bids/{rival}")  # typed on purpose: a refusal to check
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("You declared an interest in Southside Young People's Arts CIC",
                                                 use_inner_text=True)
    assert run_axe(page) == []
