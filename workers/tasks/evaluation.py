from commissioning.evaluation.operations import run_scoring
from workers.base import task


@task("evaluation.score_opportunity")
def score_opportunity(run_id):
    """Price scores, weighted totals and ranking for one scoring run."""
    run = run_scoring(run_id)
    return run.status.value if run else "missing"


@task("evaluation.assessment_summary")
def assessment_summary(bid_id):
    """Render and store one bidder's assessment summary PDF, then mail them a link."""
    from commissioning.evaluation.award import make_assessment_summary
    summary = make_assessment_summary(bid_id)
    return "made" if summary else "already made"
