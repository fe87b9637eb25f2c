from commissioning.extensions import db
from commissioning.mail.models import OutgoingEmail


def outbox_page(to_address=None, page=1, per_page=50):
    query = db.select(OutgoingEmail)
    if to_address:
        query = query.where(OutgoingEmail.to_address == to_address.strip().lower())
    query = query.order_by(OutgoingEmail.created_at.desc(), OutgoingEmail.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
