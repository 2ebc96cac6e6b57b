"""Coordinators' corrections of a participant's answers, with a reason; the answers as corrected; the log of every
correction of a study, for whoever reads its results."""

from flask import Blueprint, request

from ..auth.models import Role
from ..participants import corrections
from ..participants.models import AnswerRevision, Response
from ..participants.services import find_survey
from ..policy import get_study_or_404
from ..studies.fields import iso
from ..transactions import unit_of_work
from .common import json_body, token_required
from .pagination import paginate

bp = Blueprint("corrections", __name__)


def response_dict(response: Response, *, history: bool = False) -> dict:
    """A response with its latest answers and revision (and, for coordinators, every revision)."""
    types = corrections.item_types(response.survey)
    out = {
        "id": response.id,
        "survey": response.survey.key,
        "participant_code": response.enrolment.participant_code,
        "submitted_at": iso(response.submitted_at),
        "revision": response.revision,
        "revised_at": iso(response.revised_at),
        "instance": response.instance,
        "answers": corrections.api_values(response.survey, response),
    }
    if history:
        out["revisions"] = [
            corrections.revision_dict(row, types, staff=True)
            for row in corrections.revisions_of([response.id])[response.id]
        ]
    return out


def participant_response(user, study_id: int, code: str, key: str, action: str):
    study = get_study_or_404(study_id, action, user)
    enrolment = corrections.enrolment_by_code(study, code)
    survey = find_survey(study, key)
    return study, corrections.find_response(enrolment, survey, request.args.get("instance"))


@bp.get("/studies/<int:study_id>/corrections")
@token_required("results")
def log(user, study_id):
    """Every correction of the study's answers, newest first, paginated: codes, never identities."""
    study = get_study_or_404(study_id, "results", user)
    staff = user.role == Role.COORDINATOR
    return paginate(
        corrections.log_of(study),
        AnswerRevision.id,
        f"corrections.{study.id}",
        lambda row: corrections.log_entry(row, staff=staff),
        newest_first=True,
    )


@bp.get("/studies/<int:study_id>/participants/<code>/responses/<key>")
@token_required("correct_answers")
def show(user, study_id, code, key):
    """One participant's answers to one survey, as corrected, with every revision."""
    _study, response = participant_response(user, study_id, code, key, "correct_answers")
    return response_dict(response, history=True)


@bp.patch("/studies/<int:study_id>/participants/<code>/responses/<key>")
@token_required("correct_answers")
def correct(user, study_id, code, key):
    """Correct some answers of one participant's response, with the reason and the revision corrected."""
    study = get_study_or_404(study_id, "correct_answers", user)
    data = json_body()
    with unit_of_work():
        response = corrections.correct_as_coordinator(
            user, study, code, key, data.get("answers"), data.get("reason"), data.get("revision"), data.get("instance")
        )
    return response_dict(response, history=True)
