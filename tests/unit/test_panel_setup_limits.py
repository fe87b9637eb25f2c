"""A project that costs more than the round's whole budget is refused when the round is set up.

Seen: the panel ballot let a member pick a £20,000 project on a £15,000 budget. No ballot could
fund it, and a within-budget ballot could not even hold it.
"""
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import operations as ops
from commissioning.panels.models import AgeBand, AllocationRule, BallotType, RoundProject, RoundStatus
from commissioning.panels.operations import PanelError


@pytest.fixture
def draft_round(create_user, create_pot):
    """A £15,000 draft round with a £5,000 project, and a member who can vote (with a joining code)."""
    def factory(ballot_type=BallotType.within_budget):
        facilitator = create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=5_000_000)
        panel = ops.create_panel("Limits panel", None, facilitator)
        member, code = ops.add_member(panel, "Sam", AgeBand.age_16_17)
        now = utcnow()
        rnd = ops.create_round(panel, facilitator, title="Spring ideas", pot=pot, budget_pence=1_500_000,
                               ballot_type=ballot_type, max_projects=2 if ballot_type is BallotType.up_to_n else None,
                               min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
                               min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))
        project = ops.add_project(rnd, "Trips", "Days out in the holidays.", 500_000)
        db.session.commit()
        return rnd, project, facilitator, member, code
    return factory


def _field_error(html, field):
    found = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else None


def test_adding_a_project_dearer_than_the_budget_is_refused_on_the_cost_field(draft_round, login, client):
    rnd, _project, facilitator, _member, _code = draft_round()
    login(facilitator)
    response = client.post(f"/panels/rounds/{rnd.id}/projects/new",
                           data={"title": "Sports hall", "summary": "A new sports hall.", "cost": "20000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html
    error = _field_error(html, "cost")
    assert error and "more than the round’s whole budget of £15,000" in error
    assert "Enter a cost of £15,000 or less, or raise the budget first" in error
    assert [p.title for p in rnd.projects] == ["Trips"]
    # Exactly the budget is fine.
    ok = client.post(f"/panels/rounds/{rnd.id}/projects/new",
                     data={"title": "Sports hall", "summary": "A new sports hall.", "cost": "15000"})
    assert ok.status_code == 302 and len(rnd.projects) == 2


def test_changing_a_project_to_cost_more_than_the_budget_is_refused(draft_round, login, client):
    rnd, project, facilitator, _member, _code = draft_round()
    login(facilitator)
    response = client.post(f"/panels/projects/{project.id}/edit",
                           data={"title": "Trips", "summary": "Days out.", "cost": "15001"})
    assert "more than the round’s whole budget" in (_field_error(response.get_data(as_text=True), "cost") or "")
    db.session.refresh(project)
    assert project.cost_pence == 500_000


def test_lowering_the_budget_below_a_projects_cost_is_refused_on_the_budget_field(draft_round, login, client):
    rnd, _project, facilitator, _member, _code = draft_round()
    login(facilitator)
    closes = (utcnow() + timedelta(days=10)).date()
    response = client.post(f"/panels/rounds/{rnd.id}/edit", data={
        "title": "Spring ideas", "pot": rnd.pot_id, "budget": "4000", "ballot_type": "within_budget",
        "rule": "equal-shares", "closes": [str(closes.day), str(closes.month), str(closes.year)]})
    error = _field_error(response.get_data(as_text=True), "budget")
    assert error and "‘Trips’ costs £5,000, more than a budget of £4,000" in error
    assert "Enter a budget of at least £5,000" in error
    db.session.refresh(rnd)
    assert rnd.budget_pence == 1_500_000


def _legacy(rnd):
    """A £20,000 project on the £15,000 round, written as set-up allowed before it was refused."""
    hall = RoundProject(round=rnd, code="9", title="Sports hall", summary="A new sports hall.", cost_pence=2_000_000)
    db.session.add(hall)
    db.session.flush()
    db.session.refresh(rnd)
    return hall


def test_voting_does_not_open_with_a_project_dearer_than_the_budget(draft_round, login, client):
    rnd, _project, facilitator, _member, _code = draft_round()
    _legacy(rnd)
    with pytest.raises(PanelError, match="‘Sports hall’ costs £20,000, more than the whole budget of £15,000"):
        ops.open_voting(rnd, facilitator)
    db.session.commit()
    login(facilitator)
    response = client.post(f"/panels/rounds/{rnd.id}/open")
    assert response.status_code == 400 and "Lower its cost, remove it or raise the budget" in response.get_data(
        as_text=True)
    assert rnd.status is RoundStatus.draft


@pytest.mark.parametrize("ballot_type", [BallotType.within_budget, BallotType.up_to_n])
def test_the_ballot_never_offers_a_project_dearer_than_the_budget(draft_round, client, ballot_type):
    rnd, project, facilitator, _member, code = draft_round(ballot_type)
    ops.open_voting(rnd, facilitator)
    hall = _legacy(rnd)   # a round opened before set-up refused it
    db.session.commit()
    client.post("/join", data={"code": code})
    page = client.get(f"/panels/rounds/{rnd.id}/vote").get_data(as_text=True)
    assert "Trips" in page and "Sports hall" not in page
    refused = client.post(f"/panels/rounds/{rnd.id}/vote", data={"project": [str(hall.id)]})
    assert refused.status_code == 400 and "not on this ballot" in refused.get_data(as_text=True)
    check = client.post(f"/panels/rounds/{rnd.id}/vote", data={"project": [str(project.id)]})
    assert check.status_code == 200 and "Check your vote" in check.get_data(as_text=True)


def test_a_bid_for_more_than_the_panel_can_spend_is_not_sent_to_it(
        create_opportunity, create_organisation, create_user, give_documents, login, client):
    """An opportunity's panel round has the opportunity's most, in whole pounds, as its budget; a bid is put on
    the ballot in whole pounds rounded up. A bid at a most of £10,000.50 becomes £10,001 on a £10,000 round: it is
    refused with what to do, not put on the ballot (or left to fail as the round is made)."""
    from commissioning.bids.operations import start_bid, submit_bid
    from commissioning.opportunities.operations import close_due
    from commissioning.panels.models import Round
    from tests.fixtures.factories import complete_bid
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past, max_value_pence=10_000_50)
    bids = []
    for name, price in (("Skate Club", 4_000_00), ("Big Plans Ltd", 10_000_50)):
        org = create_organisation(f"{name} {opp.id}")
        give_documents(org)
        user = create_user(Role.provider, organisation=org)
        bid = start_bid(opp, org, user, now=past)
        complete_bid(bid, user, now=past)
        bid.price_pence = price
        submit_bid(bid, user, f"tok-{bid.id}-abcdefghij", now=past)
        bids.append(bid)
    close_due()
    panel = ops.create_panel("Grant panel", None, create_user(Role.panel_facilitator))
    db.session.commit()
    login(create_user(Role.commissioner))
    response = client.post(f"/opportunities/{opp.id}/panel", data={"panel": panel.id,
                                                                   "bids": [str(b.id) for b in bids]})
    assert response.status_code == 400
    error = _field_error(response.get_data(as_text=True), "bids")
    assert error and f"Big Plans Ltd {opp.id} bid £10,001, more than the £10,000 the panel can spend. Untick it" in error
    assert db.session.scalar(db.select(db.func.count(Round.id)).where(Round.opportunity_id == opp.id)) == 0
    sent = client.post(f"/opportunities/{opp.id}/panel", data={"panel": panel.id, "bids": [str(bids[0].id)]})
    assert sent.status_code == 302
