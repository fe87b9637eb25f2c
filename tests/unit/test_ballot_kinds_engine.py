"""Cumulative and ordinal ballots in the engine against the reference, pabutools 1.2.3 (GPL, tests only).

Side by side (sat classes of pabutools):

- equal-shares on cumulative / ordinal ballots: ``method_of_equal_shares`` with
  ``Additive_Cardinal_Sat`` / ``Additive_Borda_Sat``; add1 is ``voter_budget_increment=1``;
  add1u and utilitarian_greedy complete it with ``greedy_utilitarian_welfare`` and the same sat
  class (which funds projects nobody chose: the engine's ``unvoted=True``).
- greedy: by total score. pabutools' ``greedy_utilitarian_welfare`` orders by satisfaction per
  unit of cost, so the reference is run with a satisfaction of score x cost (``ScoreTimesCost``
  below, the cardinal counterpart of ``Cost_Sat``, which makes greedy on approval ballots order
  by approvals).
- compare="greedy": ``popularity_comparison`` with the kind's sat class over [the rule, greedy].
- ties "approvals": a TieBreakingRule on (-supporters, name), supporters being the voters who
  gave the project points or ranked it; "id" is ``lexico_tie_breaking``.
"""
import random
from fractions import Fraction

import pytest
from pabutools.election import (Additive_Borda_Sat, Additive_Cardinal_Sat, AdditiveSatisfaction, CardinalBallot,
                                CardinalProfile, Instance, OrdinalBallot, OrdinalProfile, Project)
from pabutools.rules import (completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares,
                             popularity_comparison)
from pabutools.tiebreaking import TieBreakingRule, lexico_tie_breaking

from commissioning.panels.allocation import AllocationError, allocate

SATS = {"cumulative": Additive_Cardinal_Sat, "ordinal": Additive_Borda_Sat}


def _score(ballot, project):
    if isinstance(ballot, OrdinalBallot):
        return len(ballot) - ballot.position(project) - 1 if project in ballot else 0
    return ballot.get(project, 0)


class ScoreTimesCost(AdditiveSatisfaction):
    """A voter's score for a project times its cost: greedy by it orders projects by total score."""

    def __init__(self, instance, profile, ballot):
        AdditiveSatisfaction.__init__(self, instance, profile, ballot,
                                      lambda inst, prof, b, p, pre: _score(b, p) * p.cost)


def reference(kind, costs, ballots, budget, rule, completion="add1", ties="approvals", compare=None):
    """The outcome pabutools gives, as sorted project ids."""
    projects = {p: Project(p, c) for p, c in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    if kind == "cumulative":
        profile = CardinalProfile([CardinalBallot({projects[p]: u for p, u in b.items()}) for b in ballots],
                                  instance=instance)
    else:
        profile = OrdinalProfile([OrdinalBallot([projects[p] for p in b]) for b in ballots], instance=instance)
    sat = SATS[kind]
    supporters = {p: sum(p in b for b in ballots) for p in costs}
    tie = {"approvals": TieBreakingRule(lambda inst, prof, p: (-supporters[p.name], p.name)),
           "id": lexico_tie_breaking}[ties]

    def mes_rule(inst, prof, initial_budget_allocation=None, **_):
        increment = 1 if completion in ("add1", "add1u") else None
        def run(i, p, initial_budget_allocation=None, resoluteness=True):
            return method_of_equal_shares(i, p, sat_class=sat, voter_budget_increment=increment, tie_breaking=tie,
                                          initial_budget_allocation=initial_budget_allocation)
        if completion in ("add1u", "utilitarian_greedy"):
            def complete(i, p, initial_budget_allocation=None, resoluteness=True):
                return greedy_utilitarian_welfare(i, p, sat_class=sat, tie_breaking=tie,
                                                  initial_budget_allocation=initial_budget_allocation)
            return completion_by_rule_combination(inst, prof, [run, complete],
                                                  initial_budget_allocation=initial_budget_allocation)
        return run(inst, prof, initial_budget_allocation)

    def greedy_rule(inst, prof, initial_budget_allocation=None, **_):
        return greedy_utilitarian_welfare(inst, prof, sat_class=ScoreTimesCost, tie_breaking=tie,
                                          initial_budget_allocation=initial_budget_allocation)

    chosen = {"equal-shares": mes_rule, "greedy": greedy_rule}[rule]
    if compare == "greedy":
        outcome = popularity_comparison(instance, profile, sat, [chosen, greedy_rule])[0]
    else:
        outcome = chosen(instance, profile)
    return sorted(p.name for p in outcome)


def ours(kind, costs, ballots, budget, rule, **options):
    return allocate(rule, costs, ballots, budget, kind=kind, unvoted=True, **options)["selected"]


def random_instance(rng, kind, max_projects=7, max_voters=14, pence=False):
    """Small instances with ties (shared costs, repeated ballots), free projects, empty ballots and
    budgets spent exactly."""
    m, n = rng.randint(1, max_projects), rng.randint(0, max_voters)
    shared = rng.randint(1, 40)
    costs = {f"p{i}": rng.choice([rng.randint(1, 60), shared, shared, 0]) for i in range(m)}
    if pence:
        costs = {p: c + Fraction(rng.randint(0, 99), 100) for p, c in costs.items()}
    ids = sorted(costs)

    def ballot():
        chosen = rng.sample(ids, rng.randint(0, m))
        if kind == "cumulative":
            return {p: rng.choice([1, 1, 2, 3, rng.randint(1, 10)]) for p in chosen}
        return chosen

    usual = [ballot() for _ in range(rng.randint(1, 3))]
    ballots = [rng.choice(usual) if rng.random() < 0.5 else ballot() for _ in range(n)]
    if m >= 2 and rng.random() < 0.5:
        # Twins: p0 and p1 cost the same and score the same with the same supporters, so only the tie
        # order tells them apart (in a ranking, each ballot comes with its mirror, p0 and p1 swapped).
        costs["p1"] = costs["p0"]
        if kind == "cumulative":
            ballots = [{**{p: u for p, u in b.items() if p != "p1"}, **({"p1": b["p0"]} if "p0" in b else {})}
                       for b in ballots]
        else:
            swap = {"p0": "p1", "p1": "p0"}
            ballots = [x for b in ballots[: n // 2 + 1] for x in (b, [swap.get(p, p) for p in b])][:n]
    some = [p for p in ids if rng.random() < 0.5]
    budget = rng.choice([rng.randint(0, 150), sum(costs[p] for p in some), shared * rng.randint(1, 4)])
    if pence and rng.random() < 0.5:
        budget += Fraction(rng.randint(1, 99), 100)
    return costs, ballots, budget


CASES = [("equal-shares", dict(completion=c)) for c in ("add1", "none", "add1u", "utilitarian_greedy")] + \
    [("greedy", {})]


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
@pytest.mark.parametrize("rule, options", CASES, ids=[f"{r}-{'-'.join(o.values()) or 'plain'}" for r, o in CASES])
@pytest.mark.parametrize("ties", ["approvals", "id"])
def test_every_rule_matches_the_reference_on_random_instances(kind, rule, options, ties):
    rng = random.Random(f"{kind}{rule}{sorted(options.items())}{ties}")
    for i in range(30):
        costs, ballots, budget = random_instance(rng, kind, pence=i % 4 == 3)
        expected = reference(kind, costs, ballots, budget, rule, ties=ties, **options)
        assert ours(kind, costs, ballots, budget, rule, ties=ties, **options) == expected, (costs, ballots, budget)


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
def test_the_comparison_step_matches_the_reference(kind):
    rng = random.Random(kind)
    taken = set()
    for _ in range(60):
        costs, ballots, budget = random_instance(rng, kind, max_voters=20)
        result = allocate("equal-shares", costs, ballots, budget, kind=kind, compare="greedy", unvoted=True)
        assert result["selected"] == reference(kind, costs, ballots, budget, "equal-shares", compare="greedy"), \
            (costs, ballots, budget)
        taken.add(result["comparison"]["taken"])
    assert taken == {"greedy", "equal-shares"}   # the instances reach both sides of the comparison


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
def test_without_unvoted_the_outcome_is_the_reference_on_the_projects_someone_chose(kind):
    rng = random.Random(f"unvoted{kind}")
    for _ in range(40):
        costs, ballots, budget = random_instance(rng, kind)
        voted = {p: c for p, c in costs.items() if any(p in b for b in ballots)}
        for rule, options in CASES:
            assert allocate(rule, costs, ballots, budget, kind=kind, **options)["selected"] == \
                reference(kind, voted, ballots, budget, rule, **options), (rule, options, costs, ballots, budget)


def test_zero_costs_empty_ballots_no_ballots_and_an_exhausted_budget():
    costs = {"free": 0, "paid": 50, "other": 50}
    for kind, ballots in [("cumulative", [{}, {}]), ("ordinal", [[], []]),
                          ("cumulative", [{"free": 2, "paid": 1}, {"free": 1}]),
                          ("ordinal", [["free", "paid"], ["paid", "free"], ["other"]]),
                          ("cumulative", []), ("ordinal", [])]:
        for budget in (0, 50, 100):
            for rule, options in CASES:
                assert ours(kind, costs, ballots, budget, rule, **options) == \
                    reference(kind, costs, ballots, budget, rule, **options), (kind, ballots, budget, rule, options)
    # A free project with points is selected first by equal shares; a project ranked only last scores 0.
    assert allocate("equal-shares", costs, [{"free": 1}], 0, kind="cumulative")["selected"] == ["free"]
    traced = allocate("equal-shares", {"a": 10, "b": 10}, [["a", "b"], ["a", "b"]], 20, kind="ordinal", trace=True)
    assert traced["selected"] == ["a"]
    assert traced["trace"]["projects"]["b"]["reason"] == "no_score"
    assert traced["trace"]["projects"]["b"]["votes"] == 2 and traced["trace"]["projects"]["b"]["score"] == "0"


def test_min_share_counts_supporters_and_a_ranking_is_scored_again_without_the_projects_left_out():
    costs = {"a": 10, "b": 10, "c": 10}
    cumulative = [{"a": 5, "b": 1}, {"a": 1}, {"a": 1, "c": 9}, {"b": 1}]   # supporters a 3, b 2, c 1
    assert allocate("greedy", costs, cumulative, 100, kind="cumulative", min_share=50)["selected"] == ["a", "b"]
    assert allocate("greedy", costs, cumulative, 10, kind="cumulative")["selected"] == ["c"]   # most points
    assert allocate("greedy", costs, cumulative, 10, kind="cumulative", min_share=30)["selected"] == ["a"]
    # Without c, the ranking [c, b, a] is [b, a]: b scores 1, a 0.
    ordinal = [["c", "b", "a"], ["a", "b"]]
    trimmed = allocate("greedy", costs, ordinal, 100, kind="ordinal", min_share=100, trace=True)["trace"]
    assert {p: f["score"] for p, f in trimmed["projects"].items()} == {"a": "1", "b": "1"}
    assert reference("ordinal", {"a": 10, "b": 10}, [["b", "a"], ["a", "b"]], 10, "equal-shares") == \
        allocate("equal-shares", costs, ordinal, 10, kind="ordinal", min_share=100, unvoted=True)["selected"]


def test_the_trace_has_the_approval_shape_with_scores_and_agrees_with_the_outcome():
    rng = random.Random(99)
    for kind in ("cumulative", "ordinal"):
        for _ in range(40):
            costs, ballots, budget = random_instance(rng, kind)
            for rule, options in CASES:
                plain = allocate(rule, costs, ballots, budget, kind=kind, **options)
                traced = allocate(rule, costs, ballots, budget, kind=kind, trace=True, **options)
                assert traced["selected"] == plain["selected"]
                trace = traced["trace"]
                assert {"rule", "budget", "voters", "projects", "order"} <= trace.keys()
                projects = trace["projects"]
                assert sorted(projects) == sorted(costs)
                assert sorted(p for p, f in projects.items() if f["funded"]) == plain["selected"]
                for p, facts in projects.items():
                    assert facts["votes"] == sum(p in b for b in ballots)
                    assert Fraction(facts["cost"]) == costs[p]
                    assert int(facts["score"]) == sum(
                        (b.get(p, 0) if kind == "cumulative" else (len(b) - b.index(p) - 1 if p in b else 0))
                        for b in ballots)
                    if facts["reason"] == "bought":
                        assert Fraction(facts["money"]) >= costs[p] and Fraction(facts["each_paid_at_most"]) > 0
                    elif facts["reason"] == "could_not_afford":
                        assert Fraction(facts["money"]) < costs[p]
                if rule == "equal-shares" and ballots:
                    assert {"share", "completion"} <= trace.keys()
                    assert trace["order"] == [p for p in trace["order"] if projects[p]["reason"] == "bought"]


def test_ballots_and_options_that_do_not_fit_the_kind_are_refused_in_words():
    costs = {"a": 10, "b": 10}
    for kind, ballots, words in [
        ("cumulative", [{"a": 0}], "whole numbers above 0"),
        ("cumulative", [{"a": 1.5}], "whole numbers above 0"),
        ("cumulative", [{"z": 1}], "not on the ballot"),
        ("cumulative", [["a"]], "not a list of points"),
        ("ordinal", [["a", "a"]], "more than once"),
        ("ordinal", [{"a", "b"}], "not a ranking"),
        ("ordinal", [["z"]], "not on the ballot"),
    ]:
        with pytest.raises(AllocationError, match=words):
            allocate("greedy", costs, ballots, 10, kind=kind)
    with pytest.raises(AllocationError, match="approval ballots only"):
        allocate("phragmen", costs, [["a"]], 10, kind="ordinal")
    with pytest.raises(AllocationError, match="utility 'approvals' cannot be chosen"):
        allocate("equal-shares", costs, [{"a": 1}], 10, kind="cumulative", utility="approvals")
    with pytest.raises(AllocationError, match="Unknown ballot kind"):
        allocate("greedy", costs, [["a"]], 10, kind="stars")
    # The kind's own utility may be named; the default "cost" means the same.
    assert allocate("equal-shares", costs, [{"a": 1}], 10, kind="cumulative", utility="points")["selected"] == ["a"]
    assert allocate("equal-shares", costs, [["b", "a"]], 10, kind="ordinal", utility="borda")["selected"] == ["b"]


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
def test_add1_jumps_give_the_outcome_and_share_of_stepping_one_unit_at_a_time(kind):
    from commissioning.panels.rules.common import read_ballots, supporter_counts
    from commissioning.panels.rules.mes import scored_equal_shares
    rng = random.Random(f"jumps{kind}")
    raised = 0
    for i in range(150):
        costs, ballots, budget = random_instance(rng, kind, max_projects=8, max_voters=30, pence=i % 3 == 0)
        scored = read_ballots(kind, costs, ballots)
        counts = supporter_counts(costs, scored)
        jumped, stepped = {}, {}
        got = scored_equal_shares(costs, scored, counts, budget, trace=jumped)
        assert got == scored_equal_shares(costs, scored, counts, budget, trace=stepped, stepwise=True), \
            (costs, ballots, budget)
        assert jumped == stepped
        raised += bool(jumped.get("share") and jumped["share"]["raises"] > 3)
    assert raised > 20   # enough instances where add1 raised the shares several times


def test_add1_on_scored_ballots_does_not_grow_with_the_unit(monkeypatch):
    """The same cumulative instance in pence and in hundredths of pence: a hundred times the add1
    steps for the reference, but the runs of the method stay bounded by where the run changes."""
    from commissioning.panels.rules import mes
    rng = random.Random(8)
    ids = [f"p{i}" for i in range(10)]
    costs = {p: rng.randint(20, 200) for p in ids}
    ballots = [{p: rng.randint(1, 5) for p in rng.sample(ids, rng.randint(1, 4))} for _ in range(50)]
    runs = []
    real = mes._scored_once
    monkeypatch.setattr(mes, "_scored_once", lambda *a, **k: runs.append(1) or real(*a, **k))

    def count(scale):
        runs.clear()
        outcome = allocate("equal-shares", {p: c * scale for p, c in costs.items()}, ballots, 500 * scale,
                           kind="cumulative")["selected"]
        return outcome, len(runs)

    (pence, in_pence), (hundredths, in_hundredths) = count(100), count(10_000)
    assert pence == hundredths == reference("cumulative", costs, ballots, 500, "equal-shares")
    assert in_hundredths < 2 * in_pence + 10, (in_pence, in_hundredths)
