"""Closing a round sends the count through the outbox to a real worker; members are told by mail."""
import time
from datetime import timedelta

from commissioning.accounts.models import Role
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import operations as ops
from commissioning.panels.models import AgeBand, AllocationRule, BallotType, Round, RoundStatus


def test_the_worker_counts_a_closed_round_and_members_hear_the_result(
        live_context, celery_worker_process, smtp_server, create_user, create_pot):
    facilitator = create_user(Role.panel_facilitator)
    pot = create_pot(amount_pence=5_000_000)
    panel = ops.create_panel("Worker panel", None, facilitator)
    with_email, _ = ops.add_member(panel, "Robin", AgeBand.age_18_21, email="robin@example.org")
    others = [ops.add_member(panel, f"Voter {i}", AgeBand.age_16_17)[0] for i in range(4)]
    now = utcnow()
    rnd = ops.create_round(panel, facilitator, title="Worker round", pot=pot, budget_pence=1_000_000,
                           ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                           rule=AllocationRule.equal_shares, quorum=3, min_approval_percent=None, opens_at=now,
                           closes_at=now + timedelta(days=1))
    projects = [ops.add_project(rnd, f"Idea {i}", "Plain words.", cost) for i, cost in
                enumerate((600_000, 300_000, 500_000))]
    ops.open_voting(rnd, facilitator)
    for member, choice in zip([with_email, *others], [(0,), (0, 1), (2,), (0, 1), (1,)]):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])
    ops.close_voting(rnd, facilitator, "the test closed it")
    db.session.commit()
    deadline = time.time() + 30
    while time.time() < deadline:
        db.session.expire_all()
        stored = db.session.get(Round, rnd.id)
        if stored.status is RoundStatus.decided:
            break
        db.session.rollback()
        time.sleep(0.2)
    assert stored.status is RoundStatus.decided, celery_worker_process.log_path.read_text()[-2000:]
    assert stored.result.ballots == 5 and stored.result.quorum_met   # PANEL_MIN_BALLOTS: results are shown
    assert stored.result.selected == ops.compute_outcome(stored.frozen_rules, ops.ballots_for(stored))["selected"]
    message = smtp_server.wait_for(To="robin@example.org", Subject="The results are in", timeout=60)[0]
    assert f"/panels/rounds/{rnd.id}/results" in message.get_payload(decode=True).decode()
