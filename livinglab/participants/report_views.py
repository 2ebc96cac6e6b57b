"""The staff's page of a pilot's problem reports, and the long-form export of every repeated report."""

from flask import Blueprint, render_template

from ..exports import require_analysable
from ..exports.reports import reports_csv
from ..policy import get_study_or_404, requires
from ..studies.keys import label_of
from ..surveys.answers import readable
from ..surveys.repeats import repeatable
from . import reports

bp = Blueprint("reports", __name__, url_prefix="/studies")


@bp.get("/<int:study_id>/problem-reports")
@requires("progress")
def problems(study_id: int):
    """Every problem report of the pilot, newest first: participant code, arm, site, date, number and answers."""
    study = get_study_or_404(study_id, "progress")
    rows = reports.problem_reports(study)
    for row in rows:
        row["lines"] = readable(row["survey"].items, row["answers"])
    return render_template(
        "participants/problem_reports.html",
        study=study,
        rows=rows,
        shown=reports.SHOWN,
        has_reports=any(s.repeat == "problem_report" for s in repeatable(study.surveys)),
        label_of=label_of,  # the arms as participants see them
    )


@bp.get("/<int:study_id>/exports/reports.csv")
@requires("results")
def reports_export(study_id: int):
    """The repeated reports in long form: one row per report, numbered."""
    return reports_csv(require_analysable(get_study_or_404(study_id, "results")))
