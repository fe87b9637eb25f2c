"""One helper around WeasyPrint: templates get plain data, and nothing is fetched from outside."""
from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def safe_url_fetcher():
    """Only inline data: URLs. file:// and web addresses are refused, so a document can
    never read the server's files or call out to the network."""
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def render_pdf(template, context):
    """Render ``templates/<template>`` with plain-data ``context`` to PDF bytes (tagged, PDF/UA)."""
    html = render_template(template, **context)
    return HTML(string=html, url_fetcher=safe_url_fetcher(), base_url=None).write_pdf(pdf_variant="pdf/ua-1")


def render_pdf_pages(template, context):
    """As ``render_pdf``, also returning the number of pages (laid out once, not twice)."""
    html = render_template(template, **context)
    document = HTML(string=html, url_fetcher=safe_url_fetcher(), base_url=None).render()
    return document.write_pdf(pdf_variant="pdf/ua-1"), len(document.pages)
