"""Procurements and contracts as OCDS 1.1 releases: each process's current state, and the releases as published.

``iter_releases`` compiles what a process says now; opendata/operations.py stores it as a new
release when it changed, and the feed and records read only what was stored (``stored_page``,
``stored_releases``, ``compile_releases``): a published release never changes.

Only what is public goes out: the published notice, the number of bids once the deadline has
passed (never their content), the award and who won it (with the registers they are on and their
address), the contract, its payments made as transactions (the payer and payee with those roles)
and its monitoring returns as milestones. The payment schedule is not published as
transactions: an OCDS transaction is money paid. A fixed
number of queries whatever the number of procurements; the package is written in pieces, so a
large one streams.
"""
import json
from datetime import datetime, time

from commissioning.accounts.models import Organisation
from commissioning.bids.models import Bid, BidStatus
from commissioning.contracts.models import Agreement, AgreementStatus, Payment, ReturnDue
from commissioning.core.models import LONDON, utcnow
from commissioning.evaluation.models import AwardDecision, AwardedBid
from commissioning.extensions import db
from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
from commissioning.opendata.models import PublishedRelease
from commissioning.opendata.grants import address_parts, org_id
from commissioning.opportunities.models import Opportunity, OpportunityStatus
from commissioning.specifications import cpv
from commissioning.specifications.models import SpecificationVersion

LICENCE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
#: OCDS's procurementMethod and its details, from the route the specification chose.
METHODS = {
    "open_procurement": ("open", "Open procedure: any supplier may bid"),
    "light_touch": ("open", "Light-touch contract for social and other specific services, open to any supplier"),
    "direct_award": ("direct", "Direct award below the procurement threshold"),
    "grant_round": ("open", "Grant round: an open call for grant applications, not a procurement"),
}


def _method(route):
    method, details = METHODS.get(route, METHODS["open_procurement"])
    return {"procurementMethod": method, "procurementMethodDetails": details}
TENDER_STATUS = {OpportunityStatus.open: "active", OpportunityStatus.closed: "active",
                 OpportunityStatus.evaluation: "active", OpportunityStatus.awarded: "complete",
                 OpportunityStatus.cancelled: "cancelled"}
CONTRACT_STATUS = {AgreementStatus.drafted: "pending", AgreementStatus.issued: "pending",
                   AgreementStatus.signed: "pending", AgreementStatus.active: "active",
                   AgreementStatus.ended: "terminated", AgreementStatus.terminated: "terminated"}


def when(value):
    """An ISO date-time with its offset; dates become the start of the day in London."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0), LONDON)
    return value.isoformat(timespec="seconds")


_when = when


def buyer_contact_point():
    """Who answers questions about the council's procurements (settings BUYER_CONTACT_*), and where its
    opportunities are listed."""
    from flask import current_app
    config = current_app.config
    point = {"name": config["BUYER_CONTACT_NAME"], "url": config["BASE_URL"].rstrip("/") + "/opportunities"}
    for key, name in (("email", "BUYER_CONTACT_EMAIL"), ("telephone", "BUYER_CONTACT_TELEPHONE")):
        if config[name]:
            point[key] = config[name]
    return point


def _money(pence):
    return {"amount": pence / 100, "currency": "GBP"}


def _party(org, roles):
    """A party: its org-id and name, the register it is on and its address when known, and its roles."""
    party = {"id": org["id"], "name": org["name"], "roles": roles}
    for key in ("identifier", "address"):
        if org.get(key):
            party[key] = dict(org[key])
    return party


#: org-id list codes for the registers an organisation's numbers come from.
REGISTERS = (("charity_number", "GB-CHC"), ("company_number", "GB-COH"), ("local_authority_code", "GB-LAE"))
def _organisation(org, prefix):
    """An organisation as the feed's parties and references need it (from an Organisation row)."""
    out = {"id": org_id(org, prefix), "name": org.name}
    for column, scheme in REGISTERS:
        number = getattr(org, column)
        if number:
            out["identifier"] = {"scheme": scheme, "id": number, "legalName": org.name}
            break
    if org.address and org.address.strip():
        out["address"] = _address(org.address)
    return out


def _address(text):
    """A free-text address as OCDS's parts (see grants.address_parts)."""
    street, town, postcode = address_parts(text)
    address = {"countryName": "United Kingdom"}
    for key, value in (("streetAddress", street), ("locality", town), ("postalCode", postcode)):
        if value:
            address[key] = value
    return address


def _add_role(parties, org, role):
    party = next(p for p in parties if p["id"] == org["id"])
    if role not in party["roles"]:
        party["roles"].append(role)


def _ref(org):
    """An organisation reference (awards' suppliers, payers): only its id and name."""
    return {"id": org["id"], "name": org["name"]}


def releases(prefix, authority_name, since=None, reference=None):
    """Each process's current state as a release, as a list (for tests); publishing uses iter_releases()."""
    return list(iter_releases(prefix, authority_name, since, reference))


def iter_releases(prefix, authority_name, since=None, reference=None):
    """One compiled release per published opportunity, in the order they were published.

    All reading happens here, before the caller starts its response, in eight queries whatever
    the number of procurements, and only as plain rows (not ORM objects), so that the releases
    are then compiled one at a time while the response streams, with no database connection
    held and no query left to fail half-way through a download. Memory holds those rows,
    never the whole document.
    """
    today, now = utcnow().astimezone(LONDON).date(), utcnow()
    buyer_row = db.session.scalars(db.select(Organisation).where(Organisation.name == authority_name)).first()
    buyer = _organisation(buyer_row, prefix) if buyer_row else None
    published = Opportunity.opened_at.is_not(None)
    if reference is not None:
        published = db.and_(published, Opportunity.reference == reference)
    ids = db.select(Opportunity.id).where(published).scalar_subquery()
    tenderers = dict(db.session.execute(
        db.select(Bid.opportunity_id, db.func.count(Bid.id)).where(
            Bid.opportunity_id.in_(ids), Bid.status == BidStatus.submitted).group_by(Bid.opportunity_id)).all())
    awards = {}   # opportunity id -> its award decision's rows, one per awarded bid (none: awarded_id is None)
    for row in db.session.execute(
            db.select(AwardDecision.opportunity_id, AwardDecision.created_at, AwardDecision.notice_date,
                      AwardedBid.id.label("awarded_id"), AwardedBid.amount_pence, Bid.organisation_id)
            .outerjoin(AwardedBid, AwardedBid.award_id == AwardDecision.id)
            .outerjoin(Bid, Bid.id == AwardedBid.bid_id)
            .where(AwardDecision.opportunity_id.in_(ids)).order_by(AwardedBid.id)):
        awards.setdefault(row.opportunity_id, []).append(row)
    orgs = {o.id: _organisation(o, prefix) for o in db.session.scalars(
        db.select(Organisation).where(Organisation.id.in_(
            db.select(Bid.organisation_id).join(AwardedBid, AwardedBid.bid_id == Bid.id)
            .where(Bid.opportunity_id.in_(ids)))))}
    in_feed = db.select(Agreement.id).where(Agreement.opportunity_id.in_(ids))
    agreements = {}
    for row in db.session.execute(
            db.select(Agreement.awarded_bid_id, Agreement.id, Agreement.reference, Agreement.title, Agreement.status,
                      Agreement.value_pence, Agreement.start_date, Agreement.end_date, Agreement.countersigned_at,
                      Agreement.created_at)
            .where(Agreement.id.in_(in_feed)).order_by(Agreement.id)):
        agreements.setdefault(row.awarded_bid_id, row)
    returns = {}
    for row in db.session.execute(db.select(ReturnDue.agreement_id, ReturnDue.id, ReturnDue.due_on)
                                  .where(ReturnDue.agreement_id.in_(in_feed)).order_by(ReturnDue.due_on, ReturnDue.id)):
        returns.setdefault(row.agreement_id, []).append(row)
    paid = {}   # agreement id -> its payments made, oldest first
    for row in db.session.execute(db.select(Payment.agreement_id, Payment.id, Payment.amount_pence, Payment.paid_on)
                                  .where(Payment.agreement_id.in_(in_feed)).order_by(Payment.paid_on, Payment.id)):
        paid.setdefault(row.agreement_id, []).append(row)
    accepted, submitted = {}, {}   # return due id -> when it was accepted / sent and not yet reviewed
    for row in db.session.execute(db.select(MonitoringReturn.due_id, MonitoringReturn.status,
                                            MonitoringReturn.accepted_at, MonitoringReturn.submitted_at)
                                  .where(MonitoringReturn.agreement_id.in_(in_feed))):
        if row.status is ReturnStatus.accepted:
            accepted[row.due_id] = row.accepted_at or row.submitted_at
        elif row.submitted_at is not None:
            submitted[row.due_id] = row.submitted_at
    item_title = SpecificationVersion.content["title"].as_string()
    spec_cpv, spec_route = SpecificationVersion.content["cpv"].as_string(), SpecificationVersion.content["route"].as_string()
    opportunities = db.session.execute(
        db.select(Opportunity.id, Opportunity.reference, Opportunity.title, Opportunity.summary, Opportunity.kind,
                  Opportunity.status, Opportunity.max_value_pence, Opportunity.opened_at,
                  Opportunity.submission_deadline, item_title.label("spec_title"), spec_cpv.label("spec_cpv"),
                  spec_route.label("spec_route"))
        .outerjoin(SpecificationVersion, db.and_(
            SpecificationVersion.specification_id == Opportunity.specification_id,
            SpecificationVersion.number == Opportunity.specification_version))
        .where(published).order_by(Opportunity.id)).all()
    return _compile(prefix, since, today, now, buyer, opportunities, tenderers, awards, orgs, agreements, returns,
                    accepted, submitted, paid)


def _milestone(agreement, due, today, accepted, submitted):
    """A monitoring return as a milestone: met once accepted (with the day), not met only when it is
    overdue and nothing was sent; a return sent and awaiting review is still scheduled."""
    milestone = {"id": f"{agreement.reference}-return-{due.id}", "title": "Monitoring return",
                 "type": "reporting", "dueDate": _when(due.due_on)}
    # Every state sets the same fields, so that a later release overwrites an earlier one's in the
    # compiled record (a field a later release leaves out would otherwise stay from the earlier).
    if due.id in accepted:
        milestone.update(status="met", description="Return accepted")
        if accepted[due.id] is not None:
            milestone["dateMet"] = milestone["dateModified"] = _when(accepted[due.id])
    elif due.id in submitted:
        milestone.update(status="scheduled", description="Return sent, awaiting review",
                         dateModified=_when(submitted[due.id]))
    elif due.due_on < today:
        milestone.update(status="notMet", description="Return overdue: not sent")
    else:
        milestone.update(status="scheduled", description="Return due")
    return milestone


def _compile(prefix, since, today, now, buyer, opportunities, tenderers, awards, orgs, agreements, returns,
             accepted, submitted, paid):
    """The releases, one at a time, from rows already read."""
    contact = buyer_contact_point()
    for opp in opportunities:
        ocid = f"ocds-{prefix}-{opp.reference}"
        parties = [{**_party(buyer, ["buyer", "procuringEntity"]), "contactPoint": contact}] if buyer else []
        changed = [opp.opened_at]
        tender = {
            "id": opp.reference, "title": opp.title, "description": opp.summary,
            "status": TENDER_STATUS.get(opp.status, "active"),
            **_method(opp.spec_route or ("grant_round" if opp.kind.value == "grant_round" else "open_procurement")),
            "mainProcurementCategory": "services", "value": _money(opp.max_value_pence),
            "tenderPeriod": {"startDate": _when(opp.opened_at), "endDate": _when(opp.submission_deadline)},
            "items": [{"id": "1", "description": opp.spec_title or opp.title,
                       "classification": cpv.classification(opp.spec_cpv)}],
        }
        if now >= opp.submission_deadline:
            tender["numberOfTenderers"] = tenderers.get(opp.id, 0)
        release = {"ocid": ocid, "date": None, "tag": ["tender"], "initiationType": "tender",
                   "parties": parties, "tender": tender, "language": "en"}
        if buyer:
            release["buyer"] = _ref(buyer)
        if opp.status is OpportunityStatus.cancelled:
            release["tag"] = ["tenderCancellation"]
        awarded = awards.get(opp.id)
        if awarded is not None:
            release["tag"] = ["award"]
            release["awards"], release["contracts"] = [], []
            changed.append(awarded[0].created_at)
            for ab in awarded:
                if ab.awarded_id is None:
                    continue
                org = orgs[ab.organisation_id]
                if not any(p["id"] == org["id"] for p in parties):
                    parties.append(_party(org, ["supplier"]))
                release["awards"].append({"id": f"{opp.reference}-award-{ab.awarded_id}", "status": "active",
                                          "date": _when(ab.notice_date), "value": _money(ab.amount_pence),
                                          "suppliers": [_ref(org)]})
                agreement = agreements.get(ab.awarded_id)
                if agreement is None:
                    continue
                release["tag"] = ["award", "contract"]
                changed.append(agreement.countersigned_at or agreement.created_at)
                contract = {"id": agreement.reference, "awardID": f"{opp.reference}-award-{ab.awarded_id}",
                            "title": agreement.title, "status": CONTRACT_STATUS[agreement.status],
                            "value": _money(agreement.value_pence),
                            "period": {"startDate": _when(agreement.start_date), "endDate": _when(agreement.end_date)}}
                if agreement.countersigned_at:
                    contract["dateSigned"] = _when(agreement.countersigned_at)
                if agreement.status in (AgreementStatus.active, AgreementStatus.ended, AgreementStatus.terminated):
                    # Only what happened: the returns as milestones, and the payments made as transactions
                    # (never the schedule: an OCDS transaction is money paid).
                    implementation = {}
                    transactions = [{"id": f"{agreement.reference}-payment-{pay.id}", "date": _when(pay.paid_on),
                                     "value": _money(pay.amount_pence), "payee": _ref(org),
                                     **({"payer": _ref(buyer)} if buyer else {})}
                                    for pay in paid.get(agreement.id, ())]
                    if transactions:
                        implementation["transactions"] = transactions
                        _add_role(parties, org, "payee")
                        if buyer:
                            _add_role(parties, buyer, "payer")
                    milestones = [_milestone(agreement, due, today, accepted, submitted)
                                  for due in returns.get(agreement.id, ())]
                    if milestones:
                        implementation["milestones"] = milestones
                    if implementation:
                        contract["implementation"] = implementation
                        if "implementation" not in release["tag"]:
                            release["tag"].append("implementation")
                release["contracts"].append(contract)
        stamp = max(c for c in changed if c is not None)
        release["date"] = _when(stamp)
        release["id"] = f"{ocid}-{stamp.astimezone(LONDON).strftime('%Y%m%dT%H%M%S')}"
        if since is None or stamp.astimezone(LONDON).date() >= since:
            yield release


def recent_processes(prefix, limit=10):
    """(how many procurements are published, the latest ``limit`` as ocid and title), for the page."""
    published = Opportunity.opened_at.is_not(None)
    count = db.session.scalar(db.select(db.func.count(Opportunity.id)).where(published))
    rows = db.session.execute(db.select(Opportunity.reference, Opportunity.title).where(published)
                              .order_by(Opportunity.opened_at.desc(), Opportunity.id.desc()).limit(limit))
    return count, [{"ocid": f"ocds-{prefix}-{r.reference}", "title": r.title} for r in rows]


def stored_page(since=None, after=None, limit=100):
    """(releases as published, whether more follow): ``since`` a UTC datetime, ``after`` a row id."""
    query = db.select(PublishedRelease.id, PublishedRelease.data).order_by(PublishedRelease.id)
    if since is not None:
        query = query.where(PublishedRelease.date >= since)
    if after is not None:
        query = query.where(PublishedRelease.id > after)
    rows = db.session.execute(query.limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


def stored_releases(ocid):
    """One process's releases as published, oldest first."""
    return list(db.session.scalars(db.select(PublishedRelease.data).where(PublishedRelease.ocid == ocid)
                                   .order_by(PublishedRelease.sequence)))


def compile_releases(found):
    """The compiled release, by OCDS's merge rules: objects merge field by field; arrays of objects
    with ids merge item by item (by id, first seen first); other arrays and values are replaced by
    the later release's; a null removes a field. ``id``, ``date`` and ``tag`` are the compiled
    release's own (``<ocid>-<date of the latest release>``, that date, ``["compiled"]``)."""
    merged = {}
    ordered = sorted(found, key=lambda r: r["date"])
    for release in ordered:
        _merge_into(merged, {k: v for k, v in release.items() if k not in ("id", "date", "tag")})
    latest = ordered[-1]
    return {"tag": ["compiled"], "id": f"{latest['ocid']}-{latest['date']}", "date": latest["date"],
            **{k: v for k, v in merged.items() if k not in ("tag", "id", "date")}}


def _merge_into(target, release):
    for key, value in release.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            current = target.get(key)
            target[key] = current if isinstance(current, dict) else {}
            _merge_into(target[key], value)
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
            current = target.get(key)
            by_id = {item["id"]: item for item in current} if isinstance(current, list) and all(
                isinstance(i, dict) and "id" in i for i in current) else {}
            for item in value:
                _merge_into(by_id.setdefault(item["id"], {}), item)
            target[key] = list(by_id.values())
        else:
            target[key] = value


def package_chunks(releases_list, uri, authority_name, links=None):
    """The release package as pieces of JSON text: each release is written as it comes."""
    head = {"uri": uri, "version": "1.1", "publishedDate": _when(utcnow()), "license": LICENCE,
            "publisher": {"name": authority_name}}
    if links:
        head["links"] = links
    yield json.dumps(head)[:-1] + ', "releases": ['
    for i, release in enumerate(releases_list):
        yield ("," if i else "") + json.dumps(release)
    yield "]}"


def record_package(found, uri, authority_name):
    """One process's record: every release as published, and the release compiled from them."""
    return {"uri": uri, "version": "1.1", "publishedDate": _when(utcnow()), "license": LICENCE,
            "publisher": {"name": authority_name},
            "records": [{"ocid": found[0]["ocid"], "releases": found, "compiledRelease": compile_releases(found)}]}
