import secrets

from commissioning.accounts.models import Membership, Role
from commissioning.accounts.operations import create_user
from commissioning.accounts.util import user_by_email
from commissioning.audit.operations import log_action
from commissioning.core.urls import absolute_url
from commissioning.core.locks import lock_row
from commissioning.extensions import db
from commissioning.files.operations import store_file
from commissioning.mail.operations import queue_email
from commissioning.providers.models import ProviderDocument, ProviderProfile


class MemberError(ValueError):
    pass


def save_profile(organisation, localities, **fields):
    profile = organisation.profile or ProviderProfile(organisation=organisation)
    for key in ("name", "address", "charity_number", "company_number"):
        if key in fields:
            setattr(organisation, key, fields.pop(key))
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.localities = list(localities)
    db.session.add(profile)
    db.session.flush()
    log_action(organisation, "organisation.profile_saved", f"Profile of {organisation.name} saved")
    return profile


def upload_document(organisation, user, kind, title, expires_on, upload):
    stored = store_file(*upload, user=user)
    doc = ProviderDocument(organisation_id=organisation.id, kind=kind, title=title, expires_on=expires_on,
                           file_id=stored.id, uploaded_by_id=user.id if user else None)
    db.session.add(doc)
    db.session.flush()
    log_action(organisation, "organisation.document_uploaded", f"{kind.title} uploaded for {organisation.name}",
               document_id=doc.id, expires_on=expires_on.isoformat())
    return doc


def invite_member(organisation, inviter, email, name):
    """Add a person to the organisation; a new person gets a link to set their password."""
    lock_row(organisation)  # once only: a second request waits, then sees the new state
    user = user_by_email(email)
    if user is not None and any(m.organisation_id == organisation.id for m in user.memberships):
        raise MemberError(f"{email} is already a member of {organisation.name}")
    if user is None:
        user = create_user(email, name, secrets.token_urlsafe(24), roles=[Role.provider])
        secret_link, link = ("set_password", user), None  # minted as the mail is sent, never stored
    else:
        if not user.has_role(Role.provider) or user.memberships:
            raise MemberError(f"{email} already has an account; ask an administrator to add them")
        secret_link, link = None, absolute_url("accounts.login")
    db.session.add(Membership(user=user, organisation=organisation))
    db.session.flush()
    queue_email(user.email, "member_invited", f"You have been added to {organisation.name}", "member_invited",
                secret_link=secret_link, user_name=user.name, organisation=organisation.name, inviter=inviter.name,
                link=link)
    log_action(organisation, "organisation.member_added", f"{user.email} added to {organisation.name}",
               member_id=user.id)
    return user


def remove_member(organisation, membership, by):
    if membership.user_id == by.id:
        raise MemberError("You cannot remove yourself; ask another organisation administrator")
    db.session.delete(membership)
    log_action(organisation, "organisation.member_removed", f"{membership.user.email} removed from {organisation.name}",
               member_id=membership.user_id)
