from commissioning.extensions import db


class Locality(db.Model):
    """A district or area used for planning, allocation and reporting."""

    __tablename__ = "localities"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)

    def __repr__(self):
        return f"<Locality {self.id} {self.name!r}>"
