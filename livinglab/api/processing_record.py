"""The record of processing activities of a pilot (GDPR art. 30): the items its page and its CSV show."""

from flask import Blueprint

from ..studies.processing_record import entries
from .common import token_required
from .studies import load

bp = Blueprint("processing_record", __name__)


@bp.get("/studies/<int:study_id>/processing-record")
@token_required("processing_record")
def processing_record(user, study_id):
    """The pilot's record, generated from its protocol, in the request's language: coordinators and the owner
    organisation (the controller keeping it)."""
    study = load(user, study_id, "processing_record")
    return {
        "study_id": study.id,
        "items": [{"item": entry.key, "label": entry.label, "value": entry.value} for entry in entries(study)],
    }
