"""Exact Equal Shares and ADD-OPT (commissioning/panels/rules/exact.py) against the reference.

The reference is pabutools' repository head, commit 33b857525edecbe6ccccdd24713cd53fd15adf35
(17 June 2026; ``pabutools/rules/ees_addopt.py`` last changed in 32a25849c527), vendored
unchanged under tests/reference/pabutools_head/ (GPL-3.0, tests only; pabutools 1.2.3 on PyPI
has no EES). Its ties are by project name, so ``ties="id"`` throughout the comparisons.

What the reference covers and where it stops:
- ``exact_equal_shares`` (one run): both utilities (``utilities=None`` is utility 1 per approved
  project; ``{p: cost}`` is cost utilities). Compared on random instances and real files.
- ``add_opt`` / ``greedy_project_change`` (the next rise of the share) compares payments, which
  is right for utility 1 per project only: with cost utilities it can give a rise that is not
  the next change, and can loop for ever (``test_cost_utilities_where_the_reference_loops``).
  So the rises and the completion are compared with it for ``utility="approvals"``, and for
  both utilities checked directly: no share between two rises changes the run, each rise does.
- ``ees_add_opt_completion`` carries on past outcomes over the budget until nothing can change
  and returns the feasible outcome that spends most: our ``completion="add-opt-exhaustive"``.
  Our default ``"add-opt"`` stops at the first outcome over the budget; it is compared with the
  reference's own functions run in that loop.
"""
import random
import signal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from gmpy2 import mpq
from pabutools.election import ApprovalBallot, ApprovalProfile, Instance, Project

from commissioning.panels.pabulib import parse_pb
from commissioning.panels.rules import exact
from commissioning.panels.rules.common import AllocationError, approval_counts, order_key
from commissioning.panels.rules.exact import exact_equal_shares
from tests.reference.pabutools_head import ees_addopt as ref

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
QUICK_FILES = ["Netherlands_Amsterdam_166", "Poland_Swiecie_2023"]   # the reference runs these in under 1 s


def reference_instance(costs, ballots, budget):
    projects = {p: Project(p, c) for p, c in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots], instance=instance)
    return instance, profile, projects


def reference_utilities(projects, utility):
    return {p: p.cost for p in projects.values()} if utility == "cost" else None


def names(allocation):
    return sorted(p.name for p in allocation)


def runs_for(costs, ballots, utility, ties="id"):
    supporters = {}
    for i, ballot in enumerate(ballots):
        for p in ballot:
            supporters.setdefault(p, []).append(i)
    supporters = {p: np.array(v, dtype=np.int64) for p, v in supporters.items()}
    tie = order_key(approval_counts(costs, ballots), ties)
    return exact._Runs(costs, supporters, tie, len(ballots), utility)


def run_at(costs, ballots, utility, share, ties="id"):
    """(projects bought in order, [(project, payers)]) of one run at ``share``, from scratch."""
    runs = runs_for(costs, ballots, utility, ties)
    runs.run(mpq(share), next_change=False)
    return runs.bought(), [(p, payers.tolist()) for p, payers, _, _ in runs.rounds]


def generate(rng):
    """Small instances with equal costs (ties), zero costs, empty ballots and budgets from none to plenty."""
    m, n = rng.randint(1, 7), rng.randint(0, 8)
    costs = {f"p{i}": rng.choice([0, 1, 2, 3, 5, 8, 10, 12, 20]) for i in range(m)}
    if rng.random() < 0.2:
        costs[f"p{m}"] = Fraction(rng.randint(1, 40), rng.choice([2, 3, 5]))   # pence, thirds
    ballots = [sorted(p for p in costs if rng.random() < 0.4) for _ in range(n)]
    budget = rng.choice([0, 1, rng.randint(0, max(1, int(sum(costs.values())))), int(sum(costs.values())) * 2])
    return costs, ballots, budget


class TookTooLong(Exception):
    pass


def with_time_limit(seconds, call):
    """``call()``, or TookTooLong after ``seconds`` (the reference can loop for ever; see the module notes)."""
    def stop(*_):
        raise TookTooLong

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- Worked examples (figures from the paper's examples, as the reference's own tests give them)

EXAMPLE_4_3 = ({"p1": 2, "p2": Fraction(16, 5), "p3": 6}, [["p1"], ["p1", "p3"], ["p2", "p3"], ["p2", "p3"], ["p3"]],
               10)


def test_example_4_3_one_run_by_hand():
    # 5 voters with 2 each. Round 1, utility 1 per project: p1 2 payers at 1 (score 2/2 = 1), p2 2 at 1.6
    # (2/3.2 = 0.625), p3 4 at 1.5 (4/6 = 0.667): p1; voters 0, 1 keep 1. Round 2: p3's four cannot each pay
    # 1.5 (voter 1 has 1), its three richest can pay 2 (3/6 = 0.5 < 0.625): p2; voters 2, 3 keep 0.4.
    # Round 3: p3's supporters hold 2, 1, 0.4, 0.4: none of 6/1, 6/2, 6/3, 6/4 is affordable. Spent 5.2 of 10.
    costs, ballots, budget = EXAMPLE_4_3
    trace = {}
    assert exact_equal_shares(costs, ballots, budget, utility="approvals", completion="none", trace=trace) == \
        ["p1", "p2"]
    assert trace["order"] == ["p1", "p2"]
    assert trace["share"] == {"start": "2", "used": "2"}
    assert trace["projects"]["p1"] == {"step": 1, "money": "4", "funded": True, "reason": "bought", "payers": 2,
                                       "each_paid": "1", "votes": 2, "cost": "2"}
    assert trace["projects"]["p2"] == {"step": 2, "money": "4", "funded": True, "reason": "bought", "payers": 2,
                                       "each_paid": "8/5", "votes": 2, "cost": "16/5"}
    # p3's supporters held 1 + 0.4 + 0.4 + 2 = 3.8 when it could no longer be afforded, at round 3.
    assert trace["projects"]["p3"] == {"step": 3, "money": "19/5", "funded": False, "reason": "could_not_afford",
                                       "votes": 4, "cost": "6"}


def test_example_4_3_next_rise_is_one_half():
    # The rise at which round 2 changes: p3 with all four paying 1.5 scores 4/6 > p2's 2/3.2, once voter 1
    # (who has 1 left after p1) has 1.5: a rise of 0.5. Every other change needs more (p3 affordable after
    # round 3: 1.5 - 0.4 = 1.1). The paper's GreedyProjectChange gives 1/2 too.
    costs, ballots, budget = EXAMPLE_4_3
    runs = runs_for(costs, ballots, "approvals")
    runs.run(mpq(2))
    assert runs.next_rise() == (mpq(1, 2), 1)
    instance, profile, _ = reference_instance(costs, ballots, budget)
    assert ref.add_opt(instance, profile, ref.exact_equal_shares(instance, profile)) == mpq(1, 2)


def test_example_4_3_add_opt_funds_p1_and_p3():
    # At 2.5 each: p1 (score 1), then p3 with four payers at 1.5 (score 2/3 beats p2's 0.625), spending 8.
    # Rising further only adds p2 to them, 11.2 over the budget of 10: the outcome at 2.5 is kept.
    costs, ballots, budget = EXAMPLE_4_3
    trace = {}
    assert exact_equal_shares(costs, ballots, budget, utility="approvals", trace=trace) == ["p1", "p3"]
    assert trace["share"] == {"start": "2", "used": "5/2"}
    assert trace["completion"]["stopped"] == "over_budget" and trace["completion"]["spent"] == "8"
    assert trace["projects"]["p3"]["payers"] == 4 and trace["projects"]["p3"]["each_paid"] == "3/2"
    assert trace["projects"]["p2"]["reason"] == "could_not_afford"
    instance, profile, _ = reference_instance(costs, ballots, budget)
    assert names(ref.ees_add_opt_completion(instance, profile)) == ["p1", "p3"]
    assert exact_equal_shares(costs, ballots, budget, utility="approvals", completion="add-opt-exhaustive") == \
        ["p1", "p3"]


def test_ees_example_equal_payments():
    # p1 (10) by voters 0, 1 at 5 each; p2 (16) by voters 2, 3 at 8 each; p3 (21) has three supporters with
    # 10, 2, 2 left: 7 each is too much for two of them, 10.5 or 21 for the richer ones too.
    costs, ballots = {"p1": 10, "p2": 16, "p3": 21}, [["p1"], ["p1", "p3"], ["p2", "p3"], ["p2", "p3"]]
    trace = {}
    assert exact_equal_shares(costs, ballots, 40, utility="approvals", completion="none", trace=trace) == \
        ["p1", "p2"]
    assert [trace["projects"][p]["each_paid"] for p in ("p1", "p2")] == ["5", "8"]
    instance, profile, _ = reference_instance(costs, ballots, 40)
    assert [p.name for p in ref.exact_equal_shares(instance, profile)] == trace["order"]


def test_remark_1_example():
    # 3 voters with 50 each; p1 (2) by voter 0 alone (score 1/2), p3 (100) by voters 1 and 2 at 50 each.
    costs = {"p1": 2, "p2": 98, "p3": 100, "p4": 51}
    ballots = [["p1", "p2"], ["p2", "p3"], ["p3", "p4"]]
    assert exact_equal_shares(costs, ballots, 150, utility="approvals", completion="none") == ["p1", "p3"]
    outcome = exact_equal_shares(costs, ballots, 150, utility="approvals")
    assert {"p1", "p3"} <= set(outcome) and sum(costs[p] for p in outcome) <= 150
    instance, profile, _ = reference_instance(costs, ballots, 150)
    assert names(ref.ees_add_opt_completion(instance, profile)) == \
        exact_equal_shares(costs, ballots, 150, utility="approvals", completion="add-opt-exhaustive")


def test_cost_utilities_where_the_reference_loops():
    # q (6) by both voters, p (2) by voter 0; 4 each. Cost utilities: q has 2 payers (score 2) against p's 1:
    # q at 3 each, then voter 0's 1 cannot pay for p. p becomes affordable at a rise of 2 - 1 = 1; at 5 each,
    # q still comes first (p's one payer never beats two), both pay 3 and voter 0 pays 2 for p: 8 of 8.
    costs, ballots = {"q": 6, "p": 2}, [["q", "p"], ["q"]]
    trace = {}
    assert exact_equal_shares(costs, ballots, 8, ties="id", trace=trace) == ["p", "q"]
    assert trace["share"] == {"start": "4", "used": "5"}
    assert trace["completion"]["stopped"] == "nothing_can_change"
    assert trace["order"] == ["q", "p"]
    # The reference's next rise compares voter 0's payment for q (3) with p's price (2) as if utilities
    # were 1 per project, and never leaves its loop.
    instance, profile, projects = reference_instance(costs, ballots, 8)
    first = ref.exact_equal_shares(instance, profile, reference_utilities(projects, "cost"))
    assert names(first) == ["q"]
    with pytest.raises(TookTooLong):
        with_time_limit(1, lambda: ref.add_opt(instance, profile, first))


def test_free_projects_come_first_and_unvoted_never():
    # As the reference: a project that costs nothing and has a vote is bought first, at no charge.
    costs, ballots = {"a": 0, "b": 4, "c": 0}, [["a", "b"], ["b"]]
    trace = {}
    assert exact_equal_shares(costs, ballots, 4, ties="id", completion="none", trace=trace) == ["a", "b"]
    assert trace["order"] == ["a", "b"]
    assert trace["projects"]["a"]["reason"] == "free" and trace["projects"]["a"]["step"] == 1
    assert trace["projects"]["b"]["step"] == 2 and trace["projects"]["b"]["each_paid"] == "2"
    assert trace["projects"]["c"] == {"step": None, "money": None, "funded": False, "reason": "no_votes",
                                      "votes": 0, "cost": "0"}


def test_no_voters_and_bad_options():
    trace = {}
    assert exact_equal_shares({"a": 1}, [], 10, trace=trace) == []
    assert trace["projects"]["a"]["reason"] == "no_votes" and trace["share"] == {"start": None, "used": None}
    with pytest.raises(AllocationError):
        exact_equal_shares({"a": 1}, [["a"]], 10, utility="effort")
    with pytest.raises(AllocationError):
        exact_equal_shares({"a": 1}, [["a"]], 10, completion="add1")
    with pytest.raises(AllocationError):
        exact_equal_shares({"a": 1.5}, [["a"]], 10)
    with pytest.raises(AllocationError):
        exact_equal_shares({"a": 1}, [["b"]], 10)


# --- Random instances against the reference

@pytest.mark.parametrize("utility", ["cost", "approvals"])
def test_one_run_agrees_with_the_reference(utility):
    rng = random.Random(1802)
    for _ in range(300):
        costs, ballots, budget = generate(rng)
        instance, profile, projects = reference_instance(costs, ballots, budget)
        expected = ref.exact_equal_shares(instance, profile, reference_utilities(projects, utility))
        assert exact_equal_shares(costs, ballots, budget, utility=utility, ties="id", completion="none") == \
            names(expected), (costs, ballots, budget)
        if ballots:   # the same order and the same payers
            bought, rounds = run_at(costs, ballots, utility, mpq(budget) / len(ballots))
            assert bought == [p.name for p in expected]
            payers = {p.name: sorted(i for i, paid in expected.details.payments.items() if p in paid)
                      for p in expected}
            assert all(payers[p] == who for p, who in rounds)


def test_next_rise_agrees_with_the_reference_add_opt():
    rng = random.Random(1803)
    compared = 0
    for _ in range(300):
        costs, ballots, budget = generate(rng)
        if not ballots:
            continue
        instance, profile, _ = reference_instance(costs, ballots, budget)
        expected = ref.add_opt(instance, profile, ref.exact_equal_shares(instance, profile))
        runs = runs_for(costs, ballots, "approvals")
        runs.run(mpq(budget) / len(ballots))
        rise, _ = runs.next_rise()
        assert rise == (None if expected == float("inf") else expected), (costs, ballots, budget)
        compared += 1
    assert compared > 250


def reference_add_opt_stopping_over_budget(instance, profile):
    """The reference's own EES and add_opt, in the loop that stops at the first outcome over the budget."""
    budget, n, share = instance.budget_limit, len(profile), mpq(instance.budget_limit)
    kept = None
    while True:
        outcome = ref.exact_equal_shares(Instance(list(instance), budget_limit=share), profile)
        if sum(mpq(p.cost) for p in outcome) > budget:
            return kept
        kept = outcome
        d = ref.add_opt(Instance(list(instance), budget_limit=share), profile, outcome)
        if d == float("inf"):
            return kept
        share += n * d


def test_completions_agree_with_the_reference():
    rng = random.Random(1804)
    for _ in range(200):
        costs, ballots, budget = generate(rng)
        if not ballots:
            continue
        instance, profile, _ = reference_instance(costs, ballots, budget)
        assert exact_equal_shares(costs, ballots, budget, utility="approvals", ties="id",
                                  completion="add-opt-exhaustive") == \
            names(ref.ees_add_opt_completion(instance, profile)), (costs, ballots, budget)
        assert exact_equal_shares(costs, ballots, budget, utility="approvals", ties="id") == \
            names(reference_add_opt_stopping_over_budget(instance, profile)), (costs, ballots, budget)


@pytest.mark.parametrize("utility", ["cost", "approvals"])
@pytest.mark.parametrize("ties", ["id", "approvals"])
def test_each_rise_is_the_next_change(utility, ties):
    """Between two rises the run stays exactly as it was (projects and payers); at each rise it changes."""
    rng = random.Random(1805)
    checked = 0
    for _ in range(60):
        costs, ballots, budget = generate(rng)
        if not ballots:
            continue
        runs = runs_for(costs, ballots, utility, ties)
        share = mpq(budget) / len(ballots)
        runs.run(share)
        for _ in range(12):
            rise, first = runs.next_rise()
            before = run_at(costs, ballots, utility, share, ties)
            assert before == (runs.bought(), [(p, who.tolist()) for p, who, _, _ in runs.rounds])   # resumed runs too
            if rise is None:
                break
            assert rise > 0
            for t in (mpq(1, 3), mpq(99, 100)):
                assert run_at(costs, ballots, utility, share + rise * t, ties) == before
            assert run_at(costs, ballots, utility, share + rise, ties) != before
            share += rise
            runs.raise_by(rise, first)
            runs.run(share, first)
            checked += 1
    assert checked > 50


def test_add_opt_returns_the_last_outcome_within_the_budget():
    rng = random.Random(1806)
    for _ in range(80):
        costs, ballots, budget = generate(rng)
        if not ballots:
            continue
        for utility in ("cost", "approvals"):
            trace = {}
            outcome = exact_equal_shares(costs, ballots, budget, utility=utility, trace=trace)
            assert sum(costs[p] for p in outcome) <= budget
            used = mpq(trace["share"]["used"])
            assert sorted(run_at(costs, ballots, utility, used, "approvals")[0], key=str) == outcome
            assert [p for p in trace["order"]] == run_at(costs, ballots, utility, used, "approvals")[0]
            funded = sorted(p for p, e in trace["projects"].items() if e["funded"])
            assert funded == sorted(outcome)


# --- Real files

def load(name):
    pb = parse_pb((DATA / f"{name}.pb").read_text(encoding="utf-8"))
    return pb["costs"], pb["ballots"], pb["budget"]


@pytest.mark.parametrize("name", QUICK_FILES)
@pytest.mark.parametrize("utility", ["cost", "approvals"])
def test_real_files_one_run_agrees_with_the_reference(name, utility):
    costs, ballots, budget = load(name)
    instance, profile, projects = reference_instance(costs, ballots, budget)
    expected = ref.exact_equal_shares(instance, profile, reference_utilities(projects, utility))
    bought, _ = run_at(costs, ballots, utility, mpq(budget) / len(ballots))
    assert bought == [p.name for p in expected]


@pytest.mark.parametrize("name", QUICK_FILES)
def test_real_files_first_rises_agree_with_the_reference(name):
    """The whole reference completion takes far too long here (about 5 minutes on Świecie); its first steps do not."""
    costs, ballots, budget = load(name)
    instance, profile, _ = reference_instance(costs, ballots, budget)
    n, share = len(ballots), mpq(budget) / len(ballots)
    runs = runs_for(costs, ballots, "approvals")
    runs.run(share)
    for _ in range(3):
        virtual = Instance(list(instance), budget_limit=share * n)
        expected = ref.exact_equal_shares(virtual, profile)
        assert runs.bought() == [p.name for p in expected]
        d = ref.add_opt(virtual, profile, expected)
        rise, first = runs.next_rise()
        assert rise == d
        share += rise
        runs.raise_by(rise, first)
        runs.run(share, first)


# --- the rule as allocate() and `commissioning pb allocate` offer it --------------------------------

def test_allocate_and_the_command_run_exact_equal_shares(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from commissioning.panels.allocation import allocate
    from commissioning.panels.pabulib import parse_pb
    from commissioning.panels.rules.exact import exact_equal_shares
    path = Path(__file__).resolve().parents[1] / "data" / "pabulib" / "Poland_Swiecie_2023.pb"
    data = parse_pb(path.read_text(encoding="utf-8-sig"))
    for completion in ("add-opt", "add-opt-exhaustive", "none"):
        direct = exact_equal_shares(data["costs"], data["ballots"], data["budget"], completion=completion)
        result = allocate("exact-equal-shares", data["costs"], data["ballots"], data["budget"], completion=completion)
        assert result["selected"] == sorted(direct, key=str)
        command = Path(sys.executable).with_name("commissioning")
        done = subprocess.run([str(command), "pb", "allocate", str(path), "--rule", "exact-equal-shares",
                               "--completion", completion], capture_output=True, text=True, check=True)
        assert json.loads(done.stdout)["selected"] == result["selected"]
    traced = allocate("exact-equal-shares", data["costs"], data["ballots"], data["budget"], trace=True)
    assert traced["trace"]["rule"] == "exact-equal-shares" and traced["trace"]["completion"]["kind"] == "add-opt"


def test_exact_equal_shares_refuses_what_it_does_not_do():
    from commissioning.panels.allocation import AllocationError, allocate
    with pytest.raises(AllocationError, match="takes the completions add-opt, add-opt-exhaustive, none"):
        allocate("exact-equal-shares", {"a": 1}, [{"a"}], 1, completion="add1")
    with pytest.raises(AllocationError, match="never funds projects nobody chose"):
        allocate("exact-equal-shares", {"a": 1}, [{"a"}], 1, unvoted=True)
    with pytest.raises(AllocationError, match="approval ballots only"):
        allocate("exact-equal-shares", {"a": 1}, [{"a": 3}], 1, kind="cumulative")
