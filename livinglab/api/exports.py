"""The export files beside export.csv: XLSX, SPSS and Stata, as the results page links them."""

from flask import Blueprint, request

from ..exports import downloads
from .common import token_required
from .results import load

bp = Blueprint("exports", __name__)


@bp.get("/studies/<int:study_id>/export.xlsx")
@token_required("results")
def export_xlsx(user, study_id):
    """The data and its dictionary, one sheet each."""
    return downloads.workbook(load(user, study_id))


@bp.get("/studies/<int:study_id>/export.sav")
@token_required("results")
def export_sav(user, study_id):
    """SPSS, with variable and value labels (in one of a bilingual pilot's languages: `language`)."""
    return downloads.spss(load(user, study_id), request.args.get("language"))


@bp.get("/studies/<int:study_id>/export.dta")
@token_required("results")
def export_dta(user, study_id):
    """Stata, with variable and value labels (in one of a bilingual pilot's languages: `language`)."""
    return downloads.stata(load(user, study_id), request.args.get("language"))
