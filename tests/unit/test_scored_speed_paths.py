"""The fast paths of equal shares on cumulative and ordinal ballots against the exact count.

rules/scored.py decides runs in floating point and skips whole intervals of add1 shares with two
runs (see its notes); rules/mes.py's exact runs (gmpy2) and ``stepwise=True`` (one unit at a time,
as pabutools) are the yardstick. Instances have ties on purpose: twin projects, shared costs,
repeated ballots, free projects and pence.
"""
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from commissioning.panels.allocation import allocate
from commissioning.panels.pabulib import parse_pb
from commissioning.panels.rules import mes, scored
from commissioning.panels.rules.common import order_key, read_ballots, supporter_counts

ROOT = Path(__file__).resolve().parents[2]
KINDS = ROOT / "tests" / "data" / "pabulib" / "kinds"


def instance(rng, kind, projects=8, voters=40, pence=False):
    m, n = rng.randint(2, projects), rng.randint(1, voters)
    top = rng.choice([60, 900])   # large costs for few voters: add1 raises the shares many times
    shared = rng.randint(5, top)
    costs = {f"p{i}": rng.choice([rng.randint(1, top), shared, shared, 0]) for i in range(m)}
    if pence:
        costs = {p: c + Fraction(rng.randint(0, 99), 100) for p, c in costs.items()}
    ids = sorted(costs)

    def ballot():
        chosen = rng.sample(ids, rng.randint(1, m))
        if kind == "cumulative":
            return {p: rng.choice([1, 1, 2, 3, rng.randint(1, 10)]) for p in chosen}
        return chosen

    usual = [ballot() for _ in range(rng.randint(1, 3))]
    ballots = [rng.choice(usual) if rng.random() < 0.5 else ballot() for _ in range(n)]
    if rng.random() < 0.3:   # twins: p0 and p1 the same in cost and support, told apart by the tie order only
        costs["p1"] = costs["p0"]
        if kind == "cumulative":
            ballots = [{**{p: u for p, u in b.items() if p != "p1"}, **({"p1": b["p0"]} if "p0" in b else {})}
                       for b in ballots]
        else:
            swap = {"p0": "p1", "p1": "p0"}
            ballots = [x for b in ballots[: n // 2 + 1] for x in (b, [swap.get(p, p) for p in b])][:n]
    budget = rng.choice([rng.randint(1, 3 * top), sum(costs.values()) // 2, shared * rng.randint(1, 4)])
    return costs, ballots, budget


def prepared(kind, costs, ballots, ties="approvals"):
    scored_ballots = read_ballots(kind, costs, ballots)
    counts = supporter_counts(costs, scored_ballots)
    multiplicity, groups = mes._scored_groups(costs, scored_ballots)
    candidates = [p for p in groups if costs[p] > 0]
    tie = order_key(counts, ties)
    return scored_ballots, counts, multiplicity, groups, candidates, tie


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
def test_screened_add1_gives_the_outcome_and_trace_of_stepping_exactly(kind):
    rng = random.Random(f"screened{kind}")
    raised = 0
    for i in range(200):
        costs, ballots, budget = instance(rng, kind, pence=i % 4 == 0)
        for ties in ("approvals", "id"):
            scored_ballots, counts, *_ = prepared(kind, costs, ballots, ties)
            fast, slow = {}, {}
            got = mes.scored_equal_shares(costs, scored_ballots, counts, budget, trace=fast, ties=ties)
            assert got == mes.scored_equal_shares(costs, scored_ballots, counts, budget, trace=slow, ties=ties,
                                                  stepwise=True), (costs, ballots, budget, ties)
            assert fast == slow
            raised += fast["share"]["raises"] > 5
    assert raised > 30   # enough instances where add1 raised the shares many times


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
def test_a_screened_run_is_the_exact_run_or_says_it_cannot_tell(kind):
    rng = random.Random(f"runs{kind}")
    decided = unsure = 0
    for _ in range(150):
        costs, ballots, budget = instance(rng, kind)
        _, _, multiplicity, groups, candidates, tie = prepared(kind, costs, ballots)
        election = scored.Election(costs, groups, multiplicity, candidates, tie)
        n = len(ballots)
        for k in range(0, 60, 3):
            share = Fraction(budget, n) + k
            exact = mes._scored_once(costs, groups, multiplicity, tie, mes.mpq(share), candidates)
            screened = election.run(float(share))
            if screened is scored.UNSURE:
                unsure += 1
                continue
            decided += 1
            assert screened[0] == exact, (costs, ballots, budget, k)
            assert len(screened[1]) == len(exact)
    assert decided > 1000 and unsure > 20   # both paths are exercised (twins make exact ties)


@pytest.mark.parametrize("kind", ["cumulative", "ordinal"])
def test_an_interval_said_to_hold_gives_the_same_exact_run_at_every_share_in_it(kind):
    rng = random.Random(f"holds{kind}")
    checked = refused = 0
    for _ in range(120):
        costs, ballots, budget = instance(rng, kind)
        _, _, multiplicity, groups, candidates, tie = prepared(kind, costs, ballots)
        election = scored.Election(costs, groups, multiplicity, candidates, tie)
        start = Fraction(budget, len(ballots))
        screened = election.run(float(start))
        if screened is scored.UNSURE:
            continue
        for t in (1, 2, 5, 12, 30):
            if not election.holds(float(start + t), *screened):
                refused += 1
                continue
            checked += 1
            for k in range(t + 1):
                exact = mes._scored_once(costs, groups, multiplicity, tie, mes.mpq(start + k), candidates)
                assert exact == screened[0], (costs, ballots, budget, t, k)
    assert checked > 100 and refused > 50


def test_the_runs_grow_with_the_log_of_the_unit_not_with_it(monkeypatch):
    """The same cumulative instance in pounds, pence and smaller units: the reference steps 100 times
    more at each, the screened count adds a few halvings per interval."""
    rng = random.Random(8)
    ids = [f"p{i}" for i in range(10)]
    costs = {p: rng.randint(20, 200) for p in ids}
    ballots = [{p: rng.randint(1, 5) for p in rng.sample(ids, rng.randint(1, 4))} for _ in range(50)]
    runs = []
    real = mes._scored_once
    monkeypatch.setattr(mes, "_scored_once", lambda *a, **k: runs.append(k.get("screen") is None) or real(*a, **k))

    def count(scale):
        runs.clear()
        outcome = allocate("equal-shares", {p: c * scale for p, c in costs.items()}, ballots, 500 * scale,
                           kind="cumulative")["selected"]
        return outcome, len(runs), sum(runs)

    (first, pence, _), (second, smaller, _), (third, smallest, exact_runs) = [
        count(scale) for scale in (100, 10_000, 1_000_000)]
    assert first == second == third
    assert exact_runs == 0                      # every run decided in floating point
    # A hundred times the unit adds about as many runs each time (a few halvings per interval): the log of it.
    assert smaller < 2 * pence and smallest - smaller <= smaller - pence + 10, (pence, smaller, smallest)


def test_quoted_fields_are_read_as_the_csv_module_reads_them():
    """Every line of up to 6 characters from a small alphabet with a quote in it (the fast reading of
    fully quoted fields, and the csv module for the rest)."""
    import csv
    import itertools

    from commissioning.panels.pabulib import _quoted
    checked = 0
    for length in range(1, 7):
        for chars in itertools.product('a;" ', repeat=length):
            line = "".join(chars)
            if '"' in line:
                assert _quoted(line) == next(csv.reader([line], delimiter=";")), line
                checked += 1
    assert checked > 3000


@pytest.mark.parametrize("name", ["Poland_Czestochowa_2025_Mirow", "Poland_Krakow_2018_Wzgorza_Krzeslawickie"])
def test_pb_allocate_on_a_scored_file_imports_neither_gmpy2_nor_numpy_nor_decimal(name):
    """What makes the command start fast on these files, with the outcome of the exact count stepping
    one unit at a time (which tests/unit/test_ballot_kinds_engine.py holds to the reference)."""
    path = KINDS / f"{name}.pb"
    code = ("import json, sys\n"
            "from commissioning.panels.pabulib import allocate_file\n"
            f"result = allocate_file({str(path)!r}, 'equal-shares')\n"
            "print(json.dumps({'selected': result['selected'], "
            "'loaded': sorted(m for m in ('gmpy2', 'numpy', 'decimal', 'fractions', 'csv') if m in sys.modules)}))")
    done = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                     cwd=ROOT).stdout)
    assert done["loaded"] == []
    data = parse_pb(path.read_text(encoding="utf-8-sig"))
    scored_ballots = read_ballots(data["kind"], data["costs"], data["ballots"])
    stepped = mes.scored_equal_shares(data["costs"], scored_ballots, supporter_counts(data["costs"], scored_ballots),
                                      data["budget"], stepwise=True)
    assert done["selected"] == sorted(stepped, key=str)



def test_a_rho_left_over_by_voters_who_paid_nearly_all_is_not_trusted_to_floating_point():
    """One voter gives a million points and runs out paying nearly the whole cost; the one point of the
    other pays what is left. cost - paid then keeps few correct digits: the screen says it cannot tell,
    and the count (exact there) still gives the exact outcome."""
    costs = {"a": 1000, "b": 1000}
    ballots = [{"a": 10 ** 6, "b": 1}, {"a": 1, "b": 10 ** 6}]
    _, counts, multiplicity, groups, candidates, tie = prepared("cumulative", costs, ballots)
    election = scored.Election(costs, groups, multiplicity, candidates, tie)
    assert election.rho("a", [1000 - 2e-3] * 2, scored._CLOSE * 1000) is scored.UNSURE
    assert election.rho("a", [999.0, 999.0], scored._CLOSE * 1000) == pytest.approx(1.0)   # 999 + 1 x 1
    scored_ballots = read_ballots("cumulative", costs, ballots)
    for budget in (1998, 1999, 2000, 1999.996):
        budget = Fraction(budget).limit_denominator(10_000)
        assert mes.scored_equal_shares(costs, scored_ballots, counts, budget) == \
            mes.scored_equal_shares(costs, scored_ballots, counts, budget, stepwise=True)


def approval_instance(rng, projects=8, voters=40):
    """Approval ballots where add1 raises the shares many times: costs large for the voters there are."""
    m, n = rng.randint(2, projects), rng.randint(1, voters)
    shared = rng.randint(50, 900)
    costs = {f"p{i}": rng.choice([rng.randint(1, 900), shared, shared, 0]) for i in range(m)}
    ids = sorted(costs)
    usual = [set(rng.sample(ids, rng.randint(1, m))) for _ in range(rng.randint(1, 3))]
    ballots = [rng.choice(usual) if rng.random() < 0.6 else set(rng.sample(ids, rng.randint(1, m)))
               for _ in range(n)]
    if rng.random() < 0.3:   # twins
        costs["p1"] = costs["p0"]
        ballots = [(b - {"p1"}) | ({"p1"} if "p0" in b else set()) for b in ballots]
    budget = rng.choice([sum(costs.values()) // 2, shared * rng.randint(1, 4), rng.randint(1, 2000)])
    return costs, ballots, budget


def test_approval_add1_handed_to_floating_point_gives_the_outcome_and_trace_of_stepping_exactly(monkeypatch):
    """Small approval elections are counted in plain Python; where that would hand over to numpy (the
    same purchases 16 steps in a row), the rest of add1 is tried with rules/scored.py's intervals."""
    handed = []
    real = scored.Election.add1

    def add1(self, *args):
        done = real(self, *args)
        handed.append(done is not None)
        return done

    monkeypatch.setattr(scored.Election, "add1", add1)
    rng = random.Random("approval-screen")
    for _ in range(250):
        costs, ballots, budget = approval_instance(rng)
        for utility in ("cost", "approvals"):
            fast, slow = {}, {}
            got = mes.equal_shares(costs, ballots, budget, utility=utility, trace=fast)
            assert got == mes.equal_shares(costs, ballots, budget, utility=utility, trace=slow, stepwise=True), \
                (costs, ballots, budget, utility)
            assert fast == slow
    assert sum(handed) > 40 and not all(handed), (sum(handed), len(handed))   # finished in floats, or not
