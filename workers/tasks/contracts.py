from commissioning.contracts.operations import render_document, render_executed
from workers.base import task


@task("contracts.render_document", max_retries=5)
def render_agreement_document(document_id):
    """Render one agreement version to PDF and store it with its SHA-256, in one transaction."""
    document = render_document(document_id)
    return None if document is None else document.sha256


@task("contracts.render_executed", max_retries=5)
def render_executed_agreement(document_id):
    """Make the executed copy (both signatures, the signed version's SHA-256) of one document version."""
    document = render_executed(document_id)
    return None if document is None else document.executed_sha256
