"""The OCDS release package at 100 / 1,000 / 5,000 published procurements in PostgreSQL.

Each size is built in a throw-away database: the demo data, then copies of its procurement
that reached a contract (an opportunity, a submitted bid, the award, the agreement and its
monthly returns, some accepted), made by bulk SQL. For each size it prints the number of SQL
statements the feed issues (it should not grow), the time to stream the whole package, and
the peak memory Python allocated while streaming it, against building the same package as
one document first (the reference, in the same run). Prints figures only.
"""
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import event  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = (100, 1_000, 5_000)
BASE = 1_000_000   # ids of the copies start here, clear of the demo's own


def clone(conn, table, template_id, n, overrides):
    """n copies of one row; ``overrides`` maps a column to an SQL expression of g (1..n)."""
    cols = [c.name for c in table.columns]
    exprs = [overrides.get(c, f'"{c}"') for c in cols]
    quoted = ", ".join(f'"{c}"' for c in cols)
    conn.exec_driver_sql(f'INSERT INTO {table.name} ({quoted}) SELECT {", ".join(exprs)} '
                         f'FROM {table.name}, generate_series(1, {n}) g WHERE {table.name}.id = {template_id}')


def build(app, n):
    from commissioning.bids.models import Bid
    from commissioning.contracts.models import Agreement, ReturnDue
    from commissioning.demo import load_demo_data
    from commissioning.evaluation.models import AwardDecision, AwardedBid
    from commissioning.extensions import db
    from commissioning.monitoring.models import MonitoringReturn
    from commissioning.opportunities.models import Opportunity
    with app.app_context():
        load_demo_data()
        db.session.flush()
        agreement = db.session.scalars(db.select(Agreement).where(Agreement.reference == "CON-0001")).one()
        awarded = db.session.get(AwardedBid, agreement.awarded_bid_id)
        decision = db.session.get(AwardDecision, awarded.award_id)
        conn = db.session.connection()
        conn.exec_driver_sql("SET session_replication_role = replica")
        clone(conn, Opportunity.__table__, agreement.opportunity_id, n,
              {"id": f"{BASE} + g", "reference": "'BENCH-' || g"})
        clone(conn, Bid.__table__, awarded.bid_id, n, {"id": f"{BASE} + g", "opportunity_id": f"{BASE} + g"})
        clone(conn, AwardDecision.__table__, decision.id, n, {"id": f"{BASE} + g", "opportunity_id": f"{BASE} + g"})
        clone(conn, AwardedBid.__table__, awarded.id, n,
              {"id": f"{BASE} + g", "award_id": f"{BASE} + g", "bid_id": f"{BASE} + g"})
        clone(conn, Agreement.__table__, agreement.id, n,
              {"id": f"{BASE} + g", "reference": "'BCON-' || g", "opportunity_id": f"{BASE} + g",
               "awarded_bid_id": f"{BASE} + g"})
        dues = sorted(agreement.returns, key=lambda d: d.due_on)
        kept = {r.due_id: r for r in db.session.scalars(db.select(MonitoringReturn).where(
            MonitoringReturn.agreement_id == agreement.id))}
        for k, due in enumerate(dues):
            new_due = f"{BASE} + g * {len(dues)} + {k}"
            clone(conn, ReturnDue.__table__, due.id, n, {"id": new_due, "agreement_id": f"{BASE} + g"})
            if due.id in kept:
                clone(conn, MonitoringReturn.__table__, kept[due.id].id, n,
                      {"id": new_due, "due_id": new_due, "agreement_id": f"{BASE} + g"})
        conn.exec_driver_sql("SET session_replication_role = DEFAULT")
        db.session.commit()
        return len(dues)


def stream_feed(client):
    response = client.get("/open-data/ocds/releases.json", buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    return size


def build_whole(app):
    """The reference: every release built first, then the package written as one string."""
    from commissioning.opendata import ocds
    return json.dumps({"uri": "x", "version": "1.1", "releases": ocds.releases(
        app.config["OCDS_PREFIX"], app.config["AUTHORITY_NAME"])})


def timed(func, *args):
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


def peak(func, *args):
    tracemalloc.start()
    func(*args)
    _now, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def measure(app, expected):
    from commissioning.extensions import db
    client = app.test_client()
    with app.app_context():
        statements = []
        listener = lambda *args, **kw: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        size, streamed = timed(stream_feed, client)
        event.remove(db.engine, "before_cursor_execute", listener)
        whole, built = timed(build_whole, app)
        releases = len(json.loads(whole)["releases"])
        del whole
        streamed_peak, built_peak = peak(stream_feed, client), peak(build_whole, app)
        db.session.remove()
    assert releases == expected, (releases, expected)
    return len(statements), size, streamed, streamed_peak, built, built_peak


def main():
    from flask_migrate import upgrade

    from commissioning import create_app
    from commissioning.extensions import db
    from commissioning.opportunities.models import Opportunity
    print(f"{'procurements':>12} {'releases':>9} {'SQL':>5} {'MB out':>7} {'stream s':>9} {'stream peak MB':>15} "
          f"{'whole-doc s':>12} {'whole-doc peak MB':>18}")
    for n in SIZES:
        name = f"bench_ocds_{n}_{os.getpid()}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = ADMIN_URL.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{name}"
        try:
            app = create_app({"DATABASE_URL": url, "APP_ENV": "test", "OUTBOX_DISPATCH": "hold", "SERVER_NAME": "localhost"})
            with app.app_context():
                upgrade()
            build(app, n)
            with app.app_context():
                published = db.session.scalar(db.select(db.func.count(Opportunity.id)).where(
                    Opportunity.opened_at.is_not(None)))
            queries, size, streamed, streamed_peak, built, built_peak = measure(app, published)
            print(f"{n:>12,} {published:>9,} {queries:>5} {size / 1e6:>7.1f} {streamed:>9.2f} "
                  f"{streamed_peak / 1e6:>15.1f} {built:>12.2f} {built_peak / 1e6:>18.1f}", flush=True)
            with app.app_context():
                db.engine.dispose()
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
