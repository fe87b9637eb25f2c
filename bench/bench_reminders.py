"""The reminder sweep against 1,000 / 10,000 / 100,000 scheduled returns in PostgreSQL.

Each size is built in a throw-away database (one active agreement per 10 returns, monthly
returns spread over years), then the sweep runs twice: on a day with nothing due, and on a
day with reminders due (whose count stays about the same at every size, 30 returns). The
sweep's cost should follow what is due, not how many returns exist. Prints figures only.
"""
import os
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = (1_000, 10_000, 100_000)
QUIET_DAY = date(2200, 1, 1)


def build(url, returns):
    """Agreements and returns by bulk SQL: the sweep reads them as the app writes them."""
    from flask_migrate import upgrade

    from commissioning import create_app
    from commissioning.extensions import db
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade()
        from commissioning.accounts.models import Organisation, OrganisationType, Role
        from commissioning.accounts.operations import create_user
        org = Organisation(name="Bench provider", type=OrganisationType.charity)
        db.session.add(org)
        db.session.flush()
        create_user("contact@bench.example", "Bench contact", "a-long-bench-password", roles=[Role.provider],
                    organisation=org)
        db.session.flush()
        conn = db.session.connection()
        # Only the tables the sweep reads are filled; foreign keys to the rest are not enforced here.
        conn.exec_driver_sql("SET session_replication_role = replica")
        agreements = returns // 10
        conn.exec_driver_sql(f"""
            INSERT INTO agreements (reference, kind, status, awarded_bid_id, opportunity_id, organisation_id,
                specification_id, specification_version, title, parties, value_pence, start_date, end_date,
                extension_options, kpis, payments, monitoring_frequency, special_conditions, review_clause,
                break_clause, created_at)
            SELECT 'B-' || g, 'contract', 'active', g, 1, {org.id}, 1, 1, 'Bench', '[]', 100, DATE '2000-01-01',
                   DATE '2100-01-01', '', '[]', '[]', 'monthly', '', '', '', now()
            FROM generate_series(1, {agreements}) g""")
        # Due dates from 1990 on; 30 of them fall on the busy day whatever the size.
        conn.exec_driver_sql(f"""
            INSERT INTO agreement_returns (agreement_id, period_start, period_end, due_on)
            SELECT 1 + mod(g, {agreements}), d, d, d FROM (
              SELECT g, DATE '1990-01-01' + (g / {agreements}) * 30 + mod(mod(g, {agreements}), 28) AS d
              FROM generate_series(0, {returns - 31}) g) s""")
        conn.exec_driver_sql("""
            INSERT INTO agreement_returns (agreement_id, period_start, period_end, due_on)
            SELECT g, DATE '2150-01-01', DATE '2150-01-01', DATE '2150-01-15' FROM generate_series(1, 30) g""")
        db.session.commit()
        db.session.connection().exec_driver_sql("ANALYZE")
        db.session.commit()
    return app


def timed(app, day):
    from commissioning.extensions import db
    from commissioning.monitoring.operations import sweep_reminders
    times, made = [], 0
    for _ in range(5):
        with app.app_context():
            started = time.perf_counter()
            made = sweep_reminders(day)
            times.append(time.perf_counter() - started)
            db.session.rollback()           # measure the same sweep each time
    return statistics.median(times), made


def main():
    print("reminder sweep, median of 5 runs (PostgreSQL)")
    for size in SIZES:
        name = f"commissioning_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
        app = None
        try:
            app = build(url, size)
            quiet, _none = timed(app, QUIET_DAY)
            busy, made = timed(app, date(2150, 1, 15) - timedelta(days=3))
            print(f"  {size:>7,} returns: nothing due {quiet * 1000:6.1f} ms; "
                  f"{made} reminders due {busy * 1000:6.1f} ms")
        finally:
            from commissioning.extensions import db
            if app is not None:
                with app.app_context():
                    db.engine.dispose()
            with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
