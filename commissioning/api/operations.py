"""Writes for API tokens, each audited. The plain token is returned once and never stored."""
import hashlib
import secrets
from datetime import timedelta

from commissioning.api.models import ApiToken, TokenScope
from commissioning.audit.operations import log_action
from commissioning.core.models import utcnow
from commissioning.extensions import db

TOKEN_PREFIX = "cmsn_"
#: last_used_at is a hint for the owner, not an access log: write it at most this often.
TOUCH_EVERY = timedelta(minutes=5)


def hash_token(plain):
    """SHA-256 is enough here: the token is 256 random bits, so there is nothing to guess slowly."""
    return hashlib.sha256(plain.encode()).hexdigest()


def create_token(user, name, scope, days=None):
    """A new token for ``user``; returns (row, the plain token to show once)."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name.strip(), scope=TokenScope(scope), prefix=plain[:12],
                     token_hash=hash_token(plain), password_stamp=user.password_hash[-12:],
                     expires_at=utcnow() + timedelta(days=days) if days else None)
    db.session.add(token)
    db.session.flush()
    log_action(token, "api_token.created", f"API token “{token.name}” ({token.scope.title.lower()}) created",
               user=user, scope=token.scope.value, expires_at=token.expires_at.isoformat() if days else None)
    return token, plain


def revoke_token(token, by):
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        log_action(token, "api_token.revoked", f"API token “{token.name}” revoked", user=by)
    return token


def touch_due(token, now):
    """Whether the token's "last used" note is older than TOUCH_EVERY (so it is written again)."""
    return token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY


def touch(token, now=None):
    now = now or utcnow()
    if touch_due(token, now):
        token.last_used_at = now
