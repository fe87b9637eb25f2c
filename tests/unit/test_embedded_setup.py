"""The embedded default: SQLite migrated by the real migrations, demo data loaded twice."""
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _cli(tmp_path, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite'}",
           "BROKER_DIR": str(tmp_path / "broker"), "REDIS_URL": "", "APP_ENV": "development"}
    return subprocess.run([str(Path(sys.executable).with_name("commissioning")), *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_sqlite_migrates_and_demo_data_is_idempotent(tmp_path):
    assert _cli(tmp_path, "db", "upgrade").returncode == 0
    first = _cli(tmp_path, "demo-data")
    second = _cli(tmp_path, "demo-data")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "new records" in first.stdout and "(0 new records)" not in first.stdout
    assert "(0 new records)" in second.stdout
    import sqlite3
    con = sqlite3.connect(tmp_path / "demo.sqlite")
    emails = {row[0] for row in con.execute("SELECT email FROM users")}
    assert {"admin@demo.test", "commissioner@demo.test", "evaluator@demo.test", "provider@demo.test",
            "provider2@demo.test", "facilitator@demo.test", "member@demo.test",
            "monitor@demo.test"} <= emails
    orgs = con.execute("""SELECT COUNT(DISTINCT m.organisation_id) FROM memberships m JOIN users u
                          ON u.id = m.user_id WHERE u.email IN ('provider@demo.test', 'provider2@demo.test')""")
    assert orgs.fetchone()[0] == 2
    assert con.execute("SELECT COUNT(*) FROM localities").fetchone()[0] == 5


def test_migrations_match_the_models(app):
    """Autogenerate finds nothing to add: every model change comes with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from commissioning.extensions import db
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_docker_compose_services_use_entry_points_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "postgres", "redis"):
        assert "healthcheck" in services[name] or name in ("worker", "beat"), f"{name} needs a health check"
    web = " ".join(services["web"]["command"])
    assert "gunicorn" in web
    module, factory = re.search(r"'([\w.]+):(\w+)\(\)'", web).groups()
    assert callable(getattr(importlib.import_module(module), factory))
    for name in ("worker", "beat"):
        command = services[name]["command"]
        target = command[command.index("-A") + 1]
        assert command[command.index("-A") + 2] == name
        assert (ROOT / (target.replace(".", "/") + ".py")).is_file()
    assert "deploy" not in services["beat"] or services["beat"]["deploy"].get("replicas", 1) == 1
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "DATABASE_URL" in env and "REDIS_URL" in env and "SECRET_KEY" in env
    from workers import schedule
    assert all("task" in entry for entry in schedule.SCHEDULE.values())
