from commissioning.outbox.operations import dispatch_pending
from workers.base import task


@task("outbox.dispatch_pending", max_retries=0)
def dispatch_outbox(min_age_seconds=5):
    """Send tasks whose commit-time dispatch failed, and again those sent but never completed."""
    return dispatch_pending(min_age_seconds=min_age_seconds)

