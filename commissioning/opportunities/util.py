from sqlalchemy.orm import selectinload

from commissioning.extensions import db
from commissioning.opportunities.models import Clarification, ClarificationStatus, Follow, Opportunity, OpportunityStatus


def public_opportunities():
    return db.session.scalars(db.select(Opportunity).where(Opportunity.status != OpportunityStatus.draft)
                              .order_by(Opportunity.submission_deadline.desc())).all()


def all_opportunities():
    return db.session.scalars(db.select(Opportunity).order_by(Opportunity.id.desc())).all()


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
