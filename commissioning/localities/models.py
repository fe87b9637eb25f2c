from commissioning.extensions import db


class Locality(db.Model):
    """A district or area used for planning, allocation and reporting."""

    __tablename__ = "localities"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    # Inputs of the allocation formula (the papers' young people, deprivation, rural isolation).
    young_people = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    deprivation_index = db.Column(db.Numeric(8, 3), nullable=False, default=0, server_default="0")
    rurality_index = db.Column(db.Numeric(8, 3), nullable=False, default=0, server_default="0")

    def __repr__(self):
        return f"<Locality {self.id} {self.name!r}>"
