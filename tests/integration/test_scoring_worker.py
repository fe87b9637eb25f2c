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
