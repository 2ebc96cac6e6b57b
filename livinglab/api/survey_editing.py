"""One survey of a study and its items: read it; while the protocol is editable, change, reorder or delete them.

The same services as the survey builder's pages (surveys/services.py); a survey is named by its key, as in
`/studies/{id}/surveys/{key}/responses`, and an item by its key."""

from flask import Blueprint
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..policy import authorise
from ..studies.models import Study
from ..studies.workflow import require_editable
from ..surveys import services
from ..surveys.models import Survey
from ..surveys.services import survey_dict
from ..transactions import unit_of_work
from .common import json_body, token_required

bp = Blueprint("survey_editing", __name__)


def load(user, study_id: int, key: str, action: str) -> Survey:
    """The study (404 unseen, 403 not allowed), then its survey with this key (404)."""
    study = authorise(user, db.session.get(Study, study_id), action)
    survey = next((s for s in study.surveys if s.key == key), None)
    if survey is None:
        raise NotFound(_("This survey does not exist."))
    return survey


def editable(user, study_id: int, key: str) -> Survey:
    """As `load` for editing; a frozen protocol answers 409 before the body is read."""
    survey = load(user, study_id, key, "edit")
    require_editable(survey.study)
    return survey


@bp.get("/studies/<int:study_id>/surveys/<key>")
@token_required("read")
def get_survey(user, study_id, key):
    """One survey's definition, for the study's organisation, coordinators and its participants."""
    return survey_dict(load(user, study_id, key, "read"))


@bp.patch("/studies/<int:study_id>/surveys/<key>")
@token_required("edit")
def patch_survey(user, study_id, key):
    """Change a survey's key, title or timepoint."""
    survey = editable(user, study_id, key)
    with unit_of_work():
        services.update_survey(user, survey, json_body())
    return survey_dict(survey)


@bp.delete("/studies/<int:study_id>/surveys/<key>")
@token_required("edit")
def delete_survey(user, study_id, key):
    """Delete a whole survey with its items."""
    survey = editable(user, study_id, key)
    with unit_of_work():
        services.delete_survey(user, survey)
    return "", 204


@bp.post("/studies/<int:study_id>/surveys/<key>/items")
@token_required("edit")
def add_item(user, study_id, key):
    """Add a question or an instrument at the end of the survey; answers the survey."""
    survey = editable(user, study_id, key)
    with unit_of_work():
        services.add_item(user, survey, json_body())
    return survey_dict(survey), 201


@bp.put("/studies/<int:study_id>/surveys/<key>/items/<item_key>")
@token_required("edit")
def put_item(user, study_id, key, item_key):
    """Replace one item (its key may change); answers the survey."""
    survey = editable(user, study_id, key)
    index = services.item_index(survey, item_key)
    with unit_of_work():
        services.edit_item(user, survey, index, json_body())
    return survey_dict(survey)


@bp.delete("/studies/<int:study_id>/surveys/<key>/items/<item_key>")
@token_required("edit")
def delete_item(user, study_id, key, item_key):
    """Remove one item (a survey keeps at least one); answers the survey."""
    survey = editable(user, study_id, key)
    with unit_of_work():
        services.delete_item(user, survey, services.item_index(survey, item_key))
    return survey_dict(survey)


@bp.put("/studies/<int:study_id>/surveys/<key>/order")
@token_required("edit")
def reorder(user, study_id, key):
    """Put the items in a new order: `{"items": [every item key, in the order wanted]}`."""
    survey = editable(user, study_id, key)
    with unit_of_work():
        services.reorder_items(user, survey, json_body().get("items"))
    return survey_dict(survey)
