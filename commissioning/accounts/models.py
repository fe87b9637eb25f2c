from flask_login import AnonymousUserMixin, UserMixin

from commissioning.core.enums import TitledEnum
from commissioning.core.models import TimestampMixin, UTCDateTime
from commissioning.extensions import db


class Role(TitledEnum):
    admin = "admin", "Administrator"
    commissioner = "commissioner", "Commissioner"
    evaluator = "evaluator", "Evaluator"
    provider = "provider", "Provider"
    panel_facilitator = "panel_facilitator", "Panel facilitator"
    panel_member = "panel_member", "Panel member"
    contract_monitor = "contract_monitor", "Contract monitor"


#: Council staff. None of them may also bid: the provider role is never held with one of these, and a
#: person holding one belongs to no organisation that bids (one that is not a public body). Panel members
#: are young people, not staff.
COUNCIL_ROLES = frozenset({Role.admin, Role.commissioner, Role.evaluator, Role.contract_monitor,
                           Role.panel_facilitator})


class OrganisationType(TitledEnum):
    local_authority = "local_authority", "Local authority"
    nhs_body = "nhs_body", "NHS body"
    police = "police", "Police"
    school = "school", "School"
    charity = "charity", "Charity"
    cic = "cic", "Community interest company"
    company = "company", "Company"
    community_group = "community_group", "Community group"

    @property
    def is_public_body(self):
        return self in {OrganisationType.local_authority, OrganisationType.nhs_body,
                        OrganisationType.police, OrganisationType.school}


class Organisation(TimestampMixin, db.Model):
    """A council, partner or provider; identifiers feed org-ids in the open data."""

    __tablename__ = "organisations"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    type = db.Column(db.Enum(OrganisationType, native_enum=False, length=40), nullable=False)
    charity_number = db.Column(db.String(20))
    company_number = db.Column(db.String(20))
    local_authority_code = db.Column(db.String(10))
    address = db.Column(db.Text)

    memberships = db.relationship("Membership", back_populates="organisation",
                                  cascade="all, delete-orphan")

    def __repr__(self):
        return f"<Organisation {self.id} {self.name!r}>"

    def can_view(self, user):
        return user.is_admin or user.is_commissioner or self.has_member(user)

    def can_manage_members(self, user):
        return user.is_admin or any(m.user_id == user.id and m.is_org_admin for m in self.memberships)

    def has_member(self, user):
        return user.is_authenticated and any(m.user_id == user.id for m in self.memberships)


class Membership(TimestampMixin, db.Model):
    """A user's place in an organisation; providers act for their organisation."""

    __tablename__ = "memberships"
    __table_args__ = (db.UniqueConstraint("user_id", "organisation_id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    organisation_id = db.Column(db.ForeignKey("organisations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    is_org_admin = db.Column(db.Boolean, nullable=False, default=False)
    job_title = db.Column(db.String(120))

    user = db.relationship("User", back_populates="memberships")
    organisation = db.relationship("Organisation", back_populates="memberships")

    def __repr__(self):
        return f"<Membership user={self.user_id} org={self.organisation_id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (db.UniqueConstraint("user_id", "role"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    role = db.Column(db.Enum(Role, native_enum=False, length=40), nullable=False)

    def __repr__(self):
        return f"<UserRole {self.user_id} {self.role.value}>"


class PermissionsMixin:
    """``can_<verb>()`` predicates for things not tied to one object.

    Shared by signed-in and anonymous users so that templates and views can ask
    any user the same question.
    """

    role_set = frozenset()

    def has_role(self, *roles):
        return any(Role(r) in self.role_set for r in roles)

    @property
    def is_admin(self):
        return self.has_role(Role.admin)

    @property
    def is_commissioner(self):
        return self.has_role(Role.commissioner)

    @property
    def is_council_staff(self):
        return bool(self.role_set & COUNCIL_ROLES)

    def is_signed_in(self):
        return self.is_authenticated

    def can_view_audit_log(self):
        return self.is_admin

    def can_read_mail_outbox(self):
        return self.is_admin

    def can_manage_users(self):
        return self.is_admin

    def can_view_organisations(self):
        return self.has_role(Role.admin, Role.commissioner)

    def can_view_needs(self):
        return self.has_role(Role.admin, Role.commissioner, Role.contract_monitor)

    def can_record_needs(self):
        return self.is_commissioner

    def can_manage_funds(self):
        return self.is_commissioner

    def can_view_funds(self):
        return self.has_role(Role.admin, Role.commissioner)

    def can_manage_indicators(self):
        return self.is_commissioner

    def can_manage_venues(self):
        return self.is_commissioner

    def can_manage_provision(self):
        """Commissioners edit any entry; providers their own organisation's (checked per entry)."""
        return self.has_role(Role.commissioner, Role.provider)

    def can_view_specifications(self):
        return self.has_role(Role.admin, Role.commissioner)

    def can_write_specifications(self):
        return self.is_commissioner

    def can_approve_specifications(self):
        return self.is_commissioner

    def can_manage_opportunities(self):
        return self.is_commissioner

    def can_bid(self):
        """Providers act for an organisation they belong to; council staff never bid, whatever the data says."""
        return self.has_role(Role.provider) and not self.is_council_staff and bool(self.memberships)

    def can_evaluate(self):
        return self.has_role(Role.evaluator)

    def can_run_evaluations(self):
        return self.is_commissioner

    def can_manage_settings(self):
        return self.is_admin

    def can_view_gaps(self):
        return self.has_role(Role.admin, Role.commissioner)

    def can_view_contracts(self):
        """Each agreement is then checked: monitors see theirs, providers their own organisation's."""
        return self.has_role(Role.admin, Role.commissioner, Role.contract_monitor, Role.provider)

    def can_manage_contracts(self):
        return self.is_commissioner

    def can_run_panels(self):
        """Each panel is then checked: facilitators manage only their own."""
        return self.has_role(Role.admin, Role.commissioner, Role.panel_facilitator)

    def can_vote_on_panels(self):
        return self.has_role(Role.panel_member)


class AnonymousUser(PermissionsMixin, AnonymousUserMixin):
    id = None
    memberships = ()


class User(PermissionsMixin, UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(254), unique=True)  # empty for panel members who join with a code
    name = db.Column(db.String(120), nullable=False)
    password_hash = db.Column(db.String(255), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    last_login_at = db.Column(UTCDateTime())

    roles = db.relationship("UserRole", cascade="all, delete-orphan", lazy="selectin")
    memberships = db.relationship("Membership", back_populates="user",
                                  cascade="all, delete-orphan", lazy="selectin")

    def __repr__(self):
        return f"<User {self.id} {self.email!r}>"

    @property
    def is_active(self):
        return self.active

    #: The UserSession this request was signed in with, and its plain identifier (set by the user
    #: loader, or by ``begin_session`` at sign-in); None for API token requests.
    current_session = None
    _session_secret = None

    def get_id(self):
        """The sign-in's session identifier, not the user id: the cookie names one revocable row."""
        return self._session_secret

    def begin_session(self):
        """Flask-Login's ``id_attribute``: every ``login_user`` call starts a server-side session."""
        from commissioning.accounts.operations import start_session
        start_session(self)
        return self._session_secret

    @property
    def role_set(self):
        return frozenset(r.role for r in self.roles)

    @property
    def organisations(self):
        return [m.organisation for m in self.memberships]


class SessionEnd(TitledEnum):
    signed_out = "signed_out", "Signed out"
    signed_out_everywhere = "signed_out_everywhere", "Signed out everywhere"
    signed_out_by_person = "signed_out_by_person", "Signed out from the account page"
    password_changed = "password_changed", "Password changed"
    password_reset = "password_reset", "Password reset"
    deactivated = "deactivated", "Account deactivated"
    revoked_by_admin = "revoked_by_admin", "Signed out by an administrator"


class UserSession(db.Model):
    """One sign-in on one device. The cookie carries a random identifier; only its hash is kept,
    so a copied database cannot be turned into a signed-in browser."""

    __tablename__ = "user_sessions"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    secret_hash = db.Column(db.String(64), nullable=False, unique=True)
    device = db.Column(db.String(120), nullable=False)
    created_at = db.Column(UTCDateTime(), nullable=False)
    last_seen_at = db.Column(UTCDateTime(), nullable=False)
    revoked_at = db.Column(UTCDateTime())
    revoked_reason = db.Column(db.Enum(SessionEnd, native_enum=False, length=40))
    #: Messages wait in ``held_notices`` for the next page: read the table only when this is set.
    notices_waiting = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())

    user = db.relationship("User")

    def __repr__(self):
        return f"<UserSession {self.id} user={self.user_id}>"

    @property
    def reference(self):
        return f"Session on {self.device}"

    def ended(self, now, idle, longest):
        """Why the session no longer signs anyone in ('revoked', 'idle', 'expired'), or None."""
        if self.revoked_at is not None:
            return "revoked"
        if now - self.last_seen_at > idle:
            return "idle"
        if now - self.created_at > longest:
            return "expired"
        return None


class HeldNotice(db.Model):
    """A message for a signed-in person's next page, kept with their session rather than in the
    cookie: two answers to one double click each set the cookie, and the browser keeps only the
    last to arrive, so a message in a cookie can be lost. See ``commissioning.core.notices``."""

    __tablename__ = "held_notices"

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.ForeignKey("user_sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False)
    message = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime(), nullable=False)
