"""Migration 0015 moves existing ballots apart from their members, on PostgreSQL and on SQLite.

The demo is loaded at the head, migrated down to 0014 (ballots as they were, each with its
member, as the old code stored them) and up again: every ballot survives, who voted is kept
apart, and nothing in the ballots table points back at a member.
"""
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest

from tests import services

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["postgresql", "sqlite"])
def own_database(request, tmp_path):
    """(SQLAlchemy URL, a function returning a DB-API connection) for a database of its own."""
    if request.param == "postgresql":
        name, url = services.create_database("commissioning_ballots")
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        yield url, lambda: psycopg.connect(plain, autocommit=False)
        services.drop_database(name)
    else:
        path = tmp_path / "ballots.sqlite"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)


def _cli(url, tmp_path, *args):
    env = {**os.environ, "DATABASE_URL": url, "BROKER_DIR": str(tmp_path / "broker"), "REDIS_URL": "",
           "APP_ENV": "development", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([str(Path(sys.executable).with_name("commissioning")), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done


def _rows(connect, sql):
    con = connect()
    try:
        cur = con.cursor()
        cur.execute(sql)
        return cur.fetchall()
    finally:
        con.close()


def _columns(connect, table):
    con = connect()
    try:
        cur = con.cursor()
        cur.execute(f"SELECT * FROM {table} WHERE 1 = 0")
        return {d[0] for d in cur.description}
    finally:
        con.close()


def _ids(value):
    return sorted(json.loads(value) if isinstance(value, str) else value)


def test_existing_ballots_move_apart_from_their_members(own_database, tmp_path):
    url, connect = own_database
    _cli(url, tmp_path, "db", "upgrade")
    _cli(url, tmp_path, "demo-data")
    _cli(url, tmp_path, "db", "downgrade", "0014_sealing")
    assert "member_id" in _columns(connect, "panel_ballots")
    # As the old code left them: each ballot with its member and when it was cast; one imported.
    ballots = _rows(connect, "SELECT id, round_id FROM panel_ballots ORDER BY id")
    assert len(ballots) >= 6
    rnd = ballots[0][1]
    members = [m for (m,) in _rows(connect, f"""SELECT m.id FROM panel_members m JOIN panel_rounds r
                                               ON r.panel_id = m.panel_id WHERE r.id = {rnd} ORDER BY m.id""")]
    start = datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc)
    linked = {}
    con = connect()
    try:
        cur = con.cursor()
        for i, (ballot_id, round_id) in enumerate(ballots[:-1]):
            when = start + timedelta(minutes=i)
            cur.execute(f"UPDATE panel_ballots SET member_id = {members[i]}, created_at = "
                        f"'{when.isoformat(sep=' ')}' WHERE id = {ballot_id}")
            linked[(round_id, members[i])] = when
        con.commit()
    finally:
        con.close()
    before = sorted((r, _ids(p)) for r, p in _rows(connect, "SELECT round_id, project_ids FROM panel_ballots"))

    _cli(url, tmp_path, "db", "upgrade")
    assert _columns(connect, "panel_ballots") == {"id", "round_id", "project_ids", "scores", "ranking", "channel"}
    after = _rows(connect, "SELECT id, round_id, project_ids, channel FROM panel_ballots")
    assert sorted((r, _ids(p)) for _i, r, p, _c in after) == before          # every ballot, as cast
    assert sorted(c for *_r, c in after) == ["imported"] + ["online"] * (len(before) - 1)
    assert all(len(i) == 32 and int(i, 16) >= 0 for i, *_r in after)         # random ids, not 1, 2, 3...
    votes = _rows(connect, "SELECT round_id, member_id, voted_at FROM panel_votes_cast")
    assert {(r, m) for r, m, _t in votes} == set(linked)
    for r, m, voted_at in votes:
        voted_at = datetime.fromisoformat(voted_at) if isinstance(voted_at, str) else voted_at
        assert voted_at.replace(tzinfo=voted_at.tzinfo or timezone.utc) == linked[(r, m)]

    # Down again: the ballots stay, with no member (the link cannot come back), and so does the demo.
    _cli(url, tmp_path, "db", "downgrade", "0014_sealing")
    back = _rows(connect, "SELECT round_id, member_id, project_ids FROM panel_ballots")
    assert sorted((r, _ids(p)) for r, _m, p in back) == before and {m for _r, m, _p in back} == {None}
    _cli(url, tmp_path, "db", "upgrade")


def _execute(connect, *statements):
    con = connect()
    try:
        cur = con.cursor()
        for sql in statements:
            cur.execute(sql)
        con.commit()
    finally:
        con.close()


def test_ballot_kinds_go_down_to_what_the_old_code_counts_and_up_again(own_database, tmp_path):
    """0023 down: points and rankings become the projects they named, new kinds the nearest old one; up: empty."""
    url, connect = own_database
    _cli(url, tmp_path, "db", "upgrade")
    _cli(url, tmp_path, "demo-data")
    rounds = [r for (r,) in _rows(connect, "SELECT DISTINCT round_id FROM panel_ballots ORDER BY round_id")]
    ranked, points = rounds[0], rounds[-1]
    chosen = _rows(connect, f"SELECT id, project_ids FROM panel_ballots WHERE round_id IN ({ranked}, {points})")
    statements = [f"UPDATE panel_rounds SET ballot_type = 'ranked', max_projects = NULL WHERE id = {ranked}",
                  f"UPDATE panel_rounds SET ballot_type = 'cumulative', total_points = 10 WHERE id = {points}",
                  "UPDATE panel_rounds SET ballot_type = 'choose_one' WHERE id NOT IN "
                  f"({ranked}, {points}) AND status = 'draft'"]
    for ballot_id, ids in chosen:
        ids = _ids(ids)
        statements.append(f"UPDATE panel_ballots SET ranking = '{json.dumps(ids[::-1])}', "
                          f"scores = '{json.dumps({str(i): 1 for i in ids})}', channel = 'paper' "
                          f"WHERE id = '{ballot_id}'")
    _execute(connect, *statements)
    before = sorted((r, _ids(p)) for r, p in _rows(connect, "SELECT round_id, project_ids FROM panel_ballots"))

    _cli(url, tmp_path, "db", "downgrade", "0022_held_notices")
    assert _columns(connect, "panel_ballots") == {"id", "round_id", "project_ids", "channel"}
    assert not {"total_points", "max_points", "completion", "utility", "compare", "fund_unvoted"} \
        & _columns(connect, "panel_rounds")
    assert sorted((r, _ids(p)) for r, p in _rows(connect, "SELECT round_id, project_ids FROM panel_ballots")) == before
    assert {c for (c,) in _rows(connect, "SELECT DISTINCT channel FROM panel_ballots")} <= {"online", "imported"}
    kinds = dict(_rows(connect, "SELECT id, ballot_type FROM panel_rounds"))
    assert set(kinds.values()) <= {"within_budget", "up_to_n"} and kinds[ranked] == kinds[points] == "up_to_n"
    most = dict(_rows(connect, f"SELECT id, max_projects FROM panel_rounds WHERE id IN ({ranked}, {points})"))
    projects = dict(_rows(connect, "SELECT round_id, COUNT(*) FROM panel_round_projects GROUP BY round_id"))
    assert most == {ranked: projects[ranked], points: projects[points]}   # "up to" every project they had

    _cli(url, tmp_path, "db", "upgrade")
    assert {"scores", "ranking"} <= _columns(connect, "panel_ballots")
    assert _rows(connect, "SELECT DISTINCT utility FROM panel_rounds") == [("cost",)]
    assert {bool(f) for (f,) in _rows(connect, "SELECT DISTINCT fund_unvoted FROM panel_rounds")} == {False}
    assert _rows(connect, "SELECT COUNT(*) FROM panel_ballots WHERE scores IS NOT NULL OR ranking IS NOT NULL") \
        == [(0,)]
    _cli(url, tmp_path, "demo-data")   # the app runs on the database again
