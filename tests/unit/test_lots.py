"""Lots: providers bid per lot, evaluators are assigned per lot, bids are ranked within their lot."""
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.bids.operations import BidError, start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.evaluation.models import EvaluatorAssignment, Interest
from commissioning.evaluation.operations import declare, moderate, request_scoring, run_scoring, save_scores
from commissioning.evaluation.scoring import score_by_lot
from commissioning.extensions import db
from commissioning.opportunities.operations import close_due
from tests.fixtures.factories import complete_bid

LOTS = [{"name": "North"}, {"name": "South"}]


def test_a_bid_names_its_lot_and_one_organisation_may_bid_for_each(create_opportunity, create_user):
    opp = create_opportunity()
    opp.lots = LOTS
    provider = create_user(Role.provider)
    org = provider.memberships[0].organisation
    with pytest.raises(BidError, match="Choose the lot"):
        start_bid(opp, org, provider)
    with pytest.raises(BidError, match="Choose the lot"):
        start_bid(opp, org, provider, lot="West")
    north, south = start_bid(opp, org, provider, lot="North"), start_bid(opp, org, provider, lot="South")
    assert north.id != south.id and start_bid(opp, org, provider, lot="North").id == north.id


def test_the_opportunity_page_offers_the_lots_not_yet_bid_for(create_opportunity, create_user, login, client):
    opp = create_opportunity()
    opp.lots = LOTS
    provider = create_user(Role.provider)
    db.session.commit()
    login(provider)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Which lot are you bidding for?" in page and 'value="South"' in page
    response = client.post(f"/opportunities/{opp.id}/bid", data={"lot": "South"})
    assert response.status_code == 302
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert "Go to your bid for South" in page and 'value="South"' not in page and 'value="North"' in page


def test_evaluators_are_assigned_per_lot_and_bids_ranked_within_their_lot(
        create_opportunity, create_organisation, create_user, give_documents, login, client):
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    opp.lots = LOTS
    bids = []
    for lot, price in (("North", 30_000_00), ("North", 20_000_00), ("South", 45_000_00)):
        org = create_organisation()
        give_documents(org)
        user = create_user(Role.provider, organisation=org)
        bid = start_bid(opp, org, user, lot=lot, now=past)
        complete_bid(bid, user, now=past)
        bid.price_pence = price
        submit_bid(bid, user, f"tok-{bid.id}-lots-abcdef", now=past)
        bids.append(bid)
    close_due()
    north_evaluator, south_evaluator = create_user(Role.evaluator), create_user(Role.evaluator)
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    login(commissioner)
    page = client.get(f"/opportunities/{opp.id}/evaluation").get_data(as_text=True)
    assert "Bids for North (2)" in page and "Bids for South (1)" in page
    client.post(f"/opportunities/{opp.id}/evaluation", data={"evaluators": [str(north_evaluator.id)], "lot": "North"})
    client.post(f"/opportunities/{opp.id}/evaluation", data={"evaluators": [str(south_evaluator.id)], "lot": "South"})
    assert client.post(f"/opportunities/{opp.id}/evaluation",
                       data={"evaluators": [str(south_evaluator.id)], "lot": "Nowhere"}).status_code == 400
    assigned = {(a.evaluator_id, a.bid_id) for a in db.session.scalars(
        db.select(EvaluatorAssignment).where(EvaluatorAssignment.opportunity_id == opp.id))}
    assert assigned == {(north_evaluator.id, bids[0].id), (north_evaluator.id, bids[1].id),
                        (south_evaluator.id, bids[2].id)}
    for bid, evaluator in zip(bids, (north_evaluator, north_evaluator, south_evaluator)):
        declare(opp, evaluator, bid.organisation, Interest.none)
        save_scores(bid, evaluator, {c["name"]: (3, "Evidence") for c in opp.quality_criteria}, submit=True)
        for c in opp.quality_criteria:
            moderate(bid, commissioner, c["name"], 3, "Agreed at moderation")
    run = run_scoring(request_scoring(opp, commissioner).id)
    rows = {row["bid_id"]: row for row in run.result["bids"]}
    # Equal quality: in the North the cheaper bid wins; the South's only bid is first in its lot.
    assert rows[bids[1].id]["rank"] == 1 and rows[bids[0].id]["rank"] == 2 and rows[bids[2].id]["rank"] == 1
    assert {row["lot"] for row in run.result["bids"]} == {"North", "South"} and run.result["ties"] == []


def test_price_is_scored_against_the_lowest_in_the_same_lot():
    criteria = [{"name": "Price", "kind": "price", "weight": 100, "parent": None, "price_formula": "lowest_over"}]
    result = score_by_lot(criteria, [(1, "A", 100), (2, "B", 200), (3, "C", 400)], {}, {1: "X", 2: "X", 3: "Y"})
    totals = {row["bid_id"]: row["total"] for row in result["bids"]}
    assert totals == {1: 100.0, 2: 50.0, 3: 100.0}
