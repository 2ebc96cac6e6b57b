"""A study's answers for statisticians: wide CSV (streamed), data dictionary, XLSX, SPSS and Stata files.

Pseudonymous by construction: the rows come from enrolments, responses and answers only, never from
accounts, so no name, email or account id can reach a file."""

from flask_babel import gettext as _

from ..errors import Conflict
from ..studies import workflow
from ..studies.models import Study


def require_analysable(study: Study) -> Study:
    """409 `not_approved` while the protocol, and so the analysis plan, may still change."""
    if not workflow.is_exportable(study):
        raise Conflict(_("Results and exports exist once the protocol is approved."), code="not_approved")
    return study
