"""Each notice as an OCDS 1.1 release with the UK extension, as Find a Tender publishes them.

A notice is the procurement's public state (``opendata.ocds``, so the feed and the notices never
disagree) cut to the part the notice is about, plus the fields the Act asks of that notice: award
criteria and weights, lots or why none, the light-touch regime and the threshold for UK4; the
standstill period and the day assessment summaries were sent for UK6; KPIs rated with the
extension's ``measureClassification`` for UK9; the change for UK10. The notice itself is a document
with ``noticeType`` ("UK4"). Reads only: publishing (operations.py) stores what this returns.
"""
import copy
from datetime import datetime, time

from flask import current_app

from commissioning.contracts.models import Agreement, Variation, VariationStatus
from commissioning.core.models import LONDON
from commissioning.evaluation.models import AssessmentSummary, AwardDecision, AwardedBid
from commissioning.extensions import db
from commissioning.notices.rules import KINDS, RAG_MEASURE, covered
from commissioning.notices.util import route_of, standstill_end
from commissioning.opendata import ocds
from commissioning.settings.util import all_settings
from commissioning.specifications import cpv

#: Criterion kinds as the awardCriteria extension's criterion types.
CRITERION_TYPE = {"price": "price", "quality": "quality", "social_value": "quality"}


def _when(value):
    return ocds.when(value)


def _state(opp):
    """The procurement's public state now, as the feed would publish it."""
    prefix, authority = current_app.config["OCDS_PREFIX"], current_app.config["AUTHORITY_NAME"]
    found = next(ocds.iter_releases(prefix, authority, reference=opp.reference), None)
    if found is not None:
        return found
    # Not yet open (a UK2 or UK3 comes first): the tender as planned.
    content = opp.specification.version(opp.specification_version or opp.specification.approved_version or 1).content
    return {"ocid": f"ocds-{prefix}-{opp.reference}", "parties": [], "tender": {
        "id": opp.reference, "title": opp.title, "description": opp.summary, "status": "planning",
        "mainProcurementCategory": "services", "value": ocds._money(opp.max_value_pence),
        "items": [{"id": "1", "description": content.get("title") or opp.title,
                   "classification": cpv.classification(content.get("cpv"))}]}}


def notice_url(notice):
    """The public page of the notice, at the service's own address (BASE_URL), never a request's host."""
    from commissioning.core.urls import absolute_url
    return absolute_url("notices.public_notice", notice_id=notice.id)


def _criteria(opp):
    tops = [c for c in opp.criteria or () if not c.get("parent")]
    return {"description": "Bids are scored against these criteria; the weights are percentages of the total.",
            "criteria": [{"type": CRITERION_TYPE.get(c.get("kind"), "quality"), "name": c["name"],
                          "description": c.get("description") or c["name"],
                          "numbers": [{"number": c["weight"], "weight": "percentageExact"}]} for c in tops]}


def _agreement(subject):
    """The contract a notice is about: its own ("agreement:3", "agreement:3:year:1") or its variation's."""
    kind, number = subject.split(":")[:2]
    if kind == "variation":
        return db.session.get(Variation, int(number)).agreement
    return db.session.get(Agreement, int(number)) if kind == "agreement" else None


def _contract_of(state, agreement):
    for contract in state.get("contracts", ()):
        if contract["id"] == agreement.reference:
            return copy.deepcopy(contract)
    return {"id": agreement.reference, "title": agreement.title, "value": ocds._money(agreement.value_pence),
            "period": {"startDate": _when(agreement.start_date), "endDate": _when(agreement.end_date)}}


def build(notice, published_at):
    """The release ``notice`` would be published as at ``published_at`` (its id is set on publishing)."""
    opp = notice.opportunity
    kind = KINDS[notice.notice_type]
    state = _state(opp)
    _route, light_touch = route_of(opp)
    above = covered(opp.max_value_pence, light_touch, all_settings())   # the threshold test expected() makes
    stamp = _when(published_at)
    document = {"id": f"{notice.notice_type}-{notice.id}", "documentType": kind.document_type,
                "noticeType": notice.notice_type, "title": kind.title, "description": kind.plain[0].upper() +
                kind.plain[1:] + ".", "url": notice_url(notice), "datePublished": stamp, "format": "text/html",
                "language": "en"}
    release = {"ocid": state["ocid"], "id": f"{state['ocid']}-{notice.notice_type}-{notice.id}", "date": stamp,
               "tag": [kind.tag], "initiationType": "tender", "language": "en",
               "parties": copy.deepcopy(state.get("parties", []))}
    if "buyer" in state:
        release["buyer"] = state["buyer"]
    details = notice.details or {}
    tender_ref = {"id": state["tender"]["id"]}
    code = notice.notice_type
    if code in ("UK2", "UK3"):
        planning = {"documents": [document]}
        tender = {**{k: v for k, v in state["tender"].items() if k in ("id", "title", "description", "value",
                                                                        "items", "mainProcurementCategory")},
                  "status": "planning" if code == "UK2" else "planned", "aboveThreshold": above}
        if light_touch:
            tender["specialRegime"] = ["lightTouch"]
        if code == "UK2":
            planning["milestones"] = [{"id": "engagement", "title": "Preliminary market engagement",
                                       "type": "engagement", "description": details.get("engagement", ""),
                                       "status": "met"}]
        else:
            planned = details.get("tender_notice_on")
            if planned:
                tender["communication"] = {"futureNoticeDate": _when(datetime.fromisoformat(planned).date())}
        release.update(planning=planning, tender=tender)
    elif code == "UK4":
        tender = copy.deepcopy(state["tender"])
        tender.pop("numberOfTenderers", None)
        # OCDS 1.1 keeps tender.awardCriteria a code; the awardCriteria extension puts the criteria and
        # their weights on each lot, so a procurement in one piece is one lot, as Find a Tender shows it.
        tender.update(status="active", documents=[document], awardCriteria="ratedCriteria",
                      awardCriteriaDetails=_criteria(opp)["description"], aboveThreshold=above,
                      submissionMethod=["electronicSubmission"], hasEnquiries=True,
                      enquiryPeriod={"endDate": _when(opp.clarification_deadline)},
                      submissionTerms={"electronicSubmissionPolicy": "required", "languages": ["en"]})
        if light_touch:
            tender["specialRegime"] = ["lightTouch"]
        criteria = _criteria(opp)
        if opp.lots:
            tender["lots"] = [{"id": str(i + 1), "title": lot["name"], "status": "active", "awardCriteria": criteria,
                               **({"value": ocds._money(lot["value_pence"])} if lot.get("value_pence") else {})}
                              for i, lot in enumerate(opp.lots)]
        else:
            tender["lots"] = [{"id": "1", "title": opp.title, "status": "active", "awardCriteria": criteria,
                               "value": ocds._money(opp.max_value_pence)}]
            tender["lotDetails"] = {"noLotsDivisionRationale": details.get("no_lots_reason", "")}
        if details.get("no_engagement_reason"):
            release["planning"] = {"noEngagementNoticeRationale": details["no_engagement_reason"]}
        release["tender"] = tender
    elif code in ("UK5", "UK6"):
        decision = db.session.scalars(db.select(AwardDecision).where(AwardDecision.opportunity_id == opp.id)).first()
        awards = copy.deepcopy(state.get("awards", []))
        if code == "UK6":
            day = published_at.astimezone(LONDON).date()
            sent = db.session.scalar(db.select(db.func.min(AssessmentSummary.created_at))
                                     .join(AwardedBid, AwardedBid.bid_id == AssessmentSummary.bid_id)
                                     .where(AwardedBid.award_id == (decision.id if decision else -1)))
            signed = {c["awardID"] for c in state.get("contracts", ()) if c.get("dateSigned")}
            for award in awards:
                award.update(documents=[document], aboveThreshold=above,
                             standstillPeriod={"startDate": stamp, "endDate": _when(datetime.combine(
                                 standstill_end(day), time(23, 59, 59), LONDON))},
                             assessmentSummariesDateSent=_when(sent or decision.notice_date))
                if award["id"] not in signed:
                    award["status"] = "pending"   # proposed: the contract is not signed during standstill
        else:
            awards = [{**award, "status": "pending", "documents": [document]} for award in awards] or [
                {"id": f"{opp.reference}-direct", "status": "pending", "title": opp.title,
                 "description": details.get("justification", ""), "value": ocds._money(opp.max_value_pence),
                 "documents": [document]}]
            release["tender"] = {**tender_ref, "procurementMethod": "direct",
                                 "procurementMethodRationale": details.get("justification", "")}
        release["awards"] = awards
    elif code in ("UK7", "UK9", "UK10", "UK11"):
        agreement = _agreement(notice.subject)
        contract = _contract_of(state, agreement)
        if code == "UK7":
            contract.pop("implementation", None)
            contract.update(documents=[document], aboveThreshold=above)
        elif code == "UK9":
            year = int(notice.subject.rsplit(":", 1)[1])
            contract = {"id": contract["id"], "awardID": contract.get("awardID"),
                        "implementation": {"documents": [document], "metrics": _metrics(agreement, year)}}
            if not contract["awardID"]:
                contract.pop("awardID")
        elif code == "UK10":
            variation = db.session.get(Variation, int(notice.subject.split(":")[1]))
            amendment = _amendment(variation, agreement, above)
            contract = {"id": contract["id"], "awardID": contract.get("awardID"), "documents": [document],
                        ("amendments" if variation.status is VariationStatus.agreed else "proposedAmendments"):
                            [amendment]}
        else:
            contract = {"id": contract["id"], "awardID": contract.get("awardID"), "status": "terminated",
                        "period": {**contract.get("period", {}), "endDate": _when(agreement.end_date)},
                        "documents": [{**document, "description": agreement.end_reason or document["description"]}]}
        contract = {k: v for k, v in contract.items() if v is not None}
        release["contracts"] = [contract]
    elif code == "UK12":
        release["tender"] = {**tender_ref, "status": "cancelled", "finalStatusDate": stamp,
                             "statusDetails": details.get("reason", ""),
                             "documents": [{**document, "description": details.get("reason") or document["description"]}]}
    return release


def _metrics(agreement, year):
    """The contract's KPIs over contract year ``year``: each KPI's last rated figure, rated as the extension says."""
    from datetime import timedelta

    from commissioning.contracts.models import ReturnDue
    from commissioning.contracts.operations import add_months
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    start = add_months(agreement.start_date, 12 * (year - 1))
    end = add_months(agreement.start_date, 12 * year) - timedelta(days=1)
    rows = db.session.execute(db.select(MonitoringReturn.kpi_rags, ReturnDue.period_end)
                              .join(ReturnDue, ReturnDue.id == MonitoringReturn.due_id)
                              .where(MonitoringReturn.agreement_id == agreement.id,
                                     MonitoringReturn.status == ReturnStatus.accepted,
                                     ReturnDue.period_end.between(start, end))
                              .order_by(ReturnDue.period_end)).all()
    latest = {}
    for rags, _end in rows:
        for name, figures in (rags or {}).items():
            latest[name] = figures
    metrics = []
    for i, kpi in enumerate(agreement.kpis or ()):
        figures = latest.get(kpi["name"]) or latest.get(f"kpi-{i}")
        if not figures or figures.get("rag") not in RAG_MEASURE:
            continue
        measure_id, words = RAG_MEASURE[figures["rag"]]
        metrics.append({"id": f"kpi-{i + 1}", "title": kpi["name"], "description": f"Target {kpi.get('target')}"
                        f" {kpi.get('unit') or ''}".strip(), "observations": [{
                            "id": f"year-{year}", "measure": figures.get("actual"),
                            "period": {"startDate": _when(start), "endDate": _when(end)},
                            "unit": {"name": kpi.get("unit") or "count"},
                            "measureClassification": {"scheme": "UK-KPI-rating", "id": measure_id,
                                                      "description": words}}]})
    return metrics


def _amendment(variation, agreement, above):
    changes = variation.changes or {}
    said = []
    if "value_pence" in changes:
        said.append(f"value from £{changes['value_pence']['old'] / 100:,.2f} to £{changes['value_pence']['new'] / 100:,.2f}")
    if "end_date" in changes:
        said.append(f"end date from {changes['end_date']['old']} to {changes['end_date']['new']}")
    for key, words in (("kpis", "KPI targets"), ("payments", "payment schedule"),
                       ("special_conditions", "special conditions")):
        if key in changes:
            said.append(f"the {words}")
    amendment = {"id": variation.reference, "rationale": variation.reason,
                 "description": "Changes " + ", ".join(said) + ".", "aboveThreshold": above, "standstill": False}
    if variation.countersigned_at:
        amendment["date"] = _when(variation.countersigned_at)
    value = changes.get("value_pence", {}).get("new", agreement.value_pence)
    amendment["value"] = ocds._money(value)
    end = changes.get("end_date", {}).get("new") or agreement.end_date.isoformat()
    from datetime import date
    amendment["period"] = {"startDate": _when(agreement.start_date), "endDate": _when(date.fromisoformat(end))}
    return amendment
