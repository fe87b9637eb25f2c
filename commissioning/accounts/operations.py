import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request

from commissioning.accounts.models import (
    COUNCIL_ROLES, Membership, Organisation, Role, SessionEnd, User, UserRole, UserSession)
from commissioning.accounts.util import (
    describe_device, hash_password, hash_session_secret, normalise_email)
from commissioning.audit.operations import log_action
from commissioning.core.locks import lock_row
from commissioning.core.models import utcnow
from commissioning.extensions import db
from commissioning.mail.operations import queue_email


def create_organisation(name, type, **fields):
    org = Organisation(name=name, type=type, **fields)
    db.session.add(org)
    db.session.flush()
    log_action(org, "organisation.created", f"Organisation {name} created", type=org.type.value)
    return org


def create_user(email, name, password, roles=(), organisation=None, is_org_admin=False):
    check_council_apart(name, {Role(r) for r in roles}, [organisation] if organisation is not None else [])
    user = User(email=normalise_email(email) if email else None, name=name, password_hash=hash_password(password))
    user.roles = [UserRole(role=Role(r)) for r in roles]
    db.session.add(user)
    db.session.flush()
    if organisation is not None:
        db.session.add(Membership(user=user, organisation=organisation, is_org_admin=is_org_admin))
    log_action(user, "user.created", f"User {user.email or user.name} created",
               roles=sorted(r.value for r in user.role_set))
    return user


def record_login(user):
    user.last_login_at = utcnow()
    device = user.current_session.device if user.current_session is not None else None
    log_action(user, "user.signed_in", f"{user.email or user.name} signed in", user=user, device=device)


def record_failed_login(email, user):
    log_action(("User", user.id if user else None), "user.sign_in_failed",
               f"Failed sign-in for {normalise_email(email)[:200]}", user=None)


def record_logout(user):
    log_action(user, "user.signed_out", f"{user.email or user.name} signed out", user=user)


def request_password_reset(user):
    """Mail a single-use reset link; the caller shows the same page whether or not the user exists.

    The link is minted by the worker as it sends the mail and never stored (mail/operations.py).
    """
    queue_email(user.email, "password_reset", "Reset your password", "password_reset",
                secret_link=("password_reset", user), user_name=user.name,
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    log_action(user, "user.password_reset_requested", f"Password reset requested for {user.email}",
               user=None)


def reset_password(user, new_password):
    user.password_hash = hash_password(new_password)
    end_sessions(user, SessionEnd.password_reset)  # whoever had the account before the reset is out
    log_action(user, "user.password_reset", f"Password reset for {user.email}", user=user)
    queue_email(user.email, "password_changed", "Your password has been changed", "password_changed",
                user_name=user.name)


# --- sessions: one row per sign-in ---------------------------------------------------------

#: last_seen_at is written at most this often, so that a page view is not a write.
TOUCH_EVERY = timedelta(seconds=60)


def start_session(user):
    """A new session row for a sign-in; the plain identifier goes in the cookie, only its hash here."""
    plain = secrets.token_urlsafe(32)
    now = utcnow()
    agent = request.headers.get("User-Agent") if has_request_context() else None
    row = UserSession(user_id=user.id, secret_hash=hash_session_secret(plain), device=describe_device(agent),
                      created_at=now, last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    user.current_session, user._session_secret = row, plain
    return row


def touch_session(row, now=None):
    """Note that the session is in use, for the idle timeout; at most once a TOUCH_EVERY."""
    now = now or utcnow()
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now


def end_session(row, reason):
    if row.revoked_at is None:
        row.revoked_at, row.revoked_reason = utcnow(), SessionEnd(reason)
    return row


def end_sessions(user, reason, keep=None):
    """End every session of ``user`` still open (but ``keep``); returns how many were ended."""
    rows = db.session.scalars(db.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None))).all()
    ended = [end_session(row, reason) for row in rows if keep is None or row.id != keep.id]
    return len(ended)


def sign_out(user):
    """Sign-out ends this session's row, so a copy of the cookie opens nothing afterwards."""
    if user.current_session is not None:
        end_session(user.current_session, SessionEnd.signed_out)
    record_logout(user)


def sign_out_everywhere(user):
    count = end_sessions(user, SessionEnd.signed_out_everywhere)
    log_action(user, "user.signed_out_everywhere", f"{user.email or user.name} signed out on every device",
               user=user, sessions=count)
    return count


def sign_out_device(user, row):
    """The person ends one of their other sessions from the account page."""
    if row.revoked_at is None:
        end_session(row, SessionEnd.signed_out_by_person)
        log_action(user, "user.session_ended", f"{user.email or user.name} signed out {row.device}",
                   user=user, session=row.id, device=row.device)
    return row


def change_password(user, new_password):
    """A new password, chosen knowing the old one: every other session ends, this one stays."""
    user.password_hash = hash_password(new_password)
    count = end_sessions(user, SessionEnd.password_changed, keep=user.current_session)
    log_action(user, "user.password_changed", f"{user.email or user.name} changed their password", user=user,
               other_sessions_ended=count)
    if user.email:
        queue_email(user.email, "password_changed", "Your password has been changed", "password_changed",
                    user_name=user.name)


# --- people administration -------------------------------------------------------------------

class PeopleError(ValueError):
    """A change an administrator may not make, with a message saying what to do instead."""


def _titles(roles):
    return ", ".join(sorted(r.title.lower() for r in roles))


def check_council_apart(name, roles, organisations):
    """Council staff and bidders are kept apart, so a sealed bid stays sealed for everyone at the council.

    The provider role is never held with a council role, and a person with a council role belongs to no
    organisation that bids (any that is not a public body). Raises PeopleError saying what to do instead.
    """
    council = set(roles) & COUNCIL_ROLES
    if not council:
        return
    if Role.provider in roles:
        raise PeopleError(f"{name} cannot be a provider and have a council role ({_titles(council)}) at once: "
                          "providers bid, and council staff must not see bids before the deadline. Choose "
                          "either the provider role or the council roles.")
    bidders = sorted(o.name for o in organisations if not o.type.is_public_body)
    if bidders:
        raise PeopleError(f"{name} is a member of {bidders[0]}, which bids for work, so they cannot have a "
                          f"council role ({_titles(council)}). Remove them from {bidders[0]} first.")


def _not_yourself(user, by, what):
    if by is not None and user.id == by.id:
        raise PeopleError(f"You cannot change your own {what}. Ask another administrator to do it.")


def _other_active_admins(user):
    return db.session.scalar(db.select(db.func.count(User.id)).where(
        User.id != user.id, User.active.is_(True), User.roles.any(UserRole.role == Role.admin)))


def deactivate_user(user, by):
    """The person can no longer sign in; their sessions and API tokens stop on their next request."""
    lock_row(user)
    if user.id == by.id:
        raise PeopleError("You cannot deactivate your own account. Ask another administrator to do it.")
    if user.is_admin and not _other_active_admins(user):
        raise PeopleError(f"{user.name} is the only active administrator. Give someone else the administrator "
                          "role first.")
    if not user.active:
        return user
    user.active = False
    sessions = end_sessions(user, SessionEnd.deactivated)
    from commissioning.api.models import ApiToken
    from commissioning.api.operations import revoke_token
    tokens = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id,
                                                          ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        revoke_token(token, by)
    log_action(user, "user.deactivated", f"{user.email or user.name} deactivated by {by.name}", user=by,
               sessions_ended=sessions, tokens_revoked=len(tokens))
    return user


def reactivate_user(user, by):
    lock_row(user)
    if not user.active:
        user.active = True
        log_action(user, "user.reactivated", f"{user.email or user.name} reactivated by {by.name}", user=by)
    return user


def set_roles(user, roles, by):
    """Replace the person's roles; they apply from the person's next request."""
    lock_row(user)
    _not_yourself(user, by, "roles")
    new = {Role(r) for r in roles}
    old = set(user.role_set)
    if new == old:
        return False
    check_council_apart(user.name, new, user.organisations)
    if Role.admin in old and Role.admin not in new and not _other_active_admins(user):
        raise PeopleError(f"{user.name} is the only active administrator, so they keep that role. Give "
                          "someone else the administrator role first.")
    user.roles = [r for r in user.roles if r.role in new] + [UserRole(role=r) for r in sorted(new - old)]
    log_action(user, "user.roles_changed", f"Roles of {user.email or user.name} changed by {by.name}", user=by,
               added=sorted(r.value for r in new - old), removed=sorted(r.value for r in old - new))
    return True


def add_membership(user, organisation, is_org_admin, by):
    lock_row(user)
    _not_yourself(user, by, "organisations")
    if any(m.organisation_id == organisation.id for m in user.memberships):
        raise PeopleError(f"{user.name} is already a member of {organisation.name}.")
    if user.is_council_staff and not organisation.type.is_public_body:
        raise PeopleError(f"{user.name} has a council role ({_titles(user.role_set & COUNCIL_ROLES)}), so they "
                          f"cannot join {organisation.name}, which bids for work. Add them to a public body "
                          "instead, or take away their council roles first.")
    membership = Membership(user=user, organisation=organisation, is_org_admin=bool(is_org_admin))
    db.session.add(membership)
    db.session.flush()
    log_action(user, "user.membership_added", f"{user.email or user.name} added to {organisation.name} by "
               f"{by.name}", user=by, organisation=organisation.id, is_org_admin=membership.is_org_admin)
    return membership


def set_org_admin(membership, is_org_admin, by):
    lock_row(membership)
    _not_yourself(membership.user, by, "organisations")
    if membership.is_org_admin == bool(is_org_admin):
        return False
    membership.is_org_admin = bool(is_org_admin)
    user, org = membership.user, membership.organisation
    log_action(user, "user.membership_changed",
               f"{user.email or user.name} {'made' if is_org_admin else 'no longer'} an administrator of "
               f"{org.name}, by {by.name}", user=by, organisation=org.id, is_org_admin=membership.is_org_admin)
    return True


def remove_membership(membership, by):
    user, org = membership.user, membership.organisation
    _not_yourself(user, by, "organisations")
    log_action(user, "user.membership_removed", f"{user.email or user.name} removed from {org.name} by {by.name}",
               user=by, organisation=org.id)
    db.session.delete(membership)
    db.session.flush()


def revoke_session(row, by):
    """An administrator signs a person out of one device."""
    if row.revoked_at is None:
        end_session(row, SessionEnd.revoked_by_admin)
        log_action(row.user, "user.session_revoked", f"{row.user.email or row.user.name} signed out of "
                   f"{row.device} by {by.name}", user=by, session=row.id, device=row.device)
    return row


def revoke_all_sessions(user, by):
    count = end_sessions(user, SessionEnd.revoked_by_admin)
    if count:
        log_action(user, "user.sessions_revoked", f"{user.email or user.name} signed out everywhere by {by.name}",
                   user=by, sessions=count)
    return count
