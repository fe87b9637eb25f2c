from commissioning.contracts.operations import render_document
from workers.base import task


@task("contracts.render_document", max_retries=5)
def render_agreement_document(document_id):
    """Render one agreement version to PDF and store it with its SHA-256, in one transaction."""
    document = render_document(document_id)
    return None if document is None else document.sha256
