from commissioning.core.enums import TitledEnum
from commissioning.core.models import TimestampMixin
from commissioning.core.vocabulary import Tier
from commissioning.extensions import db


class Weekday(TitledEnum):
    mon = "mon", "Monday"
    tue = "tue", "Tuesday"
    wed = "wed", "Wednesday"
    thu = "thu", "Thursday"
    fri = "fri", "Friday"
    sat = "sat", "Saturday"
    sun = "sun", "Sunday"


def day_bit(day):
    """The bit of ``days_mask`` for a weekday, so SQL can filter with ``days_mask & bit``."""
    return 1 << list(Weekday).index(Weekday(day))


class Venue(TimestampMixin, db.Model):
    __tablename__ = "venues"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    address = db.Column(db.Text, nullable=False)
    postcode = db.Column(db.String(10))
    # Where the postcode is (British National Grid metres), found by the postcode lookup when
    # the venue is saved, so a search by distance is one query; empty when the postcode is not known.
    easting = db.Column(db.Integer)
    northing = db.Column(db.Integer)
    locality_id = db.Column(db.ForeignKey("localities.id"), nullable=False, index=True)
    capacity = db.Column(db.Integer)
    accessibility = db.Column(db.Text)  # step-free access, hearing loop, accessible toilet...
    facilities = db.Column(db.Text)
    booking_contact = db.Column(db.String(200))
    is_public = db.Column(db.Boolean, nullable=False, default=True)
    owner_organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="SET NULL"))

    locality = db.relationship("Locality", lazy="joined")
    owner = db.relationship("Organisation")

    def __repr__(self):
        return f"<Venue {self.id} {self.name!r}>"


class Provision(TimestampMixin, db.Model):
    """A service or activity a provider runs for young people."""

    __tablename__ = "provision"
    __table_args__ = (
        db.CheckConstraint("age_min >= 5 AND age_max <= 25 AND age_min <= age_max", name="age_range"),
        db.CheckConstraint("cost_pence >= 0", name="cost_not_negative"),
    )

    id = db.Column(db.Integer, primary_key=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False,
                                index=True)
    name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False)
    locality_id = db.Column(db.ForeignKey("localities.id"), nullable=False, index=True)
    tier = db.Column(db.Enum(Tier, native_enum=False, length=30), nullable=False)
    age_min = db.Column(db.Integer, nullable=False)
    age_max = db.Column(db.Integer, nullable=False)
    days_mask = db.Column(db.Integer, nullable=False, default=0)  # bit n set: Weekday n runs
    times = db.Column(db.String(120))
    venue_id = db.Column(db.ForeignKey("venues.id", ondelete="SET NULL"))
    where = db.Column(db.String(300))
    cost_pence = db.Column(db.Integer, nullable=False, default=0)  # per session; 0 is free
    contact = db.Column(db.String(200), nullable=False)
    is_published = db.Column(db.Boolean, nullable=False, default=True)

    organisation = db.relationship("Organisation", lazy="joined")
    locality = db.relationship("Locality", lazy="joined")
    venue = db.relationship("Venue", lazy="joined")

    def __repr__(self):
        return f"<Provision {self.id} {self.name!r}>"

    @property
    def days(self):
        return [day for n, day in enumerate(Weekday) if self.days_mask & (1 << n)]

    @days.setter
    def days(self, values):
        chosen = {Weekday(v) for v in values}
        self.days_mask = sum(1 << n for n, day in enumerate(Weekday) if day in chosen)

    def can_edit(self, user):
        return user.is_commissioner or (user.has_role("provider") and self.organisation.has_member(user))
