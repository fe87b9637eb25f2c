"""Every rule, completion and option of the engine against the reference, pabutools 1.2.3 (GPL, tests only).

Random instances come from seeded generators that aim at the edges: ties (equal costs, the same
ballots many times), projects that cost nothing, empty ballots, budgets spent to the penny and
budgets in pence (Fractions). Real pabulib files under tests/data/pabulib/ are compared too.

pabutools' rules and the engine's options, side by side:

- equal-shares, utility cost / approvals: ``method_of_equal_shares`` with ``Cost_Sat`` /
  ``Cardinality_Sat``; add1 is ``voter_budget_increment=1``, none is ``None``.
- add1u and utilitarian_greedy: ``completion_by_rule_combination`` of that and
  ``greedy_utilitarian_welfare`` with the same satisfaction (which funds projects nobody chose:
  the engine's ``unvoted=True``).
- greedy: ``greedy_utilitarian_welfare`` with ``Cost_Sat`` (``unvoted=True``).
- phragmen: ``sequential_phragmen``.
- compare="greedy": ``popularity_comparison`` over [the rule, greedy], the rule's outcome kept
  when both come back.
- ties "approvals" is a TieBreakingRule on (-approvals, name); "id" is ``lexico_tie_breaking``.
"""
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import (ApprovalBallot, ApprovalProfile, Cardinality_Sat, Cost_Sat, Instance,
                                Project)
from pabutools.rules import (completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares,
                             popularity_comparison, sequential_phragmen)
from pabutools.tiebreaking import TieBreakingRule, lexico_tie_breaking

from commissioning.panels import allocation
from commissioning.panels.allocation import AllocationError, allocate, eligible
from commissioning.panels.pabulib import parse_pb, write_pb
from commissioning.panels.rules import mes
from commissioning.panels.rules.common import plain

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib"
BY_APPROVALS = TieBreakingRule(lambda inst, prof, p: (-prof.approval_score(p), p.name))
TIE_RULES = {"approvals": BY_APPROVALS, "id": lexico_tie_breaking}
SATS = {"cost": Cost_Sat, "approvals": Cardinality_Sat}


def reference(costs, ballots, budget, rule, completion="add1", utility="cost", ties="approvals", compare=None):
    """The outcome pabutools gives, as sorted project ids."""
    projects = {p: Project(p, c) for p, c in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots], instance=instance)
    tie, sat = TIE_RULES[ties], SATS[utility]

    def mes_rule(inst, prof, initial_budget_allocation=None, **_):
        increment = 1 if completion in ("add1", "add1u") else None
        run = lambda i, p, initial_budget_allocation=None, resoluteness=True: method_of_equal_shares(  # noqa: E731
            i, p, sat_class=sat, voter_budget_increment=increment, tie_breaking=tie,
            initial_budget_allocation=initial_budget_allocation)
        if completion in ("add1u", "utilitarian_greedy"):
            complete = lambda i, p, initial_budget_allocation=None, resoluteness=True: greedy_utilitarian_welfare(  # noqa: E731,E501
                i, p, sat_class=sat, tie_breaking=tie, initial_budget_allocation=initial_budget_allocation)
            return completion_by_rule_combination(inst, prof, [run, complete],
                                                  initial_budget_allocation=initial_budget_allocation)
        return run(inst, prof, initial_budget_allocation)

    def greedy_rule(inst, prof, initial_budget_allocation=None, **_):
        return greedy_utilitarian_welfare(inst, prof, sat_class=Cost_Sat, tie_breaking=tie,
                                          initial_budget_allocation=initial_budget_allocation)

    def phragmen_rule(inst, prof, initial_budget_allocation=None, **_):
        return sequential_phragmen(inst, prof, tie_breaking=tie, initial_budget_allocation=initial_budget_allocation)

    chosen = {"equal-shares": mes_rule, "greedy": greedy_rule, "phragmen": phragmen_rule}[rule]
    if compare == "greedy":
        outcomes = popularity_comparison(instance, profile, sat, [chosen, greedy_rule])
        outcome = outcomes[0]   # the rule's own when both are returned: it is computed first
    else:
        outcome = chosen(instance, profile)
    return sorted(p.name for p in outcome)


def ours(costs, ballots, budget, rule, **options):
    return allocate(rule, costs, ballots, budget, unvoted=True, **options)["selected"]


def random_instance(rng, max_projects=8, max_voters=14, pence=False):
    """Small instances with ties, free projects, empty ballots and budgets spent exactly."""
    m, n = rng.randint(1, max_projects), rng.randint(0, max_voters)
    shared = rng.randint(1, 40)
    costs = {f"p{i}": rng.choice([rng.randint(1, 60), shared, shared, 0]) for i in range(m)}
    if pence:
        costs = {p: c + Fraction(rng.randint(0, 99), 100) for p, c in costs.items()}
    ids = sorted(costs)
    kinds = [set(rng.sample(ids, rng.randint(0, m))) for _ in range(rng.randint(1, 4))]
    ballots = [set(rng.choice(kinds)) if rng.random() < 0.5 else set(rng.sample(ids, rng.randint(0, m)))
               for _ in range(n)]
    some = [p for p in ids if rng.random() < 0.5]
    budget = rng.choice([rng.randint(0, 150), sum(costs[p] for p in some), shared * rng.randint(1, 4)])
    if pence and rng.random() < 0.5:
        budget += Fraction(rng.randint(1, 99), 100)
    return costs, ballots, budget


CASES = [("equal-shares", dict(completion=c, utility=u)) for c in ("add1", "none", "add1u", "utilitarian_greedy")
         for u in ("cost", "approvals")] + [("greedy", {}), ("phragmen", {})]


@pytest.mark.parametrize("rule, options", CASES, ids=[f"{r}-{'-'.join(o.values()) or 'plain'}" for r, o in CASES])
@pytest.mark.parametrize("ties", ["approvals", "id"])
def test_every_rule_matches_the_reference_on_random_instances(rule, options, ties):
    rng = random.Random(f"{rule}{sorted(options.items())}{ties}")
    for i in range(40):
        costs, ballots, budget = random_instance(rng, pence=i % 4 == 3)
        expected = reference(costs, ballots, budget, rule, ties=ties, **options)
        assert ours(costs, ballots, budget, rule, ties=ties, **options) == expected, (costs, ballots, budget)


@pytest.mark.parametrize("utility", ["cost", "approvals"])
def test_the_comparison_step_matches_the_reference(utility):
    rng = random.Random(utility)
    taken = set()
    for _ in range(60):
        costs, ballots, budget = random_instance(rng, max_projects=7, max_voters=20)
        result = allocate("equal-shares", costs, ballots, budget, utility=utility, compare="greedy", unvoted=True)
        assert result["selected"] == reference(costs, ballots, budget, "equal-shares", utility=utility,
                                               compare="greedy"), (costs, ballots, budget)
        taken.add(result["comparison"]["taken"])
    assert taken == {"greedy", "equal-shares"}   # the instances reach both sides of the comparison


def test_projects_nobody_chose_are_funded_only_when_asked():
    costs = {"liked": 30, "ignored": 20, "free": 0}
    ballots = [{"liked"}, {"liked", "free"}]
    assert allocate("greedy", costs, ballots, 100)["selected"] == ["free", "liked"]
    assert allocate("greedy", costs, ballots, 100, unvoted=True)["selected"] == ["free", "ignored", "liked"]
    assert allocate("equal-shares", costs, ballots, 100, completion="add1u")["selected"] == ["free", "liked"]
    assert allocate("phragmen", costs, ballots, 100)["selected"] == ["free", "liked"]
    # Without the option, the outcome is the reference's on the ballot without the unvoted projects.
    rng = random.Random(7)
    for _ in range(40):
        costs, ballots, budget = random_instance(rng)
        voted = {p: c for p, c in costs.items() if any(p in b for b in ballots)}
        for rule, options in CASES:
            assert allocate(rule, costs, ballots, budget, **options)["selected"] == \
                reference(voted, ballots, budget, rule, **options), (rule, options, costs, ballots, budget)


def test_a_minimum_share_of_voters_leaves_out_less_chosen_projects():
    costs = {"a": 10, "b": 10, "c": 10}
    ballots = [{"a", "b"}, {"a"}, {"a", "c"}, {"b"}]   # a: 75%, b: 50%, c: 25%
    assert allocate("greedy", costs, ballots, 100, min_share=50)["selected"] == ["a", "b"]
    assert allocate("greedy", costs, ballots, 100, min_share=Fraction(101, 2))["selected"] == ["a"]
    assert allocate("greedy", costs, ballots, 100, min_share=25)["selected"] == ["a", "b", "c"]
    with pytest.raises(AllocationError, match="percentage"):
        allocate("greedy", costs, ballots, 100, min_share=101)
    rng = random.Random(3)
    for _ in range(30):
        costs, ballots, budget = random_instance(rng)
        share = rng.choice([10, 25, 40])
        kept, trimmed = eligible(costs, ballots, share)
        assert all(sum(p in b for b in ballots) * 100 >= share * len(ballots) for p in kept)
        assert ours(costs, ballots, budget, "equal-shares", min_share=share) == \
            reference(kept, trimmed, budget, "equal-shares")


def test_money_is_exact_and_floats_are_refused():
    costs = {"a": Fraction(1501, 100), "b": Fraction(1499, 100)}
    result = allocate("equal-shares", costs, [{"a"}, {"b"}], Fraction(3000, 100))
    assert result["selected"] == ["a", "b"] and result["cost"] == 30
    with pytest.raises(AllocationError, match="float"):
        allocate("greedy", {"a": 10.5}, [{"a"}], 20)


def test_add1_jumps_give_the_outcome_of_stepping_one_unit_at_a_time():
    rng = random.Random(11)
    for i in range(150):
        costs, ballots, budget = random_instance(rng, max_projects=9, max_voters=40, pence=i % 3 == 0)
        for utility in ("cost", "approvals"):
            assert allocation.equal_shares(costs, ballots, budget, utility=utility) == \
                allocation.equal_shares(costs, ballots, budget, utility=utility, stepwise=True), \
                (costs, ballots, budget, utility)


def test_add1_does_not_grow_with_the_budget_per_voter(monkeypatch):
    """The same instance in pence and in hundredths of pence: a hundred times as many add1 steps for
    the reference, but the runs of the method stay bounded by the shares at which something in
    the run changes, which do not depend on the unit."""
    rng = random.Random(5)
    ids = [f"p{i}" for i in range(12)]
    costs = {p: rng.randint(20, 200) for p in ids}
    ballots = [set(rng.sample(ids, rng.randint(1, 4))) for _ in range(60)]
    runs = []
    real = mes._equal_shares_once
    monkeypatch.setattr(mes, "_equal_shares_once", lambda *a, **k: runs.append(1) or real(*a, **k))

    def count(scale, **options):
        runs.clear()
        outcome = allocation.equal_shares({p: c * scale for p, c in costs.items()}, ballots, 600 * scale, **options)
        return outcome, len(runs)

    (pence, in_pence), (stepped, steps) = count(100), count(100, stepwise=True)
    assert pence == stepped and steps > 4 * in_pence, (steps, in_pence)
    _, in_hundredths = count(10_000)   # 60,000 steps for the reference
    assert in_hundredths < 2 * in_pence + 10, (in_pence, in_hundredths)


def test_zero_costs_empty_ballots_and_no_ballots():
    costs = {"free": 0, "paid": 50}
    assert ours(costs, [set(), set()], 100, "equal-shares") == reference(costs, [set(), set()], 100, "equal-shares")
    # Cost utilities: a free project gives nobody anything, so equal shares never buys it; with
    # approval-count utilities it is selected first. Both as the reference.
    for utility in ("cost", "approvals"):
        got = ours(costs, [{"free", "paid"}, {"free"}], 100, "equal-shares", utility=utility)
        assert got == reference(costs, [{"free", "paid"}, {"free"}], 100, "equal-shares", utility=utility)
    assert "free" in ours(costs, [{"free"}], 100, "equal-shares", utility="approvals")
    for rule, options in CASES:
        assert ours(costs, [], 100, rule, **options) == reference(costs, [], 100, rule, **options), (rule, options)


def test_unknown_options_are_refused():
    for bad in (dict(completion="add2"), dict(utility="joy"), dict(ties="coin"), dict(compare="phragmen")):
        with pytest.raises(AllocationError):
            allocate("equal-shares", {"a": 1}, [{"a"}], 1, **bad)
    with pytest.raises(AllocationError, match="only for equal-shares"):
        allocate("greedy", {"a": 1}, [{"a"}], 1, completion="add1")


def test_a_budget_with_pence_is_read_exactly_and_written_back():
    text = write_pb({"description": "pence", "budget": Fraction(1500050, 100)}, {"1": Fraction(1000025, 100),
                                                                                "2": 5000}, {}, [(1, ["1", "2"])])
    assert "budget;15000.5\n" in text and "1;10000.25;1\n" in text
    data = parse_pb(text)
    assert data["budget"] == Fraction(30001, 2) and data["costs"] == {"1": Fraction(40001, 4), "2": 5000}
    assert parse_pb(text.replace("15000.5", "15000.50"))["budget"] == Fraction(30001, 2)
    assert parse_pb(text.replace("15000.5", "1.5e4"))["budget"] == 15000


def real_files():
    return sorted(DATA.glob("*.pb"))


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in real_files()
                                  if p.stat().st_size < 120_000])
def test_real_pabulib_files_match_the_reference(path):
    """Single runs only: the reference takes about a minute per file for add1 on this machine, so
    add1 on these files is compared by bench/bench_allocation.py (and Świecie's below)."""
    data = parse_pb(path.read_text(encoding="utf-8-sig"))
    costs, ballots, budget = data["costs"], data["ballots"], data["budget"]
    for rule, options in [("equal-shares", dict(completion="none")),
                          ("equal-shares", dict(completion="utilitarian_greedy", utility="approvals")),
                          ("phragmen", {}), ("greedy", {})]:
        assert ours(costs, ballots, budget, rule, **options) == reference(costs, ballots, budget, rule, **options), \
            (path.name, rule, options)


def test_the_command_takes_every_option(tmp_path):
    path = tmp_path / "round.pb"
    costs = {"1": 60, "2": 40, "3": Fraction(6001, 200)}
    ballots = [["1", "2"], ["1"], ["2", "3"], ["3"]]
    path.write_text(write_pb({"description": "t", "budget": Fraction(20001, 200)}, costs, {},
                             list(enumerate(ballots, start=1))))
    exe = str(Path(sys.executable).with_name("commissioning"))
    for args, expected in [
        (["--rule", "equal-shares", "--completion", "add1u", "--utility", "approvals"],
         reference(costs, [set(b) for b in ballots], Fraction(20001, 200), "equal-shares", completion="add1u",
                   utility="approvals")),
        (["--rule", "phragmen", "--ties", "id"],
         reference(costs, [set(b) for b in ballots], Fraction(20001, 200), "phragmen", ties="id")),
        (["--rule", "greedy", "--min-share", "50"], ["1", "2"]),
        (["--rule", "greedy", "--min-share", "51"], []),
    ]:
        done = subprocess.run([exe, "pb", "allocate", str(path), *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["selected"] == expected, args
        assert result["cost"] == plain(sum((costs[p] for p in expected), Fraction(0)))


def test_swiecie_2023_gets_the_result_the_city_published():
    """Świecie counted its 2023 vote with equal shares and add1; the file's ``selected`` column is its result."""
    text = (DATA / "Poland_Swiecie_2023.pb").read_text(encoding="utf-8-sig")
    data = parse_pb(text)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "PROJECTS")
    header = lines[start + 1].split(";")
    published = []
    for line in lines[start + 2:]:
        if line.strip() == "VOTES":
            break
        row = dict(zip(header, line.split(";")))
        if row["selected"] == "1":
            published.append(row["project_id"])
    assert published
    assert allocate("equal-shares", data["costs"], data["ballots"], data["budget"])["selected"] == \
        sorted(published, key=str)


def test_batches_of_runs_settle_only_what_floating_point_can_and_agree_with_exact_runs():
    import numpy as np
    from gmpy2 import mpq

    from commissioning.panels.rules.common import approval_counts, order_key
    rng = random.Random(21)
    settled = 0
    for i in range(60):
        costs, ballots, budget = random_instance(rng, max_projects=9, max_voters=30, pence=i % 3 == 0)
        if not ballots:
            continue
        supporters = {p: np.array([v for v, b in enumerate(ballots) if p in b], dtype=np.int64) for p in costs}
        supporters = {p: s for p, s in supporters.items() if len(s)}
        tie = order_key(approval_counts(costs, ballots), "approvals")
        shares = [mpq(budget) / len(ballots) + k for k in range(8)]
        for utility in ("cost", "approvals"):
            batch = mes._equal_shares_batch(costs, supporters, tie, shares, len(ballots), utility)
            for share, outcome in zip(shares, batch):
                if outcome is not None:
                    settled += 1
                    assert outcome == mes._equal_shares_once(costs, supporters, tie, share, len(ballots), utility)
    assert settled > 300   # most runs are settled in the batch, and each agrees with the exact run


def test_repeated_ballots_are_counted_once_with_the_same_outcome(monkeypatch):
    """Add1's runs weigh each distinct ballot by its voters when that halves the entries (real files
    repeat ballots a great deal); the outcome is still pabutools', and the weighted runs were used."""
    weighted = []
    real = mes._equal_shares_once

    def spy(*args, **kwargs):
        weighted.append(kwargs.get("weights", args[6] if len(args) > 6 else None) is not None)
        return real(*args, **kwargs)

    monkeypatch.setattr(mes, "_equal_shares_once", spy)
    rng = random.Random(18)
    for i in range(40):
        m = rng.randint(2, 7)
        shared = rng.randint(5, 40)
        costs = {f"p{j}": rng.choice([rng.randint(1, 60), shared, shared, 0]) for j in range(m)}
        kinds = [set(rng.sample(sorted(costs), rng.randint(0, m))) for _ in range(rng.randint(1, 4))]
        ballots = [set(rng.choice(kinds)) for _ in range(rng.randint(8, 24))]   # at most 4 distinct
        budget = rng.randint(1, 150)
        for utility in ("cost", "approvals"):
            assert ours(costs, ballots, budget, "equal-shares", utility=utility) == \
                reference(costs, ballots, budget, "equal-shares", utility=utility), (i, utility)
    assert weighted and all(weighted)


def test_weighted_runs_agree_with_runs_voter_by_voter():
    """One entry per distinct ballot with its weight, against one entry per voter: the same purchases,
    the same batches settled, and a rise no larger (each weighted condition is one of the voters')."""
    import numpy as np

    from commissioning.panels.rules.common import approval_counts, order_key
    rng = random.Random(181)
    for i in range(60):
        m = rng.randint(2, 8)
        costs = {f"p{j}": rng.randint(1, 60) for j in range(m)}
        kinds = [frozenset(rng.sample(sorted(costs), rng.randint(1, m))) for _ in range(rng.randint(1, 5))]
        ballots = [rng.choice(kinds) for _ in range(rng.randint(2, 30))]
        distinct = sorted(set(ballots), key=sorted)
        weights = np.array([ballots.count(b) for b in distinct], dtype=float)
        per_voter = {p: np.array([v for v, b in enumerate(ballots) if p in b], dtype=np.int64) for p in costs}
        per_ballot = {p: np.array([g for g, b in enumerate(distinct) if p in b], dtype=np.int64) for p in costs}
        per_voter = {p: s for p, s in per_voter.items() if len(s)}
        per_ballot = {p: s for p, s in per_ballot.items() if len(s)}
        tie = order_key(approval_counts(costs, ballots), "approvals")
        budget = rng.randint(10, 200)
        shares = [Fraction(budget, len(ballots)) + k for k in range(6)]
        for utility in ("cost", "approvals"):
            for share in shares:
                once = mes._equal_shares_once(costs, per_voter, tie, share, len(ballots), utility)
                assert mes._equal_shares_once(costs, per_ballot, tie, share, len(distinct), utility, weights) == once
                rise = mes._stable_rise(costs, per_voter, utility, share, once, len(ballots))
                weighed = mes._stable_rise(costs, per_ballot, utility, share, once, len(distinct), weights=weights)
                assert weighed == pytest.approx(rise, rel=1e-9, abs=1e-12) or weighed <= rise
            batch = mes._equal_shares_batch(costs, per_ballot, tie, shares, len(distinct), utility, weights)
            for share, outcome in zip(shares, batch):
                if outcome is not None:
                    assert outcome == mes._equal_shares_once(costs, per_voter, tie, share, len(ballots), utility)


def _run_and_list_imports(path):
    """``pb allocate`` on ``path`` in a fresh interpreter; its stderr ends with which heavy modules it imported.

    The command ends with os._exit (no teardown): the probe turns that into SystemExit to look around after.
    """
    probe = ("import os, sys\ndef _stop(code):\n    raise SystemExit(code)\nos._exit = _stop\n"
             "from commissioning.entry import main\nsys.argv = ['commissioning', 'pb', 'allocate', "
             f"{str(path)!r}, '--rule', 'equal-shares']\n"
             "try:\n    main()\nexcept SystemExit as done:\n    assert done.code == 0\n"
             "print(sorted(m for m in ('click', 'gmpy2', 'flask', 'numpy') if m in sys.modules), file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)


def test_the_command_starts_without_click_or_gmpy2():
    """Start-up is part of the time the command is measured on: click (~30 ms) and gmpy2 (~30 ms, it
    imports importlib.metadata) are left out of a plain approval count, and Flask always."""
    done = _run_and_list_imports(DATA / 'Poland_Swiecie_2023.pb')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["selected"]
    # Świecie is small enough for the floating-point screen, so not even numpy is imported now.
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_add1_does_not_replay_in_vain_where_purchases_keep_changing(monkeypatch):
    """Amsterdam 166: its purchases change every few add1 steps (60 changes in 274), so a replay
    looking for a jump finds none; none is tried (each cost as much as some tens of runs), and
    the outcome is that of stepping one unit at a time."""
    data = parse_pb((DATA / "Netherlands_Amsterdam_166.pb").read_text(encoding="utf-8-sig"))
    replays = []
    real = mes._stable_rise
    monkeypatch.setattr(mes, "_stable_rise", lambda *a, **k: replays.append(1) or real(*a, **k))
    outcome = allocation.equal_shares(data["costs"], data["ballots"], data["budget"])
    assert replays == []
    assert outcome == allocation.equal_shares(data["costs"], data["ballots"], data["budget"], stepwise=True)


def test_plain_python_runs_agree_with_exact_runs_or_give_up():
    """Small elections are first counted in plain Python floating point (no numpy to import): each
    run there either gives the exact run's purchases or gives up (None) for an exact run, as on
    near ties between twin projects and budgets spent to the penny."""
    from collections import Counter

    import numpy as np

    from commissioning.panels.rules.common import approval_counts, order_key
    rng = random.Random(1818)
    agreed = given_up = 0
    for i in range(150):
        costs, ballots, budget = random_instance(rng, max_projects=9, max_voters=30, pence=i % 4 == 0)
        if not ballots:
            continue
        distinct = Counter(map(frozenset, ballots))
        counts = list(distinct.values())
        members = {p: [g for g, b in enumerate(distinct) if p in b] for p in costs}
        members = {p: g for p, g in members.items() if g}
        sizes = {p: sum(counts[g] for g in group) for p, group in members.items()}
        per_voter = {p: np.array([v for v, b in enumerate(ballots) if p in b], dtype=np.int64) for p in members}
        tie = order_key(approval_counts(costs, ballots), "approvals")
        for utility in ("cost", "approvals"):
            for k in range(4):
                share = mes.mpq(budget) / len(ballots) + k if i % 4 == 0 else Fraction(budget, len(ballots)) + k
                plain_run = mes._pure_once(costs, members, counts, sizes, share, utility)
                if plain_run is None:
                    given_up += 1
                else:
                    agreed += 1
                    assert plain_run == mes._equal_shares_once(costs, per_voter, tie, share, len(ballots), utility)
    assert agreed > 500 and given_up > 10, (agreed, given_up)


def test_a_small_election_is_counted_without_numpy():
    """Gdynia 2024 (17 projects, 787 distinct ballots for 17,660 voters): importing numpy took longer
    than counting it; the command now counts it in plain Python, with the outcome pabutools gives
    (bench/bench_allocation.py compares it)."""
    done = _run_and_list_imports(DATA / 'Poland_Gdynia_2024.pb')
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert json.loads(done.stdout)["selected"] == [
        "2024/OGM/0001", "2024/OGM/0002", "2024/OGM/0007", "2024/OGM/0008", "2024/OGM/0009", "2024/OGM/0011",
        "2024/OGM/0015", "2024/OGM/0018", "2024/OGM/0027", "2024/OGM/0030", "2024/OGM/0037", "2024/OGM/0038"]
