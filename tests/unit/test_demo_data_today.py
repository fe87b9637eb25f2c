"""The demo is a council's world in 2026/27, not the 2007-2009 of the seed papers.

Loaded the way people load it (SQLite migrated by the real migrations, the ``demo-data`` command run
twice), then every text the demo stored is read back: no old years, bodies or frameworks, and the only
financial years are 2025/26 and 2026/27.
"""
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: What a council today would not recognise: the papers' years, bodies and outcome framework.
OLD = re.compile(r"\b(?:2007|2008|2009)\b|Connexions|\bPCTs?\b|Primary Care Trust|Every Child Matters|\bECM\b",
                 re.IGNORECASE)
FINANCIAL_YEAR = re.compile(r"\b(20\d\d)/(\d\d)\b")
CURRENT_YEARS = {"2025/26", "2026/27"}
#: Columns of digests, keys and codes, whose characters are random rather than words.
OPAQUE = re.compile(r"hash|sha|token|secret|password|salt|nonce|key|code")


def _cli(db_path, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}", "BROKER_DIR": str(db_path.parent / "broker"),
           "REDIS_URL": "", "APP_ENV": "development"}
    return subprocess.run([str(Path(sys.executable).with_name("commissioning")), *args],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _counts(con):
    tables = [row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {table: con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo database after two loads, with the row counts after each load and the second run's output."""
    db_path = tmp_path_factory.mktemp("demo-today") / "demo.sqlite"
    upgrade = _cli(db_path, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    first = _cli(db_path, "demo-data")
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(db_path) as con:
        after_first = _counts(con)
    second = _cli(db_path, "demo-data")
    assert second.returncode == 0, second.stderr
    con = sqlite3.connect(db_path)
    yield con, after_first, _counts(con), second.stdout
    con.close()


def _texts(con):
    """Every text value the demo stored, as (table.column, value)."""
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"):
        columns = [row[1] for row in con.execute(f'PRAGMA table_info("{table}")') if not OPAQUE.search(row[1])]
        for column in columns:
            for (value,) in con.execute(f'SELECT "{column}" FROM "{table}"'):
                if isinstance(value, str):
                    yield f"{table}.{column}", value


def test_no_demo_record_names_the_papers_years_bodies_or_outcome_framework(demo):
    con, *_ = demo
    old = sorted({(where, match.group(0)) for where, value in _texts(con) for match in OLD.finditer(value)})
    assert old == []


def test_the_financial_years_shown_are_2025_26_and_2026_27(demo):
    con, *_ = demo
    labels = {(where, m.group(0)) for where, value in _texts(con) for m in FINANCIAL_YEAR.finditer(value)}
    assert {label for _where, label in labels} <= CURRENT_YEARS, sorted(labels)
    pot_years = {year for (year,) in con.execute("SELECT financial_year FROM pots")}
    assert pot_years == {2025, 2026}
    # Indicators counted in financial years have their baseline and every year in 2025/26 or 2026/27.
    financial = con.execute("""SELECT i.baseline_year, y.year FROM indicators i JOIN indicator_years y
                               ON y.indicator_id = i.id WHERE i.financial_years""").fetchall()
    assert financial and {year for row in financial for year in row} <= {2025, 2026}


def test_the_indicators_are_measured_today_and_say_their_figures_are_demo_figures(demo):
    con, *_ = demo
    indicators = dict(con.execute("SELECT name, story FROM indicators"))
    assert {"16 and 17 year olds not in education, employment or training, or not known",
            "First-time entrants to the youth justice system",
            "Young people taking part in positive activities every month",
            "Young people with high life satisfaction"} == set(indicators)
    assert all(story.startswith("Demo figures") for story in indicators.values())
    latest = con.execute("SELECT MAX(year) FROM indicator_years WHERE actual IS NOT NULL").fetchone()[0]
    assert latest == 2026


def test_the_demo_names_today_s_partners_and_funding_streams(demo):
    con, *_ = demo
    organisations = {name for (name,) in con.execute("SELECT name FROM organisations")}
    assert {"NHS Cheshire and Merseyside Integrated Care Board",
            "Liverpool City Region Combined Authority"} <= organisations
    pots = {name for (name,) in con.execute("SELECT name FROM pots")}
    assert {"Local youth offer", "Holiday Activities and Food programme", "Youth Guarantee trailblazer",
            "Youth Voice Fund", "Early help for young people pooled budget"} == pots
    assert "section 507B" in con.execute("SELECT conditions FROM pots WHERE name = 'Local youth offer'").fetchone()[0]
    localities = {name for (name,) in con.execute("SELECT name FROM localities")}
    assert localities == {"Alt Valley", "City and North", "East", "South", "South Central"}


def test_the_demo_loads_twice_with_the_same_counts(demo):
    _con, after_first, after_second, second_output = demo
    assert "(0 new records)" in second_output
    assert after_second == after_first


def test_the_need_form_and_page_use_today_s_outcomes(app, create_user, create_need, login):
    from commissioning.accounts.models import Role
    from commissioning.core.vocabulary import EcmOutcome
    client = login(create_user(Role.commissioner))
    need = create_need(outcomes=[EcmOutcome.stay_safe, EcmOutcome.positive_contribution])
    pages = [client.get(url).get_data(as_text=True) for url in ("/needs/new", f"/needs/{need.id}", "/needs")]
    for html in pages:
        assert not OLD.search(html)
    assert "Outcomes for young people" in pages[0] and "Outcomes for young people" in pages[1]
    assert "Feel safe, online and offline" in pages[1]
    assert "Seen and heard, and part of their community" in pages[1]
