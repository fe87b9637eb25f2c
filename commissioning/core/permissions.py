"""One decorator for role checks; object checks call ``can_<verb>`` and ``ensure``."""
from functools import wraps

from flask import abort
from flask_login import current_user


def ensure(allowed):
    """Abort with 403 unless ``allowed``; views call it after loading an object."""
    if not allowed:
        abort(403)


def permission_required(predicate):
    """Require a signed-in user for whom ``user.<predicate>()`` is true.

    Anonymous users are sent to the login page; signed-in users without the
    permission get 403.
    """
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from commissioning.extensions import login_manager
                return login_manager.unauthorized()
            ensure(getattr(current_user, predicate)())
            return view(*args, **kwargs)
        wrapped.permission = predicate
        return wrapped
    return decorator


def login_required(view):
    """Any signed-in user; kept here so views import permissions from one place."""
    return permission_required("is_signed_in")(view)
