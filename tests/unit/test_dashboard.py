"""The dashboard's task list per role, its empty states, its links and its constant queries."""
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.main.tasks import Task, tasks_for
from commissioning.panels import operations as panel_ops
from commissioning.panels.models import AgeBand, AllocationRule, BallotType


def _keys(tasks):
    return {t.key: t for t in tasks}


@pytest.fixture
def a_panel(create_user, create_pot):
    """A facilitator's panel with ``members`` members aged 16-17 and ``young`` under 16 without consent."""
    def factory(members=2, young=0, rounds=1, open_rounds=0):
        facilitator = create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=50_000_000)
        panel = panel_ops.create_panel("Dashboard panel", None, facilitator)
        people = [panel_ops.add_member(panel, f"Member {i}", AgeBand.age_16_17)[0] for i in range(members)]
        people += [panel_ops.add_member(panel, f"Young {i}", AgeBand.age_14_15)[0] for i in range(young)]
        now = utcnow()
        made = []
        for i in range(rounds + open_rounds):
            rnd = panel_ops.create_round(
                panel, facilitator, title=f"Round {i}", pot=pot, budget_pence=100_000, ballot_type=BallotType.within_budget,
                max_projects=None, min_projects=None, rule=AllocationRule.greedy, quorum=None,
                min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))
            panel_ops.add_project(rnd, "A project", "A plain summary.", 50_000)
            if i >= rounds:
                panel_ops.open_voting(rnd, facilitator)
            made.append(rnd)
        db.session.commit()
        return facilitator, panel, people, made
    return factory


def test_member_with_two_rounds_open_is_asked_to_vote_not_told_nothing_needs_attention(a_panel, login, client):
    """Seen: the member's dashboard said "Nothing needs your attention" with two rounds open for voting."""
    _facilitator, _panel, people, _rounds = a_panel(rounds=0, open_rounds=2)
    member = people[0]
    tasks = _keys(tasks_for(member.user))
    assert tasks["rounds_to_vote"].count == 2
    code = panel_ops.issue_joining_code(member)
    db.session.commit()
    client.post("/join", data={"code": code})
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Nothing needs your attention" not in page
    assert "Vote in 2 rounds that are open" in page
