from commissioning.notices.operations import draft_due_notices, submit_to_fts
from workers.base import task


@task("notices.submit_to_fts", max_retries=5)
def send_notice_to_find_a_tender(notice_id):
    """POST one published notice to Find a Tender and keep its answer."""
    return submit_to_fts(notice_id)


@task("notices.draft_due", max_retries=3)
def draft_due():
    """Draft every Procurement Act notice whose event has happened (an award, a signature, an ending)."""
    return draft_due_notices()
