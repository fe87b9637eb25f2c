"""Reads of the mail outbox for admins: mail about a bid is withheld until the opportunity's deadline."""
from commissioning.audit.util import sealed_counts, sealed_opportunity_ids, unsealed
from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail
from commissioning.opportunities.models import Opportunity


def outbox_page(to_address=None, page=1, per_page=50, now=None):
    """Newest-first page of mail; sealed mail is left out, so the recipient filter never finds it."""
    query = unsealed(db.select(OutgoingEmail), OutgoingEmail.sealed_opportunity_id, now)
    if to_address:
        query = query.where(OutgoingEmail.to_address == to_address.strip().lower())
    query = query.order_by(OutgoingEmail.created_at.desc(), OutgoingEmail.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def sealed_mail_counts(now=None):
    """[(reference, deadline, count)] of mail still sealed, by opportunity."""
    return sealed_counts(OutgoingEmail.sealed_opportunity_id, now=now)


def mail_for_staff(email_id, now=None):
    """(mail, seal): ``seal`` is the opportunity still sealing the mail (then show nothing of it), else None."""
    mail = db.session.get(OutgoingEmail, email_id)
    if mail is None or mail.sealed_opportunity_id is None:
        return mail, None
    sealed = db.session.scalar(sealed_opportunity_ids(now).where(Opportunity.id == mail.sealed_opportunity_id))
    return mail, db.session.get(Opportunity, sealed) if sealed else None


def commissioners_of(created_by_id):
    """Who hears about a thing a commissioner owns: the one who made it while they are an active
    commissioner, otherwise every active commissioner (so nothing goes unheard when someone leaves)."""
    from commissioning.accounts.models import Role, User, UserRole
    if created_by_id:
        owner = db.session.get(User, created_by_id)
        if owner is not None and owner.active and owner.has_role(Role.commissioner):
            return [owner]
    return db.session.scalars(db.select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.commissioner, User.active.is_(True)).order_by(User.id)).all()
