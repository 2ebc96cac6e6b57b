"""A study's answers for statisticians: wide CSV (streamed), data dictionary, XLSX, SPSS and Stata files.

Pseudonymous by construction: the rows come from enrolments, responses and answers only, never from
accounts, so no name, email or account id can reach a file."""
from flask_babel import gettext as _

from ..errors import Conflict
from ..studies.models import Study, StudyStatus

# The analysis plan is frozen at approval (the registration hash): results and exports exist from then on.
ANALYSABLE = (StudyStatus.APPROVED, StudyStatus.RECRUITING, StudyStatus.PAUSED, StudyStatus.CLOSED)


def require_analysable(study: Study) -> Study:
    """409 `not_approved` while the protocol, and so the analysis plan, may still change."""
    if study.status not in ANALYSABLE:
        raise Conflict(_("Results and exports exist once the protocol is approved."), code="not_approved")
    return study


def is_interim(study: Study) -> bool:
    """Results read before recruitment closes are interim: more answers may come."""
    return study.status != StudyStatus.CLOSED
