"""Young people's panels, their members, and the rounds in which they vote on allocations.

Members' records hold the least that works: a display name, an age band, a locality and,
only if they have one and want to use it, an email address (on their user account).
"""
import secrets

from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime, utcnow
from commissioning.extensions import db


class AgeBand(TitledEnum):
    age_11_13 = "11-13", "11 to 13"
    age_14_15 = "14-15", "14 or 15"
    age_16_17 = "16-17", "16 or 17"
    age_18_21 = "18-21", "18 to 21"
    age_22_25 = "22-25", "22 to 25"

    @property
    def needs_parental_consent(self):
        return self in (AgeBand.age_11_13, AgeBand.age_14_15)


class Panel(TimestampMixin, db.Model):
    __tablename__ = "panels"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    locality_id = db.Column(db.ForeignKey("localities.id"))  # empty: the whole area
    facilitator_id = db.Column(db.ForeignKey("users.id"), nullable=False, index=True)

    locality = db.relationship("Locality")
    facilitator = db.relationship("User")
    members = db.relationship("PanelMember", back_populates="panel", order_by="PanelMember.display_name")
    rounds = db.relationship("Round", back_populates="panel", order_by="Round.id.desc()")

    @property
    def area(self):
        return self.locality.name if self.locality else "The whole area"

    def __repr__(self):
        return f"<Panel {self.id} {self.name!r}>"


class PanelMember(TimestampMixin, db.Model):
    __tablename__ = "panel_members"

    id = db.Column(db.Integer, primary_key=True)
    panel_id = db.Column(db.ForeignKey("panels.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True)
    display_name = db.Column(db.String(60), nullable=False)
    age_band = db.Column(db.Enum(AgeBand, native_enum=False, length=10), nullable=False)
    locality_id = db.Column(db.ForeignKey("localities.id"))
    consent_recorded_at = db.Column(UTCDateTime())
    consent_recorded_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    consent_note = db.Column(db.String(300))   # who gave it and how, e.g. "Mother, signed form"
    joining_code_hash = db.Column(db.String(64))
    joining_code_expires_at = db.Column(UTCDateTime())
    active = db.Column(db.Boolean, nullable=False, default=True)

    panel = db.relationship("Panel", back_populates="members")
    user = db.relationship("User", foreign_keys=[user_id])
    locality = db.relationship("Locality")
    contributions = db.relationship("PanelContribution", back_populates="member", order_by="PanelContribution.on.desc()",
                                    cascade="all, delete-orphan")
    links = db.relationship("MemberLink", back_populates="member", cascade="all, delete-orphan")

    @property
    def needs_consent(self):
        return self.age_band.needs_parental_consent and self.consent_recorded_at is None

    @property
    def can_vote(self):
        return self.active and not self.needs_consent

    @property
    def hours(self):
        return sum(c.minutes for c in self.contributions) / 60

    def __repr__(self):
        return f"<PanelMember {self.id} {self.display_name!r}>"


class PanelContribution(TimestampMixin, db.Model):
    """Time a member gave (a meeting, training, a visit), for recognition such as volunteering awards."""

    __tablename__ = "panel_contributions"
    __table_args__ = (db.CheckConstraint("minutes > 0", name="minutes_positive"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.ForeignKey("panel_members.id", ondelete="CASCADE"), nullable=False, index=True)
    on = db.Column(db.Date, nullable=False)
    activity = db.Column(db.String(200), nullable=False)
    minutes = db.Column(db.Integer, nullable=False)
    recorded_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    member = db.relationship("PanelMember", back_populates="contributions")


class MemberLink(TimestampMixin, db.Model):
    """A member's declared link to a bidding organisation: they cannot vote for its projects."""

    __tablename__ = "panel_member_links"
    __table_args__ = (db.UniqueConstraint("member_id", "organisation_id"),)

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.ForeignKey("panel_members.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False)
    details = db.Column(db.String(300))

    member = db.relationship("PanelMember", back_populates="links")
    organisation = db.relationship("Organisation")


class RoundStatus(StatusEnum):
    draft = "draft", "Being set up"
    open = "open", "Voting open"
    closed = "closed", "Voting closed, counting"
    decided = "decided", "Results ready"

    __transitions__ = {"draft": {"open"}, "open": {"closed"}, "closed": {"decided"}}


class BallotType(TitledEnum):
    """How members choose; ``kind`` is the ballot shape the engine and .pb files use."""

    within_budget = "within_budget", "Choose projects that fit within the budget"
    up_to_n = "up_to_n", "Choose up to a number of projects"
    choose_one = "choose_one", "Choose one project"
    cumulative = "cumulative", "Share out points between projects"
    ranked = "ranked", "Put projects in order, first choice first"

    @property
    def kind(self):
        return {"cumulative": "cumulative", "ranked": "ordinal"}.get(self.value, "approval")


#: Completions of equal shares, in plain words, in the order a facilitator is offered them.
COMPLETIONS = {
    "add1": "Raise everyone’s share a pound at a time while the money allows, then stop (Add1)",
    "add1u": "As Add1, then fund the most-chosen projects that still fit in what is left (Add1U, the "
             "equalshares.net tool’s default)",
    "utilitarian_greedy": "Fund the most-chosen projects that still fit in what is left, straight away",
    "none": "Stop: what equal shares did not spend is left over",
}
#: What a supporter of a funded project gains, for equal shares with approval ballots.
UTILITIES = {
    "cost": "Its cost: a dearer project counts for more",
    "approvals": "One for each project: every funded project counts the same",
}
TIE_BREAKS = {
    "approvals-then-id": "More votes first, then the lower project number (compared as text, so 10 comes before 2)",
    "id": "The lower project number (compared as text, so 10 comes before 2)",
}


class AllocationRule(TitledEnum):
    greedy = "greedy", "Most votes first (greedy)"
    equal_shares = "equal-shares", "Equal shares (every voter’s share of the money counts)"
    phragmen = "phragmen", "Phragmén (the cost of each project shared as evenly as it can be)"


class Round(TimestampMixin, db.Model):
    __tablename__ = "panel_rounds"
    __table_args__ = (db.CheckConstraint("budget_pence >= 0", name="budget_not_negative"),)

    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(20), nullable=False, unique=True)
    panel_id = db.Column(db.ForeignKey("panels.id"), nullable=False, index=True)
    pot_id = db.Column(db.ForeignKey("pots.id"), nullable=False)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id"), index=True)  # when bids were sent to the panel
    title = db.Column(db.String(200), nullable=False)
    budget_pence = db.Column(db.BigInteger, nullable=False)
    ballot_type = db.Column(db.Enum(BallotType, native_enum=False, length=20), nullable=False)
    max_projects = db.Column(db.Integer)
    min_projects = db.Column(db.Integer)
    rule = db.Column(db.Enum(AllocationRule, native_enum=False, length=20,
                             values_callable=lambda e: [m.value for m in e]), nullable=False)
    tie_break = db.Column(db.String(40), nullable=False, default="approvals-then-id")
    quorum = db.Column(db.Integer)                 # minimum number of ballots
    min_approval_percent = db.Column(db.Integer)   # projects below this share of voters are not funded
    total_points = db.Column(db.Integer)           # cumulative: the points each member shares out
    max_points = db.Column(db.Integer)             # cumulative: the most points on one project (optional)
    completion = db.Column(db.String(30))          # equal shares: what is done with money left (None: add1)
    utility = db.Column(db.String(20), nullable=False, default="cost")   # equal shares, approval ballots
    compare = db.Column(db.String(20))             # "greedy": the comparison step (Świecie 2024)
    fund_unvoted = db.Column(db.Boolean, nullable=False, default=False)  # money left may fund unchosen projects
    opens_at = db.Column(UTCDateTime(), nullable=False)
    closes_at = db.Column(UTCDateTime(), nullable=False)   # when voting is due to close
    closed_at = db.Column(UTCDateTime())                   # when it did: earlier, if a facilitator closed it early
    status = db.Column(db.Enum(RoundStatus, native_enum=False, length=20), nullable=False, default=RoundStatus.draft)
    frozen_rules = db.Column(db.JSON)  # the rules as they stood when voting opened
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    panel = db.relationship("Panel", back_populates="rounds")
    pot = db.relationship("Pot")
    opportunity = db.relationship("Opportunity")
    projects = db.relationship("RoundProject", back_populates="round", order_by="RoundProject.code",
                               cascade="all, delete-orphan")
    result = db.relationship("RoundResult", uselist=False, back_populates="round")

    @property
    def closed_early(self):
        return self.closed_at is not None and self.closed_at < self.closes_at

    def __repr__(self):
        return f"<Round {self.reference}>"


class RoundProject(TimestampMixin, db.Model):
    __tablename__ = "panel_round_projects"
    __table_args__ = (db.UniqueConstraint("round_id", "code"),
                      db.CheckConstraint("cost_pence >= 0", name="cost_not_negative"))

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.ForeignKey("panel_rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    code = db.Column(db.String(20), nullable=False)   # the project id on the ballot and in .pb files
    title = db.Column(db.String(200), nullable=False)
    summary = db.Column(db.Text, nullable=False, default="")  # plain language, at most 150 words
    cost_pence = db.Column(db.BigInteger, nullable=False)
    organisation_id = db.Column(db.ForeignKey("organisations.id"))
    bid_id = db.Column(db.ForeignKey("bids.id"))

    round = db.relationship("Round", back_populates="projects")
    organisation = db.relationship("Organisation")
    bid = db.relationship("Bid")


class BallotChannel(TitledEnum):
    online = "online", "Voted online"
    imported = "imported", "Imported from a .pb file"
    paper = "paper", "Voted on paper, entered by a facilitator"


def _ballot_id():
    """Random, so the order of ballot ids says nothing about the order people voted in."""
    return secrets.token_hex(16)


class Ballot(db.Model):
    """A secret ballot: what was chosen, never by whom or when.

    No member and no timestamp, so a ballot cannot be matched to a row of ``VoteCast``.
    Ids are random and closing a round writes its ballots again in a random order, so
    neither ids nor the order rows are stored in follows the order people voted in.
    """

    __tablename__ = "panel_ballots"

    id = db.Column(db.String(32), primary_key=True, default=_ballot_id)
    round_id = db.Column(db.ForeignKey("panel_rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    project_ids = db.Column(db.JSON, nullable=False, default=list)  # RoundProject ids, sorted
    scores = db.Column(db.JSON)    # points ballots: {RoundProject id as text: points}
    ranking = db.Column(db.JSON)   # ranked ballots: RoundProject ids, first choice first
    channel = db.Column(db.Enum(BallotChannel, native_enum=False, length=20), nullable=False,
                        default=BallotChannel.online)


class VoteCast(db.Model):
    """Who has voted in a round, never how: one each, and the turnout the quorum counts."""

    __tablename__ = "panel_votes_cast"
    __table_args__ = (db.UniqueConstraint("round_id", "member_id"),)

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.ForeignKey("panel_rounds.id", ondelete="CASCADE"), nullable=False, index=True)
    member_id = db.Column(db.ForeignKey("panel_members.id", ondelete="CASCADE"), nullable=False, index=True)
    voted_at = db.Column(UTCDateTime(), nullable=False, default=utcnow)

    member = db.relationship("PanelMember")


class RoundResult(db.Model):
    """The outcome, with what is needed to recompute it: the rules, and a digest of the ballots."""

    __tablename__ = "panel_round_results"

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.ForeignKey("panel_rounds.id", ondelete="CASCADE"), nullable=False, unique=True)
    computed_at = db.Column(UTCDateTime(), nullable=False)
    rule_version = db.Column(db.String(40), nullable=False)
    ballots_digest = db.Column(db.String(64), nullable=False)
    ballots = db.Column(db.Integer, nullable=False)
    eligible = db.Column(db.Integer, nullable=False)
    quorum_met = db.Column(db.Boolean, nullable=False)
    selected = db.Column(db.JSON, nullable=False)      # project codes, sorted as strings
    spent_pence = db.Column(db.BigInteger, nullable=False)
    projects = db.Column(db.JSON, nullable=False)      # code -> {approvals, funded, below_threshold}
    trace = db.Column(db.JSON)   # the rule's own figures for each project (allocation.trace), the "why"
    confirmed_at = db.Column(UTCDateTime())              # when the commissioner turned it into awards
    confirmed_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    round = db.relationship("Round", back_populates="result")
