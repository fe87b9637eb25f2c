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
