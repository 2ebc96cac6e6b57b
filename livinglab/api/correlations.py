"""Correlations on request (issue 13, item 5): two numeric measures of a study, for whoever reads its results."""

from flask import Blueprint, request
from flask_babel import force_locale

from ..results import verdict
from ..results.correlations import checked, correlation_of
from .common import token_required
from .results import load

bp = Blueprint("correlations", __name__)


@bp.get("/studies/<int:study_id>/results/correlation")
@token_required("results")
def correlation(user, study_id):
    """Pearson's r and Spearman's rho between `x` and `y` (`<variable>@<timepoint>`), exploratory."""
    study = load(user, study_id)
    found = correlation_of(study, *checked(study, request.args.get("x"), request.args.get("y")))
    with force_locale("en"):
        for name in ("pearson", "spearman"):
            reason = found[name].get("reason")
            if reason:
                found[name] = found[name] | {"reason": verdict.reason_text(reason), "reason_code": reason}
    return found
