"""Closing a round early, and the public pages that lead to published results.

Seen: "Closing a round early asks for no confirmation and the page still says 'closes 30 January
2027'." and "No public page links to panel results."
"""
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import operations as ops
from commissioning.panels.models import AgeBand, AllocationRule, BallotType, RoundStatus
from commissioning.setup import _london


@pytest.fixture
def open_round(create_user, create_pot):
    """An open round closing in three weeks, five members (one not voting yet, with a joining code)."""
    def factory(voters=4, title="Summer activities"):
        facilitator = create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=5_000_000)
        panel = ops.create_panel("Closing panel", None, facilitator)
        members = [ops.add_member(panel, f"Voter {i}", AgeBand.age_16_17) for i in range(voters + 1)]
        now = utcnow()
        rnd = ops.create_round(panel, facilitator, title=title, pot=pot, budget_pence=1_000_000,
                               ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                               rule=AllocationRule.greedy, quorum=None, min_approval_percent=None,
                               opens_at=now, closes_at=now + timedelta(days=21))
        first = ops.add_project(rnd, "Trips", "Days out.", 400_000)
        ops.add_project(rnd, "Kit", "Football kit.", 300_000)
        ops.open_voting(rnd, facilitator)
        for member, _code in members[:voters]:
            ops.cast_ballot(rnd, member, [first.id])
        db.session.commit()
        return rnd, facilitator, members[voters]
    return factory


def test_closing_early_asks_first_and_says_what_happens_next(open_round, login, client):
    rnd, facilitator, _reader = open_round()
    login(facilitator)
    page = client.get(f"/panels/rounds/{rnd.id}").get_data(as_text=True)
    assert f'action="/panels/rounds/{rnd.id}/close"' in page and "Close voting early" in page
    confirm = client.post(f"/panels/rounds/{rnd.id}/close")     # the round page's button: asks, closes nothing
    html = confirm.get_data(as_text=True)
    db.session.refresh(rnd)
    assert confirm.status_code == 200 and rnd.status is RoundStatus.open and rnd.closed_at is None
    assert f"Close voting in {rnd.title} now?" in html
    assert "govuk-warning-text" in html and f"Voting is due to close {_london(rnd.closes_at)}" in html
    assert "the 1 of 5 members who have not voted cannot vote in this round" in html
    assert "What happens next" in html and "every page says it closed early" in html
    assert ">Close voting now</button>" in html and 'name="confirmed" value="yes"' in html
    assert f'href="/panels/rounds/{rnd.id}"' in html and "No, go back" in html
    closed = client.post(f"/panels/rounds/{rnd.id}/close", data={"confirmed": "yes"})
    assert closed.status_code == 302
    db.session.refresh(rnd)
    assert rnd.status is RoundStatus.closed and rnd.closed_early
    assert rnd.closed_at is not None and rnd.closed_at < rnd.closes_at
    # Once closed, there is nothing to ask about: closing again is refused at once, in words.
    again = client.post(f"/panels/rounds/{rnd.id}/close")
    assert again.status_code == 400 and "reload it" in again.get_data(as_text=True)


def test_after_closing_early_every_page_says_so_and_not_the_old_date(open_round, login, client):
    rnd, facilitator, (reader, code) = open_round(voters=5)
    due = _london(rnd.closes_at)
    ops.close_voting(rnd, facilitator, "closed early by the facilitator")
    db.session.commit()
    closed_on = f"closed early, on {_london(rnd.closed_at)}"
    login(facilitator)
    page = client.get(f"/panels/rounds/{rnd.id}").get_data(as_text=True)
    assert closed_on in page and due not in page
    ops.count_round(rnd.id)
    db.session.commit()
    page = client.get(f"/panels/rounds/{rnd.id}").get_data(as_text=True)
    assert closed_on in page and due not in page
    client.post("/logout")
    results = client.get(f"/panels/rounds/{rnd.id}/results").get_data(as_text=True)
    assert "Closed early, on" in results and due not in results
    client.post("/join", data={"code": code})
    mine = client.get("/panels/me").get_data(as_text=True)
    assert closed_on in mine and due not in mine
    vote = client.get(f"/panels/rounds/{rnd.id}/vote").get_data(as_text=True)
    assert closed_on in vote and due not in vote


def test_a_round_closed_at_its_time_is_not_called_early(open_round):
    rnd, _facilitator, _reader = open_round()
    later = rnd.closes_at + timedelta(minutes=1)
    assert ops.close_due(now=later) == [rnd.id]
    assert rnd.closed_at == later and not rnd.closed_early


def test_the_public_index_lists_published_results_and_each_links_back(open_round, client, create_user):
    published, facilitator, _r = open_round(voters=5, title="Shown round")
    ops.close_voting(published, facilitator, "test")
    ops.count_round(published.id)
    few, facilitator2, _r2 = open_round(voters=2, title="Too few round")     # below PANEL_MIN_BALLOTS
    ops.close_voting(few, facilitator2, "test")
    ops.count_round(few.id)
    db.session.commit()
    index = client.get("/panels/results")
    html = index.get_data(as_text=True)
    assert index.status_code == 200
    assert f'href="/panels/rounds/{published.id}/results"' in html and "Shown round" in html
    assert "Too few round" not in html
    results = client.get(f"/panels/rounds/{published.id}/results").get_data(as_text=True)
    assert 'href="/panels/results"' in results
    withheld = client.get(f"/panels/rounds/{few.id}/results").get_data(as_text=True)
    assert 'href="/panels/results"' in withheld


def test_the_public_index_says_what_will_appear_when_there_is_nothing(client):
    html = client.get("/panels/results").get_data(as_text=True)
    assert "No results yet. When a panel’s votes have been counted" in html


def test_the_public_index_takes_constant_queries(open_round, client, count_queries):
    def shown():
        rnd, facilitator, _r = open_round(voters=5)
        ops.close_voting(rnd, facilitator, "test")
        ops.count_round(rnd.id)
        db.session.commit()

    shown()
    with count_queries() as few:
        client.get("/panels/results")
    for _ in range(3):
        shown()
    with count_queries() as more:
        client.get("/panels/results")
    assert more() == few()
