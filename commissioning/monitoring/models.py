"""Returns, review actions, review decisions. Reminders are notifications: their models live in mail.models."""
from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db
# Reminders are one kind of notification; the mechanism lives with mail, which every stage may use.
from commissioning.mail.models import Reminder, ReminderPreference  # noqa: F401


class ReturnStatus(StatusEnum):
    draft = "draft", "Draft"
    submitted = "submitted", "Submitted"
    returned = "returned", "Sent back for changes"
    accepted = "accepted", "Accepted"

    __transitions__ = {"draft": {"submitted"}, "submitted": {"returned", "accepted"}, "returned": {"submitted"}}


class Rag(TitledEnum):
    green = "green", "Green: on track"
    amber = "amber", "Amber: slightly off track"
    red = "red", "Red: off track"

    @property
    def colour(self):
        return {"green": "green", "amber": "yellow", "red": "red"}[self.value]

    @property
    def short(self):
        return self.value.capitalize()


AGE_BANDS = ("Under 11", "11 to 15", "16 to 19", "20 to 25")


class MonitoringReturn(TimestampMixin, db.Model):
    __tablename__ = "monitoring_returns"
    # The dashboards ask "which returns of these agreements are in this state": without this index
    # PostgreSQL read every return (28.7 ms -> 1.8 ms at scale 100, EXPLAIN ANALYZE).
    __table_args__ = (db.Index("ix_monitoring_returns_status_agreement_id", "status", "agreement_id"),)

    id = db.Column(db.Integer, primary_key=True)
    due_id = db.Column(db.ForeignKey("agreement_returns.id", ondelete="CASCADE"), nullable=False, unique=True)
    agreement_id = db.Column(db.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True)
    status = db.Column(db.Enum(ReturnStatus, native_enum=False, length=20), nullable=False,
                       default=ReturnStatus.draft)
    kpi_actuals = db.Column(db.JSON, nullable=False, default=dict)     # KPI name -> number
    achievements = db.Column(db.Text, nullable=False, default="")
    issues = db.Column(db.Text, nullable=False, default="")
    spend_pence = db.Column(db.BigInteger)
    reach = db.Column(db.JSON, nullable=False, default=dict)           # {"age": {...}, "locality": {...}, "group": {...}}
    feedback_responses = db.Column(db.Integer)
    feedback_positive = db.Column(db.Integer)
    feedback_quotes = db.Column(db.Text, nullable=False, default="")
    attachment_file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="SET NULL"))
    submitted_at = db.Column(UTCDateTime())
    submitted_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    monitor_comments = db.Column(db.Text)
    kpi_rags = db.Column(db.JSON)                  # KPI name -> {"target", "actual", "rag"}
    suggested_rag = db.Column(db.Enum(Rag, native_enum=False, length=10))
    overall_rag = db.Column(db.Enum(Rag, native_enum=False, length=10))
    rag_override_reason = db.Column(db.Text)
    accepted_at = db.Column(UTCDateTime())
    accepted_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    due = db.relationship("ReturnDue")
    agreement = db.relationship("Agreement")
    actions = db.relationship("ReturnAction", back_populates="monitoring_return", order_by="ReturnAction.due_on",
                              cascade="all, delete-orphan")

    @property
    def reference(self):
        return f"{self.agreement.reference} return due {self.due.due_on.isoformat()}"


class ReturnAction(TimestampMixin, db.Model):
    __tablename__ = "monitoring_actions"

    id = db.Column(db.Integer, primary_key=True)
    return_id = db.Column(db.ForeignKey("monitoring_returns.id", ondelete="CASCADE"), nullable=False, index=True)
    text = db.Column(db.String(500), nullable=False)
    owner = db.Column(db.String(120), nullable=False)
    due_on = db.Column(db.Date, nullable=False, index=True)
    done_at = db.Column(UTCDateTime())

    monitoring_return = db.relationship("MonitoringReturn", back_populates="actions")


class Decision(TitledEnum):
    extend = "extend", "Extend"
    recommission = "recommission", "Recommission"
    decommission = "decommission", "Decommission"
    vary = "vary", "Vary"


class ReviewDecision(TimestampMixin, db.Model):
    __tablename__ = "review_decisions"

    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True)
    decision = db.Column(db.Enum(Decision, native_enum=False, length=20), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    decided_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    specification_id = db.Column(db.ForeignKey("specifications.id", ondelete="SET NULL"))  # when recommissioned
