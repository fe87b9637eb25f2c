from sqlalchemy.ext.hybrid import hybrid_property

from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime, utcnow
from commissioning.core.vocabulary import EcmOutcome, Tier, VulnerableGroup
from commissioning.extensions import db

need_localities = db.Table(
    "need_localities",
    db.Column("need_id", db.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    db.Column("locality_id", db.ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True),
)

need_provision = db.Table(
    "need_provision",
    db.Column("need_id", db.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    db.Column("provision_id", db.ForeignKey("provision.id", ondelete="CASCADE"), primary_key=True),
)


class NeedStatus(StatusEnum):
    draft = "draft", "Draft"
    evidenced = "evidenced", "Evidenced"
    prioritised = "prioritised", "Prioritised"
    specified = "specified", "Specified"
    closed = "closed", "Closed"

    __transitions__ = {
        "draft": {"evidenced", "closed"},
        "evidenced": {"draft", "prioritised", "closed"},
        "prioritised": {"evidenced", "specified", "closed"},
        "specified": {"closed", "prioritised"},   # back to prioritised when a contract is recommissioned
        "closed": {"draft"},
    }

    @property
    def tag_colour(self):
        return {"draft": "grey", "evidenced": "blue", "prioritised": "purple",
                "specified": "green", "closed": "red"}[self.value]


#: Age limits from the papers: youth services run from 8 to 19, or to 25 for young people
#: with learning difficulties or disabilities.
MIN_AGE, MAX_AGE, MAX_AGE_STANDARD = 8, 25, 19


class Need(TimestampMixin, db.Model):
    """A need not currently met, with the planning tool's 13 answers."""

    __tablename__ = "needs"
    __table_args__ = (
        db.CheckConstraint(f"age_min >= {MIN_AGE} AND age_max <= {MAX_AGE} AND age_min <= age_max",
                           name="age_range"),
        db.CheckConstraint(f"age_max <= {MAX_AGE_STANDARD} OR for_lldd", name="age_over_19_only_for_lldd"),
        db.CheckConstraint("effectiveness_rating IS NULL OR effectiveness_rating BETWEEN 1 AND 5",
                           name="effectiveness_rating"),
    )

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    status = db.Column(db.Enum(NeedStatus, native_enum=False, length=20), nullable=False,
                       default=NeedStatus.draft, index=True)
    tier = db.Column(db.Enum(Tier, native_enum=False, length=30), nullable=False, index=True)
    age_min = db.Column(db.Integer, nullable=False)
    age_max = db.Column(db.Integer, nullable=False)
    for_lldd = db.Column(db.Boolean, nullable=False, default=False)
    # The planning tool's questions (DOMAIN.md), in its order.
    need_not_met = db.Column(db.Text, nullable=False)                 # 1
    how_identified = db.Column(db.Text)                               # 2
    desired_outcomes = db.Column(db.Text)                             # 3
    plan_priorities = db.Column(db.Text)                              # 4 (with ECM outcomes)
    deficits_opportunities = db.Column(db.Text)                       # 5
    effectiveness_rating = db.Column(db.Integer)                      # 10: 1 = highly effective
    gaps_barriers = db.Column(db.Text)                                # 11
    financing = db.Column(db.Text)                                    # 12
    monitoring = db.Column(db.Text)                                   # 13
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, onupdate=utcnow)

    localities = db.relationship("Locality", secondary=need_localities, order_by="Locality.name")
    groups = db.relationship("NeedGroup", cascade="all, delete-orphan", order_by="NeedGroup.group")
    outcomes = db.relationship("NeedOutcome", cascade="all, delete-orphan", order_by="NeedOutcome.outcome")
    evidence = db.relationship("EvidenceItem", back_populates="need", cascade="all, delete-orphan",
                               order_by="EvidenceItem.date.desc()")
    options = db.relationship("NeedOption", back_populates="need", cascade="all, delete-orphan",
                              order_by="NeedOption.position")
    provision = db.relationship("Provision", secondary=need_provision, order_by="Provision.name")

    def __repr__(self):
        return f"<Need {self.id} {self.title!r} {self.status.value}>"

    @property
    def group_values(self):
        return [g.group for g in self.groups]

    @property
    def outcome_values(self):
        return [o.outcome for o in self.outcomes]

    @property
    def preferred_options(self):
        return [o for o in self.options if o.is_preferred]

    def problems_before(self, status):
        """What stops a move to ``status``, in words a commissioner can act on."""
        problems = []
        if status in (NeedStatus.evidenced, NeedStatus.prioritised) and not self.evidence:
            problems.append("Add at least one evidence item")
        if status is NeedStatus.prioritised and not self.preferred_options:
            problems.append("Mark at least one option as preferred")
        if status is NeedStatus.specified:
            problems.append("A need becomes specified when a specification for it is approved")
        return problems

    def can_edit(self, user):
        return user.is_commissioner and self.status is not NeedStatus.closed

    @staticmethod
    def can_view(user):
        return user.has_role("admin", "commissioner", "contract_monitor")


class NeedGroup(db.Model):
    __tablename__ = "need_groups"
    need_id = db.Column(db.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    group = db.Column(db.Enum(VulnerableGroup, native_enum=False, length=30), primary_key=True)

    def __repr__(self):
        return f"<NeedGroup {self.need_id} {self.group.value}>"


class NeedOutcome(db.Model):
    __tablename__ = "need_outcomes"
    need_id = db.Column(db.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True)
    outcome = db.Column(db.Enum(EcmOutcome, native_enum=False, length=30), primary_key=True)

    def __repr__(self):
        return f"<NeedOutcome {self.need_id} {self.outcome.value}>"


class EvidenceSource(TitledEnum):
    young_people = "young_people", "Young people"
    parents_carers = "parents_carers", "Parents and carers"
    schools = "schools", "Schools"
    health = "health", "Health"
    youth_offending = "youth_offending", "Youth offending service"
    vcs = "vcs", "Voluntary and community sector"
    dataset = "dataset", "A data set"


class EvidenceItem(TimestampMixin, db.Model):
    __tablename__ = "evidence_items"

    id = db.Column(db.Integer, primary_key=True)
    need_id = db.Column(db.ForeignKey("needs.id", ondelete="CASCADE"), nullable=False, index=True)
    source = db.Column(db.Enum(EvidenceSource, native_enum=False, length=30), nullable=False)
    date = db.Column(db.Date, nullable=False)
    summary = db.Column(db.Text, nullable=False)
    link = db.Column(db.String(500))
    file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="SET NULL"))

    need = db.relationship("Need", back_populates="evidence")
    file = db.relationship("StoredFile", lazy="joined")

    def __repr__(self):
        return f"<EvidenceItem {self.id} need={self.need_id} {self.source.value}>"


class OptionKind(TitledEnum):
    do_nothing = "do_nothing", "Do nothing"
    do_very_little = "do_very_little", "Do very little"
    proposal = "proposal", "Proposal"


class NeedOption(TimestampMixin, db.Model):
    """An option in the appraisal, with its risk (likelihood x impact, each 1-5)."""

    __tablename__ = "need_options"
    __table_args__ = (
        db.CheckConstraint("likelihood BETWEEN 1 AND 5 AND impact BETWEEN 1 AND 5", name="risk_scale"),
    )

    id = db.Column(db.Integer, primary_key=True)
    need_id = db.Column(db.ForeignKey("needs.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.Enum(OptionKind, native_enum=False, length=20), nullable=False,
                     default=OptionKind.proposal)
    position = db.Column(db.Integer, nullable=False, default=0)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text)
    likelihood = db.Column(db.Integer, nullable=False, default=3)
    impact = db.Column(db.Integer, nullable=False, default=3)
    risk_notes = db.Column(db.Text)
    is_preferred = db.Column(db.Boolean, nullable=False, default=False)

    need = db.relationship("Need", back_populates="options")

    def __repr__(self):
        return f"<NeedOption {self.id} {self.title!r}>"

    @hybrid_property
    def risk_score(self):
        return self.likelihood * self.impact

    @property
    def risk_level(self):
        score = self.risk_score
        return "high" if score >= 15 else "medium" if score >= 8 else "low"
