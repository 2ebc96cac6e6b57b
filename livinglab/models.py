"""Import every model so that metadata and mappers know them all (migrations, create_app)."""
from .audit import AuditChain, AuditPseudonym, AuditRecord, DatabaseIdentity  # noqa: F401
from .auth.models import ApiToken, Organisation, User  # noqa: F401
from .studies.models import ConsentVersion, ReviewComment, Study  # noqa: F401
from .surveys.models import Survey  # noqa: F401
from .participants.models import AllocationSlot, Answer, ConsentSignature, Enrolment, Response, ScreeningTally  # noqa: F401,E501
from .studies.results import ResultsCache  # noqa: F401
