"""The busiest pages (issue 19) cost the same SQL statements on the demo scaled 1 and 4 times.

Scale 4 is the largest that keeps this quick on SQLite (about a second to build on top of the
demo); what grows with the data (agreements, returns, bids, needs, ballots, the provider's own
records) grows fourfold, so a query per row would show at once.
"""
import pytest

from commissioning.extensions import db
from tests.unit.scaled_demo import clients, counting_queries, demo_app, get, page_urls

SMALL, LARGE = 1, 4


@pytest.fixture(autouse=True)
def _rollback():
    """This module runs on a SQLite demo of its own, not the suite's PostgreSQL transaction."""
    yield


def _costs(app, signed_in, headers):
    costs = {}
    for label, url, who in page_urls():
        get(app, signed_in, headers, who, url)   # warm: caches filled once per process are not the page's cost
        with counting_queries() as count:
            response = get(app, signed_in, headers, who, url)
        assert response.status_code == 200, f"{label} {url}: {response.status_code}"
        costs[label] = (url, count())
    return costs


def test_each_page_costs_the_same_queries_at_scale_1_and_4(tmp_path):
    from commissioning.demo_scale import scale_demo
    app = demo_app(tmp_path)
    with app.app_context():
        scale_demo(SMALL)
        db.session.commit()
        signed_in, headers = clients(app)
        small = _costs(app, signed_in, headers)
        scale_demo(LARGE)
        db.session.commit()
        large = _costs(app, signed_in, headers)
    grown = {label: (small[label][0], small[label][1], large[label][1]) for label in small
             if small[label][1] != large[label][1]}
    assert not grown, "queries grew with the data: " + "; ".join(
        f"{label} {url}: {a} at scale {SMALL}, {b} at scale {LARGE}" for label, (url, a, b) in grown.items())
