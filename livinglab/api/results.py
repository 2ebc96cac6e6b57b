"""Results and exports of a study: the analysis as JSON, the answers and their dictionary as CSV."""

from flask import Blueprint

from ..exports import downloads, require_analysable
from ..extensions import db
from ..policy import authorise
from ..results import methods_text
from ..results.cache import results_for
from ..results.document import served
from ..studies import sample_size
from ..studies.models import Study
from ..studies.workflow import is_interim
from .common import token_required

bp = Blueprint("results", __name__)


def load(user, study_id: int) -> Study:
    """The owning organisation or a coordinator, once the protocol is approved."""
    return require_analysable(authorise(user, db.session.get(Study, study_id), "results"))


@bp.get("/studies/<int:study_id>/results")
@token_required("results")
def results(user, study_id):
    """Flow, descriptives, primary and secondary outcomes; interim until the pilot ends."""
    study = load(user, study_id)
    stored = results_for(study)
    results = served(stored)
    return {
        **results,
        "methods_text": methods_text.both(study, stored),
        "sample_size": sample_size.achieved(study, results.get("primary_outcome")),
        "status": str(study.status),
        "interim": is_interim(study),
    }


@bp.get("/studies/<int:study_id>/export.csv")
@token_required("results")
def export_csv(user, study_id):
    """One row per participant code and timepoint, streamed."""
    return downloads.data_csv(load(user, study_id))


@bp.get("/studies/<int:study_id>/dictionary.csv")
@token_required("results")
def dictionary_csv(user, study_id):
    """What each column of export.csv holds."""
    return downloads.dictionary_csv(load(user, study_id))
