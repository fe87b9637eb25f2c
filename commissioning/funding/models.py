from commissioning.core.enums import TitledEnum
from commissioning.core.models import TimestampMixin
from commissioning.core.vocabulary import financial_year_label
from commissioning.extensions import db


class PotKind(TitledEnum):
    funding_stream = "funding_stream", "Funding stream"
    pooled_budget = "pooled_budget", "Pooled budget"


class Pot(TimestampMixin, db.Model):
    """Money that can be committed: a funding stream, or a budget pooled by partners.

    A stream's amount is set; a pooled budget's is the sum of its cash contributions.
    """

    __tablename__ = "pots"
    __table_args__ = (db.CheckConstraint("amount_pence >= 0", name="amount_not_negative"),)

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    kind = db.Column(db.Enum(PotKind, native_enum=False, length=20), nullable=False)
    funder_id = db.Column(db.ForeignKey("organisations.id"), nullable=False)
    financial_year = db.Column(db.Integer, nullable=False, index=True)
    amount_pence = db.Column(db.BigInteger, nullable=False, default=0)
    ring_fenced = db.Column(db.Boolean, nullable=False, default=False)
    tiers = db.Column(db.JSON, nullable=False, default=list)  # Tier values it may fund
    conditions = db.Column(db.Text)

    funder = db.relationship("Organisation", lazy="joined")
    contributions = db.relationship("Contribution", back_populates="pot", cascade="all, delete-orphan",
                                    order_by="Contribution.id")

    def __repr__(self):
        return f"<Pot {self.id} {self.name!r} {self.financial_year}>"

    @property
    def year_label(self):
        return financial_year_label(self.financial_year)

    @property
    def funds_universal(self):
        return "universal" in (self.tiers or [])


class ContributionKind(TitledEnum):
    cash = "cash", "Cash"
    staff = "staff", "Staff (in kind)"
    accommodation = "accommodation", "Accommodation (in kind)"
    goods = "goods", "Goods (in kind)"

    @property
    def in_kind(self):
        return self is not ContributionKind.cash


class Contribution(TimestampMixin, db.Model):
    """A partner's share of a pooled budget: cash, or staff, accommodation or goods valued in pence."""

    __tablename__ = "contributions"
    __table_args__ = (db.CheckConstraint("value_pence > 0", name="value_positive"),)

    id = db.Column(db.Integer, primary_key=True)
    pot_id = db.Column(db.ForeignKey("pots.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id"), nullable=False)
    kind = db.Column(db.Enum(ContributionKind, native_enum=False, length=20), nullable=False)
    description = db.Column(db.String(300), nullable=False)
    value_pence = db.Column(db.BigInteger, nullable=False)

    pot = db.relationship("Pot", back_populates="contributions")
    organisation = db.relationship("Organisation", lazy="joined")

    def __repr__(self):
        return f"<Contribution {self.id} pot={self.pot_id} {self.kind.value}>"


class LedgerKind(TitledEnum):
    commitment = "commitment", "Committed"
    release = "release", "Released"
    spend = "spend", "Spent"


class LedgerEntry(TimestampMixin, db.Model):
    """Money committed (awarded), released or spent against a pot, recorded by later stages."""

    __tablename__ = "pot_ledger"
    __table_args__ = (db.CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id = db.Column(db.Integer, primary_key=True)
    pot_id = db.Column(db.ForeignKey("pots.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.Enum(LedgerKind, native_enum=False, length=20), nullable=False)
    amount_pence = db.Column(db.BigInteger, nullable=False)
    youth_directed = db.Column(db.Boolean, nullable=False, default=False)
    source_type = db.Column(db.String(60), nullable=False)
    source_id = db.Column(db.Integer)
    description = db.Column(db.String(300), nullable=False)

    def __repr__(self):
        return f"<LedgerEntry {self.id} {self.kind.value} {self.amount_pence}>"


class Allocation(TimestampMixin, db.Model):
    """A saved run of the allocation formula over a pot; each save is a new version."""

    __tablename__ = "allocations"
    __table_args__ = (db.UniqueConstraint("pot_id", "version"),)

    id = db.Column(db.Integer, primary_key=True)
    pot_id = db.Column(db.ForeignKey("pots.id", ondelete="CASCADE"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)
    total_pence = db.Column(db.BigInteger, nullable=False)
    weight_young_people = db.Column(db.Integer, nullable=False)   # percentages adding up to 100
    weight_deprivation = db.Column(db.Integer, nullable=False)
    weight_rurality = db.Column(db.Integer, nullable=False)
    note = db.Column(db.String(300))
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    pot = db.relationship("Pot")
    created_by = db.relationship("User")
    shares = db.relationship("AllocationShare", cascade="all, delete-orphan", lazy="selectin",
                             order_by="AllocationShare.locality_name")

    def __repr__(self):
        return f"<Allocation {self.id} pot={self.pot_id} v{self.version}>"


class AllocationShare(db.Model):
    """One locality's share, with the inputs used, so that the version reads on its own."""

    __tablename__ = "allocation_shares"

    id = db.Column(db.Integer, primary_key=True)
    allocation_id = db.Column(db.ForeignKey("allocations.id", ondelete="CASCADE"), nullable=False, index=True)
    locality_id = db.Column(db.ForeignKey("localities.id"), nullable=False)
    locality_name = db.Column(db.String(120), nullable=False)
    young_people = db.Column(db.Integer, nullable=False)
    deprivation_index = db.Column(db.Numeric(8, 3), nullable=False)
    rurality_index = db.Column(db.Numeric(8, 3), nullable=False)
    share_pence = db.Column(db.BigInteger, nullable=False)

    def __repr__(self):
        return f"<AllocationShare {self.allocation_id} {self.locality_name} {self.share_pence}>"
