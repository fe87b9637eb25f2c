"""Migration 0014 seals what bidders did before it, their receipts and the entries about them included.

Seen in review: a council upgrading mid-tender kept "We received Alt Valley Youth Partnership's
bid for ... (OPP-0001)" readable at /admin/mail/<id>, and "bid_receipt mail queued for <bidder>"
in the audit log, because only entries about bids were sealed.
"""
from tests.unit.test_ballot_migration import _cli, _rows, own_database  # noqa: F401 (a fixture)


def _sql(text):
    """Quoted for a SQL literal: demo titles have apostrophes (Young people's ...)."""
    return text.replace("'", "''")


def _execute(connect, *statements):
    con = connect()
    try:
        cur = con.cursor()
        for sql in statements:
            cur.execute(sql)
        con.commit()
    finally:
        con.close()


def test_receipts_sent_before_the_upgrade_are_sealed_with_their_audit_entries(own_database, tmp_path):
    url, connect = own_database
    _cli(url, tmp_path, "db", "upgrade")
    _cli(url, tmp_path, "demo-data")
    _cli(url, tmp_path, "db", "downgrade", "0013_user_sessions")
    (opp_id, reference, title), = _rows(connect, "SELECT id, reference, title FROM opportunities "
                                                "WHERE reference = 'OPP-0001'")
    other_id, other_title = _rows(connect, f"SELECT id, title FROM opportunities WHERE id <> {opp_id} "
                                           "ORDER BY id")[0]
    now = "2026-11-30 10:00:00"
    # As the old code stored them: a receipt naming the reference, a withdrawal traced by its
    # subject alone, an unrelated mail, and the audit entries about each.
    _execute(connect, *[
        f"INSERT INTO outgoing_emails (id, to_address, subject, body, kind, status, attempts, created_at) "
        f"VALUES ({i}, 'bidder@example.org', '{subject}', '{body}', '{kind}', 'held', 1, '{now}')"
        for i, kind, subject, body in [
            (9001, "bid_receipt", f"Bid received: {_sql(title)}", f"We received Quietly Bidding CIC''s bid for {_sql(title)} "
                                                             f"({reference}). SHA-256 abc"),
            (9002, "bid_withdrawn", f"Bid withdrawn: {_sql(other_title)}", "Quietly Bidding CIC''s bid was withdrawn."),
            (9003, "password_changed", "Your password has been changed", "Hello"),
        ]] + [
        f"INSERT INTO audit_entries (created_at, object_type, object_id, action, summary, details) VALUES "
        f"('{now}', 'OutgoingEmail', {i}, 'mail.queued', 'mail queued for bidder@example.org', '{{}}')"
        for i in (9001, 9002, 9003)])

    _cli(url, tmp_path, "db", "upgrade")
    mails = dict(_rows(connect, "SELECT id, sealed_opportunity_id FROM outgoing_emails WHERE id > 9000"))
    assert mails == {9001: opp_id, 9002: other_id, 9003: None}
    entries = dict(_rows(connect, "SELECT object_id, sealed_opportunity_id FROM audit_entries "
                                  "WHERE object_type = 'OutgoingEmail' AND object_id > 9000"))
    assert entries == {9001: opp_id, 9002: other_id, 9003: None}
