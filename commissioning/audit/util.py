from datetime import datetime, time, timedelta

from commissioning.audit.models import AuditEntry
from commissioning.core.models import LONDON
from commissioning.extensions import db



def search_audit(action=None, object_type=None, user_id=None, date_from=None, date_to=None,
                 page=1, per_page=50):
    """Filtered, newest-first page of audit entries (users joined, one query plus a count)."""
    query = db.select(AuditEntry)
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


def audit_facets():
    """Distinct actions and object types, for the filter drop-downs."""
    actions = db.session.scalars(db.select(AuditEntry.action).distinct().order_by(AuditEntry.action)).all()
    types = db.session.scalars(db.select(AuditEntry.object_type).distinct()
                               .order_by(AuditEntry.object_type)).all()
    return actions, types


def entries_for(obj):
    return db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.object_type == type(obj).__name__,
                                    AuditEntry.object_id == obj.id)
        .order_by(AuditEntry.created_at.desc())).all()
