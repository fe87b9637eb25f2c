"""Evaluation that flows (issue 17): attachments on the scoring page, a whole bid moderated on one page,
each step leading to the next, the award form keeping what was typed, numbers as people write them, and
the outcome on the provider's own bid pages once (and only once) the award is made."""
import io
import re
from datetime import date, timedelta
from fractions import Fraction

import pytest
from pypdf import PdfReader

from commissioning.accounts.models import Role
from commissioning.audit.models import AuditEntry
from commissioning.bids.operations import add_attachment, start_bid, submit_bid
from commissioning.core.models import utcnow
from commissioning.evaluation.award import award, make_assessment_summary
from commissioning.evaluation.models import AssessmentSummary, ConsensusScore, Interest
from commissioning.evaluation.numbers import format_number, format_percent, format_score, format_size
from commissioning.evaluation.operations import assign, declare, request_scoring, run_scoring, save_scores
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.mail.models import OutgoingEmail
from commissioning.opportunities.operations import close_due
from tests.fixtures.factories import complete_bid

PLAN = b"Week 1: outreach.\nWeek 2: sessions.\n"


@pytest.fixture
def round_with_files(create_opportunity, create_user, create_organisation, give_documents):
    """Two bids (the first with a file), three evaluators assigned and declared, none scored yet."""
    def factory(**spec_overrides):
        past = utcnow() - timedelta(days=10)
        opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=past, **spec_overrides)
        bids = []
        for i, (name, price) in enumerate((("Winner Youth Trust", 40_000_00), ("Runner Up CIC", 45_000_00))):
            org = create_organisation(f"{name} {opp.id}")
            give_documents(org)
            user = create_user(Role.provider, organisation=org)
            bid = start_bid(opp, org, user, now=past)
            complete_bid(bid, user, now=past)
            bid.price_pence = price
            if i == 0:
                add_attachment(bid, user, ("delivery-plan.txt", "text/plain", PLAN), now=past)
            submit_bid(bid, user, f"flow-{bid.id}-abcdefghij", now=past)
            bids.append(bid)
        close_due()
        commissioner = create_user(Role.commissioner)
        evaluators = [create_user(Role.evaluator) for _ in range(3)]
        assign(opp, bids, evaluators, commissioner)
        for evaluator in evaluators:
            for bid in bids:
                declare(opp, evaluator, bid.organisation, Interest.none)
        db.session.commit()
        return opp, bids, evaluators, commissioner
    return factory


def _score_all(opp, bids, evaluators, marks=(3, 3, 2)):
    for n, (evaluator, value) in enumerate(zip(evaluators, marks), start=1):
        for bid in bids:
            save_scores(bid, evaluator, {c["name"]: (value, f"Evaluator {n} found evidence for {value}")
                                         for c in opp.quality_criteria}, submit=True)
    db.session.commit()


def _as(app, user):
    """A client of its own, signed in as ``user`` (a test may need several people at once)."""
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": "a-long-test-password"}).status_code == 302
    return client


def _file_id(bid):
    return bid.submissions[-1].content["attachments"][0]["file_id"]


# --- seen: evaluators never see the bid's attachments ----------------------------------------------

def test_the_scoring_page_lists_the_attachments_and_the_evaluator_downloads_them(login, round_with_files):
    opp, (with_file, without), (evaluator, *_), _c = round_with_files()
    client = login(evaluator)
    page = client.get(f"/evaluation/bids/{with_file.id}").get_data(as_text=True)
    link = f"/evaluation/bids/{with_file.id}/files/{_file_id(with_file)}"
    assert "delivery-plan.txt" in page and f'href="{link}"' in page
    assert f"(Text, {len(PLAN)} bytes)" in page
    download = client.get(link)
    assert download.status_code == 200 and download.data == PLAN
    assert "delivery-plan.txt" in download.headers["Content-Disposition"]
    assert "No files were sent with this bid" in client.get(f"/evaluation/bids/{without.id}").get_data(as_text=True)
    # Only a file of this bid's counted version: another bid's file is not reachable through it.
    assert client.get(f"/evaluation/bids/{without.id}/files/{_file_id(with_file)}").status_code == 404


def test_attachments_are_refused_to_a_conflicted_or_unassigned_evaluator_and_stay_sealed(
        app, login, round_with_files, create_user, create_opportunity):
    opp, (with_file, _other), (evaluator, *_), commissioner = round_with_files()
    link = f"/evaluation/bids/{with_file.id}/files/{_file_id(with_file)}"
    outsider = create_user(Role.evaluator)
    db.session.commit()
    assert _as(app, outsider).get(link).status_code == 403
    conflicted = create_user(Role.evaluator)
    assign(opp, [with_file], [conflicted], commissioner)
    declare(opp, conflicted, with_file.organisation, Interest.trustee, "I chair its board")
    declare(opp, conflicted, _other.organisation, Interest.none)
    db.session.commit()
    answer = _as(app, conflicted).get(link)
    assert answer.status_code == 403 and PLAN not in answer.data
    assert _as(app, commissioner).get(link).status_code == 403  # a commissioner reads files from the bids page
    # An extended deadline seals the bid again, for evaluators too.
    opp.submission_deadline = utcnow() + timedelta(days=3)
    db.session.commit()
    assert _as(app, evaluator).get(link).status_code == 404


# --- seen: moderation shows numbers without the justifications, one criterion per submission -------

def test_a_whole_bid_is_moderated_on_one_page_with_each_evaluators_justification(login, round_with_files):
    opp, (bid, _other), evaluators, commissioner = round_with_files()
    _score_all(opp, [bid, _other], evaluators)
    page = login(commissioner).get(f"/opportunities/{opp.id}/moderation/{bid.id}").get_data(as_text=True)
    for n, value in ((1, 3), (2, 3), (3, 2)):
        assert f"Evaluator {n} found evidence for {value}" in page
    for evaluator in evaluators:
        assert evaluator.name in page
    assert "Mean 2.7 of 5" in page and "2.666" not in page
    for i, _c in enumerate(opp.quality_criteria):
        assert f'name="score-{i}"' in page and f'name="reason-{i}"' in page
    assert page.count("<form") == 2  # the one form of the bid, and signing out


def test_one_submission_saves_every_criterion_with_an_audit_entry_per_change(login, round_with_files):
    opp, (bid, other), evaluators, commissioner = round_with_files()
    _score_all(opp, [bid, other], evaluators)
    client = login(commissioner)
    url = f"/opportunities/{opp.id}/moderation/{bid.id}"
    names = [c["name"] for c in opp.quality_criteria]
    assert len(names) >= 2
    form = {f"score-{i}": "3" for i in range(len(names))}
    form.update({f"reason-{i}": f"Agreed on {name}" for i, name in enumerate(names)})
    answer = client.post(url, data=form)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/moderation/{other.id}")
    rows = db.session.scalars(db.select(ConsensusScore).where(ConsensusScore.bid_id == bid.id)).all()
    assert sorted((r.criterion, r.score, r.reason) for r in rows) == sorted((n, 3, f"Agreed on {n}") for n in names)

    def entries():
        return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "evaluation.moderated",
                                                              AuditEntry.object_id == bid.id)).all()
    assert len(entries()) == len(names)
    client.post(url, data=form)  # the same again: nothing changed, nothing recorded
    assert len(entries()) == len(names)
    form["score-1"], form["reason-1"] = "4", "Raised after reading the plan"
    client.post(url, data=form)
    assert len(entries()) == len(names) + 1
    assert entries()[-1].details["criterion"] == names[1] and entries()[-1].details["previous"]["score"] == 3
    page = client.get(url).get_data(as_text=True)
    assert "Raised after reading the plan" in page


def test_moderation_errors_are_kept_per_criterion_and_nothing_is_saved(login, round_with_files):
    opp, (bid, other), evaluators, commissioner = round_with_files()
    _score_all(opp, [bid, other], evaluators)
    names = [c["name"] for c in opp.quality_criteria]
    answer = login(commissioner).post(f"/opportunities/{opp.id}/moderation/{bid.id}", data={
        "score-0": "9", "reason-0": "Far too high", "score-1": "3", "reason-1": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert f"Enter the agreed score for “{names[0]}” as a whole number from 0 to 5" in page
    assert f"Give the reason for the agreed score for “{names[1]}”" in page
    assert 'href="#score-0"' in page and 'href="#score-1"' in page
    assert 'id="score-0-error"' in page and 'id="score-1-error"' in page
    assert 'value="9"' in page and "Far too high" in page and 'value="3"' in page  # what was typed, kept
    assert db.session.scalar(db.select(db.func.count(ConsensusScore.id)).where(ConsensusScore.bid_id == bid.id)) == 0


def test_after_the_award_the_moderation_page_shows_the_agreed_scores_without_a_form(login, round_with_files):
    opp, (bid, other), evaluators, commissioner = round_with_files()
    _score_all(opp, [bid, other], evaluators)
    run_scoring(request_scoring(opp, commissioner).id)
    award(opp, commissioner, [(bid, 40_000_00)], "Highest total", date(2026, 11, 2))
    db.session.commit()
    page = login(commissioner).get(f"/opportunities/{opp.id}/moderation/{bid.id}").get_data(as_text=True)
    assert "the agreed scores can no longer change" in page and 'name="score-0"' not in page
    assert "Not agreed: the mean 2.7 of 5 counted" in page


# --- seen: the moderation and totals pages lead nowhere next ---------------------------------------

def test_each_step_links_to_the_next(app, login, round_with_files):
    opp, (bid, other), evaluators, commissioner = round_with_files()
    first = evaluators[0]
    scorer = login(first)
    listing = scorer.get("/evaluation").get_data(as_text=True)
    assert f'href="/evaluation/{opp.id}"' in listing and "0 of 2 scored" in listing
    bids_page = scorer.get(f"/evaluation/{opp.id}").get_data(as_text=True)
    assert f'href="/evaluation/bids/{bid.id}"' in bids_page and "Score " in bids_page
    form = {f"score-{i}": "3" for i in range(len(opp.quality_criteria))}
    form.update({f"justification-{i}": "Good evidence" for i in range(len(opp.quality_criteria))}, submit="1")
    scorer.post(f"/evaluation/bids/{bid.id}", data=form)
    after = scorer.get(f"/evaluation/bids/{bid.id}").get_data(as_text=True)
    assert "What happens next" in after and f'href="/evaluation/bids/{other.id}"' in after
    assert 'href="/evaluation"' in after
    scorer.post(f"/evaluation/bids/{other.id}", data=form)
    done = scorer.get(f"/evaluation/bids/{other.id}").get_data(as_text=True)
    assert "You have scored every bid" in done and f'href="/evaluation/{opp.id}"' in done

    _score_all(opp, [bid, other], evaluators[1:], marks=(4, 2))
    boss = _as(app, commissioner)
    manage = boss.get(f"/opportunities/{opp.id}/evaluation").get_data(as_text=True)
    assert f'href="/opportunities/{opp.id}/moderation"' in manage
    moderation = boss.get(f"/opportunities/{opp.id}/moderation").get_data(as_text=True)
    assert f'href="/opportunities/{opp.id}/moderation/{bid.id}"' in moderation
    assert "What happens next" in moderation and f'href="/opportunities/{opp.id}/scoring"' in moderation
    one = boss.get(f"/opportunities/{opp.id}/moderation/{bid.id}").get_data(as_text=True)
    assert f'href="/opportunities/{opp.id}/moderation/{other.id}"' in one
    assert f'href="/opportunities/{opp.id}/scoring"' in one
    run_scoring(request_scoring(opp, commissioner).id)
    db.session.commit()
    totals = boss.get(f"/opportunities/{opp.id}/scoring").get_data(as_text=True)
    assert "What happens next" in totals and f'href="/opportunities/{opp.id}/award"' in totals
    assert "Next: record the award" in totals


# --- seen: the award form forgets ticked bids and amounts after an error ----------------------------

def _checked(page, bid_id):
    tag = re.search(rf'<input[^>]*id="bid-{bid_id}"[^>]*>', page).group(0)
    return " checked" in tag


def test_the_award_form_keeps_ticked_bids_and_amounts_after_an_error(login, round_with_files):
    opp, (winner, runner_up), evaluators, commissioner = round_with_files()
    _score_all(opp, [winner, runner_up], evaluators)
    run_scoring(request_scoring(opp, commissioner).id)
    db.session.commit()
    client = login(commissioner)
    base = {"notice-day": "2", "notice-month": "11", "notice-year": "2026"}
    bad = client.post(f"/opportunities/{opp.id}/award", data={
        **base, "bids": [str(winner.id)], f"amount-{winner.id}": "forty thousand", f"amount-{runner_up.id}": "1",
        "reasons": "Highest quality"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter each amount in pounds" in page
    assert _checked(page, winner.id) and not _checked(page, runner_up.id)
    assert 'value="forty thousand"' in page and "Highest quality" in page
    assert f'href="#amount-{winner.id}"' in page and f'id="amount-{winner.id}-error"' in page
    no_reason = client.post(f"/opportunities/{opp.id}/award", data={
        **base, "bids": [str(winner.id)], f"amount-{winner.id}": "39500", "reasons": ""}).get_data(as_text=True)
    assert "Give the reasons" in no_reason and _checked(no_reason, winner.id) and 'value="39500"' in no_reason


# --- seen: assessment summaries print raw floats ----------------------------------------------------

def test_numbers_are_written_the_way_people_write_them():
    assert format_number(2.6666666666666665) == "2.7" and format_number(4.0) == "4"
    assert format_number(Fraction(8, 3)) == "2.7" and format_number(71.333333, 2) == "71.33"
    assert format_number(2.5, 0) == "3"  # half up, as people round (Python's round gives 2)
    assert format_score(Fraction(8, 3), 5) == "2.7 of 5"
    assert format_percent(66.6667) == "67%" and format_percent(60) == "60%"
    assert format_size(900) == "900 bytes" and format_size(12_345) == "12 KB" and format_size(1_500_000) == "1.4 MB"


def test_the_summary_pdf_mail_and_pages_write_numbers_and_money_as_people_do(login, round_with_files):
    opp, (winner, runner_up), evaluators, commissioner = round_with_files()
    _score_all(opp, [winner, runner_up], evaluators)  # means of 8/3 for every quality criterion
    run = run_scoring(request_scoring(opp, commissioner).id)
    db.session.commit()
    totals = login(commissioner).get(f"/opportunities/{opp.id}/scoring").get_data(as_text=True)
    for row in run.result["bids"]:
        assert format_number(row["total"], 2) in totals
    award(opp, commissioner, [(winner, 12_345_00)], "Highest total", date(2026, 11, 2))
    make_assessment_summary(winner.id)
    db.session.commit()
    summary = db.session.scalars(db.select(AssessmentSummary).where(AssessmentSummary.bid_id == winner.id)).one()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(db.session.get(StoredFile, summary.file_id).data)).pages)
    assert "2.7 of 5" in text and "£12,345" in text and "60%" in text
    assert not re.search(r"\d\.\d{3,}", text), "no raw floats"
    bidder = winner.organisation.memberships[0].user
    mail = db.session.scalars(db.select(OutgoingEmail).where(OutgoingEmail.to_address == bidder.email,
                                                             OutgoingEmail.kind == "assessment_summary")).one()
    assert "successful" in mail.body and "£12,345" in mail.body and not re.search(r"\d\.\d{3,}", mail.body)


# --- seen: after the award the provider's pages still say "Submitted ... only people in ..." -------

def test_after_the_award_the_provider_sees_the_outcome_and_before_it_nothing_new(
        app, login, round_with_files, create_user):
    opp, (winner, runner_up), evaluators, commissioner = round_with_files(route="light_touch",
                                                                          max_value_pence=700_000_00)
    _score_all(opp, [winner, runner_up], evaluators)
    run_scoring(request_scoring(opp, commissioner).id)
    db.session.commit()
    winning_user = winner.organisation.memberships[0].user
    losing_user = runner_up.organisation.memberships[0].user
    client = login(winning_user)
    before_list = client.get("/my-bids").get_data(as_text=True)
    before_page = client.get(f"/bids/{winner.id}").get_data(as_text=True)
    for page in (before_list, before_page):
        assert "Successful" not in page and "Unsuccessful" not in page and "assessment.pdf" not in page
    assert "Only people in" not in before_page and "The council is evaluating the bids" in before_page

    decision = award(opp, commissioner, [(winner, 40_000_00)], "Highest total", date(2026, 11, 2))
    db.session.commit()
    listing = client.get("/my-bids").get_data(as_text=True)
    assert "Successful" in listing and "Awarded £40,000" in listing and "Standstill ends 12 November 2026" in listing
    assert f'href="/bids/{winner.id}/assessment.pdf"' in listing
    page = client.get(f"/bids/{winner.id}").get_data(as_text=True)
    assert "Only people in" not in page and "can see this bid" not in page
    assert "Successful" in page and "£40,000" in page and "12 November 2026" in page
    assert "Being prepared" in page  # the summary is not made yet
    make_assessment_summary(winner.id)
    make_assessment_summary(runner_up.id)
    from commissioning.contracts.operations import create_from_award, issue
    agreement = create_from_award(decision.awarded[0], commissioner, "Test Borough Council",
                                  start=date(2026, 12, 1))
    db.session.commit()
    page = client.get(f"/bids/{winner.id}").get_data(as_text=True)
    assert "Download your assessment summary (PDF)" in page
    assert f'href="/contracts/{agreement.id}"' not in page  # a draft is the council's
    issue(agreement, commissioner, "Test Borough Council", today=date(2026, 11, 20))
    db.session.commit()
    page = client.get(f"/bids/{winner.id}").get_data(as_text=True)
    assert f'href="/contracts/{agreement.id}"' in page and agreement.reference in page

    loser = _as(app, losing_user)
    theirs = loser.get(f"/bids/{runner_up.id}").get_data(as_text=True)
    assert "Unsuccessful" in theirs and "£40,000" not in theirs and "Winner Youth Trust" not in theirs
    assert f'href="/bids/{runner_up.id}/assessment.pdf"' in theirs
    assert "Unsuccessful" in loser.get("/my-bids").get_data(as_text=True)


def test_a_bid_withdrawn_before_the_deadline_says_so_after_the_award(login, round_with_files):
    from commissioning.bids.models import BidStatus
    opp, (winner, runner_up), evaluators, commissioner = round_with_files()
    _score_all(opp, [winner, runner_up], evaluators)
    run_scoring(request_scoring(opp, commissioner).id)
    award(opp, commissioner, [(winner, 40_000_00)], "Highest total", date(2026, 11, 2))
    runner_up.status = BidStatus.withdrawn  # as a withdrawal before the deadline leaves it
    db.session.commit()
    client = login(runner_up.organisation.memberships[0].user)
    page = client.get(f"/bids/{runner_up.id}").get_data(as_text=True)
    assert "Withdrawn" in page and "You withdrew this bid" in page and "assessment.pdf" not in page


def test_the_list_of_bids_takes_the_same_queries_whatever_the_number_of_outcomes(
        login, round_with_files, count_queries, create_user):
    def listing():
        opp, (winner, runner_up), evaluators, commissioner = round_with_files()
        _score_all(opp, [winner, runner_up], evaluators)
        run_scoring(request_scoring(opp, commissioner).id)
        award(opp, commissioner, [(winner, 40_000_00)], "Highest total", date(2026, 11, 2))
        db.session.commit()
        return winner.organisation
    org = listing()
    user = org.memberships[0].user
    client = login(user)
    client.get("/my-bids")
    with count_queries() as few:
        client.get("/my-bids")
    from commissioning.accounts.models import Membership
    for _ in range(3):  # three more decided bids for the same organisation
        other = listing()
        db.session.add(Membership(user_id=user.id, organisation_id=other.id))
    db.session.commit()
    with count_queries() as many:
        assert client.get("/my-bids").get_data(as_text=True).count("Successful") == 4
    assert many() == few()
