from commissioning.extensions import db
from commissioning.localities.models import Locality


def all_localities():
    return db.session.scalars(db.select(Locality).order_by(Locality.name)).all()
