"""Imports every domain's models, so that the metadata is complete wherever it is used."""
from commissioning.accounts.models import Membership, Organisation, User, UserRole  # noqa: F401
from commissioning.audit.models import AuditEntry  # noqa: F401
from commissioning.localities.models import Locality  # noqa: F401
from commissioning.mail.models import OutgoingEmail  # noqa: F401
from commissioning.outbox.models import OutboxTask  # noqa: F401
from commissioning.files.models import StoredFile  # noqa: F401
from commissioning.funding.models import Allocation, AllocationShare, Contribution, LedgerEntry, Pot  # noqa: F401
from commissioning.indicators.models import Indicator, IndicatorYear  # noqa: F401
from commissioning.needs.models import EvidenceItem, Need, NeedGroup, NeedOption, NeedOutcome  # noqa: F401
from commissioning.provision.models import Provision, Venue  # noqa: F401
from commissioning.settings.models import Setting  # noqa: F401
from commissioning.specifications.models import ApprovalDecision, Specification, SpecificationVersion  # noqa: F401
from commissioning.bids.models import Bid, BidAttachment, BidSubmission  # noqa: F401
from commissioning.opportunities.models import Clarification, Follow, Opportunity  # noqa: F401
from commissioning.providers.models import ProviderDocument, ProviderProfile  # noqa: F401
from commissioning.evaluation.models import (  # noqa: F401
    AssessmentSummary, AwardDecision, AwardedBid, ConflictDeclaration, ConsensusScore, EvaluatorAssignment, Score,
    ScoreSheet, ScoringRun)
from commissioning.panels.models import (  # noqa: F401
    Ballot, MemberLink, Panel, PanelContribution, PanelMember, Round, RoundProject, RoundResult)
from commissioning.contracts.models import (  # noqa: F401
    Agreement, AgreementDocument, Clause, Payment, ReturnDue, Variation)
from commissioning.monitoring.models import (  # noqa: F401
    MonitoringReturn, Reminder, ReminderPreference, ReturnAction, ReviewDecision)
from commissioning.api.models import ApiToken  # noqa: F401
from commissioning.idempotency.models import RequestKey  # noqa: F401
from commissioning.opendata.models import PublishedRelease  # noqa: F401
from commissioning.notices.models import Notice  # noqa: F401
