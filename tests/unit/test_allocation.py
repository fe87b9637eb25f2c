"""The allocation engine against the reference implementation (pabutools, GPL, tests only)."""
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.rules import method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from commissioning.panels.allocation import allocate, equal_shares, greedy
from commissioning.panels.pabulib import PbFormatError, parse_pb, write_pb

# The app's tie-break, told to the reference: more approvals first, then project id as a string.
TIE_BREAK = TieBreakingRule(lambda inst, prof, p: (-prof.approval_score(p), p.name))


def reference_mes(costs, ballots, budget):
    projects = {p: Project(p, c) for p, c in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot([projects[p] for p in b]) for b in ballots])
    outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1,
                                     tie_breaking=TIE_BREAK)
    return sorted(p.name for p in outcome)


def random_instance(rng, max_projects=8, max_voters=15):
    m, n = rng.randint(1, max_projects), rng.randint(1, max_voters)
    costs = {f"p{i}": rng.choice([rng.randint(1, 60), 10, 20, 0]) for i in range(m)}
    ballots = [set(rng.sample(sorted(costs), rng.randint(0, m))) for _ in range(n)]
    return costs, ballots, rng.randint(1, 150)


@pytest.mark.parametrize("seed", range(6))
def test_equal_shares_matches_the_reference_on_random_instances(seed):
    rng = random.Random(seed)
    for _ in range(60):
        costs, ballots, budget = random_instance(rng)
        assert sorted(equal_shares(costs, ballots, budget)) == reference_mes(costs, ballots, budget), \
            (costs, ballots, budget)


def test_equal_shares_matches_on_ties_and_exhausted_budgets():
    # Identical projects and symmetric votes: only the tie-break decides.
    costs = {"b": 10, "a": 10, "c": 10}
    ballots = [{"a", "b", "c"}] * 4
    assert equal_shares(costs, ballots, 20) == reference_mes(costs, ballots, 20) == ["a", "b"]
    # The budget is spent exactly.
    costs = {"x": 50, "y": 50, "z": 1}
    ballots = [{"x"}, {"y"}, {"x", "y", "z"}]
    assert equal_shares(costs, ballots, 100) == reference_mes(costs, ballots, 100)


def test_minorities_get_their_share_unlike_greedy():
    costs = {"majority-1": 40, "majority-2": 40, "majority-3": 40, "minority": 40}
    ballots = [{"majority-1", "majority-2", "majority-3"}] * 7 + [{"minority"}] * 3
    assert greedy(costs, ballots, 120) == ["majority-1", "majority-2", "majority-3"]
    assert "minority" in equal_shares(costs, ballots, 120)
    assert equal_shares(costs, ballots, 120) == reference_mes(costs, ballots, 120)


def test_greedy_goes_by_approvals_and_skips_what_does_not_fit():
    costs = {"big": 90, "small": 20, "mid": 30}
    ballots = [{"big", "small"}, {"big", "mid"}, {"small"}, {"big"}]
    assert greedy(costs, ballots, 100) == ["big"]  # small no longer fits after big
    assert allocate("greedy", costs, ballots, 120) == {"rule": "greedy", "selected": ["big", "small"], "cost": 110}


PB = """META
key;value
description;Test round
num_projects;3
num_votes;3
budget;100
vote_type;approval
PROJECTS
project_id;cost;name
1;60;Skate park
2;40;Music studio
3;30;Art club
VOTES
voter_id;vote
1;1,2
2;1
3;2,3
"""


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("VOTES\nvoter_id;vote\n", "VOTES\nvoter_id;vote\n9;7\n"), "line 15: voter 9 votes for unknown project 7"),
    (lambda t: t.replace("3;30;Art club", "3;-30;Art club"), "line 12: project 3 has a negative cost"),
    # Ordinal, cumulative and choose-1 files are read now (tests/unit/test_pb_files.py); scoring is not.
    (lambda t: t.replace("vote_type;approval", "vote_type;scoring"),
     "only approval, choose-1, cumulative and ordinal ballots are supported"),
    (lambda t: t.split("PROJECTS")[0], "the PROJECTS section is missing"),
    (lambda t: "hello\n" + t, "line 1: expected a META, PROJECTS or VOTES section"),
])
def test_bad_files_get_errors_naming_the_line(change, message):
    with pytest.raises(PbFormatError, match=message):
        parse_pb(change(PB))


def test_written_files_read_back_the_same():
    data = parse_pb(PB)
    text = write_pb({"description": "Test round", "budget": 100}, data["costs"], {},
                    [(str(i + 1), sorted(b)) for i, b in enumerate(data["ballots"])])
    again = parse_pb(text)
    assert again["costs"] == data["costs"] and again["ballots"] == data["ballots"] and again["budget"] == 100


def test_the_command_prints_json_and_fails_clearly(tmp_path):
    good = tmp_path / "round.pb"
    good.write_text(PB)
    bad = tmp_path / "bad.pb"
    bad.write_text(PB.replace("3;2,3", "3;2,99"))
    exe = str(Path(sys.executable).with_name("commissioning"))
    result = subprocess.run([exe, "pb", "allocate", str(good), "--rule", "equal-shares"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    data = parse_pb(PB)
    assert json.loads(result.stdout) == {"rule": "equal-shares",
                                         "selected": reference_mes(data["costs"], data["ballots"], 100),
                                         "cost": sum(data["costs"][p] for p in json.loads(result.stdout)["selected"])}
    failed = subprocess.run([exe, "pb", "allocate", str(bad), "--rule", "greedy"], capture_output=True, text=True,
                            timeout=60)
    assert failed.returncode != 0 and "line 17: voter 3 votes for unknown project 99" in failed.stderr


def naive_rho(cost, budgets):
    """sum(min(b, rho * cost)) == cost, solved voter by voter with Fractions."""
    from fractions import Fraction
    paid, left = Fraction(0), len(budgets)
    for b in sorted(budgets):
        candidate = (cost - paid) / (left * cost)
        if candidate * cost <= b:
            return candidate
        paid += b
        left -= 1
    return None


@pytest.mark.parametrize("seed", range(4))
def test_wallets_find_the_exact_rho_even_where_floats_cannot_tell(seed):
    """Amounts a hair apart, totals exactly equal to the cost: the exact paths decide."""
    from fractions import Fraction

    from gmpy2 import mpq

    from commissioning.panels.allocation import EXACT, _Wallets
    rng = random.Random(seed)
    n = 40
    share = mpq(10**12 + 1, 10**6)
    wallets = _Wallets(share, n)
    voters = list(range(n))
    for _ in range(6):  # voters pay prices that leave amounts within 1e-12 of each other
        payers = rng.sample(voters, rng.randint(1, n))
        price = mpq(rng.randint(1, 10**6), 10**6) + mpq(1, 10**12 * rng.randint(1, 3))
        wallets.pay(payers, price)
    budgets = [Fraction(int(wallets.amounts[r].numerator), int(wallets.amounts[r].denominator))
               for r in wallets.holding.tolist()]
    total = sum(budgets)
    for cost in (int(total) - 1, int(total), int(total) + 1, total, rng.randint(1, int(total))):
        group = sorted(rng.sample(voters, rng.randint(1, n))) if cost != total else voters
        expected = naive_rho(cost, [budgets[i] for i in group])
        got = wallets.rho(cost, group)
        assert (got is None and expected is None) or Fraction(int(got.numerator), int(got.denominator)) == expected
        approx = wallets.approx_rho(float(cost), group)
        if approx is not EXACT:
            assert (approx is None) == (expected is None)
            if expected is not None:
                assert abs(approx - float(expected)) <= 1e-9 * float(expected)


def test_equal_shares_matches_the_reference_on_larger_instances_with_shared_costs():
    rng = random.Random(99)
    for _ in range(8):
        costs = {f"p{i:02d}": rng.choice([100, 200, 300, rng.randint(50, 400)]) for i in range(14)}
        ids = sorted(costs)
        ballots = [set(rng.sample(ids, rng.randint(1, 5))) for _ in range(rng.randint(50, 300))]
        budget = rng.choice([600, 1000, 1500])
        assert sorted(equal_shares(costs, ballots, budget)) == reference_mes(costs, ballots, budget)
