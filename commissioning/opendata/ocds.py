"""Procurements and contracts as OCDS 1.1 releases, one compiled release per contracting process.

Only what is public goes out: the published notice, the number of bids once the deadline has
passed (never their content), the award and who won it, the contract, its payments as
transactions and its monitoring returns as milestones. A fixed number of queries whatever
the number of procurements; the package is written in pieces, so a large one streams.
"""
import json
from datetime import datetime, time

from commissioning.accounts.models import Organisation
from commissioning.bids.models import Bid, BidStatus
from commissioning.contracts.models import Agreement, AgreementStatus
from commissioning.core.models import LONDON, utcnow
from commissioning.evaluation.models import AwardDecision
from commissioning.extensions import db
from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
from commissioning.opendata.grants import org_id
from commissioning.opportunities.models import Opportunity, OpportunityStatus
from commissioning.specifications.models import Specification

LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CPV = {"scheme": "CPV", "id": "85312000", "description": "Social work services without accommodation"}
TENDER_STATUS = {OpportunityStatus.open: "active", OpportunityStatus.closed: "active",
                 OpportunityStatus.evaluation: "active", OpportunityStatus.awarded: "complete",
                 OpportunityStatus.cancelled: "cancelled"}
CONTRACT_STATUS = {AgreementStatus.drafted: "pending", AgreementStatus.issued: "pending",
                   AgreementStatus.signed: "pending", AgreementStatus.active: "active",
                   AgreementStatus.ended: "terminated", AgreementStatus.terminated: "terminated"}


def _when(value):
    """An ISO date-time with its offset; dates become the start of the day in London."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0), LONDON)
    return value.isoformat(timespec="seconds")


def _money(pence):
    return {"amount": pence / 100, "currency": "GBP"}


def _party(org, prefix, roles):
    return {"id": org_id(org, prefix), "name": org.name, "roles": roles}


def releases(prefix, authority_name, since=None):
    """One compiled release per published opportunity (newest change first), optionally changed since a date."""
    today = utcnow().astimezone(LONDON).date()
    buyer = db.session.scalars(db.select(Organisation).where(Organisation.name == authority_name)).first()
    query = (db.select(Opportunity).where(Opportunity.opened_at.is_not(None))
             .options(db.joinedload(Opportunity.specification).selectinload(Specification.versions))
             .order_by(Opportunity.id))
    opportunities = db.session.scalars(query).unique().all()
    ids = [o.id for o in opportunities]
    tenderers = dict(db.session.execute(
        db.select(Bid.opportunity_id, db.func.count(Bid.id)).where(
            Bid.opportunity_id.in_(ids), Bid.status == BidStatus.submitted).group_by(Bid.opportunity_id)).all())
    decisions = {d.opportunity_id: d for d in db.session.scalars(
        db.select(AwardDecision).where(AwardDecision.opportunity_id.in_(ids))
        .options(db.selectinload(AwardDecision.awarded)))}
    agreements = {}
    for a in db.session.scalars(db.select(Agreement).where(Agreement.opportunity_id.in_(ids))
                                .options(db.selectinload(Agreement.returns))):
        agreements.setdefault(a.awarded_bid_id, a)
    accepted = {r.due_id: r for r in db.session.scalars(db.select(MonitoringReturn).where(
        MonitoringReturn.agreement_id.in_([a.id for a in agreements.values()]),
        MonitoringReturn.status == ReturnStatus.accepted))} if agreements else {}
    bid_orgs = {}
    awarded_bid_ids = [ab.bid_id for d in decisions.values() for ab in d.awarded]
    if awarded_bid_ids:
        for bid_id, org in db.session.execute(db.select(Bid.id, Organisation).join(
                Organisation, Organisation.id == Bid.organisation_id).where(Bid.id.in_(awarded_bid_ids))):
            bid_orgs[bid_id] = org
    out = []
    for opp in opportunities:
        ocid = f"ocds-{prefix}-{opp.reference}"
        content = opp.specification.version(opp.specification_version).content
        parties = [_party(buyer, prefix, ["buyer", "procuringEntity"])] if buyer else []
        changed = [opp.opened_at]
        tender = {
            "id": opp.reference, "title": opp.title, "description": opp.summary,
            "status": TENDER_STATUS.get(opp.status, "active"), "procurementMethod": "open",
            "procurementMethodDetails": "Grant round" if opp.kind.value == "grant_round" else "Light-touch or open",
            "mainProcurementCategory": "services", "value": _money(opp.max_value_pence),
            "tenderPeriod": {"startDate": _when(opp.opened_at), "endDate": _when(opp.submission_deadline)},
            "items": [{"id": "1", "description": content.get("title", opp.title), "classification": CPV}],
        }
        if opp.is_past_deadline():
            tender["numberOfTenderers"] = tenderers.get(opp.id, 0)
        release = {"ocid": ocid, "date": None, "tag": ["tender"], "initiationType": "tender",
                   "parties": parties, "tender": tender, "language": "en"}
        if buyer:
            release["buyer"] = {"id": org_id(buyer, prefix), "name": buyer.name}
        if opp.status is OpportunityStatus.cancelled:
            release["tag"] = ["tenderCancellation"]
        decision = decisions.get(opp.id)
        if decision is not None:
            release["tag"] = ["award"]
            release["awards"], release["contracts"] = [], []
            changed.append(decision.created_at)
            for ab in decision.awarded:
                org = bid_orgs[ab.bid_id]
                if not any(p["id"] == org_id(org, prefix) for p in parties):
                    parties.append(_party(org, prefix, ["supplier"]))
                release["awards"].append({"id": f"{opp.reference}-award-{ab.id}", "status": "active",
                                          "date": _when(decision.notice_date), "value": _money(ab.amount_pence),
                                          "suppliers": [{"id": org_id(org, prefix), "name": org.name}]})
                agreement = agreements.get(ab.id)
                if agreement is None:
                    continue
                release["tag"] = ["award", "contract"]
                changed.append(agreement.countersigned_at or agreement.created_at)
                contract = {"id": agreement.reference, "awardID": f"{opp.reference}-award-{ab.id}",
                            "title": agreement.title, "status": CONTRACT_STATUS[agreement.status],
                            "value": _money(agreement.value_pence),
                            "period": {"startDate": _when(agreement.start_date), "endDate": _when(agreement.end_date)}}
                if agreement.countersigned_at:
                    contract["dateSigned"] = _when(agreement.countersigned_at)
                if agreement.status in (AgreementStatus.active, AgreementStatus.ended, AgreementStatus.terminated):
                    contract["implementation"] = {
                        "transactions": [
                            {"id": f"{agreement.reference}-payment-{i + 1}", "date": _when(datetime.fromisoformat(
                                p["due"]).date()), "value": _money(p["amount_pence"]),
                             "payer": {"id": org_id(buyer, prefix), "name": buyer.name} if buyer else None,
                             "payee": {"id": org_id(org, prefix), "name": org.name}}
                            for i, p in enumerate(agreement.payments) if p["due"] <= today.isoformat()],
                        "milestones": [
                            {"id": f"{agreement.reference}-return-{due.id}", "title": "Monitoring return",
                             "type": "reporting", "dueDate": _when(due.due_on),
                             "status": "met" if due.id in accepted else ("notMet" if due.due_on < today
                                                                         else "scheduled")}
                            for due in agreement.returns]}
                    for t in contract["implementation"]["transactions"]:
                        if t["payer"] is None:
                            del t["payer"]
                release["contracts"].append(contract)
        stamp = max(c for c in changed if c is not None)
        release["date"] = _when(stamp)
        release["id"] = f"{ocid}-{stamp.astimezone(LONDON).strftime('%Y%m%dT%H%M%S')}"
        if since is None or stamp.astimezone(LONDON).date() >= since:
            out.append(release)
    return sorted(out, key=lambda r: r["date"], reverse=True)


def package_chunks(releases_list, uri, authority_name):
    """The release package as pieces of JSON text: the releases are written one at a time."""
    head = {"uri": uri, "version": "1.1", "publishedDate": _when(utcnow()), "license": LICENCE,
            "publisher": {"name": authority_name}}
    yield json.dumps(head)[:-1] + ', "releases": ['
    for i, release in enumerate(releases_list):
        yield ("," if i else "") + json.dumps(release)
    yield "]}"


def record_package(release, uri, authority_name):
    return {"uri": uri, "version": "1.1", "publishedDate": _when(utcnow()), "license": LICENCE,
            "publisher": {"name": authority_name},
            "records": [{"ocid": release["ocid"], "releases": [release], "compiledRelease": release}]}
