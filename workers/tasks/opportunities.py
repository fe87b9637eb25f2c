from commissioning.opportunities.operations import close_due
from workers.base import task


@task("opportunities.close_due", max_retries=3)
def close_due_opportunities():
    """Close opportunities whose deadline has passed; bids are refused at the deadline anyway."""
    return close_due()
