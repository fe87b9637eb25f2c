""".pb files of every ballot kind: read, written, checked by pabulib-checker, and counted as pabutools counts them.

pabulib-checker (MIT, tests only) is the pabulib maintainers' own validator; pabutools 1.2.3
(GPL, tests only) is the reference for the counts (see test_ballot_kinds_engine.py for the sat
classes used).
"""
import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pabulib.checker import Checker

from commissioning.panels.allocation import allocate
from commissioning.panels.pabulib import PbFormatError, pabulib_counts, pabulib_rule_name, parse_pb, write_pb
from tests.unit.test_ballot_kinds_engine import reference

DATA = Path(__file__).resolve().parent.parent / "data" / "pabulib" / "kinds"
COSTS = {"1": 40, "2": 25, "3": 30, "4": 10}
NAMES = {"1": "Skate park", "2": "Youth club", "3": "Art; music and drama", "4": "Games night"}
BALLOTS = {
    "approval": [{"1", "2"}, {"1"}, {"3", "4"}, {"2"}, {"1", "3"}],
    "cumulative": [{"1": 3, "2": 2}, {"1": 5}, {"3": 4, "4": 1}, {"2": 5}, {"1": 1, "3": 4}],
    "ordinal": [["1", "2"], ["1", "3"], ["3", "4"], ["2", "1"], ["1", "3"]],
}
META = {"description": "Youth panel round", "country": "United Kingdom", "unit": "Leeds", "instance": "R-7",
        "budget": 70, "currency": "GBP", "date_begin": datetime.date(2026, 3, 1), "date_end": "15.03.2026",
        "min_approval_percent": 10}


def written(kind, rule="greedy", completion=None, ballots=None, meta=None):
    """The round written as a .pb file, with each project's votes, score and whether the rule selected it."""
    ballots = BALLOTS[kind] if ballots is None else ballots
    selected = set(allocate(rule, COSTS, ballots, 70, kind=kind, completion=completion)["selected"])
    extra = {p: {**facts, "selected": int(p in selected)} for p, facts in pabulib_counts(kind, COSTS, ballots).items()}
    meta = {**META, "rule": rule, **({"completion": completion} if completion else {}), **(meta or {})}
    if kind == "cumulative":
        meta.setdefault("max_sum_points", 5)
    rows = [(i, sorted(b) if kind == "approval" else b) for i, b in enumerate(ballots, start=1)]
    return write_pb(meta, COSTS, NAMES, rows, kind=kind, extra=extra), selected


def checked(text):
    results = Checker().process_files([text])
    (name,) = [k for k in results if k not in ("summary", "metadata")]
    return results[name]["results"]


@pytest.mark.parametrize("kind", ["approval", "cumulative", "ordinal"])
def test_each_kind_reads_back_as_written(kind):
    text, _ = written(kind)
    data = parse_pb(text)
    assert data["kind"] == kind
    assert data["costs"] == COSTS and data["names"] == NAMES and data["budget"] == 70
    assert data["ballots"] == BALLOTS[kind]
    assert data["meta"]["min_approval_percent"] == "10"   # kept in the comment, read back
    assert data["meta"]["date_begin"] == "01.03.2026" and data["meta"]["vote_type"] == kind
    # The ranking's order and the points survive, and the file counts as the engine does.
    again = allocate("equal-shares", data["costs"], data["ballots"], data["budget"], kind=kind)
    assert again == allocate("equal-shares", COSTS, BALLOTS[kind], 70, kind=kind)


@pytest.mark.parametrize("kind, rule, completion", [
    ("approval", "greedy", None), ("approval", "equal-shares", "add1"), ("approval", "equal-shares", "none"),
    ("cumulative", "greedy", None), ("cumulative", "equal-shares", "add1"),
    ("ordinal", "greedy", None), ("ordinal", "equal-shares", "add1"),
])
def test_written_files_pass_pabulib_checker(kind, rule, completion):
    text, selected = written(kind, rule, completion)
    results = checked(text)
    assert results["errors"] == {}, results
    # For approval ballots the checker recounts greedy and equal shares itself and agrees.
    assert selected
    head = text.split("PROJECTS")[0]
    assert f"rule;{pabulib_rule_name(rule, completion)}\n" in head
    keys = [line.split(";")[0] for line in head.splitlines()[2:]]
    assert keys[:11] == ["description", "country", "unit", "instance", "num_projects", "num_votes", "budget",
                         "vote_type", "rule", "date_begin", "date_end"]


def test_choose_one_files_are_approval_ballots_of_one_and_pass_the_checker():
    ballots = [{"1"}, {"2"}, {"1"}, {"3"}, {"4"}]
    text, _ = written("approval", ballots=ballots, meta={"vote_type": "choose-1", "min_length": 1, "max_length": 1})
    assert "vote_type;choose-1\n" in text
    assert checked(text)["errors"] == {}
    data = parse_pb(text)
    assert data["kind"] == "approval" and data["ballots"] == ballots


def test_the_checker_would_catch_a_wrong_result_so_passing_means_something():
    text, selected = written("approval")
    wrong = text.replace(";Games night;1", ";Games night;0") if "4" in selected else \
        text.replace(";Games night;0", ";Games night;1")
    assert wrong != text and checked(wrong)["errors"]


def test_rule_names_follow_pabulib():
    assert pabulib_rule_name("greedy") == "greedy"
    assert pabulib_rule_name("equal-shares", None) == "equalshares/add1"
    assert pabulib_rule_name("equal-shares", "add1") == "equalshares/add1"
    assert pabulib_rule_name("equal-shares", "none") == "equalshares"
    assert pabulib_rule_name("equal-shares", "add1", "greedy") == "equalshares/add1-comparison"
    for rule, completion in [("equal-shares", "add1u"), ("equal-shares", "utilitarian_greedy"), ("phragmen", None)]:
        assert pabulib_rule_name(rule, completion) == "unknown"


HEAD = """META
key;value
description;t
country;Poland
unit;u
instance;1
num_projects;3
num_votes;2
budget;100
vote_type;{vote_type}
{limits}PROJECTS
project_id;cost
1;10
2;20
3;30
VOTES
voter_id;vote{points_header}
"""


@pytest.mark.parametrize("vote_type, limits, votes, message", [
    ("choose-1", "", "1;1\n2;1,2\n", "line 19: voter 2 chose 2 projects, but a choose-1 ballot takes one"),
    ("approval", "min_length;2\n", "1;1,2\n2;3\n", "line 20: voter 2 chose 1 projects, fewer than the 2 "
                                                   r"this vote asked for \(min_length\)"),
    ("ordinal", "max_length;2\n", "1;1,2,3\n", r"line 19: voter 1 chose 3 projects, more than the 2 this vote "
                                               r"allowed \(max_length\)"),
    ("ordinal", "", "1;1,2\n2;3,3\n", "line 19: voter 2 lists project 3 more than once"),
    ("cumulative", "max_sum_points;10\n", "1;1,2;5,5\n2;1,3;6,5\n",
     r"line 20: voter 2 gave 11 points in all, more than the 10 this vote allowed \(max_sum_points\)"),
    ("cumulative", "min_sum_points;3\n", "1;1;2\n", r"line 19: voter 1 gave 2 points in all, fewer than the 3"),
    ("cumulative", "", "1;1,2;5\n", "line 18: voter 1 votes for 2 projects but gives 1 points"),
    ("cumulative", "", "1;1;-2\n", "line 18: voter 1 gives negative points"),
    ("cumulative", "", "1;1;two\n", "line 18: points 'two' is not a whole number"),
    ("ordinal", "", "1;1,9\n", "line 18: voter 1 votes for unknown project 9"),
    ("scoring", "", "1;1\n", "vote_type is 'scoring': only approval, choose-1, cumulative and ordinal"),
    ("approval", "max_length;three\n", "1;1\n", "META max_length is 'three', not a whole number"),
])
def test_bad_files_are_refused_naming_the_line(vote_type, limits, votes, message):
    text = HEAD.format(vote_type=vote_type, limits=limits,
                       points_header=";points" if vote_type == "cumulative" else "") + votes
    with pytest.raises(PbFormatError, match=message):
        parse_pb(text)


def test_a_cumulative_file_without_points_is_refused():
    text = HEAD.format(vote_type="cumulative", limits="", points_header="") + "1;1\n"
    with pytest.raises(PbFormatError, match="line 17: a cumulative file's VOTES section needs a points column"):
        parse_pb(text)


REAL = {"Poland_Czestochowa_2025_Mirow.pb": "cumulative", "Poland_Krakow_2018_Wzgorza_Krzeslawickie.pb": "ordinal",
        "Poland_Zabrze_2020_Mikulczyce.pb": "approval"}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files_of_every_kind_match_the_reference(name):
    data = parse_pb((DATA / name).read_text(encoding="utf-8-sig"))
    assert data["kind"] == REAL[name]
    costs, ballots, budget, kind = data["costs"], data["ballots"], data["budget"], data["kind"]
    if kind == "approval":   # choose-1: checked against pabutools by test_allocation_rules' reference
        from tests.unit.test_allocation_rules import reference as approval_reference
        for rule, options in [("greedy", {}), ("equal-shares", {"completion": "add1"})]:
            assert allocate(rule, costs, ballots, budget, unvoted=True, **options)["selected"] == \
                approval_reference(costs, ballots, budget, rule, **options)
        return
    for rule, options in [("greedy", {}), ("equal-shares", {"completion": "none"}),
                          ("equal-shares", {"completion": "add1"}), ("equal-shares", {"completion": "add1u"})]:
        assert allocate(rule, costs, ballots, budget, kind=kind, unvoted=True, **options)["selected"] == \
            reference(kind, costs, ballots, budget, rule, **options), (name, rule, options)


def test_czestochowa_gets_the_result_the_city_published():
    """Częstochowa (Mirów, 2025) counted points greedily among projects with at least 300 points
    (META rule greedy-threshold, min_project_score_threshold 300); its ``selected`` column is the result."""
    text = (DATA / "Poland_Czestochowa_2025_Mirow.pb").read_text(encoding="utf-8-sig")
    data = parse_pb(text)
    rows = text.split("PROJECTS\n")[1].split("VOTES\n")[0].splitlines()
    header = rows[0].split(";")
    projects = [dict(zip(header, row.split(";"))) for row in rows[1:]]
    published = sorted(p["project_id"] for p in projects if p["selected"] == "1")
    assert published
    counts = pabulib_counts("cumulative", data["costs"], data["ballots"])
    assert all(counts[p["project_id"]] == {"votes": int(p["votes"]), "score": int(p["score"])} for p in projects)
    eligible = {p: c for p, c in data["costs"].items() if counts[p]["score"] >= 300}
    ballots = [{p: x for p, x in b.items() if p in eligible} for b in data["ballots"]]
    assert allocate("greedy", eligible, ballots, data["budget"], kind="cumulative")["selected"] == published


def test_krakow_scores_are_pabulibs_positional_points():
    text = (DATA / "Poland_Krakow_2018_Wzgorza_Krzeslawickie.pb").read_text(encoding="utf-8-sig")
    data = parse_pb(text)
    rows = text.split("PROJECTS\n")[1].split("VOTES\n")[0].splitlines()
    header = rows[0].split(";")
    file_counts = {r["project_id"]: {"votes": int(r["votes"]), "score": int(r["score"])}
                   for r in (dict(zip(header, row.split(";"))) for row in rows[1:])}
    assert pabulib_counts("ordinal", data["costs"], data["ballots"]) == file_counts
    # The engine's Borda score (pabutools' definition) is pabulib's less one per voter who ranked it.
    trace = allocate("greedy", data["costs"], data["ballots"], data["budget"], kind="ordinal", trace=True)["trace"]
    assert {p: int(f["score"]) + f["votes"] for p, f in trace["projects"].items()} == \
        {p: c["score"] for p, c in file_counts.items()}


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_command_reads_the_kind_from_the_file(name):
    exe = str(Path(sys.executable).with_name("commissioning"))
    data = parse_pb((DATA / name).read_text(encoding="utf-8-sig"))
    done = subprocess.run([exe, "pb", "allocate", str(DATA / name), "--rule", "equal-shares", "--completion", "add1u"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["selected"] == allocate("equal-shares", data["costs"], data["ballots"],
                                                           data["budget"], kind=data["kind"],
                                                           completion="add1u")["selected"]
    if data["kind"] != "approval":
        refused = subprocess.run([exe, "pb", "allocate", str(DATA / name), "--rule", "phragmen"],
                                 capture_output=True, text=True, timeout=120)
        assert refused.returncode != 0 and "approval ballots only" in refused.stderr
