from sqlalchemy.orm import selectinload

from commissioning.core.pagination import contains, paginate
from commissioning.extensions import db
from commissioning.opportunities.models import (
    Clarification, ClarificationStatus, Follow, Opportunity, OpportunityKind, OpportunityStatus)


def search_opportunities(filters, order, include_drafts=False):
    """A page of opportunities matching ``filters`` (``q``, ``status``, ``kind``): two queries.

    Drafts are the council's own: only ``include_drafts`` (people who manage opportunities) sees them.
    """
    query = db.select(Opportunity)
    if not include_drafts:
        query = query.where(Opportunity.status != OpportunityStatus.draft)
    if filters.get("q"):
        query = query.where(contains(filters["q"], Opportunity.title, Opportunity.summary, Opportunity.reference))
    if filters.get("status"):
        query = query.where(Opportunity.status == OpportunityStatus(filters["status"]))
    if filters.get("kind"):
        query = query.where(Opportunity.kind == OpportunityKind(filters["kind"]))
    return paginate(query.order_by(*order))


def load_opportunity(opp_id):
    return db.session.scalars(db.select(Opportunity).where(Opportunity.id == opp_id)
                              .options(selectinload(Opportunity.clarifications))).first()


def published_clarifications(opp):
    return [c for c in opp.clarifications if c.status is ClarificationStatus.published]


def is_following(opp, user):
    return user.is_authenticated and bool(db.session.scalar(
        db.select(Follow.id).where(Follow.opportunity_id == opp.id, Follow.user_id == user.id)))


def load_clarification(item_id):
    return db.session.get(Clarification, item_id)


def published_version(opp):
    """The version of the specification bidders bid against: the one fixed when the opportunity opened.

    Versions are never changed once written, so later versions of the specification (or its closing)
    leave this one as bidders first read it.
    """
    return opp.specification.version(opp.specification_version)


def public_award(opp, today=None):
    """Who was funded and for how much, once the award notice is out; None before (or without an award).

    The award is public from its notice date: that is when the open data publishes it and the
    standstill period (when one applies) starts. Before then, and for any opportunity not awarded,
    nothing about the bidders is said. Read from the later stages, read only: one query for the
    awards and one for the issued agreements.
    """
    from commissioning.accounts.models import Organisation
    from commissioning.bids.models import Bid
    from commissioning.contracts.models import Agreement, AgreementStatus
    from commissioning.core.models import LONDON, utcnow
    from commissioning.evaluation.models import AwardDecision, AwardedBid
    if opp.status is not OpportunityStatus.awarded:
        return None
    today = today or utcnow().astimezone(LONDON).date()
    rows = db.session.execute(
        db.select(AwardDecision, AwardedBid.id, AwardedBid.amount_pence, Bid.lot, Organisation.name)
        .join(AwardedBid, AwardedBid.award_id == AwardDecision.id)
        .join(Bid, Bid.id == AwardedBid.bid_id).join(Organisation, Organisation.id == Bid.organisation_id)
        .where(AwardDecision.opportunity_id == opp.id, AwardDecision.notice_date <= today)
        .order_by(Bid.lot, Organisation.name)).all()
    if not rows:
        return None
    issued = set(db.session.scalars(db.select(Agreement.awarded_bid_id).where(
        Agreement.awarded_bid_id.in_([r.id for r in rows]), Agreement.status != AgreementStatus.drafted)))
    decision = rows[0].AwardDecision
    return {"notice_date": decision.notice_date, "standstill_end": decision.standstill_end,
            "in_standstill": bool(decision.standstill_end and today <= decision.standstill_end),
            "panel_round_id": decision.panel_round_id,
            "total_pence": sum(r.amount_pence for r in rows), "any_agreement": bool(issued),
            "funded": [{"name": r.name, "lot": r.lot, "amount_pence": r.amount_pence, "agreement": r.id in issued}
                       for r in rows]}


def filter_submissions(submissions, flags, filters):
    """The counted submissions matching ``filters`` (``q`` on the bidder's name, ``eligibility``, ``lot``)."""
    text = (filters.get("q") or "").casefold()
    rows = [s for s in submissions if text in s.bid.organisation.name.casefold()]
    if filters.get("eligibility") == "passes":
        rows = [s for s in rows if not flags[s.id]]
    elif filters.get("eligibility") == "fails":
        rows = [s for s in rows if flags[s.id]]
    if filters.get("lot"):
        rows = [s for s in rows if s.bid.lot == filters["lot"]]
    return rows


_NO_PRICE = float("inf")


def sort_submissions(rows, key):
    """Sorted by one of ``BidListForm.SORTS``; a bid without a price goes last either way."""
    by_name = lambda s: (s.bid.organisation.name.casefold(), s.id)  # noqa: E731
    if key == "price":
        return sorted(rows, key=lambda s: (s.content.get("price_pence") or _NO_PRICE, by_name(s)))
    if key == "price_high":
        return sorted(rows, key=lambda s: (-(s.content.get("price_pence") or 0), by_name(s)))
    if key == "received":
        return sorted(rows, key=lambda s: (s.submitted_at, s.id))
    if key == "received_last":
        return sorted(rows, key=lambda s: (s.submitted_at, s.id), reverse=True)
    return sorted(rows, key=by_name)


def search_bids_of(organisation_ids, filters, order):
    """A page of the organisations' own bids with their opportunities, for /my-bids: two queries.

    Filters: ``q`` (the opportunity's title or reference), ``status`` (the bid's), ``stage``
    (the opportunity's status). Bids are a later stage: read here only for the list, never written.
    """
    from commissioning.bids.models import Bid, BidStatus
    query = (db.select(Bid).join(Opportunity, Opportunity.id == Bid.opportunity_id)
             .where(Bid.organisation_id.in_(organisation_ids)).options(db.contains_eager(Bid.opportunity)))
    if filters.get("q"):
        query = query.where(contains(filters["q"], Opportunity.title, Opportunity.reference))
    if filters.get("status"):
        query = query.where(Bid.status == BidStatus(filters["status"]))
    if filters.get("stage"):
        query = query.where(Opportunity.status == OpportunityStatus(filters["stage"]))
    return paginate(query.order_by(*order))
