from datetime import timedelta
from fractions import Fraction

import pytest

from commissioning.accounts.models import Role
from commissioning.bids.operations import start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.evaluation.models import ConsensusScore, Interest, RunStatus, ScoringRun
from commissioning.evaluation.operations import (
    EvaluationError, assign, declare, moderate, request_scoring, run_scoring, save_scores)
from commissioning.evaluation.scoring import price_points, score_bids
from commissioning.extensions import db
from commissioning.opportunities.operations import close_due
from commissioning.outbox.models import OutboxTask
from tests.fixtures.factories import complete_bid


@pytest.fixture
def closed_round(create_opportunity, create_user, create_organisation, give_documents):
    """A closed opportunity with two submitted bids and three assigned evaluators."""
    def factory(bidders=2):
        past = utcnow() - timedelta(days=10)
        opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
        bids = []
        for i in range(bidders):
            org = create_organisation(f"Bidder {i} {opp.id}")
            give_documents(org)
            user = create_user(Role.provider, organisation=org)
            bid = start_bid(opp, org, user, now=past)
            complete_bid(bid, user, now=past)
            bid.price_pence = [40_000_00, 50_000_00, 45_000_00][i % 3]
            submit_bid(bid, user, f"token-{bid.id}-abcdefgh", now=past)
            bids.append(bid)
        close_due()
        evaluators = [create_user(Role.evaluator) for _ in range(3)]
        assign(opp, bids, evaluators, None)
        db.session.commit()
        return opp, bids, evaluators
    return factory


def _full(opp, value=3):
    return {c["name"]: (value, "Clear evidence") for c in opp.quality_criteria}


def test_a_declared_interest_recuses_the_evaluator_on_every_route(app, closed_round):
    opp, (bid_a, bid_b), (conflicted, *_others) = closed_round()
    client = app.test_client()
    client.post("/login", data={"email": conflicted.email, "password": "a-long-test-password"})
    # Before declaring, no bid is shown at all.
    assert client.get(f"/evaluation/{opp.id}").status_code == 302
    assert client.get(f"/evaluation/bids/{bid_a.id}").status_code == 403
    declare(opp, conflicted, bid_a.organisation, Interest.family, "My sister is its chair")
    declare(opp, conflicted, bid_b.organisation, Interest.none)
    db.session.commit()
    listing = client.get(f"/evaluation/{opp.id}").get_data(as_text=True)
    assert f'href="/evaluation/bids/{bid_a.id}"' not in listing
    submission = bid_a.submissions[-1]
    for method, url in [("get", f"/evaluation/bids/{bid_a.id}"), ("post", f"/evaluation/bids/{bid_a.id}"),
                        ("get", f"/opportunities/{opp.id}/bids/{submission.id}"),
                        ("get", f"/opportunities/{opp.id}/bids"), ("get", f"/opportunities/{opp.id}/moderation"),
                        ("get", f"/opportunities/{opp.id}/scoring")]:
        assert getattr(client, method)(url).status_code == 403, url


def test_an_interest_needs_details(closed_round):
    opp, (bid, _), (evaluator, *_) = closed_round()
    with pytest.raises(EvaluationError, match="Describe your financial interest"):
        declare(opp, evaluator, bid.organisation, Interest.financial, "")


def test_scores_are_checked_immutable_and_independent(app, closed_round):
    opp, (bid, other_bid), (first, second, third) = closed_round()
    for evaluator in (first, second, third):
        for b in (bid, other_bid):
            declare(opp, evaluator, b.organisation, Interest.none)
    name = opp.quality_criteria[0]["name"]
    with pytest.raises(EvaluationError, match="from 0 to 5"):
        save_scores(bid, first, {name: (6, "Too generous")})
    with pytest.raises(EvaluationError, match="Justify your score"):
        save_scores(bid, first, {c["name"]: (3, "") for c in opp.quality_criteria}, submit=True)
    save_scores(bid, second, _full(opp, 4), submit=True)
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": first.email, "password": "a-long-test-password"})
    before = client.get(f"/evaluation/bids/{bid.id}").get_data(as_text=True)
    assert second.name not in before  # cannot see a colleague's scores before submitting their own
    bad = client.post(f"/evaluation/bids/{bid.id}", data={"score-0": "x", "submit": "1"})
    assert bad.status_code == 400 and "as a whole number" in bad.get_data(as_text=True)
    form = {f"score-{i}": "3" for i in range(len(opp.quality_criteria))}
    form.update({f"justification-{i}": "Good evidence" for i in range(len(opp.quality_criteria))}, submit="1")
    assert client.post(f"/evaluation/bids/{bid.id}", data=form).status_code == 302
    after = client.get(f"/evaluation/bids/{bid.id}").get_data(as_text=True)
    assert second.name in after
    with pytest.raises(EvaluationError, match="cannot change"):
        save_scores(bid, first, _full(opp, 5), submit=True)


def test_moderation_needs_scores_and_keeps_history(closed_round, create_user):
    opp, (bid, _), (evaluator, *_) = closed_round()
    commissioner = create_user(Role.commissioner)
    name = opp.quality_criteria[0]["name"]
    with pytest.raises(EvaluationError, match="moderation needs scored bids"):
        moderate(bid, commissioner, name, 3, "Agreed")
    declare(opp, evaluator, bid.organisation, Interest.none)
    save_scores(bid, evaluator, _full(opp, 2), submit=True)
    with pytest.raises(EvaluationError, match="reason"):
        moderate(bid, commissioner, name, 3, "")
    with pytest.raises(EvaluationError, match="from 0 to 5"):
        moderate(bid, commissioner, name, 9, "Too high")
    moderate(bid, commissioner, name, 3, "First view")
    moderate(bid, commissioner, name, 4, "After discussion")
    history = db.session.scalars(db.select(ConsensusScore.score).where(ConsensusScore.bid_id == bid.id)
                                 .order_by(ConsensusScore.id)).all()
    assert history == [3, 4]


def test_price_formulas_totals_and_ties():
    assert price_points("lowest_over_bid", 30, 50_000, 40_000) == Fraction(24)
    assert price_points("proportional_difference", 30, 60_000, 40_000) == Fraction(15)
    assert price_points("proportional_difference", 30, 100_000, 40_000) == 0
    criteria = [{"name": "Q", "kind": "quality", "weight": 70, "scale_max": 5},
                {"name": "P", "kind": "price", "weight": 30, "price_formula": "lowest_over_bid"}]
    result = score_bids(criteria, [(1, "A", 100), (2, "B", 100), (3, "C", 200)],
                        {(1, "Q"): 4, (2, "Q"): 4, (3, "Q"): 5})
    assert [(r["bid_id"], r["rank"], r["total"]) for r in result["bids"]] == [(1, 1, 86.0), (2, 1, 86.0), (3, 3, 85.0)]
    assert result["ties"] == [[1, 2]]


def test_scoring_run_is_queued_idempotent_and_bounded(closed_round, create_user, count_queries):
    commissioner = create_user(Role.commissioner)

    def scored(bidders):
        opp, bids, evaluators = closed_round(bidders)
        for evaluator in evaluators:
            for b in bids:
                declare(opp, evaluator, b.organisation, Interest.none)
                save_scores(b, evaluator, _full(opp, 3), submit=True)
        run = request_scoring(opp, commissioner)
        db.session.commit()
        assert db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == "evaluation.score_opportunity")
                                  .order_by(OutboxTask.id.desc())).first().kwargs == {"run_id": run.id}
        with count_queries() as count:
            run_scoring(run.id)
        return run, count()

    run, small = scored(2)
    _, large = scored(9)
    assert small == large, "scoring must not issue a query per bid"
    assert run.status is RunStatus.done and len(run.result["bids"]) == 2
    first = dict(run.result)
    run_scoring(run.id)  # again: nothing changes
    assert db.session.get(ScoringRun, run.id).result == first


def test_a_scoring_run_that_dies_half_way_leaves_no_partial_result(closed_round, create_user, monkeypatch):
    from workers.tasks.evaluation import score_opportunity
    opp, bids, evaluators = closed_round()
    run_id = request_scoring(opp, create_user(Role.commissioner)).id
    db.session.commit()

    def killed(*_args, **_kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr("commissioning.evaluation.operations.score_by_lot", killed)
    with pytest.raises(SystemExit):
        score_opportunity(run_id)
    stored = db.session.get(ScoringRun, run_id)
    assert stored.status is RunStatus.queued and stored.result is None
    monkeypatch.undo()
    run_scoring(run_id)  # the retry completes it
    assert db.session.get(ScoringRun, run_id).status is RunStatus.done


# --- duties apart: an interest in one bidder takes the evaluator off its competition ---------------

def _signed_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": "a-long-test-password"}).status_code == 302
    return client


def test_an_interest_in_one_bidder_takes_the_evaluator_off_its_rivals_too(app, closed_round):
    opp, (bid_a, bid_b), (conflicted, *_others) = closed_round()
    declare(opp, conflicted, bid_a.organisation, Interest.trustee, "I am a trustee")
    declare(opp, conflicted, bid_b.organisation, Interest.none)
    db.session.commit()
    with pytest.raises(EvaluationError, match="off this competition"):
        save_scores(bid_b, conflicted, _full(opp), submit=True)
    client = _signed_in(app, conflicted)
    listing = client.get(f"/evaluation/{opp.id}").get_data(as_text=True)
    assert f'href="/evaluation/bids/{bid_b.id}"' not in listing and "No bids for you to score" in listing
    assert f"You declared an interest in {bid_a.organisation.name}, so you are off this competition" in listing
    refused = client.get(f"/evaluation/bids/{bid_b.id}")
    assert refused.status_code == 403 and "so you are off this competition" in refused.get_data(as_text=True)
    assert client.post(f"/evaluation/bids/{bid_b.id}", data={"score-0": "3"}).status_code == 403


def test_the_commissioner_may_allow_it_and_the_reason_is_recorded(app, closed_round, create_user):
    from commissioning.audit.models import AuditEntry
    from commissioning.evaluation.models import ConflictDeclaration
    opp, (bid_a, bid_b), (conflicted, *_others) = closed_round()
    declaration = declare(opp, conflicted, bid_a.organisation, Interest.employment, "I worked there in 2019")
    declare(opp, conflicted, bid_b.organisation, Interest.none)
    commissioner = create_user(Role.commissioner)
    db.session.commit()
    boss = _signed_in(app, commissioner)
    page = boss.get(f"/opportunities/{opp.id}/evaluation").get_data(as_text=True)
    assert "Off this competition" in page and "Allow and record why" in page
    url = f"/opportunities/{opp.id}/evaluation/declarations/{declaration.id}/allow"
    boss.post(url, data={"reason": ""})
    assert db.session.get(ConflictDeclaration, declaration.id).allowed_at is None
    assert boss.post(url, data={"reason": "Left five years ago; no continuing link"}).status_code == 302
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "evaluation.interest_allowed")).one()
    assert entry.details["reason"] == "Left five years ago; no continuing link" and entry.user_id == commissioner.id
    save_scores(bid_b, conflicted, _full(opp), submit=True)  # the rival, now allowed
    with pytest.raises(EvaluationError, match="cannot score its bid"):
        save_scores(bid_a, conflicted, _full(opp))  # never the bidder declared against
    listing = _signed_in(app, conflicted).get(f"/evaluation/{opp.id}").get_data(as_text=True)
    assert "the commissioner allowed you to score the other bids" in listing
    assert "Left five years ago; no continuing link" in listing and f'href="/evaluation/bids/{bid_b.id}"' in listing


def test_with_lots_an_interest_takes_the_evaluator_off_that_lot_only(
        create_opportunity, create_organisation, create_user, give_documents):
    past = utcnow() - timedelta(days=10)
    opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past)
    opp.lots = [{"name": "North"}, {"name": "South"}]
    bids = []
    for lot in ("North", "North", "South"):
        org = create_organisation()
        give_documents(org)
        user = create_user(Role.provider, organisation=org)
        bid = start_bid(opp, org, user, lot=lot, now=past)
        complete_bid(bid, user, now=past)
        submit_bid(bid, user, f"tok-{bid.id}-lots-duties", now=past)
        bids.append(bid)
    close_due()
    evaluator = create_user(Role.evaluator)
    assign(opp, bids, [evaluator], None)
    declare(opp, evaluator, bids[0].organisation, Interest.family, "My brother runs it")
    for bid in bids[1:]:
        declare(opp, evaluator, bid.organisation, Interest.none)
    with pytest.raises(EvaluationError, match="off lot “North”"):
        save_scores(bids[1], evaluator, _full(opp), submit=True)
    assert save_scores(bids[2], evaluator, _full(opp), submit=True).status.value == "submitted"


def test_marks_made_by_an_evaluator_off_the_competition_do_not_count(closed_round, create_user):
    """Sheets saved before the rule (here written straight to the database) stay out of the ranking."""
    from commissioning.evaluation.models import Score, ScoreSheet, SheetStatus
    from commissioning.evaluation.util import evaluation_counts
    opp, (bid_a, bid_b), (conflicted, fair, _third) = closed_round()
    for evaluator in (conflicted, fair):
        declare(opp, evaluator, bid_a.organisation, Interest.trustee if evaluator is conflicted else Interest.none,
                "A trustee of the first bidder" if evaluator is conflicted else None)
        declare(opp, evaluator, bid_b.organisation, Interest.none)
    save_scores(bid_b, fair, _full(opp, 2), submit=True)
    db.session.add(ScoreSheet(bid_id=bid_b.id, evaluator_id=conflicted.id, status=SheetStatus.submitted,
                              submitted_at=utcnow(), scores=[Score(criterion=c["name"], score=0, justification="Weak")
                                                             for c in opp.quality_criteria]))
    db.session.flush()
    assert evaluation_counts(opp)[bid_b.id] == 1
    run = run_scoring(request_scoring(opp, create_user(Role.commissioner)).id)
    row = next(r for r in run.result["bids"] if r["bid_id"] == bid_b.id)
    assert {line["score"] for line in row["lines"] if line["score"] is not None} == {2.0}
