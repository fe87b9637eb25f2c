"""Reads for the API: tokens, and the resources as plain dicts under the pages' visibility rules."""
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import selectinload

from commissioning.accounts.models import Role
from commissioning.accounts.util import PERSON_ROWS
from commissioning.api.models import ApiToken
from commissioning.api.operations import TOKEN_PREFIX, hash_token
from commissioning.contracts.models import Agreement, ReturnDue
from commissioning.contracts.util import visible_contracts
from commissioning.core.models import LONDON
from commissioning.core.urls import absolute_url
from commissioning.extensions import db
from commissioning.evaluation.models import AwardDecision
from commissioning.indicators.models import Indicator
from commissioning.localities.models import Locality
from commissioning.monitoring.models import MonitoringReturn
from commissioning.needs.models import EvidenceItem, Need
from commissioning.opportunities.models import Opportunity, OpportunityStatus
from commissioning.panels.models import Panel, PanelMember, Round, RoundProject, RoundResult
from commissioning.panels.util import published_results

_DAY = timedelta(days=1)
_EARLIEST, _LATEST = date(1900, 1, 1), date(2999, 12, 31)


def tokens_of(user):
    return db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                        ApiToken.id.desc())).all()


#: What an API request needs of its token, loaded with it (and noted by core/pagecache.py).
TOKEN_ROWS = {"user": PERSON_ROWS}


def find_token(plain):
    """The token row for a presented token, or None; unusable tokens are the caller's to refuse."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    from commissioning.accounts.models import User
    # The token with its person, roles and memberships in one statement: every API request asks for
    # them. populate_existing: rows made again from the page cache's notes are read afresh.
    return db.session.scalars(db.select(ApiToken).options(db.joinedload(ApiToken.user).options(
        db.joinedload(User.roles), db.joinedload(User.memberships))).where(
        ApiToken.token_hash == hash_token(plain)).execution_options(populate_existing=True)).unique().first()


# --- the API's reads: queries that apply the pages' visibility rules, and plain dicts ---------

def london_day_start(day):
    """Midnight in London on ``day``, for comparing a date filter with stored UTC times.

    Days far outside any data are clamped, so that date.min and date.max cannot overflow."""
    day = min(max(day, _EARLIEST), _LATEST)
    return datetime.combine(day, time.min, tzinfo=LONDON)


def london_day_after(day):
    """Midnight in London at the end of ``day``: the exclusive upper bound of an inclusive filter."""
    return london_day_start(day) + _DAY


def within_days(query, column, args, name):
    """Apply the inclusive ``<name>_from`` / ``<name>_to`` day filters to a date or a UTC time column."""
    start, end = args.get(f"{name}_from"), args.get(f"{name}_to")
    stamped = not isinstance(column.type, db.Date)
    if start:
        query = query.where(column >= (london_day_start(start) if stamped else start))
    if end:
        query = query.where(column < london_day_after(end) if stamped else column <= end)
    return query


def paginate(query, page, per_page, rows=False):
    """(items, total): one COUNT and one page query, whatever the size of the table. With ``rows``,
    each item is the tuple of what the query selects (an object and its extras), else the object."""
    total = db.session.scalar(db.select(db.func.count()).select_from(query.order_by(None).subquery()))
    page_query = query.limit(per_page).offset((page - 1) * per_page)
    if rows:
        return [tuple(r) for r in db.session.execute(page_query).unique().all()], total
    return db.session.scalars(page_query).unique().all(), total


def needs_query(args, only_id=None):
    query = db.select(Need).options(
        selectinload(Need.localities), selectinload(Need.groups), selectinload(Need.outcomes),
        selectinload(Need.evidence).load_only(EvidenceItem.id, EvidenceItem.need_id)).order_by(Need.id)
    if only_id is not None:
        query = query.where(Need.id == only_id)
    if args.get("status"):
        query = query.where(Need.status == args["status"])
    if args.get("tier"):
        query = query.where(Need.tier == args["tier"])
    query = within_days(query, Need.updated_at, args, "updated")
    return query


def need_dict(need):
    return {
        "id": need.id, "title": need.title, "status": need.status.value, "tier": need.tier.value,
        "age_min": need.age_min, "age_max": need.age_max, "for_lldd": need.for_lldd,
        "localities": [loc.name for loc in need.localities], "locality_ids": [loc.id for loc in need.localities],
        "groups": [g.value for g in need.group_values],
        "outcomes": [o.value for o in need.outcome_values], "need_not_met": need.need_not_met,
        "how_identified": need.how_identified, "desired_outcomes": need.desired_outcomes,
        "plan_priorities": need.plan_priorities, "effectiveness_rating": need.effectiveness_rating,
        "evidence_items": len(need.evidence), "created_at": need.created_at, "updated_at": need.updated_at,
        "url": absolute_url("needs.show", need_id=need.id),
    }


def indicators_query(_args, only_id=None):
    query = db.select(Indicator).options(selectinload(Indicator.years)).order_by(Indicator.id)
    if only_id is not None:
        query = query.where(Indicator.id == only_id)
    return query


def _num(value):
    return float(value) if value is not None else None


def indicator_dict(ind):
    rag = ind.rag
    return {
        "id": ind.id, "name": ind.name, "unit": ind.unit, "polarity": ind.polarity.value,
        "baseline_year": ind.baseline_year, "baseline_value": float(ind.baseline_value),
        "tolerance": float(ind.tolerance or 0), "latest_rag": rag.value if rag else None,
        "years": [{"year": y.year, "label": y.label, "target": _num(y.target), "actual": _num(y.actual),
                   "rag": (y.rag.value if y.rag else None) if y.actual is not None and y.target is not None
                   else None} for y in ind.years],
        "url": absolute_url("indicators.show", indicator_id=ind.id),
    }


def localities_query(_args):
    return db.select(Locality).order_by(Locality.id)


def locality_dict(locality):
    return {"id": locality.id, "name": locality.name, "slug": locality.slug}


def opportunities_query(args, only_id=None):
    """(opportunity, the date its award was announced or None), published ones only."""
    query = (db.select(Opportunity, AwardDecision.notice_date)
             .outerjoin(AwardDecision, AwardDecision.opportunity_id == Opportunity.id)
             .where(Opportunity.status != OpportunityStatus.draft).order_by(Opportunity.id))
    if only_id is not None:
        query = query.where(Opportunity.id == only_id)
    if args.get("status"):
        query = query.where(Opportunity.status == args["status"])
    if args.get("kind"):
        query = query.where(Opportunity.kind == args["kind"])
    query = within_days(query, Opportunity.submission_deadline, args, "closing")
    return query


def opportunity_dict(opp, awarded_on=None):
    return {
        "id": opp.id, "reference": opp.reference or f"OPP-{opp.id:04d}", "title": opp.title, "summary": opp.summary,
        "kind": opp.kind.value, "status": opp.status.value, "max_value_pence": opp.max_value_pence,
        "lots": [{"name": lot["name"], "value_pence": int(lot.get("value_pence") or 0)} for lot in opp.lots or ()],
        "opened_at": opp.opened_at, "clarification_deadline": opp.clarification_deadline,
        "submission_deadline": opp.submission_deadline, "planned_award_date": opp.award_date,
        "awarded_on": awarded_on,
        "url": absolute_url("opportunities.show", opp_id=opp.id),
    }


def contracts_query(user, args):
    query = (db.select(Agreement).where(visible_contracts(user))
             .options(db.joinedload(Agreement.organisation), db.joinedload(Agreement.opportunity))
             .order_by(Agreement.id))
    if args.get("status"):
        query = query.where(Agreement.status == args["status"])
    if args.get("kind"):
        query = query.where(Agreement.kind == args["kind"])
    query = within_days(query, Agreement.end_date, args, "ending")
    return query


def contract_dict(agreement):
    return {
        "id": agreement.id, "reference": agreement.reference, "kind": agreement.kind.value,
        "title": agreement.title, "status": agreement.status.value, "provider": agreement.organisation.name,
        "provider_id": agreement.organisation_id,
        "opportunity_reference": agreement.opportunity.reference if agreement.opportunity else None,
        "value_pence": agreement.value_pence, "start_date": agreement.start_date, "end_date": agreement.end_date,
        "monitoring_frequency": agreement.monitoring_frequency,
        "kpis": [{"name": k["name"], "unit": str(k.get("unit") or ""), "target": str(k.get("target") or ""),
                  "frequency": str(k.get("frequency") or "")} for k in agreement.kpis],
        "payments": [{"due": date.fromisoformat(p["due"]), "amount_pence": p["amount_pence"], "conditional": bool(p.get("conditional"))}
                     for p in agreement.payments],
        "url": absolute_url("contracts.show", agreement_id=agreement.id),
    }


def returns_query(user, args):
    """Due returns (with the return, when one was started) of the contracts ``user`` may see."""
    visible = db.select(Agreement.id).where(visible_contracts(user))
    query = (db.select(ReturnDue, MonitoringReturn)
             .outerjoin(MonitoringReturn, MonitoringReturn.due_id == ReturnDue.id)
             .where(ReturnDue.agreement_id.in_(visible))
             .options(db.joinedload(ReturnDue.agreement)).order_by(ReturnDue.id))
    if args.get("contract_id"):
        query = query.where(ReturnDue.agreement_id == args["contract_id"])
    if args.get("status") == "not_started":
        query = query.where(MonitoringReturn.id.is_(None))
    elif args.get("status"):
        query = query.where(MonitoringReturn.status == args["status"])
    query = within_days(query, ReturnDue.due_on, args, "due")
    return query


def return_dict(due, ret):
    return {
        "id": due.id, "contract_id": due.agreement_id, "contract_reference": due.agreement.reference,
        "period_start": due.period_start, "period_end": due.period_end, "due_on": due.due_on,
        "status": ret.status.value if ret else "not_started",
        "kpi_actuals": dict(ret.kpi_actuals) if ret else {},
        "spend_pence": ret.spend_pence if ret else None,
        "reach": {k: dict(v) for k, v in (ret.reach or {}).items()} if ret else {},
        "feedback_responses": ret.feedback_responses if ret else None,
        "feedback_positive": ret.feedback_positive if ret else None,
        "feedback_quotes": ret.feedback_quotes if ret else "",
        "achievements": ret.achievements if ret else "", "issues": ret.issues if ret else "",
        "submitted_at": ret.submitted_at if ret else None,
        "suggested_rag": ret.suggested_rag.value if ret and ret.suggested_rag else None,
        "overall_rag": ret.overall_rag.value if ret and ret.overall_rag else None,
        "monitor_comments": ret.monitor_comments if ret else None,
        "accepted_at": ret.accepted_at if ret else None,
        "url": absolute_url("monitoring.return_page", due_id=due.id),
    }


def results_query(user, args, only_id=None, withheld_too=False):
    """Counted rounds; a round that sent bids to the panel stays among the panel until its award.

    A round with too few ballots for its result to be shown is left out, unless ``withheld_too``
    (to say why it is not shown).
    """

    query = (db.select(Round).join(RoundResult, RoundResult.round_id == Round.id)
             .options(db.contains_eager(Round.result), db.joinedload(Round.panel),
                      selectinload(Round.projects).joinedload(RoundProject.organisation))
             .order_by(Round.id))
    if only_id is not None:
        query = query.where(Round.id == only_id)
    open_to_all = db.or_(Round.opportunity_id.is_(None), RoundResult.confirmed_at.is_not(None))
    if user.is_authenticated and user.has_role(Role.admin, Role.commissioner):
        pass
    elif user.is_authenticated:
        # As the results page: the panel's facilitator (while they hold the role) and its members.
        own_panels = db.select(PanelMember.panel_id).where(PanelMember.user_id == user.id)
        if user.has_role(Role.panel_facilitator):
            own_panels = own_panels.union(db.select(Panel.id).where(Panel.facilitator_id == user.id))
        query = query.where(db.or_(open_to_all, Round.panel_id.in_(own_panels)))
    else:
        query = query.where(open_to_all)
    query = within_days(query, RoundResult.computed_at, args, "decided")
    return query if withheld_too else published_results(query)


def result_dict(rnd):
    result = rnd.result
    return {
        "id": rnd.id, "reference": rnd.reference, "title": rnd.title, "panel": rnd.panel.name,
        "budget_pence": rnd.budget_pence, "rule": rnd.rule.value, "computed_at": result.computed_at,
        "ballots": result.ballots, "eligible_voters": result.eligible, "quorum_met": result.quorum_met,
        "spent_pence": result.spent_pence, "confirmed_at": result.confirmed_at,
        "ballots_sha256": result.ballots_digest,
        "projects": [{"code": p.code, "title": p.title, "organisation": p.organisation.name if p.organisation else None,
                      "cost_pence": p.cost_pence, "approvals": int(result.projects.get(p.code, {}).get("approvals", 0)),
                      "funded": bool(result.projects.get(p.code, {}).get("funded")),
                      "below_threshold": bool(result.projects.get(p.code, {}).get("below_threshold"))}
                     for p in rnd.projects],
        "url": absolute_url("panels.results", round_id=rnd.id),
    }


