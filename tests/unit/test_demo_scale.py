"""``commissioning demo-data --scale N``: the demo multiplied with bulk inserts, on SQLite.

Counts multiply as promised, a second run adds nothing, a larger N tops up, and the busiest pages
answer on the scaled data.
"""
import pytest

from commissioning.extensions import db
from tests.unit.scaled_demo import clients, demo_app, get, page_urls


@pytest.fixture(autouse=True)
def _rollback():
    """This module runs on a SQLite demo of its own, not the suite's PostgreSQL transaction."""
    yield


def _counts():
    from commissioning.bids.models import Bid, BidSubmission
    from commissioning.contracts.models import Agreement
    from commissioning.monitoring.models import MonitoringReturn
    from commissioning.needs.models import Need
    from commissioning.opportunities.models import Opportunity
    from commissioning.panels.models import Ballot
    return {name: db.session.scalar(db.select(db.func.count()).select_from(model)) for name, model in (
        ("needs", Need), ("opportunities", Opportunity), ("bids", Bid), ("submissions", BidSubmission),
        ("agreements", Agreement), ("monitoring_returns", MonitoringReturn), ("panel_ballots", Ballot))}


def test_scale_multiplies_tops_up_and_never_doubles(tmp_path):
    from commissioning.demo_scale import PER_UNIT, scale_demo, units_present
    app = demo_app(tmp_path)
    with app.app_context():
        before = _counts()
        first = scale_demo(2)
        db.session.commit()
        two = _counts()
        assert first["units_before"] == 0 and first["units_added"] == 2 and units_present() == 2
        for name, per_unit in PER_UNIT.items():
            assert two[name] - before[name] >= 2 * per_unit, name
        assert two["opportunities"] - before["opportunities"] == 20 and two["needs"] - before["needs"] == 10
        assert two["agreements"] - before["agreements"] == 40
        again = scale_demo(2)
        db.session.commit()
        assert again["units_added"] == 0 and _counts() == two
        more = scale_demo(3)
        db.session.commit()
        assert more["units_before"] == 2 and more["units_added"] == 1
        three = _counts()
        assert three["opportunities"] - two["opportunities"] == 10
        assert three["panel_ballots"] - two["panel_ballots"] == PER_UNIT["panel_ballots"]


def test_scaled_rows_follow_the_apps_rules(tmp_path):
    """Statuses as the app's transitions leave them, sealed bids sealed, money and returns consistent."""
    from commissioning.bids.models import Bid, BidStatus, BidSubmission
    from commissioning.contracts.models import Agreement, AgreementStatus
    from commissioning.demo_scale import scale_demo
    from commissioning.evaluation.models import AwardDecision, AwardedBid, ScoreSheet
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    from commissioning.panels.models import Round, RoundStatus
    from commissioning.core.models import utcnow
    app = demo_app(tmp_path)
    with app.app_context():
        scale_demo(2)
        db.session.commit()
        now = utcnow()
        for opp in db.session.scalars(db.select(Opportunity)):
            if opp.status is OpportunityStatus.open:
                assert opp.submission_deadline > now, opp
                sheets = db.session.scalar(db.select(db.func.count(ScoreSheet.id)).join(Bid, Bid.id == ScoreSheet.bid_id)
                                           .where(Bid.opportunity_id == opp.id))
                assert sheets == 0, f"{opp} is still sealed but has scores"
            if opp.status is OpportunityStatus.awarded:
                assert db.session.scalar(db.select(AwardDecision.id).where(AwardDecision.opportunity_id == opp.id))
        for submission in db.session.scalars(db.select(BidSubmission)):
            assert submission.submitted_at < submission.bid.opportunity.submission_deadline
            assert (submission.bid.status is BidStatus.withdrawn) == submission.withdrawn
        for agreement in db.session.scalars(db.select(Agreement)):
            assert sum(p["amount_pence"] for p in agreement.payments) == agreement.value_pence
            assert agreement.awarded_bid.bid.organisation_id == agreement.organisation_id
            if agreement.status is not AgreementStatus.drafted:
                assert agreement.document is not None and agreement.document.sha256
            if agreement.status in (AgreementStatus.active, AgreementStatus.ended):
                assert agreement.countersigned_at is not None
                assert agreement.provider_signed_sha256 == agreement.documents[0].sha256
        for ret in db.session.scalars(db.select(MonitoringReturn)):
            assert ret.agreement_id == ret.due.agreement_id
            if ret.status is not ReturnStatus.draft:
                assert ret.due.period_end < ret.submitted_at.date()
            if ret.status is ReturnStatus.accepted:
                assert ret.overall_rag is not None and ret.accepted_by_id is not None
        assert db.session.scalar(db.select(db.func.count(AwardedBid.id))) >= 40
        decided = db.session.scalars(db.select(Round).where(Round.title.like("Ideas for %"))).all()
        assert len(decided) == 2 and all(r.status is RoundStatus.decided and r.result.ballots == 200 for r in decided)


def test_the_busiest_pages_answer_on_scaled_data(tmp_path):
    from commissioning.demo_scale import scale_demo
    app = demo_app(tmp_path)
    with app.app_context():
        scale_demo(2)
        db.session.commit()
        signed_in, headers = clients(app)
        for label, url, who in page_urls():
            response = get(app, signed_in, headers, who, url)
            assert response.status_code == 200, f"{label} {url}: {response.status_code}"
        # The register and the API list the scaled agreements, not only the demo's.
        from commissioning.contracts.models import Agreement
        references = db.session.scalars(db.select(Agreement.reference)).all()
        assert len(references) == 43
        register = signed_in["commissioner@demo.test"].get("/contracts?per_page=100").get_data(as_text=True)
        assert all(reference in register for reference in references)
        assert get(app, signed_in, headers, "token", "/api/v1/contracts").get_json()["total"] == 43
