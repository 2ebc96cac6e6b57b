"""What an ended pilot found, in plain words, for those who took part: the participant's dashboard's summary."""

from flask import Blueprint
from flask_babel import gettext as _

from ..errors import Conflict
from ..participants import services as participation
from ..results.views import lay_summary as summary_of
from ..studies import workflow
from .common import token_required

bp = Blueprint("lay_summary", __name__)


@bp.get("/studies/<int:study_id>/lay-summary")
@token_required("take_part")
def lay_summary(user, study_id):
    """Who took part and what the pilot found, once it has ended, as the dashboard says it."""
    study = participation.visible_study(user, study_id)
    enrolment = participation.require_enrolment(user, study)
    if not workflow.is_final(study):
        raise Conflict(_("This pilot has not ended yet: what it found is said once it has."), code="not_ended")
    if enrolment.data_erased:
        raise Conflict(
            _("Your answers were erased at your request: this pilot no longer counts you among those who took part."),
            code="answers_erased",
        )
    return {"study_id": study.id, "title": study.title, **summary_of(study)}
