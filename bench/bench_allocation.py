"""Equal shares with add1: this engine against the reference (pabutools), same instances.

For every instance, generated (fixed seeds) or shipped (tests/data/pabulib/*.pb and the other
ballot kinds in tests/data/pabulib/kinds/*.pb), times the whole `commissioning pb allocate` process
and the whole pabutools process on the same file (start-up and each one's own .pb parser included;
the time pabutools spends in the rule alone is shown too), and prints both times, the ratio and
whether the outcomes are the same; first it prints Python's own start-up (``python -c pass``), the
floor under any whole process, and so the most any engine could gain on a file. This engine's
time is the best of 3 runs (its start-up is a few tens of milliseconds, which a busy machine can
double); the reference, which takes seconds to minutes, is run once. Then runs 200 projects x
100,000 voters through the command alone and prints its time and peak memory (pabutools is not
run on that size: it takes many minutes). Run with `make bench`; nothing here asserts a time.

`--quick` leaves out the reference on the shipped files (it takes minutes on some of them) and
prints this engine's times only. `--shipped` runs the shipped files only (no generated instances,
no 100,000 voters, no Exact Equal Shares); `--kinds` runs only the cumulative, ordinal and choose-1
files of tests/data/pabulib/kinds/ (as --shipped, without the approval files); `--only TEXT`
keeps the shipped files whose name holds TEXT and `--skip TEXT` leaves out those whose name
holds it. The rule measured is the rounds' default: equal shares with add1, with cost utilities on
approval and choose-1 files (pabutools `Cost_Sat`), points on cumulative files
(`Additive_Cardinal_Sat`) and Borda scores on ordinal ones (`Additive_Borda_Sat`).
"""
import atexit
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from commissioning.panels.pabulib import parse_pb, write_pb  # noqa: E402

SHIPPED = ROOT / "tests" / "data" / "pabulib"
KINDS = SHIPPED / "kinds"   # cumulative, ordinal and choose-1 files
RUNS = 3                    # this engine's time: the best of this many runs


def generate(seed, n_projects, n_voters, budget):
    """Costs from 2% to 20% of the budget; ballots of 1 to 10 projects with skewed popularity."""
    rng = random.Random(seed)
    ids = [str(i + 1) for i in range(n_projects)]
    costs = {p: rng.randint(budget // 50, budget // 5) for p in ids}
    weights = [rng.paretovariate(1.2) for _ in ids]
    ballots = []
    for _ in range(n_voters):
        k = rng.randint(1, 10)
        chosen = set()
        while len(chosen) < k:
            chosen.update(rng.choices(ids, weights=weights, k=k - len(chosen)))
        ballots.append(chosen)
    return costs, ballots


def numbered(ballots):
    return [(i + 1, sorted(b, key=int)) for i, b in enumerate(ballots)]


COMMAND = [str(ROOT / ".venv" / "bin" / "commissioning")]
# Both processes run as Python normally does, with its bytecode cache: pabutools, numpy and the rest
# come compiled from site-packages, and this engine's modules are compiled once into a folder of their
# own (not the repository) rather than at every start, as PYTHONDONTWRITEBYTECODE would have it.
PYCACHE = tempfile.mkdtemp(prefix="bench-pycache-")
atexit.register(shutil.rmtree, PYCACHE, True)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"PYTHONPYCACHEPREFIX": PYCACHE}
# Peak memory as the command itself reports it: VmHWM belongs to the process image after exec,
# whereas getrusage's maxrss would carry over this (large) parent's pages from before the exec.
MEASURED = [sys.executable, "-c",
            "import os, sys; from commissioning.entry import main; sys.argv[0] = 'commissioning'\n"
            "def _stop(code):\n    raise SystemExit(code)\n"
            "os._exit = _stop   # the command ends without teardown: here, read the peak first\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0], file=sys.stderr)"]


def python_start_up(runs=RUNS):
    """The best of ``runs`` whole processes of ``python -c pass``: the floor under any command's time."""
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=ROOT, env=ENV)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def run_command(path, measure_memory=False, runs=RUNS):
    """The installed console script, start-up included, best of ``runs``; optionally its own peak memory in KiB."""
    args = ["pb", "allocate", str(path), "--rule", "equal-shares"]
    best = None
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run((MEASURED if measure_memory else COMMAND) + args, capture_output=True, text=True,
                              check=True, cwd=ROOT, env=ENV)
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    peak_kib = int(proc.stderr.strip().splitlines()[-1]) if measure_memory else None
    return json.loads(proc.stdout), best, peak_kib


# The reference as a whole process too, as a person checking a result would run it: start
# Python, import pabutools, read the same .pb file with its own parser, run equal shares with
# add1, the sat class of the file's ballot kind and the engine's tie order (more supporters, then
# the lower id as text; a supporter of a cumulative or ordinal project gave it points or ranked it,
# as in tests/unit/test_ballot_kinds_engine.py).
REFERENCE = r"""
import json, sys, time
started = time.perf_counter()
from pabutools.election import (AbstractCardinalProfile, AbstractOrdinalProfile, Additive_Borda_Sat,
                                Additive_Cardinal_Sat, Cost_Sat, parse_pabulib)
from pabutools.rules import method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule
instance, profile = parse_pabulib(sys.argv[1])
ruled = time.perf_counter()
if isinstance(profile, (AbstractCardinalProfile, AbstractOrdinalProfile)):
    sat = Additive_Cardinal_Sat if isinstance(profile, AbstractCardinalProfile) else Additive_Borda_Sat
    supporters = {p: 0 for p in instance}
    for ballot in profile:
        for p in ballot:
            supporters[p] += 1
    tie = TieBreakingRule(lambda inst, prof, p: (-supporters[p], p.name))
else:
    sat = Cost_Sat
    tie = TieBreakingRule(lambda inst, prof, p: (-prof.approval_score(p), p.name))
outcome = method_of_equal_shares(instance, profile, sat_class=sat, voter_budget_increment=1, tie_breaking=tie)
done = time.perf_counter()
print(json.dumps({"selected": sorted(p.name for p in outcome), "rule_s": done - ruled}))
"""


def run_reference(path):
    """pabutools on the same file, start-up and parsing included; (outcome, whole time, time in the rule)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", REFERENCE, str(path)], capture_output=True, text=True,
                          check=True, cwd=ROOT, env=ENV)
    elapsed = time.perf_counter() - started
    answer = json.loads(proc.stdout)
    return answer["selected"], elapsed, answer["rule_s"]


def compare(name, path, reference=True):
    """One line: both times, the ratio and whether the outcomes agree; the ratio, or None."""
    ours, ours_s, _ = run_command(path)
    if not reference:
        print(f"  {name:48} commissioning {ours_s:6.3f} s, {len(ours['selected'])} projects (reference not run)")
        return None
    theirs, theirs_s, rule_s = run_reference(path)
    same = ours["selected"] == theirs
    ratio = theirs_s / ours_s
    print(f"  {name:48} pabutools {theirs_s:8.2f} s ({rule_s:.2f} s in the rule), commissioning {ours_s:6.3f} s, "
          f"ratio {ratio:6.1f}x, {len(theirs)} projects, same outcome: {'yes' if same else 'NO'}")
    if not same:
        print(f"    ours {ours['selected']}\n    reference {theirs}")
    return ratio, theirs_s


def main():
    args = sys.argv[1:]
    quick = "--quick" in args
    kinds_only = "--kinds" in args
    shipped_only = "--shipped" in args or kinds_only
    only = args[args.index("--only") + 1] if "--only" in args else ""
    skip = args[args.index("--skip") + 1] if "--skip" in args else None
    budget = 1_000_000
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        print(f"equal-shares + add1 (this engine's time is the whole command, start-up included, best of {RUNS} "
              "runs; pabutools' one run; both with Python's bytecode cache)")
        run_command(SHIPPED / "kinds" / "Poland_Zabrze_2020_Mikulczyce.pb", runs=1)   # compiles the cache
        floor = python_start_up()
        print(f"Python's own start-up here (python -c pass, the same interpreter and site-packages, best of {RUNS}): "
              f"{floor * 1000:.1f} ms; no whole process takes less, so on a file pabutools counts in T seconds no "
              "engine can be more than T / that faster")
        if not shipped_only:
            print("generated, 100 projects x 10,000 voters:")
            for seed in (1, 2, 3):
                costs, ballots = generate(seed, 100, 10_000, budget)
                path = Path(tmp) / f"bench-{seed}.pb"
                path.write_text(write_pb({"description": "bench", "budget": budget}, costs, {}, numbered(ballots)))
                results.append(compare(f"seed {seed}", path))
        for folder in (KINDS,) if kinds_only else (SHIPPED, KINDS):
            print(f"shipped, {folder.relative_to(ROOT)}:")
            for path in sorted(folder.glob("*.pb")):
                if only not in path.name or (skip and skip in path.name):
                    continue
                data = parse_pb(path.read_text(encoding="utf-8-sig"))
                kind = data["meta"].get("vote_type", "approval")
                name = f"{path.stem} ({len(data['ballots'])} x {len(data['costs'])}{'' if folder is SHIPPED else ', ' + kind})"
                results.append(compare(name, path, reference=not quick))
        slow = [(ratio, theirs_s) for ratio, theirs_s in filter(None, results) if theirs_s > 1]
        if slow:
            ratio, theirs_s = min(slow)
            print(f"  smallest ratio where pabutools takes over 1 s: {ratio:.1f}x (the issue asks for 50x; "
                  f"Python's start-up alone would be {theirs_s / floor:.0f}x there)")
        if shipped_only:
            return

        costs, ballots = generate(7, 200, 100_000, 10 * budget)
        path = Path(tmp) / "bench-large.pb"
        path.write_text(write_pb({"description": "bench", "budget": 10 * budget}, costs, {}, numbered(ballots)))
        ours, ours_s, peak_kib = run_command(path, measure_memory=True)
        print(f"200 projects x 100,000 voters: {ours_s:.2f} s (limit 10 s), {len(ours['selected'])} projects, "
              f"peak memory {peak_kib / 1024:.0f} MiB (limit 1,024 MiB)")
    bench_exact_equal_shares(quick)


# --- Exact Equal Shares with ADD-OPT (commissioning/panels/rules/exact.py) against pabutools' repository head

EES_OURS = r"""
import json, sys, time
started = time.perf_counter()
from commissioning.panels.pabulib import parse_pb
from commissioning.panels.rules.exact import exact_equal_shares
pb = parse_pb(open(sys.argv[1], encoding="utf-8-sig").read())
ruled = time.perf_counter()
trace = {}
selected = exact_equal_shares(pb["costs"], pb["ballots"], pb["budget"], utility="approvals", ties="id",
                              completion="add-opt-exhaustive", trace=trace)
print(json.dumps({"selected": selected, "rule_s": time.perf_counter() - ruled, "runs": trace["completion"]["runs"]}))
"""

EES_REFERENCE = r"""
import json, sys, time
from pabutools.election import parse_pabulib
from tests.reference.pabutools_head.ees_addopt import ees_add_opt_completion
instance, profile = parse_pabulib(sys.argv[1])
ruled = time.perf_counter()
outcome = ees_add_opt_completion(instance, profile)
print(json.dumps({"selected": sorted(p.name for p in outcome), "rule_s": time.perf_counter() - ruled}))
"""


def bench_exact_equal_shares(quick, limit=900):
    """EES + ADD-OPT, run to the end as the reference does (utility 1 per project, ties by id), both whole
    processes; the reference (tests/reference/pabutools_head, test-only) is stopped after ``limit`` seconds."""
    print(f"exact equal shares + add-opt, run until nothing can change (pabutools head stopped after {limit} s):")
    for path in sorted(SHIPPED.glob("*.pb")):
        started = time.perf_counter()
        ours = json.loads(subprocess.run([sys.executable, "-c", EES_OURS, str(path)], capture_output=True,
                                         text=True, check=True, cwd=ROOT, env=ENV).stdout)
        ours_s = time.perf_counter() - started
        line = f"  {path.stem:36} commissioning {ours_s:6.2f} s ({ours['runs']} runs), {len(ours['selected'])} projects"
        if quick:
            print(line + " (reference not run)")
            continue
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, "-c", EES_REFERENCE, str(path)], capture_output=True, text=True,
                                  check=True, cwd=ROOT, timeout=limit, env=ENV)
        except subprocess.TimeoutExpired:
            print(line + f"; pabutools head over {limit} s (ratio over {limit / ours_s:.0f}x)")
            continue
        theirs_s = time.perf_counter() - started
        theirs = json.loads(proc.stdout)
        same = theirs["selected"] == ours["selected"]
        print(line + f"; pabutools head {theirs_s:.1f} s, ratio {theirs_s / ours_s:.0f}x, "
              f"same outcome: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
