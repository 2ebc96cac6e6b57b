"""The export downloads linked from the results page: the same files as the API, for signed-in staff."""

from flask import Blueprint, request

from ..exports import downloads, require_analysable
from ..policy import get_study_or_404, requires

bp = Blueprint("exports", __name__, url_prefix="/studies")


def load(study_id: int):
    return require_analysable(get_study_or_404(study_id, "results"))


@bp.get("/<int:study_id>/exports/data.csv")
@requires("results")
def csv(study_id):
    """The answers in wide form, one row per participant code and timepoint."""
    return downloads.data_csv(load(study_id))


@bp.get("/<int:study_id>/exports/dictionary.csv")
@requires("results")
def dictionary(study_id):
    """What each column of the data holds."""
    return downloads.dictionary_csv(load(study_id))


@bp.get("/<int:study_id>/exports/data.xlsx")
@requires("results")
def xlsx(study_id):
    """The data and its dictionary in one workbook."""
    return downloads.workbook(load(study_id))


@bp.get("/<int:study_id>/exports/data.sav")
@requires("results")
def sav(study_id):
    """SPSS, with variable and value labels (in one of a bilingual pilot's languages: `language`)."""
    return downloads.spss(load(study_id), request.args.get("language"))


@bp.get("/<int:study_id>/exports/data.dta")
@requires("results")
def dta(study_id):
    """Stata, with variable and value labels (in one of a bilingual pilot's languages: `language`)."""
    return downloads.stata(load(study_id), request.args.get("language"))
