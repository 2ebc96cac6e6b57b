"""The survey builder's reuse through the API (issue 14, item 5), with the services of its pages (surveys/reuse.py):
copy an item, a section or a whole survey to another timepoint, the organisation's earlier questions (the library)
and the survey templates to start from. Only while the protocol is editable, as on the pages (409 otherwise)."""

from flask import Blueprint, request
from flask_babel import gettext as _

from .. import validation as v
from ..errors import Conflict, NotFound
from ..extensions import db
from ..policy import authorise
from ..studies.models import Study
from ..studies.workflow import require_editable
from ..surveys import reuse, services
from ..surveys.services import survey_dict
from ..transactions import unit_of_work
from ..urls import MAX_ID
from .common import json_body, token_required
from .survey_editing import editable

bp = Blueprint("survey_reuse", __name__)
QUERY_MAX = 200  # as the library page


def editable_study(user, study_id: int) -> Study:
    """The study (404 unseen, 403 not allowed), editable (409 before anything else is read)."""
    study = authorise(user, db.session.get(Study, study_id), "edit")
    require_editable(study)
    return study


def fields(data: dict, checks: dict) -> dict:
    """Every field of `checks` from the body, checked (a missing one is None to its check): 400 or 422."""
    clean, errors = v.gather(checks, {name: data.get(name) for name in checks})
    v.raise_for(errors)
    return clean


def flag(value) -> bool:
    return False if value is None else v.boolean(value)


@bp.get("/studies/<int:study_id>/question-library")
@token_required("edit")
def question_library(user, study_id):
    """The questions of the organisation's other pilots whose text or key holds every word of `q`."""
    study = editable_study(user, study_id)
    try:
        query = v.text(request.args.get("q"), max_len=QUERY_MAX, single_line=True)
    except v.FieldError as err:
        v.reject("q", err)
    return {
        "limit": reuse.LIBRARY_LIMIT,
        "items": [
            {
                "survey_id": found.survey_id,
                "study_title": found.study_title,
                "survey_title": found.survey_title,
                "item": found.item,
            }
            for found in reuse.library(study, query)
        ],
    }


@bp.post("/studies/<int:study_id>/surveys/<key>/library")
@token_required("edit")
def add_from_library(user, study_id, key):
    """Add a question of the library at the end of the survey, without its condition; answers the survey."""
    survey = editable(user, study_id, key)
    body = fields(
        json_body(),
        {"source": lambda x: v.integer(x, lo=1, hi=MAX_ID, required=True), "key": lambda x: v.key(x)},
    )
    with unit_of_work():
        reuse.add_from_library(user, survey.study, survey, body["source"], body["key"])
    return survey_dict(survey), 201


@bp.post("/studies/<int:study_id>/surveys/<key>/items/<item_key>/copy")
@token_required("edit")
def copy_item(user, study_id, key, item_key):
    """Copy an item (`section`: a section break with its items) to the survey of another timepoint, keys kept;
    answers the target survey."""
    survey = editable(user, study_id, key)
    index = services.item_index(survey, item_key)
    body = fields(json_body(), {"target": lambda x: v.key(x), "section": flag, "drop_conditions": flag})
    target = next((s for s in survey.study.surveys if s.key == body["target"]), None)
    if target is None:
        raise NotFound(_("This survey does not exist."), fields={"target": _("No survey of this study has this key.")})
    try:
        with unit_of_work():
            reuse.copy_items(
                user, survey, index, target, section=body["section"], drop_conditions=body["drop_conditions"]
            )
    except reuse.ConditionsNotMet as err:  # as the page: 409 until confirmed, nothing copied
        raise Conflict(
            err.message,
            code="conditions_not_met",
            fields={"drop_conditions": _("Send true to copy without the condition.")},
        ) from None
    return survey_dict(target), 201


@bp.post("/studies/<int:study_id>/surveys/<key>/copy")
@token_required("edit")
def copy_survey(user, study_id, key):
    """A new survey at another timepoint with the same items; answers the new survey."""
    survey = editable(user, study_id, key)
    body = fields(json_body(), {"timepoint": lambda x: v.key(x)})
    with unit_of_work():
        copy = reuse.copy_survey(user, survey, body["timepoint"])
    return survey_dict(copy), 201


@bp.post("/studies/<int:study_id>/surveys/from-template")
@token_required("edit")
def from_template(user, study_id):
    """A new survey from a template, in English or French, at one of the study's timepoints."""
    study = editable_study(user, study_id)
    line = {"max_len": 48, "required": True, "single_line": True}
    body = fields(json_body(), {name: lambda x: v.text(x, **line) for name in ("template", "language", "timepoint")})
    with unit_of_work():
        survey = reuse.from_template(user, study, body["template"], body["language"], body["timepoint"])
    return survey_dict(survey), 201
