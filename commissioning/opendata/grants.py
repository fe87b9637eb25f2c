"""Grants as 360Giving records: awards of grant rounds and the panels' confirmed awards.

Only what was awarded is published: no unsuccessful bid, no bid content, nothing about the young
people on panels. Built in a fixed number of queries whatever the number of grants.
"""
import csv
import io
import re

from commissioning.accounts.models import Organisation
from commissioning.contracts.models import Agreement
from commissioning.core.spreadsheets import safe_cell
from commissioning.core.urls import absolute_url
from commissioning.evaluation.models import AwardDecision, AwardedBid
from commissioning.extensions import db
from commissioning.localities.models import Locality
from commissioning.opportunities.models import Opportunity, OpportunityKind
from commissioning.panels.models import Round, RoundProject, RoundResult
from commissioning.specifications.models import Specification

SCHEMA_VERSION = "1.4"


def org_id(org, prefix):
    """An org-id: charity, company or local authority register, else the publisher's own prefix."""
    if org.charity_number:
        return f"GB-CHC-{org.charity_number}"
    if org.company_number:
        return f"GB-COH-{org.company_number}"
    if org.local_authority_code:
        return f"GB-LAE-{org.local_authority_code}"
    return f"{prefix}-org-{org.id}"


_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})\s*$", re.I)


def address_parts(text):
    """A free-text address as (street, town, postcode): the last comma-separated part is the town,
    with the postcode when it ends with a whole one; the rest is the street. Empty parts are None."""
    parts = [p.strip() for p in re.split(r"[,\n]", text or "") if p.strip()]
    if not parts:
        return None, None, None
    town, postcode = parts[-1], None
    found = _POSTCODE.search(town)
    if found:
        postcode = found.group(1).upper()
        town = town[:found.start()].strip()
    return ", ".join(parts[:-1]) or None, town or None, postcode


def _organisation(org, prefix):
    out = {"id": org_id(org, prefix), "name": org.name}
    if org.charity_number:
        out["charityNumber"] = org.charity_number
    if org.company_number:
        out["companyNumber"] = org.company_number
    street, town, postcode = address_parts(org.address)
    for key, value in (("streetAddress", street), ("addressLocality", town), ("postalCode", postcode)):
        if value:
            out[key] = value
    if street or town or postcode:
        out["addressCountry"] = "United Kingdom"
    return out


def _location(locality):
    """A beneficiary location: the locality's name, and its ONS code and code type when it has one."""
    out = {"name": locality.name, "countryCode": "GB"}
    if locality.geo_code:
        out.update(geoCode=locality.geo_code, geoCodeType=locality.geo_code_type)
    return out


def _stamp(*moments):
    return max(m for m in moments if m is not None).isoformat(timespec="seconds")


def grants(prefix, authority_name):
    """[record] for every grant awarded, newest first."""
    funder = db.session.scalars(db.select(Organisation).where(Organisation.name == authority_name)).first()
    funding = [_organisation(funder, prefix) if funder else {"id": f"{prefix}-funder", "name": authority_name}]
    localities = {loc.id: loc for loc in db.session.scalars(db.select(Locality).order_by(Locality.name))}
    everywhere = [_location(loc) for loc in localities.values()]   # a round or spec for the whole area
    source = absolute_url("opendata.grants_json")
    records = []
    awarded = db.session.execute(
        db.select(AwardedBid, AwardDecision, Opportunity)
        .join(AwardDecision, AwardDecision.id == AwardedBid.award_id)
        .join(Opportunity, Opportunity.id == AwardDecision.opportunity_id)
        .where(Opportunity.kind == OpportunityKind.grant_round)
        .options(db.joinedload(AwardedBid.bid),
                 db.joinedload(Opportunity.specification).selectinload(Specification.versions))).unique().all()
    agreements = {a.awarded_bid_id: a for a in db.session.scalars(db.select(Agreement).where(
        Agreement.awarded_bid_id.in_([a.id for a, _d, _o in awarded])).options(
            db.selectinload(Agreement.payments_made)))} if awarded else {}
    organisations = {o.id: o for o in db.session.scalars(db.select(Organisation).where(
        Organisation.id.in_({a.bid.organisation_id for a, _d, _o in awarded})))} if awarded else {}
    for item, decision, opp in awarded:
        content = opp.specification.version(opp.specification_version).content
        agreement = agreements.get(item.id)
        record = {
            "id": f"{prefix}-award-{item.id}", "title": opp.title,
            "description": opp.summary + (" Decided by a young people’s panel." if decision.panel_round_id else ""),
            "currency": "GBP", "amountAwarded": item.amount_pence / 100, "awardDate": decision.notice_date.isoformat(),
            "recipientOrganization": [_organisation(organisations[item.bid.organisation_id], prefix)],
            "fundingOrganization": funding,
            "beneficiaryLocation": [_location(localities[i]) for i in content.get("locality_ids", [])
                                    if i in localities] or everywhere,
            "grantProgramme": [{"code": opp.reference, "title": opp.title}],
            "fromOpenCall": "Yes",
            "dateModified": _stamp(decision.created_at, agreement and agreement.created_at,
                                   agreement and agreement.countersigned_at),
            "dataSource": source,
        }
        if agreement is not None and agreement.payments_made:
            record["amountDisbursed"] = sum(p.amount_pence for p in agreement.payments_made) / 100
        if agreement is not None:
            record["plannedDates"] = [{"startDate": agreement.start_date.isoformat(),
                                       "endDate": agreement.end_date.isoformat()}]
        records.append(record)
    panel = db.session.execute(
        db.select(RoundProject, Round, RoundResult)
        .join(Round, Round.id == RoundProject.round_id).join(RoundResult, RoundResult.round_id == Round.id)
        .where(RoundResult.confirmed_at.is_not(None), Round.opportunity_id.is_(None),
               RoundProject.organisation_id.is_not(None))
        .options(db.joinedload(RoundProject.organisation), db.joinedload(Round.panel))).unique().all()
    for project, rnd, result in panel:
        if project.code not in set(result.selected):
            continue
        records.append({
            "id": f"{prefix}-panel-{project.id}", "title": project.title,
            "description": f"{project.summary} Chosen by the {rnd.panel.name}, young people voting on "
                           f"{rnd.title}.",
            "currency": "GBP", "amountAwarded": project.cost_pence / 100,
            "awardDate": result.confirmed_at.date().isoformat(),
            "recipientOrganization": [_organisation(project.organisation, prefix)],
            "fundingOrganization": funding,
            "beneficiaryLocation": [_location(rnd.panel.locality)] if rnd.panel.locality else everywhere,
            "grantProgramme": [{"code": rnd.reference, "title": f"Young people’s panel: {rnd.title}"}],
            "fromOpenCall": "Yes",
            "dateModified": _stamp(result.confirmed_at),
            "dataSource": source,
        })
    return sorted(records, key=lambda r: (r["awardDate"], r["id"]), reverse=True)


def package(records):
    return {"grants": records, "version": SCHEMA_VERSION}


COLUMNS = [("Identifier", lambda r: r["id"]), ("Title", lambda r: r["title"]),
           ("Description", lambda r: r["description"]), ("Currency", lambda r: r["currency"]),
           ("Amount Awarded", lambda r: r["amountAwarded"]), ("Award Date", lambda r: r["awardDate"]),
           ("Recipient Org:Identifier", lambda r: r["recipientOrganization"][0]["id"]),
           ("Recipient Org:Name", lambda r: r["recipientOrganization"][0]["name"]),
           ("Recipient Org:Charity Number", lambda r: r["recipientOrganization"][0].get("charityNumber", "")),
           ("Recipient Org:Company Number", lambda r: r["recipientOrganization"][0].get("companyNumber", "")),
           ("Recipient Org:Street Address", lambda r: r["recipientOrganization"][0].get("streetAddress", "")),
           ("Recipient Org:City", lambda r: r["recipientOrganization"][0].get("addressLocality", "")),
           ("Recipient Org:Postal Code", lambda r: r["recipientOrganization"][0].get("postalCode", "")),
           ("Recipient Org:Country", lambda r: r["recipientOrganization"][0].get("addressCountry", "")),
           ("Funding Org:Identifier", lambda r: r["fundingOrganization"][0]["id"]),
           ("Funding Org:Name", lambda r: r["fundingOrganization"][0]["name"])]
TAIL = [("Planned Dates:Start Date", lambda r: r.get("plannedDates", [{}])[0].get("startDate", "")),
        ("Planned Dates:End Date", lambda r: r.get("plannedDates", [{}])[0].get("endDate", "")),
        ("Grant Programme:Code", lambda r: r["grantProgramme"][0]["code"]),
        ("Grant Programme:Title", lambda r: r["grantProgramme"][0]["title"]),
        ("From An Open Call?", lambda r: r["fromOpenCall"]),
        ("Last Modified", lambda r: r["dateModified"]), ("Data Source", lambda r: r["dataSource"])]
#: One group of columns per beneficiary location, numbered from 0 as 360Giving's spreadsheets are.
LOCATION_FIELDS = [("Name", "name"), ("Country Code", "countryCode"), ("Geographic Code", "geoCode"),
                   ("Geographic Code Type", "geoCodeType")]


def _location_columns(count):
    return [(f"Beneficiary Location:{i}:{title}", lambda r, i=i, key=key: (
        r["beneficiaryLocation"][i].get(key, "") if i < len(r["beneficiaryLocation"]) else ""))
        for i in range(count) for title, key in LOCATION_FIELDS]


def as_csv(records):
    columns = COLUMNS + _location_columns(max((len(r["beneficiaryLocation"]) for r in records), default=1)) + TAIL
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for title, _get in columns])
    for record in records:
        writer.writerow([safe_cell(get(record)) for _title, get in columns])
    return out.getvalue()
