import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from commissioning.accounts.models import Role
from commissioning.bids.operations import start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.evaluation.award import award, make_assessment_summary, standstill_applies
from commissioning.evaluation.models import AssessmentSummary, Interest
from commissioning.evaluation.operations import (
    EvaluationError, assign, declare, moderate, request_scoring, run_scoring, save_scores)
from commissioning.evaluation.standstill import DEFAULT_BANK_HOLIDAYS, add_working_days
from commissioning.extensions import db
from commissioning.funding.util import balances
from commissioning.mail.models import OutgoingEmail
from commissioning.opportunities.models import OpportunityStatus
from commissioning.opportunities.operations import close_due
from commissioning.outbox.models import OutboxTask
from tests.fixtures.factories import complete_bid


def test_standstill_is_eight_working_days_without_bank_holidays():
    assert add_working_days(date(2026, 11, 2), 8, DEFAULT_BANK_HOLIDAYS) == date(2026, 11, 12)  # Mon -> Thu
    # Over Christmas 2026: 25 and 28 December are bank holidays, weekends skipped.
    assert add_working_days(date(2026, 12, 22), 8, DEFAULT_BANK_HOLIDAYS) == date(2027, 1, 6)


@pytest.fixture
def scored_round(create_opportunity, create_user, create_organisation, give_documents):
    """Two bids, each scored by three evaluators (the minimum), moderated unless ``moderated=False``."""
    def factory(marks=((4, 2),) * 3, moderated=True, **spec_overrides):
        past = utcnow() - timedelta(days=10)
        opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past, **spec_overrides)
        bids = []
        for name, price in (("Winner Youth Trust", 40_000_00), ("Runner Up CIC", 45_000_00)):
            org = create_organisation(f"{name} {opp.id}")
            give_documents(org)
            user = create_user(Role.provider, organisation=org)
            bid = start_bid(opp, org, user, now=past)
            complete_bid(bid, user, now=past)
            bid.price_pence = price
            submit_bid(bid, user, f"tok-{bid.id}-abcdefghij", now=past)
            bids.append(bid)
        close_due()
        commissioner = create_user(Role.commissioner)
        evaluators = [create_user(Role.evaluator) for _ in marks]
        assign(opp, bids, evaluators, commissioner)  # none: evaluation starts with nobody assigned
        for n, (evaluator, values) in enumerate(zip(evaluators, marks), start=1):
            for bid, value in zip(bids, values):
                declare(opp, evaluator, bid.organisation, Interest.none)
                save_scores(bid, evaluator, {c["name"]: (value, f"Evaluator {n} saw evidence for {value}")
                                             for c in opp.quality_criteria}, submit=True)
        if moderated and evaluators:
            for bid, value in zip(bids, marks[0]):
                for c in opp.quality_criteria:
                    moderate(bid, commissioner, c["name"], value, f"Agreed {value} for clear reasons")
        run = request_scoring(opp, commissioner)
        run_scoring(run.id)
        db.session.commit()
        return opp, bids, commissioner
    return factory


def test_award_commits_money_sets_standstill_and_queues_summaries(scored_round):
    opp, (winner, runner_up), commissioner = scored_round(route="light_touch", max_value_pence=700_000_00)
    assert standstill_applies(opp)
    with pytest.raises(EvaluationError, match="Give the reasons"):
        award(opp, commissioner, [(winner, 40_000_00)], "", date(2026, 11, 2))
    with pytest.raises(EvaluationError, match="no lots"):
        award(opp, commissioner, [(winner, 40_000_00), (runner_up, 1)], "Best", date(2026, 11, 2))
    with pytest.raises(EvaluationError, match="more than the maximum value"):
        award(opp, commissioner, [(winner, 800_000_00)], "Best", date(2026, 11, 2))
    pot_id = opp.specification.current.content["pot_id"]
    before = balances([pot_id])[pot_id].committed
    decision = award(opp, commissioner, [(winner, 40_000_00)], "Highest total", date(2026, 11, 2))
    assert decision.standstill_end == date(2026, 11, 12) and opp.standstill_end == date(2026, 11, 12)
    assert opp.status is OpportunityStatus.awarded
    assert balances([pot_id])[pot_id].committed == before + 40_000_00
    queued = db.session.scalars(db.select(OutboxTask.kwargs).where(
        OutboxTask.task_name == "evaluation.assessment_summary")).all()
    assert sorted(k["bid_id"] for k in queued) == sorted([winner.id, runner_up.id])


def test_grant_rounds_have_no_standstill(scored_round):
    opp, (winner, _), commissioner = scored_round()
    assert not standstill_applies(opp)
    assert award(opp, commissioner, [(winner, 40_000_00)], "Best", date(2026, 11, 2)).standstill_end is None


def test_assessment_summary_pdf_is_made_once_and_only_the_bidder_downloads_it(app, scored_round, create_user):
    opp, (winner, runner_up), commissioner = scored_round()
    award(opp, commissioner, [(winner, 40_000_00)], "The highest total score", date(2026, 11, 2))
    first = make_assessment_summary(runner_up.id)
    assert make_assessment_summary(runner_up.id) is None  # idempotent
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(AssessmentSummary.id))
                             .where(AssessmentSummary.bid_id == runner_up.id)) == 1
    bidder = runner_up.organisation.memberships[0].user
    mail = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == bidder.email,
                                                             OutgoingEmail.kind == "assessment_summary")).one()
    assert f"/bids/{runner_up.id}/assessment.pdf" in mail.body
    client = app.test_client()
    client.post("/login", data={"email": bidder.email, "password": "a-long-test-password"})
    response = client.get(f"/bids/{runner_up.id}/assessment.pdf")
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "not successful" in text and "Agreed 2 for clear reasons" in text and "Runner Up CIC" in text
    assert "Winner Youth Trust" not in text  # nothing of another bidder but the winning total
    assert first.sha256 and "Page 1 of" in text
    rival = winner.organisation.memberships[0].user
    other = app.test_client()
    other.post("/login", data={"email": rival.email, "password": "a-long-test-password"})
    assert other.get(f"/bids/{runner_up.id}/assessment.pdf").status_code == 403


def test_award_page_records_the_decision(login, scored_round):
    opp, (winner, _), commissioner = scored_round()
    client = login(commissioner)
    bad = client.post(f"/opportunities/{opp.id}/award", data={"bids": [str(winner.id)], f"amount-{winner.id}": "x",
                                                              "reasons": "Best", "notice-day": "2",
                                                              "notice-month": "11", "notice-year": "2026"})
    assert bad.status_code == 400 and "Enter each amount in pounds" in bad.get_data(as_text=True)
    form = {"bids": [str(winner.id)], f"amount-{winner.id}": "40000", "reasons": "Best total", "notice-day": "2",
            "notice-month": "11", "notice-year": "2026"}
    asked = client.post(f"/opportunities/{opp.id}/award", data=form)  # an award cannot be undone: it asks first
    assert asked.status_code == 200 and "Yes, record the award" in asked.get_data(as_text=True)
    assert opp.status is OpportunityStatus.evaluation
    ok = client.post(f"/opportunities/{opp.id}/award", data={**form, "confirmed": "yes"})
    assert ok.status_code == 302
    assert "No standstill period applies" in client.get(f"/opportunities/{opp.id}/award").get_data(as_text=True)


# --- duties apart: an award needs the evaluations; the summary gives the evaluators' reasons -------

def test_an_award_with_no_evaluations_at_all_is_refused(scored_round):
    opp, (winner, _), commissioner = scored_round(marks=())
    with pytest.raises(EvaluationError, match="needs at least 3 completed evaluations"):
        award(opp, commissioner, [(winner, 40_000_00)], "Best", date(2026, 11, 2))
    assert opp.status is OpportunityStatus.evaluation


def test_an_award_needs_the_minimum_completed_evaluations_for_every_bid(login, scored_round):
    opp, (winner, runner_up), commissioner = scored_round(marks=((4, 2), (4, 2)))
    with pytest.raises(EvaluationError, match=f"Winner Youth Trust {opp.id}: 2; Runner Up CIC {opp.id}: 2"):
        award(opp, commissioner, [(winner, 40_000_00)], "Best", date(2026, 11, 2))
    client = login(commissioner)
    page = client.get(f"/opportunities/{opp.id}/award").get_data(as_text=True)
    assert "needs at least 3 completed evaluations" in page and "Record the award" not in page
    refused = client.post(f"/opportunities/{opp.id}/award", data={
        "bids": [str(winner.id)], f"amount-{winner.id}": "40000", "reasons": "Best total", "notice-day": "2",
        "notice-month": "11", "notice-year": "2026"})
    assert refused.status_code == 400 and "Assign more evaluators" in refused.get_data(as_text=True)
    assert opp.status is OpportunityStatus.evaluation


def test_the_summary_gives_each_evaluators_reasons_and_scores_as_people_write_them(scored_round):
    from commissioning.evaluation.award import summary_context
    opp, (winner, runner_up), commissioner = scored_round(marks=((3, 3), (3, 3), (2, 2)), moderated=False)
    award(opp, commissioner, [(winner, 40_000_00)], "The best price for equal quality", date(2026, 11, 2))
    context = summary_context(runner_up, "Test Council")
    quality = next(line for line in context["lines"] if line["criterion"] == "Quality")
    assert quality["score"] == "2.7" and quality["reasons"] == [
        "Evaluator 1: Evaluator 1 saw evidence for 3", "Evaluator 2: Evaluator 2 saw evidence for 3",
        "Evaluator 3: Evaluator 3 saw evidence for 2"]
    assert all("Average" not in r for line in context["lines"] for r in line["reasons"])
    make_assessment_summary(runner_up.id)
    db.session.commit()
    summary = db.session.scalars(db.select(AssessmentSummary).where(AssessmentSummary.bid_id == runner_up.id)).one()
    from commissioning.files.models import StoredFile
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(db.session.get(StoredFile, summary.file_id).data)).pages)
    assert "2.7 of 5" in text and "Evaluator 3 saw evidence for 2" in text and "Average of the" not in text
    assert "2.6666" not in text and "ranked 2 of 2" in text


def test_an_award_needs_a_ranking_calculated_after_the_last_score(login, scored_round):
    opp, (winner, runner_up), commissioner = scored_round()
    moderate(runner_up, commissioner, opp.quality_criteria[0]["name"], 5, "Raised after a second look")
    db.session.commit()
    with pytest.raises(EvaluationError, match="Calculate the totals and ranking again"):
        award(opp, commissioner, [(winner, 40_000_00)], "Best", date(2026, 11, 2))
    page = login(commissioner).get(f"/opportunities/{opp.id}/award").get_data(as_text=True)
    assert "after the totals were calculated" in page and "Record the award" not in page
    run_scoring(request_scoring(opp, commissioner).id)
    assert award(opp, commissioner, [(winner, 40_000_00)], "Best", date(2026, 11, 2)).awarded


def _standalone_round(opp, create_user):
    from commissioning.panels import operations as panel_ops
    from commissioning.funding.models import Pot
    from commissioning.panels.models import AllocationRule, BallotType
    facilitator = create_user(Role.panel_facilitator)
    panel = panel_ops.create_panel("Award panel", None, facilitator)
    pot = db.session.get(Pot, opp.specification.version(opp.specification_version).content["pot_id"])
    now = utcnow()
    return panel, facilitator, panel_ops.create_round(
        panel, facilitator, title="Round", pot=pot, budget_pence=100_000_00, ballot_type=BallotType.within_budget,
        max_projects=None, min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
        min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))


def test_a_panel_round_does_not_excuse_a_procurement_from_its_evaluations(scored_round, create_user):
    """Issue 15, seen 5: a procurement's bids with no score sheets went to a panel and were awarded by its vote."""
    opp, (winner, _), commissioner = scored_round(marks=(), route="light_touch")
    assert opp.kind.value == "procurement"
    _panel, _f, rnd = _standalone_round(opp, create_user)
    with pytest.raises(EvaluationError, match="needs at least 3 completed evaluations|grant round"):
        award(opp, commissioner, [(winner, 40_000_00)], "The panel chose it", date(2026, 11, 2), panel_round=rnd)
    assert opp.status is OpportunityStatus.evaluation


def test_only_grant_rounds_can_go_to_a_panel(scored_round, create_user, login):
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import Round
    from commissioning.panels.operations import PanelError
    opp, bids, commissioner = scored_round(marks=(), route="light_touch")
    opp.lots = [{"name": "North", "value_pence": 25_000_00}, {"name": "South", "value_pence": 25_000_00}]
    panel, _f, _rnd = _standalone_round(opp, create_user)
    db.session.commit()
    with pytest.raises(PanelError, match="grant round"):
        panel_ops.create_round(panel, commissioner, opportunity=opp, title="No", pot=_rnd.pot, budget_pence=100,
                               ballot_type=_rnd.ballot_type, max_projects=None, min_projects=None, rule=_rnd.rule,
                               quorum=None, min_approval_percent=None, opens_at=utcnow(),
                               closes_at=utcnow() + timedelta(days=7))
    db.session.rollback()
    client = login(commissioner)
    page = client.get(f"/opportunities/{opp.id}/panel")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "only grant rounds" in text.lower() and 'name="bids"' not in text
    assert "evaluat" in text
    refused = client.post(f"/opportunities/{opp.id}/panel", data={"panel": panel.id, "bids": [str(b.id) for b in bids]})
    assert refused.status_code in (200, 400)
    assert db.session.scalar(db.select(Round.id).where(Round.opportunity_id == opp.id)) is None
    assert opp.status is OpportunityStatus.closed or opp.status is OpportunityStatus.evaluation
    manage = client.get(f"/opportunities/{opp.id}/evaluation").get_data(as_text=True)
    assert f"/opportunities/{opp.id}/panel" not in manage
