from commissioning.evaluation.operations import run_scoring
from workers.base import task


@task("evaluation.score_opportunity")
def score_opportunity(run_id):
    """Price scores, weighted totals and ranking for one scoring run."""
    run = run_scoring(run_id)
    return run.status.value if run else "missing"
