from commissioning.core.models import UTCDateTime, utcnow
from commissioning.extensions import db


class AuditEntry(db.Model):
    """One recorded action; every operation writes one in the same transaction."""

    __tablename__ = "audit_entries"
    __table_args__ = (db.Index("ix_audit_entries_object", "object_type", "object_id"),)

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(UTCDateTime(), nullable=False, default=utcnow, index=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    object_type = db.Column(db.String(60), nullable=False)
    object_id = db.Column(db.Integer)
    action = db.Column(db.String(60), nullable=False, index=True)
    summary = db.Column(db.String(500), nullable=False)
    details = db.Column(db.JSON, nullable=False, default=dict)
    # Set on what a bidder does: the entry is withheld from staff until this opportunity's
    # deadline (its current one, so an extended deadline keeps it sealed). See audit/util.py.
    sealed_opportunity_id = db.Column(db.ForeignKey("opportunities.id", ondelete="SET NULL"), index=True)

    user = db.relationship("User", lazy="joined")

    def __repr__(self):
        return f"<AuditEntry {self.id} {self.action} {self.object_type}:{self.object_id}>"
