from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db

specification_needs = db.Table(
    "specification_needs",
    db.Column("specification_id", db.ForeignKey("specifications.id", ondelete="CASCADE"), primary_key=True),
    db.Column("need_id", db.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
)


class SpecStatus(StatusEnum):
    draft = "draft", "Draft"
    in_review = "in_review", "In review"
    approved = "approved", "Approved"
    published = "published", "Published"
    closed = "closed", "Closed"

    __transitions__ = {
        "draft": {"in_review", "closed"},
        "in_review": {"draft", "approved"},
        "approved": {"published", "draft", "closed"},   # draft again = a new version supersedes it
        "published": {"closed"},
        "closed": set(),
    }

    @property
    def tag_colour(self):
        return {"draft": "grey", "in_review": "blue", "approved": "green", "published": "purple",
                "closed": "red"}[self.value]


class Route(TitledEnum):
    grant_round = "grant_round", "Grant round"
    light_touch = "light_touch", "Light-touch procurement"
    open_procurement = "open_procurement", "Open procurement"
    direct_award = "direct_award", "Direct award below threshold"


class PaymentSchedule(TitledEnum):
    quarterly_in_advance = "quarterly_in_advance", "Quarterly in advance"
    quarterly_in_arrears = "quarterly_in_arrears", "Quarterly in arrears"
    monthly_in_arrears = "monthly_in_arrears", "Monthly in arrears"
    on_milestones = "on_milestones", "On milestones"
    single_payment = "single_payment", "Single payment"


class Frequency(TitledEnum):
    monthly = "monthly", "Monthly"
    quarterly = "quarterly", "Quarterly"
    six_monthly = "six_monthly", "Every six months"
    annually = "annually", "Annually"


class CriterionKind(TitledEnum):
    quality = "quality", "Quality"
    price = "price", "Price"
    social_value = "social_value", "Social value"


class PriceFormula(TitledEnum):
    lowest_over_bid = "lowest_over_bid", "Lowest price ÷ bid price × weight"
    proportional_difference = "proportional_difference", "Weight × (1 − (bid − lowest) ÷ lowest), not below 0"


#: The default quality scale and its descriptors, 0 to 5.
DEFAULT_DESCRIPTORS = ["Unacceptable: no answer, or an answer that does not meet the requirement",
                       "Poor: major gaps or weaknesses", "Weak: some gaps or weaknesses",
                       "Satisfactory: meets the requirement", "Good: meets it with some added value",
                       "Excellent: exceeds it with clear evidence"]


class Specification(TimestampMixin, db.Model):
    """A specification; its content lives in immutable versions, the latest being current."""

    __tablename__ = "specifications"

    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(20), unique=True)
    title = db.Column(db.String(200), nullable=False)
    status = db.Column(db.Enum(SpecStatus, native_enum=False, length=20), nullable=False, default=SpecStatus.draft,
                       index=True)
    approved_version = db.Column(db.Integer)
    review_stage = db.Column(db.Integer, nullable=False, default=0)  # index into the approval chain
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    needs = db.relationship("Need", secondary=specification_needs, order_by="Need.title",
                            backref=db.backref("specifications", order_by="Specification.id"))
    versions = db.relationship("SpecificationVersion", back_populates="specification", cascade="all, delete-orphan",
                               order_by="SpecificationVersion.number")
    decisions = db.relationship("ApprovalDecision", cascade="all, delete-orphan", order_by="ApprovalDecision.id")

    def __repr__(self):
        return f"<Specification {self.id} {self.reference} {self.status.value}>"

    @property
    def current(self):
        return self.versions[-1] if self.versions else None

    def version(self, number):
        return next((v for v in self.versions if v.number == number), None)

    @property
    def can_be_edited(self):
        return self.status in (SpecStatus.draft, SpecStatus.approved)


class SpecificationVersion(TimestampMixin, db.Model):
    """One saved state of a specification, never changed after it is written."""

    __tablename__ = "specification_versions"
    __table_args__ = (db.UniqueConstraint("specification_id", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    specification_id = db.Column(db.ForeignKey("specifications.id", ondelete="CASCADE"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    content = db.Column(db.JSON, nullable=False)
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    specification = db.relationship("Specification", back_populates="versions")
    created_by = db.relationship("User")

    def __repr__(self):
        return f"<SpecificationVersion {self.specification_id} v{self.number}>"


class ApprovalDecision(TimestampMixin, db.Model):
    __tablename__ = "specification_approvals"

    id = db.Column(db.Integer, primary_key=True)
    specification_id = db.Column(db.ForeignKey("specifications.id", ondelete="CASCADE"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)
    stage = db.Column(db.String(120), nullable=False)
    approved = db.Column(db.Boolean, nullable=False)
    comment = db.Column(db.Text)
    decided_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    decided_by = db.relationship("User")

    def __repr__(self):
        return f"<ApprovalDecision {self.specification_id} v{self.version} {self.stage} {self.approved}>"
