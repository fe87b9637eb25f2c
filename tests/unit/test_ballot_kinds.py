"""Ballot kinds on a round (issue 18): ticks with a fewest and a most, choose one, points and ranks.

Seen: only approval ballots within a budget or up to a number; a Świecie-style "choose at least 3",
Aarau's 10 points over at least 3 projects and ranked ballots could not be run. Each kind is
checked in words a 12-year-old understands, keeps what was typed on an error, is stored as a
secret ballot with its points or its order, and is counted by the engine in its own shape. The
rule's options are frozen when voting opens and printed in plain words with the result; a round
frozen before they existed counts and shows as it did.
"""
import json
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import allocation
from commissioning.panels import operations as ops
from commissioning.panels.models import AgeBand, AllocationRule, Ballot, BallotType
from commissioning.panels.operations import PanelError


@pytest.fixture
def kind_round(create_user, create_pot):
    """``kind_round(ballot_type, members=5, costs=..., open=True, **rules)``: a panel and a round of that kind."""
    def factory(ballot_type, members=5, costs=(1_000, 2_000, 3_000, 4_000), open=True, **rules):
        facilitator = create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=5_000_000)
        panel = ops.create_panel("Kinds panel", None, facilitator)
        people = [ops.add_member(panel, f"Voter {chr(65 + i)}", AgeBand.age_16_17)[0] for i in range(members)]
        now = utcnow()
        fields = dict(title="Kinds round", pot=pot, budget_pence=600_000, ballot_type=ballot_type,
                      max_projects=None, min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
                      min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))
        rnd = ops.create_round(panel, facilitator, **{**fields, **rules})
        projects = [ops.add_project(rnd, f"Project {chr(65 + i)}", "What it does, in plain words.", pounds * 100)
                    for i, pounds in enumerate(costs)]
        if open:
            ops.open_voting(rnd, facilitator)
        db.session.commit()
        return rnd, projects, people, facilitator
    return factory


def _refused(rnd, member, entry):
    with pytest.raises(PanelError) as refused:
        ops.check_ballot(rnd, member, entry)
    return str(refused.value)


def _sign_in_as(client, member):
    code = "TEST-CODE"
    member.joining_code_hash = ops._code_hash(code)
    member.joining_code_expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert client.post("/join", data={"code": code}).status_code == 302


def _count(rnd, facilitator):
    ops.close_voting(rnd, facilitator, "test")
    result = ops.count_round(rnd.id)
    db.session.commit()
    return result


# --- ticks with a fewest and a most, and choose one ---------------------------------------------

def test_a_fewest_and_a_most_are_both_enforced_and_said_before_the_form(kind_round, client):
    rnd, projects, (member, *_r), _f = kind_round(BallotType.up_to_n, max_projects=3, min_projects=2)
    assert _refused(rnd, member, [projects[0].id]) == "Choose at least 2 projects. You chose 1, so tick 1 more"
    assert _refused(rnd, member, [p.id for p in projects]) == ("You can choose up to 3 projects. You chose 4, "
                                                               "so untick 1")
    assert len(ops.check_ballot(rnd, member, [projects[0].id, projects[1].id])) == 2
    _sign_in_as(client, member)
    page = client.get(f"/panels/rounds/{rnd.id}/vote").get_data(as_text=True)
    limits = page.index("Choose at least 2 projects and no more than 3.")
    assert limits < page.index('id="projects-hint"')


def test_choose_one_is_radios_and_takes_exactly_one(kind_round, client):
    rnd, projects, (member, *_r), facilitator = kind_round(BallotType.choose_one)
    assert _refused(rnd, member, []) == "Choose the one project you want most"
    assert _refused(rnd, member, [projects[0].id, projects[1].id]) == "Choose only one project. You chose 2"
    _sign_in_as(client, member)
    page = client.get(f"/panels/rounds/{rnd.id}/vote").get_data(as_text=True)
    assert page.count('type="radio"') == len(projects) and 'type="checkbox"' not in page
    assert "Choose the one project you want most." in page
    check = client.post(f"/panels/rounds/{rnd.id}/vote", data={"project": str(projects[1].id)})
    assert check.status_code == 200 and "Check your vote" in check.get_data(as_text=True)


# --- points ----------------------------------------------------------------------------------

def test_points_are_checked_in_plain_words(kind_round):
    rnd, projects, (member, *_r), _f = kind_round(BallotType.cumulative, total_points=10, min_projects=3,
                                                 max_points=5)
    a, b, c, d = (p.id for p in projects)
    assert _refused(rnd, member, {a: 5, b: 4, c: 3}) == ("You have given 12 points. You have 10 to give: "
                                                         "take 2 away")
    assert _refused(rnd, member, {a: 4, b: 4}) == "You have given 8 points. You have 10 to give: give 2 more"
    assert _refused(rnd, member, {a: 5, b: 5}) == "Give points to at least 3 projects. You gave points to 2 projects"
    assert _refused(rnd, member, {a: 6, b: 2, c: 2}) == ("You gave ‘Project A’ 6 points. The most one project "
                                                         "can have is 5: take 1 away")
    assert _refused(rnd, member, {}) == "Give your 10 points to the projects you want"
    chosen = ops.check_ballot(rnd, member, {a: 5, b: 3, c: 2, d: 0})
    assert [p.id for p in chosen] == [a, b, c] and chosen.points == {a: 5, b: 3, c: 2}


def test_a_points_round_needs_its_total_and_limits_that_fit(kind_round):
    with pytest.raises(PanelError, match="Enter how many points each member shares out"):
        kind_round(BallotType.cumulative, open=False)
    with pytest.raises(PanelError, match="most points on one project cannot be more"):
        kind_round(BallotType.cumulative, total_points=10, max_points=11, open=False)
    rnd, *_rest = kind_round(BallotType.cumulative, total_points=10, max_points=2, open=False)
    assert "nobody could give all 10 points" in ops.opening_problem(rnd)   # 4 projects x 2 points


def test_points_through_the_pages_keep_what_was_typed_and_are_stored_secretly(kind_round, client):
    rnd, projects, (member, *_r), _f = kind_round(BallotType.cumulative, total_points=10, min_projects=3)
    a, b, c, d = (p.id for p in projects)
    _sign_in_as(client, member)
    page = client.get(f"/panels/rounds/{rnd.id}/vote").get_data(as_text=True)
    assert page.index("You have 10 points to give.") < page.index('id="projects-hint"')
    assert page.count('inputmode="numeric"') == len(projects)
    typed = {f"points-{a}": "5", f"points-{b}": "4", f"points-{c}": "3"}
    wrong = client.post(f"/panels/rounds/{rnd.id}/vote", data=typed)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400 and "You have given 12 points. You have 10 to give: take 2 away" in html
    assert re.search(rf'id="points-{a}" name="points-{a}"[^>]*value="5"', html)   # kept, not emptied
    nonsense = client.post(f"/panels/rounds/{rnd.id}/vote", data={f"points-{a}": "lots"})
    assert nonsense.status_code == 400
    assert "Enter the points for ‘Project A’ as a whole number, like 3" in nonsense.get_data(as_text=True)
    right = {f"points-{a}": "5", f"points-{b}": "3", f"points-{c}": "2", f"points-{d}": ""}
    check = client.post(f"/panels/rounds/{rnd.id}/vote", data=right)
    body = check.get_data(as_text=True)
    assert check.status_code == 200 and "Project A: 5 points" in body and "Project C: 2 points" in body
    assert f'name="points-{a}" value="5"' in body
    sent = client.post(f"/panels/rounds/{rnd.id}/vote", data={**right, "send": "yes"})
    assert sent.status_code == 302
    ballot = db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id)).one()
    assert ballot.project_ids == sorted([a, b, c]) and ballot.scores == {str(a): 5, str(b): 3, str(c): 2}
    assert ballot.ranking is None and len(ballot.id) == 32


def test_points_are_counted_as_points_and_shown_with_who_gave_them(kind_round, client):
    rnd, projects, people, facilitator = kind_round(BallotType.cumulative, total_points=10, rule=AllocationRule.greedy)
    a, b, c, d = (p.id for p in projects)
    for member, entry in zip(people, [{a: 10}, {a: 6, b: 4}, {b: 5, c: 5}, {a: 7, c: 3}, {a: 4, d: 6}]):
        ops.cast_ballot(rnd, member, entry)
    result = _count(rnd, facilitator)
    assert ops.ballots_for(rnd)[0] == {"1": 10}
    assert result.projects["1"]["points"] == 27 and result.projects["1"]["approvals"] == 4
    recount = allocation.allocate("greedy", {"1": 1000, "2": 2000, "3": 3000, "4": 4000},
                                  [b for b in ops.ballots_for(rnd)], 6000, kind="cumulative")
    assert result.selected == recount["selected"]
    page = client.get(f"/panels/rounds/{rnd.id}/results").get_data(as_text=True)
    assert "27 points from 4 people" in page


# --- ranked ------------------------------------------------------------------------------------

def test_ranks_are_checked_in_plain_words(kind_round):
    rnd, projects, (member, *_r), _f = kind_round(BallotType.ranked, max_projects=3, min_projects=2)
    a, b, c, d = (p.id for p in projects)
    assert _refused(rnd, member, {a: 1, b: 1}) == ("You put ‘Project A’ and ‘Project B’ both as your 1st choice. "
                                                   "Give each project a different place")
    assert _refused(rnd, member, {a: 1, b: 3}) == ("You have a 3rd choice but no 2nd choice. Number your choices "
                                                   "1st, 2nd, 3rd and so on, without gaps")
    assert _refused(rnd, member, {a: 1}) == "Put at least 2 projects in order. You put 1"
    assert _refused(rnd, member, {}) == "Put at least one project in order: choose 1st for the project you want most"
    assert [p.id for p in ops.check_ballot(rnd, member, {c: 1, a: 3, d: 2})] == [c, d, a]


def test_ranks_through_the_pages_are_stored_in_order_and_counted_as_rankings(kind_round, client):
    rnd, projects, people, facilitator = kind_round(BallotType.ranked, max_projects=3)
    a, b, c, d = (p.id for p in projects)
    _sign_in_as(client, people[0])
    page = client.get(f"/panels/rounds/{rnd.id}/vote").get_data(as_text=True)
    assert page.index("Put up to 3 projects in order") < page.index('id="projects-hint"')
    assert page.count("<select") == len(projects) and ">2nd choice</option>" in page
    wrong = client.post(f"/panels/rounds/{rnd.id}/vote", data={f"rank-{a}": "2", f"rank-{b}": "2"})
    assert wrong.status_code == 400 and "both as your 2nd choice" in wrong.get_data(as_text=True)
    assert re.search(rf'<option value="2" selected>2nd choice</option>', wrong.get_data(as_text=True))
    order = {f"rank-{c}": "1", f"rank-{a}": "2"}
    check = client.post(f"/panels/rounds/{rnd.id}/vote", data=order).get_data(as_text=True)
    assert check.index("1st choice: Project C") < check.index("2nd choice: Project A")
    assert client.post(f"/panels/rounds/{rnd.id}/vote", data={**order, "send": "yes"}).status_code == 302
    for member, entry in zip(people[1:], [{a: 1, b: 2}, {a: 1}, {b: 1, a: 2, d: 3}, {c: 1, b: 2}]):
        ops.cast_ballot(rnd, member, entry)
    ballot = db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id)).first()
    assert ballot.ranking is not None and ballot.scores is None
    result = _count(rnd, facilitator)
    assert ["3", "1"] in ops.ballots_for(rnd)                    # first choice first, not sorted
    assert result.projects["1"]["firsts"] == 2 and result.projects["1"]["approvals"] == 4
    expected = allocation.allocate("equal-shares", {"1": 1000, "2": 2000, "3": 3000, "4": 4000}, ops.ballots_for(rnd),
                                   6000, kind="ordinal", completion="add1")
    assert result.selected == expected["selected"]
    page = client.get(f"/panels/rounds/{rnd.id}/results")
    assert page.status_code == 200 and "1st choice of 2, in the order of 4 people" in page.get_data(as_text=True)


def test_closing_rewrites_points_and_rankings_with_their_ballots(kind_round):
    rnd, projects, people, facilitator = kind_round(BallotType.ranked, max_projects=2)
    a, b, *_r = (p.id for p in projects)
    ops.cast_ballot(rnd, people[0], {a: 1, b: 2})
    ops.cast_ballot(rnd, people[1], {b: 1})
    before = sorted(map(json.dumps, ops.ballots_for(rnd)))
    ids = set(db.session.scalars(db.select(Ballot.id).where(Ballot.round_id == rnd.id)))
    ops.close_voting(rnd, facilitator, "test")
    assert sorted(map(json.dumps, ops.ballots_for(rnd))) == before
    assert ids.isdisjoint(db.session.scalars(db.select(Ballot.id).where(Ballot.round_id == rnd.id)))


# --- rule options -------------------------------------------------------------------------------

def test_rule_options_are_frozen_and_passed_to_the_engine(kind_round, monkeypatch):
    rnd, projects, people, facilitator = kind_round(BallotType.within_budget, completion="add1u", utility="approvals",
                                                    compare="greedy", fund_unvoted=True, tie_break="id")
    frozen = rnd.frozen_rules
    assert {k: frozen[k] for k in ("completion", "utility", "compare", "fund_unvoted", "tie_break")} == {
        "completion": "add1u", "utility": "approvals", "compare": "greedy", "fund_unvoted": True, "tie_break": "id"}
    seen = {}
    real = allocation.allocate

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)
    monkeypatch.setattr(allocation, "allocate", spy)
    ops.cast_ballot(rnd, people[0], [projects[0].id])
    _count(rnd, facilitator)
    assert {k: seen[k] for k in ("completion", "utility", "compare", "unvoted", "ties")} == {
        "completion": "add1u", "utility": "approvals", "compare": "greedy", "unvoted": True, "ties": "id"}
    assert "kind" not in seen     # approval rounds call the engine as before


def test_options_that_do_not_fit_the_rule_or_ballot_are_refused(kind_round):
    with pytest.raises(PanelError, match="equal shares with ticked choices"):
        kind_round(BallotType.cumulative, total_points=10, utility="approvals", open=False)
    with pytest.raises(PanelError, match="Phragmén counts ticked choices only"):
        kind_round(BallotType.ranked, max_projects=2, rule=AllocationRule.phragmen, open=False)


def test_a_round_frozen_before_the_options_counts_and_shows_as_it_did(kind_round, client):
    rnd, projects, people, facilitator = kind_round(BallotType.within_budget)
    old = {k: v for k, v in rnd.frozen_rules.items()
           if k not in ("total_points", "max_points", "completion", "utility", "compare", "fund_unvoted")}
    rnd.frozen_rules = old
    for member, choice in zip(people, [(0, 1), (1,), (0, 2), (0,), (3,)]):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])
    db.session.commit()
    ballots = ops.ballots_for(rnd)
    result = _count(rnd, facilitator)
    expected = allocation.allocate("equal-shares", {"1": 1000, "2": 2000, "3": 3000, "4": 4000}, ballots, 6000)
    assert result.selected == expected["selected"]
    assert result.ballots_digest == ops.ballots_digest(old, ballots)
    page = client.get(f"/panels/rounds/{rnd.id}/results").get_data(as_text=True)
    assert "Raise everyone’s share a pound at a time while the money allows, then stop (Add1)." in page
    assert "Projects nobody chose were never funded, even with money left over" in page
    assert "More votes first, then the lower project number" in page


def test_the_round_and_results_pages_print_the_options_in_plain_words(kind_round, login, client):
    rnd, projects, people, facilitator = kind_round(BallotType.within_budget, completion="add1u", compare="greedy",
                                                    min_approval_percent=20)
    login(facilitator)
    page = client.get(f"/panels/rounds/{rnd.id}").get_data(as_text=True)
    for heading in ("How the votes decided", "What happened to money left over", "Ties",
                    "Projects needing a minimum share"):
        assert heading in page
    assert "Add1U, the equalshares.net tool’s default" in page and "as Świecie did in 2024" in page
    assert "a project nobody chose has no young person backing it. (The pabutools reference funds them.)" in page
    assert "A project needed at least 20% of the people who voted to choose it." in page
    for member, choice in zip(people, [(0, 1), (1,), (0, 2), (0,), (3,)]):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])
    _count(rnd, facilitator)
    results = client.get(f"/panels/rounds/{rnd.id}/results").get_data(as_text=True)
    assert "What happened to money left over" in results and "Add1U" in results


def test_the_round_form_offers_every_kind_and_option(kind_round, login, client):
    rnd, _projects, _people, facilitator = kind_round(BallotType.within_budget, open=False)
    login(facilitator)
    form = client.get(f"/panels/rounds/{rnd.id}/edit").get_data(as_text=True)
    for value in ("choose_one", "cumulative", "ranked", "add1u", "utilitarian_greedy", 'value="none"',
                  'value="approvals"', 'value="greedy"', "a project nobody chose has no young person backing it"):
        assert value in form
    data = {"title": "Points round", "pot": str(rnd.pot_id), "budget": "6000", "ballot_type": "cumulative",
            "total_points": "10", "min_projects": "3", "max_points": "", "rule": "equal-shares",
            "utility": "cost", "completion": "add1u", "compare": "greedy", "fund_unvoted": "no",
            "tie_break": "approvals-then-id", "closes": ["1", "1", str(utcnow().year + 1)]}
    assert client.post(f"/panels/rounds/{rnd.id}/edit", data=data).status_code == 302
    db.session.refresh(rnd)
    assert (rnd.ballot_type, rnd.total_points, rnd.min_projects, rnd.completion, rnd.compare) == (
        BallotType.cumulative, 10, 3, "add1u", "greedy")
    refused = client.post(f"/panels/rounds/{rnd.id}/edit", data={**data, "total_points": ""})
    assert refused.status_code == 200 and "Enter how many points each member shares out" in refused.get_data(
        as_text=True)


# --- .pb export and import of each kind ---------------------------------------------------------

KIND_VOTES = {
    BallotType.within_budget: ({}, [[0, 1], [1], [0, 2], [3], [0]]),
    BallotType.up_to_n: ({"max_projects": 2, "min_projects": 1}, [[0, 1], [1], [0, 2], [3], [0]]),
    BallotType.choose_one: ({}, [[0], [1], [0], [3], [2]]),
    BallotType.cumulative: ({"total_points": 10, "min_projects": 1, "completion": "add1u"},
                            [{0: 6, 1: 4}, {1: 10}, {0: 5, 2: 5}, {3: 10}, {0: 7, 3: 3}]),
    BallotType.ranked: ({"max_projects": 3, "rule": AllocationRule.greedy},
                        [{0: 1, 1: 2}, {1: 1}, {2: 1, 0: 2, 3: 3}, {3: 1, 0: 2}, {0: 1}]),
}


@pytest.mark.parametrize("ballot_type", list(KIND_VOTES), ids=lambda k: k.value)
def test_each_kind_goes_out_as_a_pb_file_and_comes_back_counting_the_same(kind_round, ballot_type, app, tmp_path):
    from commissioning.panels.pabulib import parse_pb
    from commissioning.panels.util import round_as_pb
    rules, votes = KIND_VOTES[ballot_type]
    rnd, projects, people, facilitator = kind_round(ballot_type, **rules)
    for member, vote in zip(people, votes):
        entry = {projects[i].id: v for i, v in vote.items()} if isinstance(vote, dict) else [projects[i].id
                                                                                            for i in vote]
        ops.cast_ballot(rnd, member, entry)
    result = _count(rnd, facilitator)
    text = round_as_pb(rnd)
    data = parse_pb(text)
    assert data["kind"] == ballot_type.kind
    assert ("vote_type;choose-1" in text) is (ballot_type is BallotType.choose_one)
    assert data["meta"]["date_begin"] == rnd.opens_at.strftime("%d.%m.%Y")
    assert "selected" in text.split("PROJECTS")[1].splitlines()[1]      # the result's columns
    shape = {"approval": lambda b: sorted(b), "cumulative": dict, "ordinal": list}[ballot_type.kind]
    key = {"approval": lambda b: (len(b), b), "cumulative": lambda b: sorted(b.items()),
           "ordinal": lambda b: (len(b), b)}[ballot_type.kind]
    assert sorted((shape(b) for b in data["ballots"]), key=key) == sorted(ops.ballots_for(rnd), key=key)
    path = tmp_path / "round.pb"
    path.write_text(text)
    db.session.commit()
    imported = app.test_cli_runner().invoke(args=["pb", "import", str(path), "--panel", str(rnd.panel_id),
                                                  "--pot", str(rnd.pot_id)])
    assert imported.exit_code == 0, imported.output
    again = db.session.scalars(db.select(type(rnd)).where(type(rnd).id != rnd.id, type(rnd).panel_id == rnd.panel_id)
                               ).one()
    assert again.ballot_type is ballot_type and again.rule is rnd.rule
    assert again.frozen_rules["completion"] == rnd.frozen_rules["completion"]
    assert sorted(ops.ballots_for(again), key=key) == sorted(ops.ballots_for(rnd), key=key)
    assert again.result.selected == result.selected


def test_pb_import_offers_phragmen_for_approval_files_and_refuses_it_for_others(kind_round, app, tmp_path):
    from commissioning.panels.util import round_as_pb
    rnd, projects, people, facilitator = kind_round(BallotType.within_budget)
    for member, choice in zip(people, [(0, 1), (1,), (0, 2), (3,), (0,)]):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])
    _count(rnd, facilitator)
    path = tmp_path / "approval.pb"
    path.write_text(round_as_pb(rnd))
    db.session.commit()
    runner = app.test_cli_runner()
    done = runner.invoke(args=["pb", "import", str(path), "--rule", "phragmen", "--panel", str(rnd.panel_id),
                               "--pot", str(rnd.pot_id)])
    assert done.exit_code == 0, done.output
    expected = allocation.allocate("phragmen", {"1": 1000, "2": 2000, "3": 3000, "4": 4000}, ops.ballots_for(rnd),
                                   6000)
    assert f"Funded: {', '.join(expected['selected'])}" in done.output
    imported = db.session.scalars(db.select(type(rnd)).where(type(rnd).rule == AllocationRule.phragmen)).one()
    page = app.test_client().get(f"/panels/rounds/{imported.id}/results")
    assert page.status_code == 200 and "Phragmén: the cost of each project was shared out" in page.get_data(
        as_text=True)
    points = tmp_path / "points.pb"
    points.write_text("META\nkey;value\nbudget;100\nvote_type;cumulative\nPROJECTS\nproject_id;cost\n1;50\n2;60\n"
                      "VOTES\nvoter_id;vote;points\n1;1,2;3,2\n")
    refused = runner.invoke(args=["pb", "import", str(points), "--rule", "phragmen"])
    assert refused.exit_code != 0 and "Phragmén counts ticked choices only" in refused.output


@pytest.mark.parametrize("ballot_type, rules", [
    (BallotType.cumulative, dict(total_points=10, completion="add1u", tie_break="id")),
    (BallotType.within_budget, dict(completion="utilitarian_greedy", utility="approvals", compare="greedy")),
    (BallotType.ranked, dict(max_projects=3, rule=AllocationRule.greedy, fund_unvoted=True)),
], ids=["points", "ticks", "ranked"])
def test_the_results_page_gives_the_command_that_counts_the_file_the_same(kind_round, ballot_type, rules, app,
                                                                           client, tmp_path):
    from commissioning.panels.util import recount_command, round_as_pb
    rnd, projects, people, facilitator = kind_round(ballot_type, **rules)
    votes = {BallotType.cumulative: [{0: 6, 1: 4}, {1: 10}, {0: 5, 2: 5}, {2: 10}, {0: 7, 2: 3}],
             BallotType.ranked: [{0: 1, 1: 2}, {1: 1}, {2: 1, 0: 2}, {2: 1}, {0: 1}]}.get(ballot_type)
    for i, member in enumerate(people):
        ops.cast_ballot(rnd, member, {projects[p].id: v for p, v in votes[i].items()} if votes
                        else [projects[p].id for p in [(0, 1), (1,), (0, 2), (2,), (0,)][i]])
    result = _count(rnd, facilitator)
    command = recount_command(rnd)
    assert command in client.get(f"/panels/rounds/{rnd.id}/results").get_data(as_text=True)
    path = tmp_path / f"{rnd.reference}.pb"
    path.write_text(round_as_pb(rnd))
    words = command.split()
    assert words[:4] == ["commissioning", "pb", "allocate", path.name]
    done = app.test_cli_runner().invoke(args=["pb", "allocate", str(path), *words[4:]])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["selected"] == result.selected


def test_money_left_funds_a_project_nobody_chose_only_when_the_round_says_so(kind_round):
    outcomes = {}
    for unvoted in (False, True):
        rnd, projects, people, facilitator = kind_round(BallotType.within_budget, rule=AllocationRule.greedy,
                                                        fund_unvoted=unvoted)
        for member in people:
            ops.cast_ballot(rnd, member, [projects[0].id])
        outcomes[unvoted] = _count(rnd, facilitator).selected
    assert outcomes == {False: ["1"], True: ["1", "2", "3"]}   # £1,000, £2,000, £3,000 of £6,000; not £4,000
