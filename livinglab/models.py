"""Import every model so that metadata and mappers know them all (migrations, create_app)."""

from .audit import AuditChain, AuditPseudonym, AuditRecord, DatabaseIdentity  # noqa: F401
from .auth.models import ApiToken, Invitation, Organisation, SigninThrottle, User  # noqa: F401
from .notifications.models import NotificationPreference, OutboxMessage, SchedulerJob, WebhookDelivery, WebhookEndpoint  # noqa: F401,E501
from .participants.models import AllocationSlot, Answer, ConsentSignature, Enrolment, Response, Screening, SurveyDraft  # noqa: F401
from .quality.models import ResponseExclusion  # noqa: F401
from .results.cache import ResultsCache, ResultsRefresh  # noqa: F401
from .studies import timestamps  # noqa: F401  (the listener that stamps Study.updated_at)
from .studies.models import ConsentVersion, ReviewComment, Study  # noqa: F401
from .surveys.models import Survey  # noqa: F401
