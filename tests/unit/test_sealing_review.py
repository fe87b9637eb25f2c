"""Findings of a second review, on sealing and consistency; each stays fixed."""
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.bids.operations import BidError, add_attachment, remove_attachment, start_bid, submit_bid, withdraw_bid
from commissioning.core.enums import InvalidTransition
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.opportunities.operations import OpportunityError, open_opportunity, update_opportunity
from commissioning.specifications.operations import decide, save_version, submit_for_review
from commissioning.specifications.util import criteria_problems
from tests.fixtures.factories import complete_bid


def test_an_open_deadline_can_only_move_later(create_opportunity):
    opp = create_opportunity()
    with pytest.raises(OpportunityError, match="can only move later"):
        update_opportunity(opp, submission_deadline=utcnow() - timedelta(hours=1),
                           clarification_deadline=utcnow() - timedelta(hours=2))
    with pytest.raises(OpportunityError, match="can only move later"):
        update_opportunity(opp, submission_deadline=opp.submission_deadline - timedelta(hours=1))
    update_opportunity(opp, submission_deadline=opp.submission_deadline + timedelta(days=1))


def test_a_passed_deadline_freezes_the_opportunity_before_the_closing_task(create_opportunity):
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=utcnow() - timedelta(days=5))
    with pytest.raises(OpportunityError, match="deadline has passed"):
        update_opportunity(opp, submission_deadline=utcnow() + timedelta(days=30))


def test_a_failed_update_changes_nothing(create_opportunity):
    opp = create_opportunity()
    before = (opp.clarification_deadline, opp.submission_deadline)
    with pytest.raises(OpportunityError):
        update_opportunity(opp, clarification_deadline=opp.submission_deadline + timedelta(days=1))
    assert (opp.clarification_deadline, opp.submission_deadline) == before


def test_resubmitting_for_review_does_not_restart_the_approvals(create_specification):
    spec = create_specification()
    submit_for_review(spec)
    decide(spec, None, True)
    with pytest.raises(InvalidTransition):
        submit_for_review(spec)
    assert spec.review_stage == 1


def test_an_opportunity_cannot_open_from_a_specification_back_in_draft(create_opportunity):
    opp = create_opportunity(opened=False)
    spec = opp.specification
    save_version(spec, None, dict(spec.current.content, outputs="More sessions"))
    with pytest.raises(OpportunityError, match="approve it again"):
        open_opportunity(opp)


def test_a_replayed_submit_after_withdrawal_is_refused(create_opportunity, create_user, create_organisation,
                                                       give_documents):
    opp = create_opportunity()
    org = create_organisation()
    give_documents(org)
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user)
    complete_bid(bid, user)
    submit_bid(bid, user, "replayed-token-1234")
    withdraw_bid(bid, user)
    with pytest.raises(BidError, match="withdrawn"):
        submit_bid(bid, user, "replayed-token-1234")


def test_audit_summaries_name_no_bidder_or_file(create_opportunity, create_user, create_organisation):
    opp = create_opportunity()
    org = create_organisation("Very Secret Bidder Ltd")
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user)
    add_attachment(bid, user, ("SECRETFILENAME.txt", "text/plain", b"x"))
    summaries = " ".join(db.session.scalars(db.select(AuditEntry.summary).where(AuditEntry.object_type == "Bid")))
    assert "Very Secret Bidder" not in summaries and "SECRETFILENAME" not in summaries


def test_submitted_files_survive_removal_from_the_draft(app, create_opportunity, create_user, create_organisation,
                                                        give_documents):
    past = utcnow() - timedelta(days=5)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    org = create_organisation()
    give_documents(org)
    user = create_user(Role.provider, organisation=org)
    bid = start_bid(opp, org, user, now=past)
    complete_bid(bid, user, now=past)
    attachment = add_attachment(bid, user, ("plan.txt", "text/plain", b"the plan"), now=past)
    submission = submit_bid(bid, user, "files-token-123456", now=past)
    remove_attachment(bid, attachment, user, now=past)
    db.session.commit()
    file_id = submission.content["attachments"][0]["file_id"]
    commissioner = create_user(Role.commissioner)
    client = app.test_client()
    client.post("/login", data={"email": commissioner.email, "password": "a-long-test-password"})
    response = client.get(f"/opportunities/{opp.id}/bids/{submission.id}/files/{file_id}")
    assert response.status_code == 200 and response.data == b"the plan"
    assert client.get(f"/opportunities/{opp.id}/bids/{submission.id}/files/{file_id + 999}").status_code == 404


def test_invites_cannot_pull_in_someone_from_another_organisation(login, create_user, create_organisation):
    mine, theirs = create_organisation(), create_organisation()
    admin = create_user(Role.provider, organisation=mine, is_org_admin=True)
    rival = create_user(Role.provider, organisation=theirs)
    html = login(admin).post(f"/organisations/{mine.id}/members",
                             data={"name": "Rival", "email": rival.email}).get_data(as_text=True)
    assert "ask an administrator" in html and not mine.has_member(rival)


def test_a_criterion_cannot_be_part_of_itself():
    problems = criteria_problems([{"name": "Q", "kind": "quality", "weight": 100, "parent": None},
                                  {"name": "Sub", "kind": "quality", "weight": 0, "parent": "Sub"}])
    assert "cannot be part of itself" in " ".join(problems)


def test_huge_ids_are_not_found(login, create_user):
    client = login(create_user(Role.commissioner))
    for url in ("/bids/99999999999999999999", "/opportunities/99999999999999999999", "/needs/99999999999999999999"):
        assert client.get(url).status_code == 404


def test_an_organisation_cannot_take_another_ones_name(login, create_user, create_organisation, create_locality):
    create_organisation("Taken Name Trust")
    mine = create_organisation()
    admin = create_user(Role.provider, organisation=mine, is_org_admin=True)
    loc = create_locality()
    html = login(admin).post(f"/organisations/{mine.id}/profile", data={
        "name": "Taken Name Trust", "address": "x", "localities": [str(loc.id)], "safeguarding_lead": "x",
        "size": "small"}).get_data(as_text=True)
    assert "Another organisation already has that name" in html
