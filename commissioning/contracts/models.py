"""Agreements (contracts and grant agreements), their documents, variations and the clause library."""
from commissioning.core.enums import StatusEnum, TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db


class AgreementKind(TitledEnum):
    contract = "contract", "Contract"
    grant_agreement = "grant_agreement", "Grant agreement"


class AgreementStatus(StatusEnum):
    drafted = "drafted", "Drafted"
    issued = "issued", "Issued for signature"
    signed = "signed", "Signed by the provider"
    active = "active", "Active"
    ended = "ended", "Ended"
    terminated = "terminated", "Terminated early"

    __transitions__ = {
        "drafted": {"issued"},
        "issued": {"signed", "drafted"},      # back to drafted when recalled for a change
        "signed": {"active", "terminated"},
        "active": {"ended", "terminated"},
    }


class Agreement(TimestampMixin, db.Model):
    __tablename__ = "agreements"
    __table_args__ = (db.CheckConstraint("value_pence > 0", name="value_positive"),)

    id = db.Column(db.Integer, primary_key=True)
    reference = db.Column(db.String(20), nullable=False, unique=True)
    kind = db.Column(db.Enum(AgreementKind, native_enum=False, length=20), nullable=False)
    status = db.Column(db.Enum(AgreementStatus, native_enum=False, length=20), nullable=False,
                       default=AgreementStatus.drafted)
    awarded_bid_id = db.Column(db.ForeignKey("awarded_bids.id"), nullable=False, unique=True)
    opportunity_id = db.Column(db.ForeignKey("opportunities.id"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id"), nullable=False, index=True)
    specification_id = db.Column(db.ForeignKey("specifications.id"), nullable=False)
    specification_version = db.Column(db.Integer, nullable=False)
    title = db.Column(db.String(300), nullable=False)
    parties = db.Column(db.JSON, nullable=False)          # [{"name", "role"}]
    value_pence = db.Column(db.BigInteger, nullable=False)
    start_date = db.Column(db.Date, nullable=False)
    end_date = db.Column(db.Date, nullable=False, index=True)
    extension_options = db.Column(db.String(300), nullable=False, default="")
    kpis = db.Column(db.JSON, nullable=False)              # [{"name", "unit", "target", "frequency", "trace"}]
    payments = db.Column(db.JSON, nullable=False)          # [{"due": "YYYY-MM-DD", "amount_pence", "conditional"}]
    monitoring_frequency = db.Column(db.String(20), nullable=False)
    special_conditions = db.Column(db.Text, nullable=False, default="")
    review_clause = db.Column(db.Text, nullable=False, default="")
    break_clause = db.Column(db.Text, nullable=False, default="")
    monitor_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    standstill_end = db.Column(db.Date)
    provider_signatory = db.Column(db.String(120))
    provider_signatory_role = db.Column(db.String(120))
    provider_signed_at = db.Column(UTCDateTime())
    provider_signed_sha256 = db.Column(db.String(64))
    signed_copy_file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="SET NULL"))
    countersigned_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    countersigned_at = db.Column(UTCDateTime())
    end_reason = db.Column(db.Text)
    created_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    organisation = db.relationship("Organisation")
    opportunity = db.relationship("Opportunity")
    awarded_bid = db.relationship("AwardedBid")
    monitor = db.relationship("User", foreign_keys=[monitor_id])
    countersigned_by = db.relationship("User", foreign_keys=[countersigned_by_id])
    documents = db.relationship("AgreementDocument", back_populates="agreement",
                                order_by="AgreementDocument.version", cascade="all, delete-orphan")
    variations = db.relationship("Variation", back_populates="agreement", order_by="Variation.number",
                                 cascade="all, delete-orphan")
    returns = db.relationship("ReturnDue", back_populates="agreement", order_by="ReturnDue.due_on",
                              cascade="all, delete-orphan")
    payments_made = db.relationship("Payment", back_populates="agreement", order_by="(Payment.paid_on, Payment.id)",
                                    cascade="all, delete-orphan")

    @property
    def document(self):
        """The document in force: the newest version that is not a variation still awaiting agreement
        (or withdrawn); None before the first issue. A pending variation's document is shown with it."""
        pending = {v.document_version for v in self.variations
                   if v.document_version and v.status is not VariationStatus.agreed}
        versions = [d for d in self.documents if d.version not in pending]
        return versions[-1] if versions else None

    def __repr__(self):
        return f"<Agreement {self.reference}>"


class AgreementDocument(db.Model):
    """One rendered version; ``file_id`` stays empty while a worker prepares it."""

    __tablename__ = "agreement_documents"
    __table_args__ = (db.UniqueConstraint("agreement_id", "version"),)

    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)
    reason = db.Column(db.Text, nullable=False)            # "Issued", "Variation 1: ..."
    template_version = db.Column(db.String(80))
    snapshot = db.Column(db.JSON, nullable=False)         # the plain data the PDF is rendered from
    file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="RESTRICT"))
    sha256 = db.Column(db.String(64))
    pages = db.Column(db.Integer)
    created_at = db.Column(UTCDateTime(), nullable=False)
    rendered_at = db.Column(UTCDateTime())
    # The executed copy: this version with both signatures, made by a worker once it is countersigned.
    executed_snapshot = db.Column(db.JSON)                 # who signed, as what, when, and the hash signed
    executed_requested_at = db.Column(UTCDateTime())
    executed_file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="RESTRICT"))
    executed_sha256 = db.Column(db.String(64))
    executed_at = db.Column(UTCDateTime())

    agreement = db.relationship("Agreement", back_populates="documents")

    @property
    def executed_pending(self):
        """Countersigned, and the worker has not yet made the executed copy."""
        return self.executed_requested_at is not None and self.executed_file_id is None

    def __repr__(self):
        return f"<AgreementDocument {self.agreement_id} v{self.version}>"


class VariationStatus(StatusEnum):
    proposed = "proposed", "Proposed"
    approved = "approved", "Approved, awaiting the provider’s signature"
    signed = "signed", "Signed by the provider"
    agreed = "agreed", "Agreed and in force"
    withdrawn = "withdrawn", "Withdrawn"

    __transitions__ = {"proposed": {"approved", "withdrawn"}, "approved": {"signed", "withdrawn"},
                       "signed": {"agreed"}}


class Variation(TimestampMixin, db.Model):
    """A change after signing: its own reason, approval, document version and signatures."""

    __tablename__ = "agreement_variations"
    __table_args__ = (db.UniqueConstraint("agreement_id", "number"),)

    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False)
    reference = db.Column(db.String(30), nullable=False)
    status = db.Column(db.Enum(VariationStatus, native_enum=False, length=20), nullable=False,
                       default=VariationStatus.proposed)
    reason = db.Column(db.Text, nullable=False)
    changes = db.Column(db.JSON, nullable=False)   # {"field": {"old": ..., "new": ...}}
    proposed_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    approved_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    document_version = db.Column(db.Integer)
    provider_signatory = db.Column(db.String(260))   # "name (role)", each up to 120 characters
    provider_signed_at = db.Column(UTCDateTime())
    provider_signed_sha256 = db.Column(db.String(64))
    countersigned_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))
    countersigned_at = db.Column(UTCDateTime())

    agreement = db.relationship("Agreement", back_populates="variations")


class ReturnDue(db.Model):
    """A monitoring return the provider owes, generated from the term and the frequency."""

    __tablename__ = "agreement_returns"
    __table_args__ = (db.UniqueConstraint("agreement_id", "due_on"),)

    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True)
    period_start = db.Column(db.Date, nullable=False)
    period_end = db.Column(db.Date, nullable=False)
    due_on = db.Column(db.Date, nullable=False, index=True)

    agreement = db.relationship("Agreement", back_populates="returns")


class Clause(TimestampMixin, db.Model):
    """The clause library an administrator edits; each edit raises the clause's version."""

    __tablename__ = "clauses"

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(60), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    body = db.Column(db.Text, nullable=False)
    kinds = db.Column(db.JSON, nullable=False)   # AgreementKind values it appears in
    position = db.Column(db.Integer, nullable=False, default=0)
    version = db.Column(db.Integer, nullable=False, default=1)


class Payment(TimestampMixin, db.Model):
    """Money paid under an agreement, as the council's finance system records it; never changed.

    ``instalment`` is the position of the scheduled payment it pays (in ``Agreement.payments``), or
    empty for a payment outside the schedule. The open data publishes these, not the schedule.
    """

    __tablename__ = "agreement_payments"
    __table_args__ = (db.CheckConstraint("amount_pence > 0", name="amount_positive"),
                      db.UniqueConstraint("agreement_id", "reference"))

    id = db.Column(db.Integer, primary_key=True)
    agreement_id = db.Column(db.ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True)
    instalment = db.Column(db.Integer)
    amount_pence = db.Column(db.BigInteger, nullable=False)
    paid_on = db.Column(db.Date, nullable=False)
    reference = db.Column(db.String(60), nullable=False)   # the finance system's payment or remittance number
    recorded_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    agreement = db.relationship("Agreement", back_populates="payments_made")
    recorded_by = db.relationship("User")
