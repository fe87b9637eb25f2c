"""A notice the Procurement Act 2023 names (UK2 to UK12), for one procurement.

A row exists once a notice is due or a commissioner started one: drafts say nothing fixed (their
preview is built from the procurement's records as they are now); publishing freezes the OCDS
release, stores it in the feed (``ocds_releases``) and, when Find a Tender is configured, sends it.
"""
from commissioning.core.enums import StatusEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db


class NoticeStatus(StatusEnum):
    draft = "draft", "Ready to publish"
    published = "published", "Published"

    __transitions__ = {"draft": {"published"}}

    @property
    def tag_colour(self):
        return {"draft": "yellow", "published": "green"}[self.value]


class Notice(TimestampMixin, db.Model):
    """``subject`` tells apart notices of one type in one procurement: the contract (UK7, UK11), the
    variation (UK10) or the contract year (UK9) it is about; empty for the procurement's own."""

    __tablename__ = "procurement_notices"
    __table_args__ = (db.UniqueConstraint("opportunity_id", "notice_type", "subject"),)

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    notice_type = db.Column(db.String(4), nullable=False)            # "UK4"
    subject = db.Column(db.String(40), nullable=False, default="")   # "agreement:3", "variation:5", "year:1"
    status = db.Column(db.Enum(NoticeStatus, native_enum=False, length=20), nullable=False,
                       default=NoticeStatus.draft)
    due_on = db.Column(db.Date, index=True)        # the last day the Act allows; empty when it sets none
    details = db.Column(db.JSON, nullable=False, default=dict)   # what the commissioner adds (reasons, dates)
    published_at = db.Column(UTCDateTime())
    published_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    release_id = db.Column(db.String(140))          # the OCDS release it was published as
    release = db.Column(db.JSON)                    # that release, as published
    fts_status = db.Column(db.String(30))           # None: Find a Tender not configured
    fts_payload = db.Column(db.Text)                # exactly what was (or will be) sent
    fts_response = db.Column(db.JSON)
    fts_submitted_at = db.Column(UTCDateTime())

    opportunity = db.relationship("Opportunity")

    @property
    def reference(self):
        """How the audit log and pages name it: "UK4 for OPP-0002" (with its subject when it has one)."""
        return f"{self.notice_type} for {self.opportunity.reference}" + (f" ({self.subject})" if self.subject else "")

    def __repr__(self):
        return f"<Notice {self.notice_type} opp={self.opportunity_id} {self.subject or '-'}>"
