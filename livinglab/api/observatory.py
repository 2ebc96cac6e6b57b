"""The observatory as JSON, for coordinators: the figures of the page and its per-study table."""

from dataclasses import asdict
from types import SimpleNamespace

from flask import Blueprint

from ..observatory import services
from ..studies.models import Domain
from .common import query_choice, query_whole_number, token_required
from .pagination import paginate_list

bp = Blueprint("observatory", __name__)
coordinators_only = token_required("observatory")
FIRST_YEAR, LAST_YEAR = 1970, 9999  # the page's filter accepts the same years


def scope() -> services.Scope:
    """`?domain=` and `?year=` (of creation, UTC), as the page's filters."""
    domain = query_choice("domain", Domain)
    year = query_whole_number("year", FIRST_YEAR, LAST_YEAR)
    return services.Scope(domain=domain, year=year)


@bp.get("/observatory")
@coordinators_only
def figures(_user):
    """Studies by domain and status, participants enrolled and retained, review turnaround, outcomes."""
    chosen = scope()
    return {"scope": asdict(chosen), **services.figures(chosen)}


VERDICTS = {"yes": True, "no": False}


def study_row(entry) -> dict:
    """One row of the page's CSV, with JSON's types: no value is null, not an empty string."""
    row = {key: (None if value == "" else value) for key, value in entry.row.items()}
    verdict = entry.row["primary_outcome_supported"]
    row["primary_outcome_supported"] = VERDICTS.get(verdict)
    row["ended"] = verdict != ""
    return row


@bp.get("/observatory/studies")
@coordinators_only
def studies(_user):
    """One row per study in scope: state, review dates and rounds, participation, verdict; no person."""
    rows = [SimpleNamespace(id=row["study_id"], row=row) for row in services.export_rows(scope())]
    return paginate_list(rows, "observatory_studies", study_row)
