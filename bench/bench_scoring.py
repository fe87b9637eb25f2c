"""Scoring an opportunity of 1,000 bids x 10 criteria x 5 evaluators in PostgreSQL.

Builds the opportunity in a throw-away database with bulk inserts, then times the scoring
operation the worker runs (compute + store in one transaction) and counts its SQL
statements. Prints figures; asserts nothing about time.
"""
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402
from sqlalchemy import event, insert  # noqa: E402

BIDS, CRITERIA, EVALUATORS = 1000, 10, 5
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main():
    name = f"commissioning_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        run(url)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(url):
    from flask_migrate import upgrade

    from commissioning import create_app
    from commissioning.extensions import db
    app = create_app({"APP_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "bench", "OUTBOX_DISPATCH": "hold",
                      "REDIS_URL": ""})
    with app.app_context():
        upgrade()
        opp_id = build(db)
        from commissioning.evaluation.models import RunStatus, ScoringRun
        from commissioning.evaluation.operations import run_scoring
        timings, counts = [], []
        for _ in range(5):
            scoring_run = ScoringRun(opportunity_id=opp_id, status=RunStatus.queued)
            db.session.add(scoring_run)
            db.session.commit()
            statements = []
            listener = lambda *a, **k: statements.append(1)  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            result = run_scoring(scoring_run.id)
            db.session.commit()
            timings.append(time.perf_counter() - started)
            event.remove(db.engine, "before_cursor_execute", listener)
            counts.append(len(statements))
        ranked = result.result["bids"]
        print(f"scoring {BIDS} bids x {CRITERIA} criteria x {EVALUATORS} evaluators "
              f"({BIDS * CRITERIA * EVALUATORS:,} scores) in PostgreSQL")
        print(f"  median {statistics.median(timings) * 1000:.0f} ms per run "
              f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}) over {len(timings)} runs")
        print(f"  SQL statements per run: {sorted(set(counts))}")
        print(f"  top bid total {ranked[0]['total']}, ties reported: {len(result.result['ties'])}")


def build(db):
    from commissioning.accounts.models import Organisation, User
    from commissioning.bids.models import Bid, BidSubmission
    from commissioning.evaluation.models import Score, ScoreSheet
    from commissioning.funding.models import Pot
    from commissioning.opportunities.models import Opportunity
    from commissioning.specifications.models import Specification, SpecificationVersion
    rng = random.Random(42)
    now = datetime.now(UTC)
    criteria = [{"name": f"Quality {i + 1}", "kind": "quality", "weight": 8, "parent": None, "scale_max": 5}
                for i in range(CRITERIA - 1)]
    criteria.append({"name": "Price", "kind": "price", "weight": 28, "parent": None,
                     "price_formula": "lowest_over_bid"})
    funder = Organisation(name="Bench Council", type="local_authority")
    db.session.add(funder)
    db.session.flush()
    db.session.add(Pot(name="Bench pot", kind="funding_stream", funder_id=funder.id, financial_year=2026,
                       amount_pence=10**10, tiers=["universal"]))
    spec = Specification(title="Bench", status="published", approved_version=1, reference="SPEC-B")
    spec.versions.append(SpecificationVersion(number=1, content={"criteria": criteria}))
    db.session.add(spec)
    db.session.flush()
    opp = Opportunity(reference="OPP-B", specification_id=spec.id, specification_version=1, title="Bench",
                      summary="Bench", kind="procurement", status="evaluation", max_value_pence=10**9,
                      clarification_deadline=now - timedelta(days=20), submission_deadline=now - timedelta(days=1),
                      criteria=criteria)
    db.session.add(opp)
    db.session.flush()
    org_ids = db.session.execute(insert(Organisation).returning(Organisation.id),
                                 [{"name": f"Provider {i}", "type": "charity", "created_at": now}
                                  for i in range(BIDS)]).scalars().all()
    evaluator_ids = db.session.execute(insert(User).returning(User.id),
                                       [{"email": f"e{i}@bench.test", "name": f"E{i}", "password_hash": "x",
                                         "active": True, "created_at": now} for i in range(EVALUATORS)]).scalars().all()
    bid_ids = db.session.execute(insert(Bid).returning(Bid.id), [
        {"opportunity_id": opp.id, "organisation_id": org, "lot": "", "status": "submitted", "answers": {},
         "eligibility": {}, "declarations": True, "created_at": now, "updated_at": now}
        for org in org_ids]).scalars().all()
    db.session.execute(insert(BidSubmission), [
        {"bid_id": b, "number": 1, "token": f"t{b}", "submitted_at": now - timedelta(days=2), "sha256": "0" * 64,
         "content": {"price_pence": rng.randint(50_000_00, 90_000_00), "answers": {}}} for b in bid_ids])
    sheet_ids = db.session.execute(insert(ScoreSheet).returning(ScoreSheet.id), [
        {"bid_id": b, "evaluator_id": e, "status": "submitted", "submitted_at": now, "created_at": now}
        for b in bid_ids for e in evaluator_ids]).scalars().all()
    db.session.execute(insert(Score), [
        {"sheet_id": s, "criterion": c["name"], "score": rng.randint(0, 5), "justification": "ok"}
        for s in sheet_ids for c in criteria if c["kind"] != "price"])
    db.session.commit()
    return opp.id


if __name__ == "__main__":
    main()
