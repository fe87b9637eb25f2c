from sqlalchemy import or_
from sqlalchemy.orm import selectinload

from commissioning.extensions import db
from commissioning.needs.models import EvidenceItem, Need, NeedGroup, NeedOutcome, need_localities


def search_needs(locality_id=None, tier=None, group=None, status=None, outcome=None, text=None,
                 page=1, per_page=50):
    """Filtered page of needs; related rows load in a fixed number of queries, not one per need."""
    query = db.select(Need).options(
        selectinload(Need.localities), selectinload(Need.groups), selectinload(Need.outcomes),
        selectinload(Need.evidence).load_only(EvidenceItem.id, EvidenceItem.need_id, EvidenceItem.date),
    )
    if locality_id:
        query = query.where(Need.id.in_(db.select(need_localities.c.need_id)
                                        .where(need_localities.c.locality_id == locality_id)))
    if tier:
        query = query.where(Need.tier == tier)
    if status:
        query = query.where(Need.status == status)
    if group:
        query = query.where(Need.id.in_(db.select(NeedGroup.need_id).where(NeedGroup.group == group)))
    if outcome:
        query = query.where(Need.id.in_(db.select(NeedOutcome.need_id).where(NeedOutcome.outcome == outcome)))
    if text:
        like = f"%{text.strip()}%"
        query = query.where(or_(Need.title.ilike(like), Need.need_not_met.ilike(like)))
    query = query.order_by(Need.updated_at.desc(), Need.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def load_need(need_id):
    return db.session.scalars(db.select(Need).where(Need.id == need_id).options(
        selectinload(Need.localities), selectinload(Need.groups), selectinload(Need.outcomes),
        selectinload(Need.evidence), selectinload(Need.options), selectinload(Need.provision),
    )).first()


def needs_by_status(*statuses):
    query = db.select(Need).options(selectinload(Need.localities)).order_by(Need.title)
    if statuses:
        query = query.where(Need.status.in_(statuses))
    return db.session.scalars(query).all()
