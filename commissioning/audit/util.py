"""Reads of the audit log. Entries sealed for an opportunity are withheld from every reader here
until its current deadline, so no filter, facet or page can tie a bidder to a bid (counts only)."""
from datetime import datetime, time, timedelta

from sqlalchemy import func, or_

from commissioning.audit.models import AuditEntry
from commissioning.core.models import LONDON, utcnow
from commissioning.extensions import db
from commissioning.opportunities.models import Opportunity


def sealed_opportunity_ids(now=None):
    """Opportunities whose bids are still sealed: the deadline (as it is now) has not passed."""
    deadline = Opportunity.submission_deadline
    return db.select(Opportunity.id).where(or_(deadline.is_(None), deadline > (now or utcnow())))


def unsealed(query, column, now=None):
    """``query`` without the rows whose ``column`` names an opportunity still sealed."""
    return query.where(or_(column.is_(None), column.not_in(sealed_opportunity_ids(now))))


def sealed_counts(column, *where, now=None):
    """[(reference, deadline, count)] of the rows still sealed, by opportunity: all staff may know."""
    query = (db.select(Opportunity.reference, Opportunity.submission_deadline, func.count())
             .select_from(column.table).join(Opportunity, Opportunity.id == column)
             .where(column.in_(sealed_opportunity_ids(now)), *where)
             .group_by(Opportunity.id, Opportunity.reference, Opportunity.submission_deadline)
             .order_by(Opportunity.submission_deadline, Opportunity.reference))
    return db.session.execute(query).all()


def search_audit(action=None, object_type=None, user_id=None, date_from=None, date_to=None,
                 page=1, per_page=50, now=None):
    """Filtered, newest-first page of audit entries (users joined, one query plus a count), sealed ones left out."""
    query = unsealed(db.select(AuditEntry), AuditEntry.sealed_opportunity_id, now)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if user_id:
        query = query.where(AuditEntry.user_id == user_id)
    if date_from:
        query = query.where(AuditEntry.created_at >= datetime.combine(date_from, time(), LONDON))
    if date_to:
        end = datetime.combine(date_to + timedelta(days=1), time(), LONDON)
        query = query.where(AuditEntry.created_at < end)
    query = query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def sealed_audit_counts(action=None, object_type=None, now=None):
    """Sealed entries counted by opportunity. Never by person or date: that would say who bid, or when."""
    where = [AuditEntry.action == action] if action else []
    if object_type:
        where.append(AuditEntry.object_type == object_type)
    return sealed_counts(AuditEntry.sealed_opportunity_id, *where, now=now)


def audit_facets():
    """Distinct actions and object types, for the filter drop-downs."""
    actions = db.session.scalars(db.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    types = db.session.scalars(db.select(AuditEntry.object_type).distinct()
                               .order_by(AuditEntry.object_type)).all()
    return actions, types


def entries_for(obj, now=None):
    query = db.select(AuditEntry).where(AuditEntry.object_type == type(obj).__name__,
                                        AuditEntry.object_id == obj.id)
    return db.session.scalars(unsealed(query, AuditEntry.sealed_opportunity_id, now)
                              .order_by(AuditEntry.created_at.desc())).all()
