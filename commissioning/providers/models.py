from datetime import date

from commissioning.core.enums import TitledEnum
from commissioning.core.models import TimestampMixin
from commissioning.extensions import db

profile_localities = db.Table(
    "provider_profile_localities",
    db.Column("profile_id", db.ForeignKey("provider_profiles.id", ondelete="CASCADE"), primary_key=True),
    db.Column("locality_id", db.ForeignKey("localities.id", ondelete="CASCADE"), primary_key=True),
)


class OrganisationSize(TitledEnum):
    micro = "micro", "Micro: under £25,000 a year"
    small = "small", "Small: £25,000 to £250,000"
    medium = "medium", "Medium: £250,000 to £1 million"
    large = "large", "Large: over £1 million"


class ProviderProfile(TimestampMixin, db.Model):
    __tablename__ = "provider_profiles"

    id = db.Column(db.Integer, primary_key=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, unique=True)
    safeguarding_lead = db.Column(db.String(200))
    size = db.Column(db.Enum(OrganisationSize, native_enum=False, length=20))
    description = db.Column(db.Text)

    organisation = db.relationship("Organisation", backref=db.backref("profile", uselist=False))
    localities = db.relationship("Locality", secondary=profile_localities, order_by="Locality.name")

    def __repr__(self):
        return f"<ProviderProfile org={self.organisation_id}>"


class DocumentKind(TitledEnum):
    safeguarding_policy = "safeguarding_policy", "Safeguarding policy"
    equality_policy = "equality_policy", "Equality policy"
    data_protection_policy = "data_protection_policy", "Data protection policy"
    insurance = "insurance", "Insurance certificate"
    accounts = "accounts", "Latest accounts"
    other = "other", "Other document"

    @property
    def required(self):
        return self is not DocumentKind.other


class ProviderDocument(TimestampMixin, db.Model):
    __tablename__ = "provider_documents"

    id = db.Column(db.Integer, primary_key=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.Enum(DocumentKind, native_enum=False, length=30), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    expires_on = db.Column(db.Date, nullable=False, index=True)
    file_id = db.Column(db.ForeignKey("stored_files.id", ondelete="RESTRICT"), nullable=False)
    uploaded_by_id = db.Column(db.ForeignKey("users.id", ondelete="SET NULL"))

    file = db.relationship("StoredFile", lazy="joined")

    def __repr__(self):
        return f"<ProviderDocument {self.id} {self.kind.value} until {self.expires_on}>"

    def is_expired(self, today=None):
        return self.expires_on < (today or date.today())
