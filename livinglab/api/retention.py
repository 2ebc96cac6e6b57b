"""Retention: a pilot's rule with its dates, the coordinators' list of upcoming purges, postponing one."""

from types import SimpleNamespace

from flask import Blueprint

from ..extensions import db
from ..policy import authorise
from ..studies import retention
from ..studies.fields import iso
from ..studies.models import Study
from ..transactions import unit_of_work
from .common import json_body, token_required
from .pagination import paginate_list

bp = Blueprint("retention", __name__)


def retention_dict(rule: dict) -> dict:
    """The rule as the API serves it: dates as ISO 8601 times, the purge day as a date."""
    return {
        "study_id": rule["study_id"],
        "title": rule["title"],
        "phase": rule["phase"],
        "active_months": rule["active_months"],
        "archive_months": rule["archive_months"],
        "ended_at": iso(rule["ended_at"]),
        "archive_from": iso(rule["archive_from"]),
        "purge_on": rule["purge_on"].date().isoformat() if rule["purge_on"] else None,
        "scheduled_purge_on": rule["scheduled_purge_on"].date().isoformat() if rule["scheduled_purge_on"] else None,
        "postponed_reason": rule["postponed_reason"],
        "anonymised_at": iso(rule["anonymised_at"]),
        "outcome": rule["outcome"],
        "keep_free_text": rule["keep_free_text"],
    }


@bp.get("/retention")
@token_required("retention")
def upcoming(user):
    """Ended pilots not purged yet, with their purge day and what the purge does (by study id)."""
    rows = [SimpleNamespace(id=rule["study_id"], rule=rule) for rule in retention.upcoming(limit=100_000)]
    return paginate_list(rows, "retention", lambda row: retention_dict(row.rule))


@bp.get("/studies/<int:study_id>/retention")
@token_required("view")
def study_retention(user, study_id):
    """One pilot's retention rule with its dates (the owner organisation and coordinators)."""
    study = authorise(user, db.session.get(Study, study_id), "view")
    return retention_dict(retention.describe(study))


@bp.post("/studies/<int:study_id>/retention/postponement")
@token_required("postpone_purge")
def postpone(user, study_id):
    """Move an ended pilot's purge to a later day, with a reason (audited)."""
    study = authorise(user, db.session.get(Study, study_id), "postpone_purge")
    data = json_body()
    with unit_of_work():
        rule = retention.postpone(user, study, data.get("until"), data.get("reason"))
    return retention_dict(rule)
