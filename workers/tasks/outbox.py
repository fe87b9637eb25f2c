from commissioning.outbox.operations import clean_up, dispatch_pending
from workers.base import task


@task("outbox.dispatch_pending", max_retries=0)
def dispatch_outbox(min_age_seconds=5):
    """Send tasks whose commit-time dispatch failed, and again those sent but never completed."""
    return dispatch_pending(min_age_seconds=min_age_seconds)


@task("outbox.clean_up", max_retries=3)
def clean_up_outbox():
    """Delete completed outbox rows after 30 days and request keys after 7."""
    return clean_up()
