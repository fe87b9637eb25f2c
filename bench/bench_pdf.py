"""A 10-page agreement rendered by the service's helper against WeasyPrint on the same HTML.

The service's path is `render_pdf_pages` (template rendering, the safe URL fetcher, PDF/UA
output and page count); the reference is WeasyPrint writing the already-rendered HTML with the
same PDF variant. Both run N times, alternating; medians are printed per document and per page,
with the service's overhead over WeasyPrint alone. Nothing here asserts a time.
"""
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RUNS = 9
TARGET_PAGES = 10


def snapshot(clauses):
    body = ("The Provider will keep records that show how the Services were delivered, who took part and what "
            "changed for them, and will make those records available to the Authority on reasonable notice. ") * 3
    return {
        "authority": "Liverpool City Council", "reference": "CON-0099", "kind": "Contract", "is_grant": False,
        "title": "Youth inclusion and detached youth work across the city", "reason": "Issued for signature",
        "version": 1, "parties": [{"name": "Liverpool City Council", "role": "The Authority (lead commissioner)"},
                                  {"name": "Merseyside Police", "role": "Joint commissioner (pooled budget)"},
                                  {"name": "Alt Valley Youth Partnership", "role": "The Provider"}],
        "provider": "Alt Valley Youth Partnership", "value": "£240,000.00", "start": "1 April 2027",
        "end": "31 March 2030", "extension_options": "One extension of 12 months",
        "specification": {"reference": "SPEC-0099", "version": 2, "purpose": body, "outputs": body,
                          "requirements": body},
        "kpis": [{"name": f"Indicator {i}", "unit": "young people", "target": str(100 + i), "frequency": "quarterly",
                  "trace": "need: Evening and weekend activities"} for i in range(12)],
        "payments": [{"due": f"{1 + i % 28} June 20{27 + i // 4}", "amount": "£20,000.00", "conditional": i % 2 == 0}
                     for i in range(12)],
        "returns": [{"period": f"Quarter {i + 1}", "due": f"{14 + i % 10} July 20{27 + i // 4}"} for i in range(12)],
        "monitoring": "quarterly",
        "clauses": [{"number": i + 1, "title": f"Clause {i + 1}", "body": body} for i in range(clauses)],
        "variations": [], "template_version": "pdf/agreement.html@1+clauses:bench",
    }


def main():
    from flask import render_template
    from weasyprint import HTML

    from commissioning import create_app
    from commissioning.pdf import render_pdf_pages, safe_url_fetcher
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "CELERY_BROKER_URL": "memory://"})
        with app.app_context():
            clauses = 10
            while True:  # grow the document until it is 10 pages long
                context = snapshot(clauses)
                _pdf, pages = render_pdf_pages("pdf/agreement.html", context)
                if pages >= TARGET_PAGES:
                    break
                clauses += 4
            html = render_template("pdf/agreement.html", **context)
            service, direct = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                render_pdf_pages("pdf/agreement.html", context)
                service.append(time.perf_counter() - started)
                started = time.perf_counter()
                HTML(string=html, url_fetcher=safe_url_fetcher()).write_pdf(pdf_variant="pdf/ua-1")
                direct.append(time.perf_counter() - started)
    ours, theirs = statistics.median(service), statistics.median(direct)
    print(f"agreement PDF, {pages} pages, median of {RUNS} runs each")
    print(f"  service (render_pdf_pages): {ours * 1000:7.1f} ms per document, {ours * 1000 / pages:6.1f} ms per page")
    print(f"  WeasyPrint on the same HTML: {theirs * 1000:7.1f} ms per document, {theirs * 1000 / pages:6.1f} ms per page")
    print(f"  overhead of the service: {(ours - theirs) / theirs * 100:+.1f}% (the issue asks for under 20%)")


if __name__ == "__main__":
    main()
