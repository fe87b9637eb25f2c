"""Imports every domain's models, so that the metadata is complete wherever it is used."""
from commissioning.accounts.models import Membership, Organisation, User, UserRole  # noqa: F401
from commissioning.audit.models import AuditEntry  # noqa: F401
from commissioning.localities.models import Locality  # noqa: F401
from commissioning.mail.models import OutgoingEmail  # noqa: F401
from commissioning.outbox.models import OutboxTask  # noqa: F401
