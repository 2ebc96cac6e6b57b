"""Data quality of a pilot: the flags of its responses, and exclusions of responses from the sensitivity
analysis, with a reason (owner organisation and coordinators)."""

from dataclasses import dataclass

from flask import Blueprint

from ..exports import require_analysable
from ..extensions import db
from ..policy import authorise
from ..quality import services as quality
from ..quality.models import ResponseExclusion
from ..studies.models import Study
from ..transactions import unit_of_work
from .common import json_body, token_required
from .pagination import paginate, paginate_list

bp = Blueprint("quality", __name__)


def load(user, study_id: int, action: str) -> Study:
    """The owner organisation or a coordinator, once the protocol is approved (as the results)."""
    return require_analysable(authorise(user, db.session.get(Study, study_id), action))


@dataclass
class _Listed:
    id: int  # the response's: the list's stable order
    row: quality.Row


@bp.get("/studies/<int:study_id>/data-quality")
@token_required("results")
def responses(user, study_id):
    """The responses flagged or excluded, each with its flags and active exclusion; codes, never identities."""
    study = load(user, study_id, "results")
    rows, _summary = quality.assess(study)
    listed = [_Listed(row.id, row) for row in rows if row.flags or row.exclusion is not None]
    return paginate_list(listed, f"quality.{study.id}", lambda item: quality.row_dict(item.row))


@bp.get("/studies/<int:study_id>/exclusions")
@token_required("results")
def exclusions(user, study_id):
    """Every exclusion of the study's responses, undone ones too, oldest first."""
    study = load(user, study_id, "results")
    return paginate(
        quality.exclusions_of(study), ResponseExclusion.id, f"exclusions.{study.id}", quality.exclusion_dict
    )


@bp.post("/studies/<int:study_id>/exclusions")
@token_required("exclude_responses")
def exclude(user, study_id):
    """Exclude one response from the sensitivity analysis, with a reason."""
    study = load(user, study_id, "exclude_responses")
    data = json_body()
    with unit_of_work(str(quality.already_excluded()), code="already_excluded"):
        exclusion = quality.exclude(user, study, data)
    return quality.exclusion_dict(exclusion), 201


@bp.delete("/studies/<int:study_id>/exclusions/<int:exclusion_id>")
@token_required("exclude_responses")
def undo(user, study_id, exclusion_id):
    """Bring an excluded response back into the sensitivity analysis (the exclusion stays in the history)."""
    study = load(user, study_id, "exclude_responses")
    with unit_of_work():
        quality.undo(user, study, exclusion_id)
    return "", 204
