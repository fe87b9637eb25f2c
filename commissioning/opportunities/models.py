from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime, utcnow
from commissioning.extensions import db


class OpportunityStatus(StatusEnum):
    draft = "draft", "Draft"
    open = "open", "Open for bids"
    closed = "closed", "Closed"
    evaluation = "evaluation", "Being evaluated"
    awarded = "awarded", "Awarded"
    cancelled = "cancelled", "Cancelled"

    __transitions__ = {
        "draft": {"open", "cancelled"},
        "open": {"closed", "cancelled"},
        "closed": {"evaluation", "cancelled"},
        "evaluation": {"awarded", "cancelled"},
    }

    @property
    def tag_colour(self):
        return {"draft": "grey", "open": "green", "closed": "blue", "evaluation": "purple", "awarded": "turquoise",
                "cancelled": "red"}[self.value]


class OpportunityKind(TitledEnum):
    grant_round = "grant_round", "Grant round"
    procurement = "procurement", "Procurement"


class Opportunity(TimestampMixin, db.Model):
    """A call for bids. Criteria and eligibility are frozen when it opens."""

    __tablename__ = "opportunities"
    __table_args__ = (
        db.CheckConstraint("clarification_deadline < submission_deadline", name="clarifications_before_deadline"),
    )

    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(20), unique=True)
    specification_id = db.Column(db.ForeignKey("specifications.id"), nullable=False, index=True)
    specification_version = db.Column(db.Integer, nullable=False)
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.Text, nullable=False)
    kind = db.Column(db.Enum(OpportunityKind, native_enum=False, length=20), nullable=False)
    status = db.Column(db.Enum(OpportunityStatus, native_enum=False, length=20), nullable=False,
                       default=OpportunityStatus.draft, index=True)
    max_value_pence = db.Column(db.BigInteger, nullable=False)
    publish_at = db.Column(UTCDateTime())
    clarification_deadline = db.Column(UTCDateTime(), nullable=False)
    submission_deadline = db.Column(UTCDateTime(), nullable=False, index=True)
    evaluation_date = db.Column(db.Date)
    award_date = db.Column(db.Date)
    standstill_end = db.Column(db.Date)
    lots = db.Column(db.JSON, nullable=False, default=list)          # [{"name", "value_pence"}]
    eligibility = db.Column(db.JSON, nullable=False, default=list)   # [{"question", "pass_answer": "yes"|"no"}]
    criteria = db.Column(db.JSON, nullable=False, default=list)      # frozen copy from the specification
    word_limit = db.Column(db.Integer, nullable=False, default=500)
    opened_at = db.Column(UTCDateTime())
    closed_at = db.Column(UTCDateTime())
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    specification = db.relationship("Specification")
    clarifications = db.relationship("Clarification", back_populates="opportunity", cascade="all, delete-orphan",
                                     order_by="Clarification.id")

    def __repr__(self):
        return f"<Opportunity {self.id} {self.reference} {self.status.value}>"

    def is_past_deadline(self, now=None):
        return (now or utcnow()) >= self.submission_deadline

    @property
    def is_public(self):
        return self.status is not OpportunityStatus.draft

    @property
    def quality_criteria(self):
        """The criteria a bidder answers in words: quality leaves (sub-criteria where there are any)."""
        parents = {c.get("parent") for c in self.criteria if c.get("parent")}
        return [c for c in self.criteria if c["kind"] != "price" and c["name"] not in parents]


class Follow(TimestampMixin, db.Model):
    __tablename__ = "opportunity_follows"
    __table_args__ = (db.UniqueConstraint("opportunity_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)

    user = db.relationship("User")

    def __repr__(self):
        return f"<Follow {self.user_id} -> {self.opportunity_id}>"


class ClarificationStatus(StatusEnum):
    asked = "asked", "Waiting for an answer"
    published = "published", "Answered and published"
    answered_privately = "answered_privately", "Answered to the asker only"

    __transitions__ = {"asked": {"published", "answered_privately"}}


class Clarification(TimestampMixin, db.Model):
    """A provider's private question; the published version is anonymised and goes to everyone."""

    __tablename__ = "clarifications"

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    asked_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    question = db.Column(db.Text, nullable=False)
    published_question = db.Column(db.Text)
    answer = db.Column(db.Text)
    status = db.Column(db.Enum(ClarificationStatus, native_enum=False, length=30), nullable=False,
                       default=ClarificationStatus.asked)
    answered_at = db.Column(UTCDateTime())

    opportunity = db.relationship("Opportunity", back_populates="clarifications")
    organisation = db.relationship("Organisation")

    def __repr__(self):
        return f"<Clarification {self.id} opp={self.opportunity_id} {self.status.value}>"
