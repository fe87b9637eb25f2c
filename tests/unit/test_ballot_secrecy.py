"""Secret ballots (issue 15, seen 3): nothing links a ballot to the member who cast it.

Who voted (one vote each, turnout, quorum) is kept apart from what they chose; the audit says
a ballot was cast, never by whom or what; and a round with too few ballots shows no result,
no counts and no .pb file anywhere, only why.
"""
import json
from datetime import timedelta

import pytest

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.panels import operations as ops
from commissioning.panels.models import AgeBand, AllocationRule, Ballot, BallotType


@pytest.fixture
def voting_round(create_user, create_pot):
    """``voting_round(members=5, **rules)``: a panel of 16-17s and an open round of four cheap projects."""
    def factory(members=5, costs=(1_000, 2_000, 3_000, 4_000), **rules):
        facilitator = create_user(Role.panel_facilitator)
        pot = create_pot(amount_pence=5_000_000)
        panel = ops.create_panel("Secrecy panel", None, facilitator)
        people = [ops.add_member(panel, f"Voter {chr(65 + i)}", AgeBand.age_16_17)[0] for i in range(members)]
        now = utcnow()
        fields = dict(title="Secret round", pot=pot, budget_pence=1_000_000, ballot_type=BallotType.within_budget,
                      max_projects=None, min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
                      min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=7))
        rnd = ops.create_round(panel, facilitator, **{**fields, **rules})
        projects = [ops.add_project(rnd, f"Project {i}", "What it does, in plain words.", pounds * 100)
                    for i, pounds in enumerate(costs)]
        ops.open_voting(rnd, facilitator)
        db.session.commit()
        return rnd, projects, people, facilitator
    return factory


def _vote(rnd, people, projects, choices):
    for member, choice in zip(people, choices):
        ops.cast_ballot(rnd, member, [projects[i].id for i in choice])


def _count(rnd, facilitator):
    ops.close_voting(rnd, facilitator, "test")
    result = ops.count_round(rnd.id)
    db.session.commit()
    return result


def _sign_in_as(client, member):
    """Sign in with the code the member was first given (a voted member gets no new one, so set it here)."""
    code = "TEST-CODE"
    member.joining_code_hash = ops._code_hash(code)
    member.joining_code_expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert client.post("/join", data={"code": code}).status_code == 302


def test_ballots_are_stored_with_no_member_and_no_time(voting_round):
    table = Ballot.__table__
    assert "member_id" not in table.c
    assert not [c for c in table.c if c.foreign_keys and any(fk.column.table.name != "panel_rounds"
                                                             for fk in c.foreign_keys)]
    assert not [c.name for c in table.c if "date" in type(c.type).__name__.lower()
                or "time" in type(c.type).__name__.lower()], "no timestamp to match against who voted when"
    rnd, projects, (member, *_r), _f = voting_round()
    ops.cast_ballot(rnd, member, [projects[0].id])
    row = db.session.execute(db.text("SELECT * FROM panel_ballots WHERE round_id = :r"), {"r": rnd.id}).mappings().one()
    assert set(row) == {"id", "round_id", "project_ids", "scores", "ranking", "channel"}
    assert row["channel"] == "online" and len(row["id"]) == 32


def test_one_vote_each_and_a_sent_vote_is_final(voting_round):
    from sqlalchemy.exc import IntegrityError

    from commissioning.panels.models import VoteCast
    from commissioning.panels.util import has_voted, votes_cast
    rnd, projects, (member, other, *_r), _f = voting_round()
    assert not has_voted(rnd, member)
    ops.cast_ballot(rnd, member, [projects[0].id])
    with pytest.raises(ops.AlreadyVoted, match="already voted"):
        ops.cast_ballot(rnd, member, [projects[1].id])
    with pytest.raises(ops.AlreadyVoted):
        ops.preview_ballot(rnd, member, [projects[1].id])      # the check page refuses too
    ops.cast_ballot(rnd, other, [projects[1].id])
    assert has_voted(rnd, member) and votes_cast(rnd) == 2
    assert sorted(b.project_ids for b in db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id))) \
        == [[projects[0].id], [projects[1].id]]
    with pytest.raises(IntegrityError):                         # the database holds the rule too
        with db.session.begin_nested():
            db.session.add(VoteCast(round_id=rnd.id, member_id=member.id, voted_at=utcnow()))


def test_neither_ballot_ids_nor_the_order_rows_are_stored_in_follow_the_order_of_voting(voting_round):
    rnd, projects, people, facilitator = voting_round(members=8)
    # Eight different ballots, cast one after another.
    choices = [(0,), (1,), (2,), (3,), (0, 1), (0, 2), (0, 3), (1, 2)]
    in_voting_order = [sorted(projects[i].id for i in c) for c in choices]
    _vote(rnd, people, projects, choices)
    by_id = [b.project_ids for b in db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id)
                                                        .order_by(Ballot.id))]
    assert sorted(by_id) == sorted(in_voting_order)
    assert by_id != in_voting_order                 # random ids (1 chance in 40,320 of this order)
    ids_before = set(db.session.scalars(db.select(Ballot.id).where(Ballot.round_id == rnd.id)))
    ops.close_voting(rnd, facilitator, "test")
    stored = [json.loads(v) if isinstance(v, str) else v for v in db.session.scalars(
        db.text("SELECT project_ids FROM panel_ballots WHERE round_id = :r"), {"r": rnd.id})]
    assert sorted(stored) == sorted(in_voting_order)
    assert stored != in_voting_order                # rewritten in a random order when voting closed
    assert not ids_before & set(db.session.scalars(db.select(Ballot.id).where(Ballot.round_id == rnd.id)))


def test_the_audit_says_a_ballot_was_cast_never_by_whom_or_what(voting_round, client):
    from commissioning.mail.models import OutgoingEmail
    rnd, projects, (member, *_r), _f = voting_round()
    _sign_in_as(client, member)
    last = db.session.scalar(db.select(db.func.max(AuditEntry.id)))
    mails = db.session.scalar(db.select(db.func.count(OutgoingEmail.id)))
    sent = client.post(f"/panels/rounds/{rnd.id}/vote", data={"project": [str(projects[2].id)], "send": "yes"})
    assert sent.status_code == 302
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.id > last)).all()
    assert [e.action for e in entries] == ["round.ballot_cast"]
    entry = entries[0]
    assert entry.user_id is None and entry.object_type == "Round"
    said = f"{entry.summary} {json.dumps(entry.details)}"
    for secret in (member.display_name, str(member.id), str(member.user_id), projects[2].title,
                   str(projects[2].id)):
        assert secret not in said
    assert db.session.scalar(db.select(db.func.count(OutgoingEmail.id))) == mails  # no mail about the vote


def _counted_round(voting_round, members, ballots, **rules):
    rnd, projects, people, facilitator = voting_round(members=members, **rules)
    choices = [(0,), (1, 2), (0, 3), (2,), (1,), (3,), (0, 1), (2, 3), (1, 3)]
    _vote(rnd, people, projects, choices[:ballots])
    _count(rnd, facilitator)
    return rnd, projects, people, facilitator


@pytest.mark.parametrize("members, ballots, quorum, why", [
    (9, 1, 9, "this round needed 9 votes"),          # seen: quorum missed with one ballot
    (4, 4, None, "Fewer than 5 people voted"),        # seen: results with too few voters
], ids=["quorum-missed", "below-the-minimum"])
def test_below_the_minimum_no_result_count_or_file_is_shown_anywhere_and_pages_say_why(
        voting_round, client, login, create_user, members, ballots, quorum, why):
    rnd, projects, people, facilitator = _counted_round(voting_round, members, ballots, quorum=quorum)
    base = f"/panels/rounds/{rnd.id}"

    def shows_nothing(html):
        assert "You said, we did" not in html and rnd.result.ballots_digest not in html
        assert f"{ballots} of" not in html and "people who voted chose it" not in html
        assert "ballots.pb" not in html

    for url in (f"{base}/results", f"{base}/results/1"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Results not shown" in html and why in html, url
        shows_nothing(html)
    pb = client.get(f"{base}/ballots.pb")
    assert pb.status_code == 404 and "num_votes" not in pb.get_data(as_text=True)
    assert why in pb.get_data(as_text=True)
    listed = client.get("/api/v1/panel-results").get_json()
    assert rnd.reference not in [r["reference"] for r in listed["items"]]
    one = client.get(f"/api/v1/panel-results/{rnd.id}")
    assert one.status_code == 404 and why in one.get_json()["message"]
    # The member's page and the facilitator's page say why, and link to no result.
    _sign_in_as(client, people[0])
    mine = client.get("/panels/me").get_data(as_text=True)
    assert "results are not shown" in mine and why in mine and f"{base}/results" not in mine
    client.post("/logout")
    login(facilitator)
    page = client.get(base).get_data(as_text=True)
    assert "results are not shown" in page and why in page and f"{base}/results" not in page
    # Confirming would publish what was funded, so it is refused.
    with pytest.raises(ops.PanelError):
        ops.confirm_awards(rnd, create_user(Role.commissioner))


def test_a_withheld_round_leaves_no_result_in_the_audit_or_the_mail(voting_round):
    from commissioning.mail.models import OutgoingEmail
    rnd, projects, people, facilitator = voting_round(members=3)
    ops.add_member(rnd.panel, "Robin", AgeBand.age_18_21, email="robin.secret@example.org")
    last_mail = db.session.scalar(db.select(db.func.max(OutgoingEmail.id))) or 0
    _vote(rnd, people, projects, [(3,), (3,), (3,)])
    _count(rnd, facilitator)
    counted = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "round.counted",
                                                             AuditEntry.object_id == rnd.id)).one()
    said = f"{counted.summary} {json.dumps(counted.details)}"
    assert rnd.result.ballots_digest not in said and "selected" not in counted.details and "3 ballot" not in said
    mail = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.id > last_mail,
                                                             OutgoingEmail.to_address == "robin.secret@example.org")
                              ).one()
    assert "Too few people voted" in mail.body and "/results" not in mail.body


def test_at_the_minimum_results_counts_and_the_file_are_published(voting_round, client, app, monkeypatch):
    rnd, projects, people, facilitator = _counted_round(voting_round, 5, 5, quorum=5)
    base = f"/panels/rounds/{rnd.id}"
    page = client.get(f"{base}/results").get_data(as_text=True)
    assert "You said, we did" in page and "5 of 5 members voted" in page
    pb = client.get(f"{base}/ballots.pb")
    assert pb.status_code == 200 and "num_votes;5" in pb.get_data(as_text=True)
    assert client.get(f"/api/v1/panel-results/{rnd.id}").get_json()["ballots"] == 5
    monkeypatch.setitem(app.config, "PANEL_MIN_BALLOTS", 6)   # the setting decides
    assert "Fewer than 6 people voted" in client.get(f"{base}/results").get_data(as_text=True)
    assert client.get(f"{base}/ballots.pb").status_code == 404


def test_while_voting_is_open_the_facilitator_sees_how_many_voted_not_what(voting_round, login, client):
    rnd, projects, people, facilitator = voting_round()
    _vote(rnd, people, projects, [(0,), (0, 1)])
    db.session.commit()
    login(facilitator)
    page = client.get(f"/panels/rounds/{rnd.id}").get_data(as_text=True)
    assert "2 of 5 members who can vote have voted" in page and "Only 5 members can vote" not in page
    assert client.get(f"/panels/rounds/{rnd.id}/results").status_code == 404
    small, *_rest = voting_round(members=3)
    small.panel.facilitator = facilitator
    db.session.commit()
    assert "Only 3 members can vote. Results are shown only when at least 5 people vote" in \
        client.get(f"/panels/rounds/{small.id}").get_data(as_text=True)


def test_choose_check_then_send_and_the_page_says_it_is_final(voting_round, client):
    rnd, projects, (member, *_r), _f = voting_round()
    _sign_in_as(client, member)
    url = f"/panels/rounds/{rnd.id}/vote"
    assert "cannot be changed once you send it" in client.get(url).get_data(as_text=True)
    last = db.session.scalar(db.select(db.func.max(AuditEntry.id)))
    check = client.post(url, data={"project": [str(projects[0].id), str(projects[1].id)]}).get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.max(AuditEntry.id))) == last    # checking stores nothing
    assert "Check your vote" in check and "Once you send your vote, you cannot change it" in check
    assert "Project 0" in check and "Project 1" in check and "Project 2" not in check
    back = client.post(url, data={"project": [str(projects[0].id)], "change": "yes"}).get_data(as_text=True)
    assert "Choose the projects you want" in back and f'value="{projects[0].id}" data-cost' in back
    assert 'checked' in back.split(f'id="project-{projects[0].id}"')[1].split(">")[0]
    sent = client.post(url, data={"project": [str(projects[0].id)], "send": "yes"})
    assert sent.status_code == 302
    again = client.post(url, data={"project": [str(projects[1].id)], "send": "yes"})
    assert again.status_code == 302 and "already voted" in client.get("/panels/me").get_data(as_text=True)
    html = client.get(url).get_data(as_text=True)
    assert "You have voted in this round" in html and 'name="project"' not in html
    assert [b.project_ids for b in db.session.scalars(db.select(Ballot).where(Ballot.round_id == rnd.id))] \
        == [[projects[0].id]]


def test_staff_cannot_vote_as_members_by_reissuing_their_codes(voting_round, login, client):
    """Issue 15: the facilitator reissued codes for members who had voted before, used each and voted as them."""
    from commissioning.panels.models import RoundStatus
    earlier, projects, people, facilitator = voting_round()
    _vote(earlier, people, projects, [(0,), (1,), (2,), (0, 1), (1, 2)])
    _count(earlier, facilitator)
    rnd = ops.create_round(earlier.panel, facilitator, title="Next", pot=earlier.pot, budget_pence=1_000_000,
                           ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
                           rule=AllocationRule.equal_shares, quorum=4, min_approval_percent=None,
                           opens_at=utcnow(), closes_at=utcnow() + timedelta(days=7))
    next_projects = [ops.add_project(rnd, f"Next {i}", "What it does, in plain words.", 1_000_00) for i in range(3)]
    ops.open_voting(rnd, facilitator)
    ops.cast_ballot(rnd, people[0], [next_projects[0].id])
    db.session.commit()
    login(facilitator)
    for member in people[1:]:
        page = client.post(f"/panels/members/{member.id}/code").get_data(as_text=True)
        assert "already joined" in page
    assert rnd.status is RoundStatus.open
    assert db.session.scalar(db.select(db.func.count(Ballot.id)).where(Ballot.round_id == rnd.id)) == 1
