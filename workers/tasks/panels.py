from commissioning.panels.operations import close_due, count_round
from workers.base import task


@task("panels.count_round", max_retries=5)
def count_round_task(round_id):
    """Count a closed round in one transaction; a second run finds the result and does nothing."""
    result = count_round(round_id)
    return None if result is None else result.id


@task("panels.close_due", max_retries=3)
def close_due_rounds():
    """Close rounds whose voting time has passed; each queues its own count."""
    return close_due()
