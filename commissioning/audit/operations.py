from flask import g, has_request_context
from flask_login import current_user

from commissioning.audit.models import AuditEntry
from commissioning.extensions import db


def log_action(obj, action, summary, user=None, sealed_for=None, **details):
    """Record ``action`` on ``obj`` (a model instance, or a (type, id) pair).

    The acting user defaults to the signed-in user; tasks pass ``user=None`` and
    are recorded as the system. ``sealed_for`` (an opportunity or its id) marks what a bidder
    did: staff see only a count of such entries until that opportunity's deadline.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    token = g.get("api_token") if has_request_context() else None
    if token is not None:
        details.setdefault("via_api_token", token.prefix)  # which of the user's tokens made the change
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        db.session.flush()
        object_type, object_id = type(obj).__name__, obj.id
    entry = AuditEntry(user_id=user.id if user else None, object_type=object_type,
                       object_id=object_id, action=action, summary=summary[:500],
                       details=details, sealed_opportunity_id=getattr(sealed_for, "id", sealed_for))
    db.session.add(entry)
    return entry
