"""The Procurement Act 2023 notices (issue 16): which each procurement needs, when, and what they say.

Each test builds a procurement from its records (route, value, award, contract, variation, returns,
ending) and checks the notice the Act names appears with its time limit, is drafted when its event
happens, and publishes as an OCDS release with the UK extension's fields, on the feed, never changed.
"""
import base64
import json
import re
import threading
import urllib.parse
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from commissioning.accounts.models import Role
from commissioning.contracts import operations as contract_ops
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db
from commissioning.monitoring import operations as mon_ops
from commissioning.notices import operations as notice_ops
from commissioning.notices.models import Notice, NoticeStatus
from commissioning.notices.util import expected, standstill_end, timeline
from commissioning.opendata.models import PublishedRelease
from commissioning.opendata.operations import publish_releases
from commissioning.opportunities.operations import OpportunityError, open_opportunity
from commissioning.outbox.models import OutboxTask
from tests.fixtures.factories import complete_bid, complete_evaluations
from tests.fixtures.ocds_uk import check_uk_package, check_uk_release

TODAY = utcnow().astimezone(LONDON).date()
AWARDED = TODAY - timedelta(days=20)   # its standstill period is over, so the contract can be signed
#: Above the light-touch threshold (£663,540 from 1 January 2026, VAT included): a covered procurement.
COVERED = {"route": "light_touch", "suggested_route": "light_touch", "max_value_pence": 80_000_000,
           "pot_amount_pence": 90_000_000}


@pytest.fixture
def procurement(create_opportunity, create_organisation, create_user, give_documents):
    """A covered procurement run to an award and, when asked, a signed contract."""
    def factory(signed=True, start=None, frequency=None, **spec):
        from commissioning.bids.operations import start_bid, submit_bid
        from commissioning.evaluation.award import award
        from commissioning.evaluation.operations import request_scoring, run_scoring, start_evaluation
        from commissioning.opportunities.operations import close_due
        settings = {**COVERED, **spec}
        opened = utcnow() - timedelta(days=40)
        opp = create_opportunity(deadline_in=timedelta(days=-1), opened_at=opened, **settings)
        org = create_organisation()
        give_documents(org)
        provider = create_user(Role.provider, organisation=org, name="Pat Provider")
        commissioner = create_user(Role.commissioner)
        opp.created_by_id = commissioner.id
        bid = start_bid(opp, org, provider, now=opened)
        complete_bid(bid, provider, now=opened)
        submit_bid(bid, provider, f"notice-{bid.id}-token-abcdef", now=opened + timedelta(days=1))
        close_due()
        start_evaluation(opp)
        complete_evaluations(opp, [bid])
        run_scoring(request_scoring(opp, None).id)
        decision = award(opp, None, [(bid, opp.max_value_pence // 2)], "Best value", AWARDED)
        db.session.commit()
        if not signed:
            return opp, None, provider, commissioner
        agreement = contract_ops.create_from_award(decision.awarded[0], commissioner, "Test Borough Council")
        fields = {}
        if start is not None:
            fields.update(start_date=start, end_date=contract_ops.add_months(start, 24) - timedelta(days=1))
        if frequency:
            fields["monitoring_frequency"] = frequency
        if fields:
            if "start_date" in fields:
                fields["payments"] = contract_ops.payment_plan(agreement.value_pence, fields["start_date"],
                                                               fields["end_date"], "quarterly_in_advance")
            contract_ops.update_draft(agreement, commissioner, **fields)
        document = contract_ops.issue(agreement, commissioner, "Test Borough Council")
        contract_ops.render_document(document.id)
        contract_ops.sign(agreement, provider, "Pat Provider", "Chair", document.sha256)
        contract_ops.countersign(agreement, commissioner)
        db.session.commit()
        return opp, agreement, provider, commissioner
    return factory


def _codes(opp):
    wanted, _above = expected(opp)
    return {(e.code, e.subject): e for e in wanted}


def _publish(notice, by, **details):
    """Publish, and check the release against OCDS 1.1.5 patched with the UK extension and its
    dependencies (schema, closed and open codelists) offline, as libcoveocds would."""
    if details:
        notice_ops.save_details(notice, by, **details)
    notice_ops.publish(notice, by)
    db.session.commit()
    assert [p for p in check_uk_release(notice.release) if not _KPI_SCHEME.search(p)] == [], notice.notice_type
    return notice.release


#: The one warning allowed: the UK extension names the KPI ratings (met, slightlyBelow, ...) but no
#: scheme for them, and itemClassificationScheme (an open codelist) has none that fits, so UK9's
#: measureClassification names its own scheme, which an open codelist allows with a warning.
_KPI_SCHEME = re.compile(r"^open codelist: contracts/\d+/implementation/metrics/\d+/observations/\d+/"
                         r"measureClassification/scheme: 'UK-KPI-rating' is not in itemClassificationScheme\.csv$")


def _notice(opp, code):
    return db.session.scalars(db.select(Notice).where(Notice.opportunity_id == opp.id,
                                                      Notice.notice_type == code)).one()


def test_a_grant_round_is_not_a_procurement_and_gets_no_notices(create_opportunity):
    opp = create_opportunity()   # the factory's specification is a grant round
    line = timeline(opp)
    assert not line.applies and "not procurements" in line.reason
    assert notice_ops.draft_due_notices() == 0
    assert db.session.scalar(db.select(db.func.count(Notice.id)).where(Notice.opportunity_id == opp.id)) == 0


def test_a_covered_light_touch_procurement_needs_uk4_uk6_and_uk7_with_the_acts_limits(procurement):
    opp, agreement, _provider, commissioner = procurement()
    found = _codes(opp)
    uk4, uk6, uk7 = found[("UK4", "")], found[("UK6", "")], found[("UK7", f"agreement:{agreement.id}")]
    assert uk4.required and uk4.due_on == opp.opened_at.astimezone(LONDON).date()
    assert uk6.required and uk6.due_on == AWARDED
    signed = agreement.countersigned_at.astimezone(LONDON).date()
    assert uk7.required and uk7.due_on == signed + timedelta(days=120)   # light touch: 120 days (section 53)
    assert not found[("UK2", "")].required and not found[("UK3", "")].required
    assert notice_ops.draft_due_notices() == 3        # UK4, UK6, UK7: each once
    assert notice_ops.draft_due_notices() == 0
    states = {e.expected.code: e.state for e in timeline(opp).entries}
    # UK4 was due when it opened and UK6 on the award day, both past; UK7 has 120 days from signing.
    assert states["UK4"] == "overdue" and states["UK6"] == "overdue" and states["UK7"] == "draft"


def test_an_open_procedure_contract_details_notice_is_due_within_30_days(procurement):
    opp, agreement, _p, _c = procurement(route="open_procurement", suggested_route="open_procurement",
                                         light_touch=False, max_value_pence=30_000_000, pot_amount_pence=40_000_000)
    uk7 = _codes(opp)[("UK7", f"agreement:{agreement.id}")]
    assert uk7.required and uk7.due_on == agreement.countersigned_at.astimezone(LONDON).date() + timedelta(days=30)


def test_below_the_threshold_uk6_is_optional_and_uk4_uk7_are_below_threshold_notices(create_opportunity):
    opp = create_opportunity(route="light_touch", suggested_route="light_touch", max_value_pence=10_000_000)
    found = _codes(opp)
    assert found[("UK4", "")].required and "below-threshold" in found[("UK4", "")].why
    assert not found[("UK6", "")].required


def test_publishing_the_tender_notice_puts_a_uk_release_on_the_feed_that_never_changes(procurement, client):
    opp, _agreement, _provider, commissioner = procurement()
    publish_releases()
    notice_ops.draft_due_notices()
    uk4 = _notice(opp, "UK4")
    with pytest.raises(notice_ops.NoticeError) as refused:
        notice_ops.publish(uk4, commissioner)
    assert refused.value.field == "no_lots_reason"
    release = _publish(uk4, commissioner, no_lots_reason="One provider keeps referrals in one place")
    tender = release["tender"]
    assert release["tag"] == ["tender"] and tender["documents"][0]["noticeType"] == "UK4"
    assert tender["specialRegime"] == ["lightTouch"] and tender["aboveThreshold"] is True
    (lot,) = tender["lots"]   # not divided: one lot, carrying the criteria as the awardCriteria extension has them
    assert [(c["name"], c["type"], c["numbers"][0]) for c in lot["awardCriteria"]["criteria"]] == [
        ("Quality", "quality", {"number": 60, "weight": "percentageExact"}),
        ("Price", "price", {"number": 30, "weight": "percentageExact"}),
        ("Social value", "quality", {"number": 10, "weight": "percentageExact"})]
    assert tender["lotDetails"]["noLotsDivisionRationale"].startswith("One provider")
    assert tender["enquiryPeriod"]["endDate"] and tender["submissionTerms"]["electronicSubmissionPolicy"] == "required"
    row = db.session.scalars(db.select(PublishedRelease).where(PublishedRelease.release_id == uk4.release_id)).one()
    assert row.notice_type == "UK4" and row.data == release
    # The state publisher compares the state with state releases only: the notice adds no new state release.
    assert publish_releases() == 0
    feed = json.loads(client.get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert release in feed["releases"] and check_uk_package(feed) == []
    record = json.loads(client.get(f"/open-data/ocds/records/{release['ocid']}.json").get_data(as_text=True))
    assert record["records"][0]["compiledRelease"]["tender"]["lots"] == tender["lots"]
    page = client.get(f"/open-data/notices/{uk4.id}")
    assert page.status_code == 200 and "Tender notice" in page.get_data(as_text=True)
    with pytest.raises(notice_ops.NoticeError):
        notice_ops.publish(uk4, commissioner)   # published once, never again


def test_the_award_notice_starts_eight_working_days_of_standstill_skipping_bank_holidays(procurement):
    assert standstill_end(date(2026, 12, 22)) == date(2027, 1, 6)   # Christmas, Boxing Day (28th), New Year
    opp, _agreement, _provider, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()
    uk6 = _notice(opp, "UK6")
    notice_ops.publish(uk6, commissioner, now=datetime(2026, 12, 22, 10, 0, tzinfo=UTC))
    award = uk6.release["awards"][0]
    assert award["status"] == "pending"        # not signed: the standstill runs
    assert award["standstillPeriod"]["endDate"].startswith("2027-01-06")
    assert award["assessmentSummariesDateSent"] and award["aboveThreshold"] is True
    assert uk6.release["tag"] == ["award"] and award["documents"][0]["noticeType"] == "UK6"


def test_a_variation_of_the_value_produces_a_contract_change_notice(procurement):
    opp, agreement, _provider, commissioner = procurement(start=TODAY - timedelta(days=30))
    assert agreement.status.value == "active"
    new_value = agreement.value_pence + 1_000_000
    variation = contract_ops.propose_variation(
        agreement, commissioner, "More sessions in the summer", value_pence=new_value,
        payments=contract_ops.replan_payments(agreement, new_value, agreement.end_date))
    assert ("UK10", f"variation:{variation.id}") not in _codes(opp)    # only once approved
    contract_ops.approve_variation(variation, commissioner, "Test Borough Council")
    db.session.commit()
    uk10 = _codes(opp)[("UK10", f"variation:{variation.id}")]
    assert uk10.required and uk10.due_on == TODAY
    notice_ops.draft_due_notices()
    notice = db.session.scalars(db.select(Notice).where(Notice.notice_type == "UK10")).one()
    release = _publish(notice, commissioner)
    contract = release["contracts"][0]
    assert release["tag"] == ["contractAmendment"] and contract["id"] == agreement.reference
    change = contract["proposedAmendments"][0]   # before it is countersigned
    assert change["id"] == variation.reference and change["value"]["amount"] == (agreement.value_pence + 1_000_000) / 100
    assert change["rationale"] == "More sessions in the summer" and "value from" in change["description"]


def _accept_return(due, provider, monitor):
    """The provider fills in and sends the return for ``due``; the monitor accepts it as suggested."""
    ret = mon_ops.return_for(due)
    mon_ops.save_return(ret, provider, {"kpi-0": "130", "spend": "2500", "age-1": "60", "age-2": "70",
                                        "feedback_responses": "20", "feedback_positive": "15",
                                        "achievements": "All sessions ran.", "issues": "None"})
    mon_ops.submit_return(ret, provider)
    mon_ops.accept_return(ret, monitor, ret.suggested_rag, "", [])
    db.session.commit()
    return ret


def test_an_accepted_yearly_return_produces_the_years_performance_notice(procurement):
    start = TODAY - timedelta(days=400)
    opp, agreement, provider, commissioner = procurement(start=start, frequency="annually")
    due = sorted(agreement.returns, key=lambda d: d.due_on)[0]
    assert due.period_end == contract_ops.add_months(start, 12) - timedelta(days=1)
    assert not [k for k in _codes(opp) if k[0] == "UK9"]      # nothing until the year's return is accepted
    ret = _accept_return(due, provider, commissioner)
    uk9 = _codes(opp)[("UK9", f"agreement:{agreement.id}:year:1")]
    assert not uk9.required and "£5 million" in uk9.why       # £400,000: optional below £5m (sections 52, 71)
    notice_ops.draft_due_notices()
    notice = db.session.scalars(db.select(Notice).where(Notice.notice_type == "UK9")).one()
    release = _publish(notice, commissioner)
    implementation = release["contracts"][0]["implementation"]
    assert release["tag"] == ["implementation"]
    assert implementation["documents"][0]["documentType"] == "implementationNotice"
    (metric,) = implementation["metrics"]
    observation = metric["observations"][0]
    rag = ret.kpi_rags[metric["title"]]["rag"]
    assert observation["measureClassification"]["id"] == {"green": "met", "amber": "slightlyBelow",
                                                          "red": "below"}[rag]
    assert observation["period"]["endDate"].startswith(due.period_end.isoformat())


def test_over_five_million_the_performance_notice_is_required_and_due(procurement, app):
    start = TODAY - timedelta(days=400)
    opp, agreement, provider, commissioner = procurement(start=start, frequency="annually",
                                                         max_value_pence=1_200_000_000, pot_amount_pence=1_300_000_000)
    _accept_return(sorted(agreement.returns, key=lambda d: d.due_on)[0], provider, commissioner)
    uk9 = _codes(opp)[("UK9", f"agreement:{agreement.id}:year:1")]
    assert uk9.required and uk9.due_on == TODAY + timedelta(days=app.config["NOTICE_PERFORMANCE_DAYS"])


def test_ending_a_contract_early_needs_a_termination_notice_within_30_days(procurement):
    opp, agreement, _provider, commissioner = procurement(start=TODAY - timedelta(days=30))
    contract_ops.end(agreement, commissioner, "The provider closed", early=True)
    db.session.commit()
    uk11 = _codes(opp)[("UK11", f"agreement:{agreement.id}")]
    assert uk11.required and uk11.due_on == TODAY + timedelta(days=30)
    notice_ops.draft_due_notices()
    release = _publish(_notice(opp, "UK11"), commissioner)
    contract = release["contracts"][0]
    assert release["tag"] == ["contractTermination"] and contract["status"] == "terminated"
    assert contract["documents"][0]["description"] == "The provider closed"


def test_a_covered_procurement_stopped_after_opening_needs_uk12_with_its_reason(create_opportunity):
    from commissioning.opportunities.operations import cancel_opportunity
    opp = create_opportunity(deadline_in=timedelta(days=20), opened_at=utcnow() - timedelta(days=10), **COVERED)
    cancel_opportunity(opp, "The budget was withdrawn")
    db.session.commit()
    uk12 = _codes(opp)[("UK12", "")]
    assert uk12.required and uk12.due_on == TODAY
    notice_ops.draft_due_notices()
    notice = _notice(opp, "UK12")
    with pytest.raises(notice_ops.NoticeError) as refused:
        notice_ops.publish(notice, None)
    assert refused.value.field == "reason"
    release = _publish(notice, None, reason="The budget was withdrawn")
    assert release["tag"] == ["tenderCancellation"] and release["tender"]["status"] == "cancelled"


def test_covered_procurements_give_bidders_25_days_or_10_after_a_qualifying_planned_notice(create_opportunity):
    opp = create_opportunity(opened=False, deadline_in=timedelta(days=20), **COVERED)
    with pytest.raises(OpportunityError, match="at least 25 days"):
        open_opportunity(opp)
    # A planned procurement notice published 20 days ago does not qualify (40 days to a year)...
    uk3 = notice_ops.start_notice(opp, "UK3", None)
    notice_ops.save_details(uk3, None, tender_notice_on=TODAY.isoformat())
    notice_ops.publish(uk3, None, now=utcnow() - timedelta(days=20))
    with pytest.raises(OpportunityError, match="at least 25 days"):
        open_opportunity(opp)
    # ... one published 50 days ago does: 10 days are then enough.
    uk3.published_at = utcnow() - timedelta(days=50)
    open_opportunity(opp)
    assert opp.status.value == "open"


def test_below_the_threshold_no_minimum_period_applies(create_opportunity):
    opp = create_opportunity(opened=False, deadline_in=timedelta(days=5))
    open_opportunity(opp)
    assert opp.status.value == "open"


def test_a_market_engagement_notice_cannot_follow_the_tender_notice(procurement):
    opp, _a, _p, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()
    uk2 = notice_ops.start_notice(opp, "UK2", commissioner)    # started while the tender notice was a draft
    notice_ops.save_details(uk2, commissioner, engagement="A market event")
    _publish(_notice(opp, "UK4"), commissioner, no_lots_reason="A single service")
    with pytest.raises(notice_ops.NoticeError, match="comes before it"):
        notice_ops.publish(uk2, commissioner)
    with pytest.raises(notice_ops.NoticeError, match="not possible"):
        notice_ops.start_notice(opp, "UK3", commissioner)
    entries = {e.expected.code: e for e in timeline(opp).entries}
    assert "comes before the tender notice" in entries["UK3"].expected.why and entries["UK3"].state == "waiting"


def test_an_overdue_notice_shows_on_the_dashboard_and_is_reminded_once(procurement, login, client):
    opp, _a, _p, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()      # UK4 was due when it opened, 40 days ago
    db.session.commit()
    from commissioning.main.tasks import tasks_for
    task = next(t for t in tasks_for(commissioner) if t.key == "notices_to_publish")
    assert task.overdue and task.count >= 1
    from commissioning.mail.models import Reminder
    mon_ops.sweep_reminders(TODAY)
    mine = db.session.scalars(db.select(Reminder).where(Reminder.kind == "notice_overdue",
                                                        Reminder.user_id == commissioner.id)).all()
    assert any("tender notice (UK4)" in r.subject for r in mine)
    mon_ops.sweep_reminders(TODAY)
    assert db.session.scalar(db.select(db.func.count(Reminder.id)).where(
        Reminder.kind == "notice_overdue", Reminder.user_id == commissioner.id)) == len(mine)
    page = login(commissioner).get(f"/opportunities/{opp.id}/notices").get_data(as_text=True)
    assert "Overdue" in page and "Tender notice" in page


# --- Find a Tender -----------------------------------------------------------------------------

class _FindATender(BaseHTTPRequestHandler):
    answers = []
    received = []

    def do_POST(self):  # noqa: N802 (the http.server name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).received.append({"path": self.path, "headers": self.headers, "body": body})
        status, answer = type(self).answers.pop(0)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def find_a_tender(app, monkeypatch):
    """A local HTTP server standing in for Find a Tender, and the app configured to use it."""
    _FindATender.answers, _FindATender.received = [], []
    server = HTTPServer(("127.0.0.1", 0), _FindATender)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "FTS_API_URL", f"http://127.0.0.1:{server.server_port}/api/latest")
    monkeypatch.setitem(app.config, "FTS_API_KEY", "test-cdp-key")
    yield _FindATender
    server.shutdown()
    server.server_close()


def test_without_a_key_nothing_is_sent(procurement):
    opp, _a, _p, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()
    notice = _notice(opp, "UK6")
    _publish(notice, commissioner)
    assert notice.fts_status is None and notice.fts_payload is None
    assert not db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == "notices.submit_to_fts")).all()


def test_a_published_notice_is_sent_once_with_the_exact_payload_shown(procurement, find_a_tender):
    opp, _a, _p, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()
    notice = _notice(opp, "UK6")
    _publish(notice, commissioner)
    assert notice.fts_status == "queued"
    (task,) = db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == "notices.submit_to_fts")).all()
    assert task.kwargs == {"notice_id": notice.id}
    find_a_tender.answers.append((200, {"submission_id": "20261203-000042", "status": "RECEIVED"}))
    assert notice_ops.submit_to_fts(notice.id) == "received"
    (sent,) = find_a_tender.received
    assert sent["path"] == "/api/latest/notice/submission/submit"
    assert sent["headers"]["CDP-Api-Key"] == "test-cdp-key"
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent["body"] == notice.fts_payload
    document = base64.b64decode(urllib.parse.parse_qs(sent["body"])["notice"][0])
    assert json.loads(document) == notice.release
    assert notice.fts_response["submission_id"] == "20261203-000042"
    assert notice_ops.submit_to_fts(notice.id) == "received"    # a redelivery sends nothing more
    assert len(find_a_tender.received) == 1


def test_a_refusal_is_kept_and_send_again_twice_queues_one_send(procurement, find_a_tender):
    opp, _a, _p, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()
    notice = _notice(opp, "UK6")
    _publish(notice, commissioner)
    find_a_tender.answers.append((400, {"status": 400, "error": "Validation failed"}))
    assert notice_ops.submit_to_fts(notice.id) == "refused"
    assert notice.fts_response["error"] == "Validation failed"
    notice_ops.send_again(notice, commissioner)
    with pytest.raises(notice_ops.NoticeError, match="not waiting"):
        notice_ops.send_again(notice, commissioner)
    sends = db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == "notices.submit_to_fts")).all()
    assert len(sends) == 2    # the first send, and one more


def test_send_again_twice_queues_one_send(procurement, find_a_tender, login):
    """Through the page: the button posted twice sends the stored payload once more, not twice."""
    opp, _a, _p, commissioner = procurement(signed=False)
    notice_ops.draft_due_notices()
    notice = _notice(opp, "UK6")
    _publish(notice, commissioner)
    find_a_tender.answers.append((400, {"status": 400, "error": "Validation failed"}))
    notice_ops.submit_to_fts(notice.id)
    db.session.commit()
    client = login(commissioner)
    html = client.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert "Send to Find a Tender again" in html
    data = {"request_key": "send-again-key-1234567890"}   # the button's key (CSRF is off in this tier)
    answers = [client.post(f"/notices/{notice.id}/send-again", data=data) for _ in range(2)]
    assert [a.status_code for a in answers] == [302, 303] and answers[1].headers["Idempotent-Replayed"] == "true"
    sends = db.session.scalars(db.select(OutboxTask).where(OutboxTask.task_name == "notices.submit_to_fts")).all()
    assert len(sends) == 2 and notice.fts_status == "queued"


def test_the_contract_details_notice_says_the_contract_as_signed(procurement):
    opp, agreement, _provider, commissioner = procurement()
    publish_releases()
    notice_ops.draft_due_notices()
    release = _publish(_notice(opp, "UK7"), commissioner)
    (contract,) = release["contracts"]
    assert release["tag"] == ["contract"] and contract["id"] == agreement.reference
    assert contract["dateSigned"] and contract["value"]["amount"] == agreement.value_pence / 100
    assert contract["documents"][0]["noticeType"] == "UK7" and contract["aboveThreshold"] is True
    assert "implementation" not in contract


def test_a_direct_award_above_the_threshold_needs_a_transparency_notice_with_its_justification(create_opportunity):
    opp = create_opportunity(opened=False, route="direct_award", suggested_route="direct_award",
                             light_touch=False, max_value_pence=30_000_000, pot_amount_pence=40_000_000)
    uk5 = _codes(opp)[("UK5", "")]
    assert uk5.required and ("UK4", "") not in _codes(opp)
    notice = notice_ops.start_notice(opp, "UK5", None)
    with pytest.raises(notice_ops.NoticeError) as refused:
        notice_ops.publish(notice, None)
    assert refused.value.field == "justification"
    release = _publish(notice, None, justification="Only one provider can run the service in time (user choice)")
    assert release["tender"]["procurementMethod"] == "direct" and release["awards"][0]["status"] == "pending"


def test_the_demo_procurement_has_uk4_uk6_and_uk7_published_and_valid(app, client):
    from commissioning.demo import load_demo_data
    from commissioning.opportunities.models import Opportunity
    load_demo_data()
    db.session.commit()
    opp = db.session.scalars(db.select(Opportunity).where(
        Opportunity.title == "Wellbeing drop-ins for young people: light-touch procurement")).one()
    line = timeline(opp)
    published = {e.expected.code for e in line.entries if e.state == "published"}
    assert {"UK4", "UK6", "UK7"} <= published
    for entry in line.entries:
        if entry.state == "published":
            assert check_uk_release(entry.notice.release) == [], entry.expected.code
    feed = json.loads(client.get("/open-data/ocds/releases.json").get_data(as_text=True))
    assert check_uk_package(feed) == []


def test_the_periods_and_thresholds_default_to_the_acts_figures(app):
    """Sourced defaults: the Procurement Act 2023 sections each setting names, and PPN 023's 2026 thresholds."""
    from commissioning.config import SETTINGS
    from commissioning.settings.util import DEFAULTS
    acts = {"TENDER_PERIOD_MIN_DAYS": (25, "section 54"), "TENDER_PERIOD_AFTER_UK3_DAYS": (10, "section 54"),
            "UK3_QUALIFYING_MIN_DAYS": (40, "section 54"), "UK3_QUALIFYING_MAX_DAYS": (365, "section 54"),
            "NOTICE_CONTRACT_DETAILS_DAYS": (30, "section 53"),
            "NOTICE_CONTRACT_DETAILS_LIGHT_TOUCH_DAYS": (120, "section 53"),
            "NOTICE_TERMINATION_DAYS": (30, "section 80"), "KPI_NOTICE_VALUE_PENCE": (500_000_000, "sections 52 and 71")}
    for name, (figure, section) in acts.items():
        default, _type, says = SETTINGS[name]
        assert default == figure and section in says, name
    assert (DEFAULTS["threshold_goods_services_pence"], DEFAULTS["threshold_light_touch_pence"]) == (20_772_000,
                                                                                                    66_354_000)
    from commissioning.evaluation.standstill import STANDSTILL_WORKING_DAYS
    assert STANDSTILL_WORKING_DAYS == 8   # section 51


def test_ocdskit_compiles_the_demo_procurement_with_its_notices_into_the_served_record(app, client, tmp_path):
    """The notices are releases of the process: ``ocdskit compile`` on the feed, with the patched UK
    schema's merge rules, gives the record the service serves."""
    from commissioning.demo import load_demo_data
    from tests.fixtures.ocds_uk import uk_release_schema
    from tests.unit.test_ocds_releases import _all_releases, _ocdskit_compile
    load_demo_data()
    db.session.commit()
    releases, pages = _all_releases(client)
    ocid = next(r["ocid"] for r in releases if r["tag"] == ["contract"])   # the demo procurement's UK7
    record = client.get(f"/open-data/ocds/records/{ocid}.json").get_json()["records"][0]
    assert {"UK4", "UK6", "UK7"} <= {d["noticeType"] for r in record["releases"] for part in
                                     [r.get("tender", {})] + r.get("awards", []) + r.get("contracts", [])
                                     for d in part.get("documents", ()) if "noticeType" in d}
    schema = tmp_path / "uk-release-schema.json"
    schema.write_text(json.dumps(uk_release_schema()))
    compiled = _ocdskit_compile(pages, schema)[ocid]
    assert json.loads(json.dumps(record["compiledRelease"], sort_keys=True)) == \
        json.loads(json.dumps(compiled, sort_keys=True))
