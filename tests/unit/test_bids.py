"""Sealed bids: deadlines, versions, receipts, withdrawal, and who may read what, route by route."""
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.bids.models import Bid, BidStatus, BidSubmission
from commissioning.bids.operations import BidError, start_bid, submit_bid, withdraw_bid
from commissioning.bids.util import sha256_of_content
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.opportunities.models import OpportunityStatus
from commissioning.opportunities.operations import (
    OpportunityError, answer_clarification, ask_clarification, close_due, follow)
from tests.fixtures.factories import complete_bid


@pytest.fixture
def bidder(create_user, create_organisation, give_documents):
    def factory(name=None):
        org = create_organisation(name)
        give_documents(org)
        return create_user(Role.provider, organisation=org), org
    return factory


def test_submission_is_an_immutable_version_with_a_receipt(create_opportunity, bidder):
    opp = create_opportunity()
    user, org = bidder()
    bid = start_bid(opp, org, user)
    with pytest.raises(BidError, match="Answer"):
        submit_bid(bid, user, "token-aaaaaaaaaaaa")
    complete_bid(bid, user)
    first = submit_bid(bid, user, "token-aaaaaaaaaaaa")
    assert first.number == 1 and first.sha256 == sha256_of_content(first.content)
    receipt = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.kind == "bid_receipt")).one()
    assert first.sha256 in receipt.body and "Version: 1" in receipt.body
    # A double click sends the same token: still one version.
    assert submit_bid(bid, user, "token-aaaaaaaaaaaa").id == first.id
    # An amendment is a new version; the first is kept unchanged.
    bid.answers = {**bid.answers, opp.quality_criteria[0]["name"]: "A better answer"}
    second = submit_bid(bid, user, "token-bbbbbbbbbbbb")
    assert second.number == 2 and second.sha256 != first.sha256
    assert db.session.get(BidSubmission, first.id).content["answers"] != second.content["answers"]


def test_no_submission_after_the_deadline_even_before_the_closing_task(create_opportunity, bidder):
    opp = create_opportunity()
    user, org = bidder()
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    with pytest.raises(BidError, match="deadline for bids was"):
        submit_bid(bid, user, "token-late-000000", now=opp.submission_deadline)
    assert opp.status is OpportunityStatus.open  # the periodic task has not run: the check is at submission
    submit_bid(bid, user, "token-ontime-0000", now=opp.submission_deadline - timedelta(seconds=1))


def test_expired_documents_block_submission(create_opportunity, create_user, create_organisation, give_documents):
    opp = create_opportunity()
    org = create_organisation()
    give_documents(org, expires_on=date.today() - timedelta(days=1))
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    with pytest.raises(BidError, match="expired on"):
        submit_bid(bid, user, "token-expired-0000")


def test_withdraw_until_the_deadline(create_opportunity, bidder):
    opp = create_opportunity()
    user, org = bidder()
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    submit_bid(bid, user, "token-withdraw-000")
    withdraw_bid(bid, user)
    assert bid.status is BidStatus.withdrawn and all(s.withdrawn for s in bid.submissions)
    with pytest.raises(BidError):
        withdraw_bid(bid, user)


def test_closing_happens_exactly_once(create_opportunity):
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=utcnow() - timedelta(days=10))
    assert close_due() == [opp.id]
    assert close_due() == []
    assert opp.status is OpportunityStatus.closed


def test_ineligible_answers_are_flagged_not_dropped(login, create_user, create_opportunity, bidder):
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    user, org = bidder("Not A Charity Ltd")
    bid = start_bid(opp, org, user, now=past)
    complete_bid(bid, user, now=past)
    bid.eligibility = {"0": "no"}
    submit_bid(bid, user, "token-inelig-0000", now=past)
    db.session.commit()
    html = login(create_user(Role.commissioner)).get(f"/opportunities/{opp.id}/bids").get_data(as_text=True)
    assert "Not A Charity Ltd" in html and "Check: fails 1" in html


def test_bids_are_sealed_on_every_route_until_the_deadline(app, create_opportunity, bidder, create_user):
    opp = create_opportunity()
    user, org = bidder("Sealed Youth Trust")
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    bid.answers = {c["name"]: "SECRET-ANSWER-TEXT" for c in opp.quality_criteria}
    submission = submit_bid(bid, user, "token-sealed-0000")
    db.session.commit()
    other, _ = bidder("Rival Group")

    def client_for(someone):
        client = app.test_client()
        assert client.post("/login", data={"email": someone.email, "password": "a-long-test-password"}).status_code == 302
        return client

    routes = [f"/bids/{bid.id}", f"/opportunities/{opp.id}/bids/{submission.id}", f"/opportunities/{opp.id}/bids",
              f"/opportunities/{opp.id}", "/my-bids", "/admin/audit", "/opportunities", f"/bids/{bid.id}/autosave"]
    for someone in (create_user(Role.commissioner), create_user(Role.admin), other, create_user(Role.evaluator)):
        client = client_for(someone)
        for route in routes:
            response = client.get(route) if not route.endswith("autosave") else client.post(route, data={})
            assert "SECRET-ANSWER-TEXT" not in response.get_data(as_text=True), (someone.email, route)
            if route.startswith("/bids/") or "/bids/" in route and route.count("/") == 4:
                assert response.status_code in (403, 404), (someone.email, route, response.status_code)
    own = client_for(user).get(f"/opportunities/{opp.id}/bids/{submission.id}")
    assert "SECRET-ANSWER-TEXT" in own.get_data(as_text=True)
    # After the deadline the commissioner may read it.
    opp.clarification_deadline = utcnow() - timedelta(days=1)
    opp.submission_deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    after = client_for(create_user(Role.commissioner)).get(f"/opportunities/{opp.id}/bids/{submission.id}")
    assert after.status_code == 200 and "SECRET-ANSWER-TEXT" in after.get_data(as_text=True)


def test_clarifications_are_anonymised_and_followers_are_mailed(create_opportunity, bidder, create_user):
    opp = create_opportunity()
    asker, org = bidder("Curious Youth CIC")
    watcher = create_user(Role.provider)
    follow(opp, watcher)
    item = ask_clarification(opp, asker, org, "Curious Youth CIC asks: can we bid with a partner?")
    answer_clarification(item, "Yes, as a consortium with a lead partner.", "Can organisations bid as a consortium?")
    mail = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == watcher.email)).one()
    assert "Can organisations bid as a consortium?" in mail.body and "Curious Youth" not in mail.body
    with pytest.raises(OpportunityError, match="deadline for clarification"):
        ask_clarification(opp, asker, org, "Late question", now=opp.clarification_deadline)


def test_opportunity_form_checks_dates(login, create_user, create_specification):
    from commissioning.specifications.operations import decide, submit_for_review
    spec = create_specification()
    submit_for_review(spec)
    decide(spec, None, True)
    decide(spec, None, True)
    db.session.commit()
    client = login(create_user(Role.commissioner))
    data = {"title": "Round", "summary": "x", "word_limit": "400",
            "clarification_date": ["10", "1", "2030"], "clarification_time": "12:00",
            "deadline_date": ["5", "1", "2030"], "deadline_time": "25:00"}
    html = client.post(f"/opportunities/new?spec={spec.id}", data=data).get_data(as_text=True)
    assert "24-hour time" in html
    data["deadline_time"] = "12:00"
    html = client.post(f"/opportunities/new?spec={spec.id}", data=data).get_data(as_text=True)
    assert "must close before the submission deadline" in html
    data["deadline_date"] = ["20", "1", "2030"]
    assert client.post(f"/opportunities/new?spec={spec.id}", data=data).status_code == 302


def test_bid_pages_use_a_constant_number_of_queries(app, login, create_user, create_opportunity, bidder,
                                                    count_queries):
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    commissioner = login(create_user(Role.commissioner))

    def queries_with(n):
        for _ in range(n):
            user, org = bidder()
            bid = start_bid(opp, org, user, now=past)
            complete_bid(bid, user, now=past)
            submit_bid(bid, user, f"tok-{bid.id}-xxxxxxxxxx", now=past)
        db.session.commit()
        with count_queries() as count:
            assert commissioner.get(f"/opportunities/{opp.id}/bids").status_code == 200
        return count()

    assert queries_with(2) == queries_with(12)


def test_opportunity_and_my_bids_pages_use_constant_queries(login, create_user, create_opportunity, bidder,
                                                            count_queries):
    opp = create_opportunity()
    user, org = bidder()
    start_bid(opp, org, user)
    db.session.commit()
    client = login(user)

    def queries_with(n):
        for _ in range(n):
            other, other_org = bidder()
            bid = start_bid(opp, other_org, other)
            complete_bid(bid, other)
            submit_bid(bid, other, f"tok-{bid.id}-yyyyyyyyyy")
        db.session.commit()
        with count_queries() as count:
            assert client.get(f"/opportunities/{opp.id}").status_code == 200
            assert client.get("/my-bids").status_code == 200
        return count()

    assert queries_with(1) == queries_with(10)
