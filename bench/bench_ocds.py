"""The OCDS feed at 100 / 1,000 / 5,000 published procurements in PostgreSQL.

Each size is built in a throw-away database: the demo data, then copies of its procurement
that reached a contract (an opportunity, a submitted bid, the award, the agreement and its
monthly returns, some accepted), made by bulk SQL. For each size it prints the time and SQL
statements of publishing (storing each new process's release; then a run with nothing changed),
of one page of the feed (these should not grow), of walking every page, and the peak memory
Python allocated for a page, against the feed as it was before releases were stored: every
process compiled into one document (the reference, in the same run). Prints figures only.
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


def walk_feed(client):
    """Every page of the feed, following links.next; (bytes, releases, pages)."""
    size = count = pages = 0
    path = "/open-data/ocds/releases.json"
    while path:
        response = client.get(path)
        body = response.get_data()
        package = json.loads(body)
        size, count, pages = size + len(body), count + len(package["releases"]), pages + 1
        path = package.get("links", {}).get("next")
    return size, count, pages


def build_whole(app):
    """The reference (the feed before releases were stored): every process compiled, one document."""
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


def counted(app, func, *args):
    """(result, seconds, SQL statements) of one call."""
    from commissioning.extensions import db
    statements = []
    listener = lambda *args, **kw: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result, seconds = timed(func, *args)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return result, seconds, len(statements)


def publish():
    from commissioning.extensions import db
    from commissioning.opendata.operations import publish_releases
    stored = publish_releases()
    db.session.commit()
    return stored


def measure(app, expected):
    from commissioning.extensions import db
    client = app.test_client()
    with app.app_context():
        stored, first_s, first_sql = counted(app, publish)
        again, again_s, again_sql = counted(app, publish)
        response, page_s, page_sql = counted(app, client.get, "/open-data/ocds/releases.json")
        page_bytes = len(response.get_data())
        (size, releases, pages), walk_s = timed(walk_feed, client)
        whole, built = timed(build_whole, app)
        del whole
        page_peak, built_peak = peak(client.get, "/open-data/ocds/releases.json"), peak(build_whole, app)
        db.session.remove()
    assert releases == expected and again == 0, (stored, releases, expected, again)
    return {"first": (first_s, first_sql), "again": (again_s, again_sql), "page": (page_s, page_sql, page_bytes,
            page_peak), "walk": (walk_s, size, pages), "whole": (built, built_peak)}


def main():
    from flask_migrate import upgrade

    from commissioning import create_app
    from commissioning.extensions import db
    from commissioning.opportunities.models import Opportunity
    print("publish: storing each process's first release, then a run with nothing changed; page: one page of "
          "the feed (OCDS_PAGE_SIZE releases); walk: every page by links.next; whole: the feed as it was before "
          "releases were stored (every process compiled into one document on each request), the reference")
    print(f"{'procurements':>12} {'publish s':>9} {'SQL':>5} {'again s':>8} {'SQL':>4} {'page s':>7} {'SQL':>4} "
          f"{'page KB':>8} {'page peak MB':>12} {'walk s':>7} {'pages':>6} {'MB':>6} {'whole s':>8} {'whole peak MB':>13}")
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
            m = measure(app, published)
            (first_s, first_sql), (again_s, again_sql) = m["first"], m["again"]
            page_s, page_sql, page_bytes, page_peak = m["page"]
            walk_s, size, pages = m["walk"]
            built, built_peak = m["whole"]
            print(f"{published:>12,} {first_s:>9.2f} {first_sql:>5} {again_s:>8.2f} {again_sql:>4} {page_s:>7.3f} "
                  f"{page_sql:>4} {page_bytes / 1e3:>8.0f} {page_peak / 1e6:>12.1f} {walk_s:>7.2f} {pages:>6} "
                  f"{size / 1e6:>6.1f} {built:>8.2f} {built_peak / 1e6:>13.1f}", flush=True)
            with app.app_context():
                db.engine.dispose()
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
