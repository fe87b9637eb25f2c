from flask import current_app

from commissioning.core.urls import absolute_url

from commissioning.accounts.models import Membership, Organisation, Role, User, UserRole
from commissioning.accounts.util import hash_password, make_reset_token, normalise_email
from commissioning.audit.operations import log_action
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
    log_action(user, "user.signed_in", f"{user.email or user.name} signed in", user=user)


def record_failed_login(email, user):
    log_action(("User", user.id if user else None), "user.sign_in_failed",
               f"Failed sign-in for {normalise_email(email)[:200]}", user=None)


def record_logout(user):
    log_action(user, "user.signed_out", f"{user.email or user.name} signed out", user=user)


def request_password_reset(user):
    """Mail a single-use reset link; the caller shows the same page whether or not the user exists."""
    token = make_reset_token(user)
    link = absolute_url("accounts.reset_password", token=token)
    queue_email(user.email, "password_reset", "Reset your password", "password_reset",
                user_name=user.name, link=link, minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)
    log_action(user, "user.password_reset_requested", f"Password reset requested for {user.email}",
               user=None)


def reset_password(user, new_password):
    user.password_hash = hash_password(new_password)
    log_action(user, "user.password_reset", f"Password reset for {user.email}", user=user)
    queue_email(user.email, "password_changed", "Your password has been changed", "password_changed",
                user_name=user.name)
