from commissioning.core.enums import StatusEnum
from commissioning.core.models import TimestampMixin, UTCDateTime, utcnow
from commissioning.extensions import db


class BidStatus(StatusEnum):
    draft = "draft", "Draft"
    submitted = "submitted", "Submitted"
    withdrawn = "withdrawn", "Withdrawn"

    __transitions__ = {
        "draft": {"submitted", "withdrawn"},
        "submitted": {"submitted", "withdrawn"},   # an amendment is a new submission
        "withdrawn": {"draft"},
    }


class Bid(TimestampMixin, db.Model):
    """One organisation's bid for one opportunity (and lot). The draft is editable; submissions are not."""

    __tablename__ = "bids"
    __table_args__ = (db.UniqueConstraint("opportunity_id", "organisation_id", "lot"),)

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True)
    lot = db.Column(db.String(120), nullable=False, default="")
    status = db.Column(db.Enum(BidStatus, native_enum=False, length=20), nullable=False, default=BidStatus.draft)
    answers = db.Column(db.JSON, nullable=False, default=dict)       # criterion name -> text
    eligibility = db.Column(db.JSON, nullable=False, default=dict)   # question index (str) -> "yes"/"no"
    price_pence = db.Column(db.BigInteger)
    price_breakdown = db.Column(db.Text)
    declarations = db.Column(db.Boolean, nullable=False, default=False)
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    opportunity = db.relationship("Opportunity")
    organisation = db.relationship("Organisation")
    attachments = db.relationship("BidAttachment", cascade="all, delete-orphan", order_by="BidAttachment.id")
    submissions = db.relationship("BidSubmission", back_populates="bid", order_by="BidSubmission.number")

    def __repr__(self):
        return f"<Bid {self.id} opp={self.opportunity_id} org={self.organisation_id} {self.status.value}>"

    def is_bidder(self, user):
        """A member of the bidding organisation; never anyone holding a council role (sealed means sealed)."""
        return (user.is_authenticated and not user.is_council_staff
                and any(m.organisation_id == self.organisation_id for m in user.memberships))

    def can_read(self, user, now=None):
        """Sealed: before the deadline only the bidding organisation reads a bid; after it, commissioners too."""
        if self.is_bidder(user):
            return True
        return user.is_commissioner and self.opportunity.is_past_deadline(now)


class BidAttachment(TimestampMixin, db.Model):
    __tablename__ = "bid_attachments"

    id = db.Column(db.Integer, primary_key=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, index=True)
    file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="RESTRICT"), nullable=False)

    file = db.relationship("StoredFile", lazy="joined")

    def __repr__(self):
        return f"<BidAttachment {self.id} bid={self.bid_id}>"


class BidSubmission(db.Model):
    """An immutable submitted version: the content as sent, its time and its SHA-256."""

    __tablename__ = "bid_submissions"
    __table_args__ = (db.UniqueConstraint("bid_id", "number"), db.UniqueConstraint("bid_id", "token"))

    id = db.Column(db.Integer, primary_key=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    token = db.Column(db.String(64), nullable=False)  # one per click of "submit": a double click is one version
    submitted_at = db.Column(UTCDateTime(), nullable=False)
    submitted_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    content = db.Column(db.JSON, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)
    withdrawn = db.Column(db.Boolean, nullable=False, default=False)

    bid = db.relationship("Bid", back_populates="submissions")

    def __repr__(self):
        return f"<BidSubmission bid={self.bid_id} v{self.number}>"
