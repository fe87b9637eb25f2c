import hashlib
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from commissioning.accounts.models import Membership, Organisation, User, UserRole, UserSession
from commissioning.core.models import utcnow
from commissioning.extensions import db

_hasher = PasswordHasher()
# Verified against when an email is unknown, so a wrong email costs the same time as a
# wrong password and does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password):
    return _hasher.hash(password)


def password_matches(user, password):
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def user_by_email(email):
    return db.session.scalars(db.select(User).where(User.email == normalise_email(email))).first()


def normalise_email(email):
    return (email or "").strip().lower()


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user):
    """A signed token bound to the current password hash, so it works once only."""
    return _serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})


class ResetTokenError(ValueError):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def user_for_reset_token(token):
    """Return the user a reset token belongs to, or raise ResetTokenError('expired'|'invalid')."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise ResetTokenError("expired") from None
    except BadSignature:
        raise ResetTokenError("invalid") from None
    user_id = data.get("id") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        raise ResetTokenError("invalid")
    return user


def list_organisations():
    return db.session.scalars(
        db.select(Organisation).options(db.selectinload(Organisation.memberships)
                                        .joinedload(Membership.user))
        .order_by(Organisation.name)).all()


def hash_session_secret(plain):
    """SHA-256 is enough: the identifier is 256 random bits, there is nothing to guess slowly."""
    return hashlib.sha256(plain.encode()).hexdigest()


def session_limits():
    """(idle, longest) as timedeltas, from SESSION_IDLE_MINUTES and SESSION_MAX_HOURS."""
    cfg = current_app.config
    return timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]), timedelta(hours=cfg["SESSION_MAX_HOURS"])


#: What every request needs of the person asking, loaded with them (and noted by core/pagecache.py).
PERSON_ROWS = {"roles": {}, "memberships": {}}
#: What a signed-in request needs of its session row.
SESSION_ROWS = {"user": PERSON_ROWS}


def session_for_secret(plain):
    """The session row a cookie's identifier names, whatever its state; None if there is none."""
    if not isinstance(plain, str) or not 20 <= len(plain) <= 100:
        return None  # an old-style "id:stamp" value, or junk: no database lookup
    # One statement for the row, its person, their roles and memberships: every signed-in request
    # (a kept page among them, core/pagecache.py) needs them, and separate loads are round trips.
    # populate_existing: rows made again from the page cache's notes are read afresh, not kept.
    return db.session.scalars(db.select(UserSession).options(db.joinedload(UserSession.user).options(
        db.joinedload(User.roles), db.joinedload(User.memberships))).where(
        UserSession.secret_hash == hash_session_secret(plain)).execution_options(populate_existing=True)
    ).unique().first()


def live_sessions(user, now=None):
    """The person's sessions that still sign them in, most recently used first."""
    now = now or utcnow()
    idle, longest = session_limits()
    rows = db.session.scalars(db.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
        UserSession.last_seen_at > now - idle, UserSession.created_at > now - longest)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()
    return rows


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("SamsungBrowser/", "Samsung Internet"),
             ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("CrOS", "ChromeOS"),
            ("Windows", "Windows"), ("Macintosh", "Mac"), ("Mac OS X", "Mac"), ("Linux", "Linux"))


def describe_device(user_agent):
    """A short description a person recognises ("Firefox on Windows"), from the User-Agent.

    Only a hint to tell sessions apart: the header is whatever the client says.
    """
    agent = (user_agent or "")[:500]
    if "HeadlessChrome/" in agent:
        browser = "Headless Chrome"
    else:
        browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    return "An unknown browser or program"


def search_people(q=None, role=None, status=None, page=1, per_page=50):
    """People for the admin list: by name or email, role, and active or deactivated."""
    query = db.select(User).options(db.selectinload(User.memberships).joinedload(Membership.organisation))
    if q:
        query = query.where(db.or_(User.name.icontains(q, autoescape=True),
                                   User.email.icontains(q, autoescape=True)))
    if role:
        query = query.where(User.roles.any(UserRole.role == role))
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "deactivated":
        query = query.where(User.active.is_(False))
    return db.paginate(query.order_by(User.name, User.id), page=page, per_page=per_page, error_out=False)


def sessions_of(user):
    """All the person's sessions, newest first, for the admin's person page."""
    return db.session.scalars(db.select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.created_at.desc(), UserSession.id.desc()).limit(50)).all()
