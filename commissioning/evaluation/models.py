from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db


class Interest(TitledEnum):
    none = "none", "No interest"
    employment = "employment", "Employment"
    trustee = "trustee", "Trustee or volunteer"
    family = "family", "Family"
    financial = "financial", "Financial"
    other = "other", "Other"


class EvaluatorAssignment(TimestampMixin, db.Model):
    __tablename__ = "evaluator_assignments"
    __table_args__ = (db.UniqueConstraint("bid_id", "evaluator_id"),)

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, index=True)
    evaluator_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    assigned_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    evaluator = db.relationship("User", foreign_keys=[evaluator_id])

    def __repr__(self):
        return f"<EvaluatorAssignment bid={self.bid_id} evaluator={self.evaluator_id}>"


class ConflictDeclaration(TimestampMixin, db.Model):
    """Made before seeing any bid, per bidding organisation.

    An interest takes the evaluator off that bidder's lot (the whole competition when there are
    no lots): scoring a rival is judging the bidder too. The commissioner may allow them to score
    the rivals all the same, recording why; the bidder's own bid they never score.
    """

    __tablename__ = "conflict_declarations"
    __table_args__ = (db.UniqueConstraint("opportunity_id", "evaluator_id", "organisation_id"),)

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    evaluator_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    interest = db.Column(db.Enum(Interest, native_enum=False, length=20), nullable=False)
    details = db.Column(db.Text)
    allowed_at = db.Column(UTCDateTime())  # the commissioner let them score the rivals in spite of it
    allowed_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    allowed_reason = db.Column(db.Text)

    evaluator = db.relationship("User", foreign_keys=[evaluator_id])
    allowed_by = db.relationship("User", foreign_keys=[allowed_by_id])
    organisation = db.relationship("Organisation")

    @property
    def has_interest(self):
        return self.interest is not Interest.none

    @property
    def is_allowed(self):
        return self.allowed_at is not None

    def __repr__(self):
        return f"<ConflictDeclaration {self.evaluator_id} {self.organisation_id} {self.interest.value}>"


class SheetStatus(StatusEnum):
    draft = "draft", "Draft"
    submitted = "submitted", "Submitted"

    __transitions__ = {"draft": {"submitted"}}


class ScoreSheet(TimestampMixin, db.Model):
    """One evaluator's scores for one bid; immutable once submitted."""

    __tablename__ = "score_sheets"
    __table_args__ = (db.UniqueConstraint("bid_id", "evaluator_id"),)

    id = db.Column(db.Integer, primary_key=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, index=True)
    evaluator_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    status = db.Column(db.Enum(SheetStatus, native_enum=False, length=20), nullable=False, default=SheetStatus.draft)
    submitted_at = db.Column(UTCDateTime())

    evaluator = db.relationship("User")
    scores = db.relationship("Score", cascade="all, delete-orphan", lazy="selectin", order_by="Score.id")

    def __repr__(self):
        return f"<ScoreSheet bid={self.bid_id} evaluator={self.evaluator_id} {self.status.value}>"

    def score_for(self, criterion):
        return next((s for s in self.scores if s.criterion == criterion), None)


class Score(db.Model):
    __tablename__ = "scores"
    __table_args__ = (db.UniqueConstraint("sheet_id", "criterion"),
                      db.CheckConstraint("score >= 0", name="score_not_negative"))

    id = db.Column(db.Integer, primary_key=True)
    sheet_id = db.Column(db.ForeignKey("score_sheets.id", ondelete="CASCADE"), nullable=False, index=True)
    criterion = db.Column(db.String(200), nullable=False)
    score = db.Column(db.Integer, nullable=False)
    justification = db.Column(db.Text, nullable=False)

    def __repr__(self):
        return f"<Score {self.sheet_id} {self.criterion}={self.score}>"


class ConsensusScore(TimestampMixin, db.Model):
    """A moderated score with its reason; every change is a new row, so the history is kept."""

    __tablename__ = "consensus_scores"

    id = db.Column(db.Integer, primary_key=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, index=True)
    criterion = db.Column(db.String(200), nullable=False)
    score = db.Column(db.Integer, nullable=False)
    reason = db.Column(db.Text, nullable=False)
    moderator_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    moderator = db.relationship("User")

    def __repr__(self):
        return f"<ConsensusScore bid={self.bid_id} {self.criterion}={self.score}>"


class RunStatus(StatusEnum):
    queued = "queued", "Waiting to start"
    running = "running", "Calculating"
    done = "done", "Done"
    failed = "failed", "Failed"

    __transitions__ = {"queued": {"running", "failed"}, "running": {"done", "failed"}}


class ScoringRun(TimestampMixin, db.Model):
    """A request to score an opportunity, and its stored result (written in one transaction)."""

    __tablename__ = "scoring_runs"

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True)
    status = db.Column(db.Enum(RunStatus, native_enum=False, length=20), nullable=False, default=RunStatus.queued)
    requested_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    criteria_version = db.Column(db.Integer)
    finished_at = db.Column(UTCDateTime())
    result = db.Column(db.JSON)
    error = db.Column(db.String(500))

    def __repr__(self):
        return f"<ScoringRun {self.id} opp={self.opportunity_id} {self.status.value}>"


class AwardDecision(TimestampMixin, db.Model):
    """The award: which bids, with reasons; the standstill end date when one applies."""

    __tablename__ = "award_decisions"

    id = db.Column(db.Integer, primary_key=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, unique=True)
    notice_date = db.Column(db.Date, nullable=False)
    standstill_end = db.Column(db.Date)
    reasons = db.Column(db.Text, nullable=False)
    decided_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    scoring_run_id = db.Column(db.ForeignKey("scoring_runs.id", ondelete="SET NULL"))
    panel_round_id = db.Column(db.ForeignKey("panel_rounds.id", ondelete="SET NULL"))  # a panel decided it

    awarded = db.relationship("AwardedBid", cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self):
        return f"<AwardDecision opp={self.opportunity_id} notice={self.notice_date}>"


class AwardedBid(db.Model):
    __tablename__ = "awarded_bids"
    __table_args__ = (db.CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id = db.Column(db.Integer, primary_key=True)
    award_id = db.Column(db.ForeignKey("award_decisions.id", ondelete="CASCADE"), nullable=False, index=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, unique=True)
    amount_pence = db.Column(db.BigInteger, nullable=False)

    bid = db.relationship("Bid")

    def __repr__(self):
        return f"<AwardedBid bid={self.bid_id} {self.amount_pence}>"


class AssessmentSummary(TimestampMixin, db.Model):
    """A bidder's assessment summary PDF, rendered once per bid by a worker."""

    __tablename__ = "assessment_summaries"

    id = db.Column(db.Integer, primary_key=True)
    bid_id = db.Column(db.ForeignKey("bids.id", ondelete="CASCADE"), nullable=False, unique=True)
    file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="RESTRICT"), nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)

    def __repr__(self):
        return f"<AssessmentSummary bid={self.bid_id}>"
