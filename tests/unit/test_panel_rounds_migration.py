"""Migration 0019: a round closed before it takes the time its "round.closed" audit entry records.

The demo is loaded at the head, migrated down to 0018 (no closing time kept, as before) and up
again, on PostgreSQL and on SQLite.
"""
from datetime import datetime, timezone

from tests.unit.test_ballot_migration import _cli, _columns, _rows, own_database  # noqa: F401 (a fixture)


def _utc(value):
    value = datetime.fromisoformat(value) if isinstance(value, str) else value
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_rounds_closed_before_keep_when_they_closed(own_database, tmp_path):  # noqa: F811
    url, connect = own_database
    _cli(url, tmp_path, "db", "upgrade")
    _cli(url, tmp_path, "demo-data")
    _cli(url, tmp_path, "db", "downgrade", "0018_executed_agreements")
    assert "closed_at" not in _columns(connect, "panel_rounds")
    assert "trace" not in _columns(connect, "panel_round_results")
    # Nothing that hangs off a round is lost on the way down (on SQLite a table copy would cascade).
    assert _rows(connect, "SELECT COUNT(*) FROM panel_round_results")[0][0] >= 1
    assert _rows(connect, "SELECT COUNT(*) FROM panel_ballots")[0][0] >= 5
    _cli(url, tmp_path, "db", "upgrade")
    rounds = {rid: (status, closed_at) for rid, status, closed_at in
              _rows(connect, "SELECT id, status, closed_at FROM panel_rounds")}
    closed = {oid: when for oid, when in _rows(connect, "SELECT object_id, created_at FROM audit_entries "
                                                        "WHERE object_type = 'Round' AND action = 'round.closed'")}
    assert closed, "the demo has a round that was closed"
    for rid, (status, closed_at) in rounds.items():
        if status in ("closed", "decided"):
            assert closed_at is not None and _utc(closed_at) == _utc(closed[rid]), rid
        else:
            assert closed_at is None, rid
    assert {t for (t,) in _rows(connect, "SELECT trace FROM panel_round_results")} == {None}   # counted before
