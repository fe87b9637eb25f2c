"""The scoring run goes through the outbox to a real worker, which stores the result."""
import time

from commissioning.evaluation.models import RunStatus, ScoringRun
from commissioning.evaluation.operations import request_scoring
from commissioning.extensions import db
from commissioning.opportunities.models import Opportunity, OpportunityStatus


def test_the_worker_scores_the_demo_procurement(live_context, celery_worker_process):
    opp = db.session.scalars(db.select(Opportunity).where(
        Opportunity.status.in_([OpportunityStatus.closed, OpportunityStatus.evaluation]))).first()
    run = request_scoring(opp, None)
    db.session.commit()
    deadline = time.time() + 30
    while time.time() < deadline:
        db.session.expire_all()
        stored = db.session.get(ScoringRun, run.id)
        if stored.status is RunStatus.done:
            break
        db.session.rollback()
        time.sleep(0.2)
    assert stored.status is RunStatus.done, celery_worker_process.log_path.read_text()[-2000:]
    ranked = stored.result["bids"]
    assert len(ranked) == 2 and ranked[0]["rank"] == 1 and stored.criteria_version == opp.specification_version
    assert {r["organisation"] for r in ranked} == {"Alt Valley Youth Partnership", "Southside Young People's Arts CIC"}


def test_award_makes_assessment_summaries_in_the_worker(live_context, celery_worker_process, smtp_server,
                                                        create_opportunity, create_user, create_organisation,
                                                        give_documents):
    from datetime import date, timedelta

    from commissioning.accounts.models import Role
    from commissioning.bids.operations import start_bid, submit_bid
    from commissioning.core.models import utcnow
    from commissioning.evaluation.award import award
    from commissioning.evaluation.models import AssessmentSummary, Interest
    from commissioning.evaluation.operations import assign, declare, moderate, run_scoring, save_scores
    from commissioning.opportunities.operations import close_due
    from tests.fixtures.factories import complete_bid

    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    bids, emails = [], []
    for i in range(2):
        org = create_organisation()
        give_documents(org)
        user = create_user(Role.provider, organisation=org)
        emails.append(user.email)
        bid = start_bid(opp, org, user, now=past)
        complete_bid(bid, user, now=past)
        submit_bid(bid, user, f"tok-{bid.id}-worker-award", now=past)
        bids.append(bid)
    close_due()
    evaluators, commissioner = [create_user(Role.evaluator) for _ in range(3)], create_user(Role.commissioner)
    assign(opp, bids, evaluators, commissioner)  # an award needs three completed evaluations of each bid
    for bid, value in zip(bids, (4, 3)):
        for evaluator in evaluators:
            declare(opp, evaluator, bid.organisation, Interest.none)
            save_scores(bid, evaluator, {c["name"]: (value, "Evidence") for c in opp.quality_criteria}, submit=True)
        moderate(bid, commissioner, opp.quality_criteria[0]["name"], value, "Agreed")
    run = request_scoring(opp, commissioner)
    run_scoring(run.id)
    award(opp, commissioner, [(bids[0], 30_000_00)], "Highest total", date.today())
    db.session.commit()
    for email in emails:
        smtp_server.wait_for(To=email, Subject="Outcome:", timeout=60)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(AssessmentSummary.id)).where(
        AssessmentSummary.bid_id.in_([b.id for b in bids]))) == 2
