"""Paper ballots (issue 18): a facilitator types a member's paper ballot twice; saved only if both match.

Seen: a member without a phone could not vote at all. Now the facilitator chooses the member
(who is then recorded as having voted, so they cannot vote again online), types the ballot,
then types it again; a difference is shown in plain words and nothing is saved. The ballot is
as secret as any other, marked ``paper`` in the count and the results; the audit never says
what it chose. Only whoever manages the panel may enter one, with CSRF and a request key as
every form.
"""
import re
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import operations as ops
from commissioning.panels.models import AgeBand, AllocationRule, Ballot, BallotChannel, BallotType, VoteCast


@pytest.fixture
def paper_round(create_user, create_pot):
    def factory(ballot_type=BallotType.within_budget, members=6, **rules):
        facilitator = create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=5_000_000)
        panel = ops.create_panel("Paper panel", None, facilitator)
        people = [ops.add_member(panel, f"Voter {chr(65 + i)}", AgeBand.age_16_17)[0] for i in range(members)]
        now = utcnow()
        fields = dict(title="Paper round", pot=pot, budget_pence=600_000, ballot_type=ballot_type,
                      max_projects=None, min_projects=None, rule=AllocationRule.greedy, quorum=None,
                      min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))
        rnd = ops.create_round(panel, facilitator, **{**fields, **rules})
        projects = [ops.add_project(rnd, f"Project {chr(65 + i)}", "What it does, in plain words.", pounds * 100)
                    for i, pounds in enumerate((1_000, 2_000, 3_000))]
        ops.open_voting(rnd, facilitator)
        db.session.commit()
        return rnd, projects, people, facilitator
    return factory


def _page(response):
    return response.get_data(as_text=True)


def _hidden(html, name):
    return re.findall(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)">', html)


def test_a_paper_ballot_typed_twice_the_same_is_saved_as_paper(paper_round, login, client):
    rnd, projects, (member, *_r), facilitator = paper_round()
    login(facilitator)
    round_page = _page(client.get(f"/panels/rounds/{rnd.id}"))
    assert f'href="/panels/rounds/{rnd.id}/paper"' in round_page            # found by a link
    form = _page(client.get(f"/panels/rounds/{rnd.id}/paper"))
    assert "Voter A" in form and "There is £6,000 to spend" in form
    first = client.post(f"/panels/rounds/{rnd.id}/paper", data={
        "stage": "first", "member": str(member.id), "project": [str(projects[0].id), str(projects[1].id)]})
    second_page = _page(first)
    assert first.status_code == 200 and "Type the paper ballot again" in second_page
    assert sorted(_hidden(second_page, "first-project")) == sorted([str(projects[0].id), str(projects[1].id)])
    assert 'checked' not in second_page.split("Second entry")[1]            # the second typing starts blank
    assert db.session.scalar(db.select(db.func.count(VoteCast.id)).where(VoteCast.round_id == rnd.id)) == 0
    saved = client.post(f"/panels/rounds/{rnd.id}/paper", data={
        "stage": "second", "member": str(member.id), "first-project": _hidden(second_page, "first-project"),
        "project": [str(projects[1].id), str(projects[0].id)]})
    assert saved.status_code == 302
    ballot = db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id)).one()
    assert ballot.channel is BallotChannel.paper and ballot.project_ids == sorted([projects[0].id, projects[1].id])
    assert db.session.scalars(db.select(VoteCast.member_id).where(VoteCast.round_id == rnd.id)).all() == [member.id]
    with pytest.raises(ops.AlreadyVoted):                                 # and not again online
        ops.cast_ballot(rnd, member, [projects[2].id])
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "round.paper_ballot_entered")).all()
    assert len(entries) == 1 and entries[0].user_id == facilitator.id
    written = f"{entries[0].summary} {entries[0].details}"
    assert not any(p.title in written or str(p.id) in re.findall(r"\d+", str(entries[0].details)) for p in projects)
    client.get(f"/panels/rounds/{rnd.id}")                                 # reads the saved notice
    assert f'<option value="{member.id}"' not in _page(client.get(f"/panels/rounds/{rnd.id}/paper"))


def test_two_different_typings_are_shown_in_plain_words_and_nothing_is_saved(paper_round, login, client):
    rnd, projects, (member, *_r), facilitator = paper_round(BallotType.cumulative, total_points=10)
    a, b, c = (p.id for p in projects)
    login(facilitator)
    first = _page(client.post(f"/panels/rounds/{rnd.id}/paper", data={
        "stage": "first", "member": str(member.id), f"points-{a}": "6", f"points-{b}": "4"}))
    assert _hidden(first, f"first-points-{a}") == ["6"] and _hidden(first, f"first-points-{b}") == ["4"]
    differ = client.post(f"/panels/rounds/{rnd.id}/paper", data={
        "stage": "second", "member": str(member.id), f"first-points-{a}": "6", f"first-points-{b}": "4",
        f"points-{a}": "6", f"points-{c}": "4"})
    html = _page(differ)
    assert differ.status_code == 400
    assert "The two entries are different, so nothing was saved" in html
    assert "‘Project B’: 4 points the first time, no points the second time" in html
    assert "‘Project C’: no points the first time, 4 points the second time" in html
    assert "Project A’: 6" not in html                                      # what matched is not listed
    assert db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == rnd.id)) == 0
    assert db.session.scalar(db.select(db.func.count(VoteCast.id)).where(VoteCast.round_id == rnd.id)) == 0
    assert re.search(rf'<option value="{member.id}" selected>', html)       # the member stays chosen


def test_a_ranked_paper_ballot_must_match_in_order(paper_round):
    rnd, projects, (member, *_r), facilitator = paper_round(BallotType.ranked, max_projects=3)
    a, b, c = (p.id for p in projects)
    with pytest.raises(ops.EntriesDiffer) as differ:
        ops.cast_paper_ballot(rnd, member, {a: 1, b: 2}, {a: 2, b: 1}, facilitator)
    assert differ.value.differences == ["‘Project A’: 1st choice the first time, 2nd choice the second time",
                                        "‘Project B’: 2nd choice the first time, 1st choice the second time"]
    ops.cast_paper_ballot(rnd, member, {a: 1, b: 2}, {b: 2, a: 1}, facilitator)
    assert db.session.scalars(db.select(Ballot.ranking).where(Ballot.round_id == rnd.id)).one() == [a, b]


def test_the_first_typing_is_checked_like_a_vote_and_kept_when_wrong(paper_round, login, client):
    rnd, projects, (member, *_r), facilitator = paper_round(BallotType.cumulative, total_points=10)
    a, b, _c = (p.id for p in projects)
    login(facilitator)
    wrong = client.post(f"/panels/rounds/{rnd.id}/paper", data={
        "stage": "first", "member": str(member.id), f"points-{a}": "8", f"points-{b}": "4"})
    assert wrong.status_code == 400
    assert "You have given 12 points. You have 10 to give: take 2 away" in _page(wrong)
    assert re.search(rf'name="points-{a}"[^>]*value="8"', _page(wrong))
    nobody = client.post(f"/panels/rounds/{rnd.id}/paper", data={"stage": "first", f"points-{a}": "10"})
    assert nobody.status_code == 400 and "Choose the member who voted on this paper ballot" in _page(nobody)


def test_paper_ballots_are_counted_and_said_on_the_results(paper_round, client):
    rnd, projects, people, facilitator = paper_round()
    for member in people[:4]:
        ops.cast_ballot(rnd, member, [projects[0].id])
    for member in people[4:]:
        ops.cast_paper_ballot(rnd, member, [projects[1].id], [projects[1].id], facilitator)
    ops.close_voting(rnd, facilitator, "test")
    assert sorted(c.value for c in db.session.scalars(db.select(Ballot.channel).where(Ballot.round_id == rnd.id))) \
        == ["online"] * 4 + ["paper"] * 2                                 # kept through the shuffle at closing
    result = ops.count_round(rnd.id)
    db.session.commit()
    assert result.projects["2"]["approvals"] == 2
    assert "2 of 6 ballots were on paper" in _page(client.get(f"/panels/rounds/{rnd.id}/results"))


def test_only_whoever_manages_the_panel_may_enter_paper_ballots(paper_round, create_user, login, client):
    rnd, projects, (member, *_r), _facilitator = paper_round()
    login(create_user(Role.panel_facilitator))                           # another panel's facilitator
    assert client.get(f"/panels/rounds/{rnd.id}/paper").status_code == 403
    assert client.post(f"/panels/rounds/{rnd.id}/paper", data={
        "stage": "second", "member": str(member.id), "first-project": str(projects[0].id),
        "project": str(projects[0].id)}).status_code == 403
    assert db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == rnd.id)) == 0


def test_sending_the_matching_second_typing_twice_saves_one_ballot(paper_round, app, login):
    rnd, projects, (member, *_r), facilitator = paper_round()
    client = login(facilitator)
    data = {"stage": "second", "member": str(member.id), "first-project": str(projects[0].id),
            "project": str(projects[0].id), "request_key": "paper-key-1234567890"}
    assert client.post(f"/panels/rounds/{rnd.id}/paper", data=data).status_code == 302
    again = client.post(f"/panels/rounds/{rnd.id}/paper", data=data)
    assert again.status_code == 303 and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == rnd.id)) == 1
