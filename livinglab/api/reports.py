"""Repeated reports through the API, as the pages give them (issue 14, item 7; participants/reports.py): a pilot's
problem reports, for the owning organisation and the coordinators, and every report in long form with the exports."""

from flask import Blueprint

from ..exports import require_analysable
from ..exports.reports import reports_csv
from ..extensions import db
from ..participants import reports
from ..participants.corrections import item_types
from ..policy import authorise
from ..studies.fields import iso
from ..studies.models import Study
from ..surveys.answers import json_value
from ..surveys.branching import NOT_APPLICABLE
from .common import token_required
from .results import load

bp = Blueprint("reports", __name__)


@bp.get("/studies/<int:study_id>/problem-reports")
@token_required("progress")
def problem_reports(user, study_id):
    """The pilot's problem reports, newest first (the latest `limit`): participant code, arm, site, survey, number,
    when, and the answers."""
    study = authorise(user, db.session.get(Study, study_id), "progress")
    types = {survey.id: item_types(survey) for survey in study.surveys}
    return {
        "limit": reports.SHOWN,
        "items": [
            {
                "participant_code": row["participant_code"],
                "arm": row["arm"],
                "site": row["site"],
                "survey": row["survey"].key,
                "instance": row["instance"],
                "submitted_at": iso(row["submitted_at"]),
                "answers": {
                    key: None
                    if value == NOT_APPLICABLE
                    else json_value(types[row["survey"].id].get(key, "text"), *value)
                    for key, value in row["answers"].items()
                },
                "not_applicable": sorted(key for key, value in row["answers"].items() if value == NOT_APPLICABLE),
            }
            for row in reports.problem_reports(study)
        ],
    }


@bp.get("/studies/<int:study_id>/export.reports.csv")
@token_required("results")
def export_reports(user, study_id):
    """Every repeated report in long form, one row per report (the results page's export)."""
    return reports_csv(require_analysable(load(user, study_id)))
