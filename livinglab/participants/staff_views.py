"""Recruitment progress for the startup and the coordinators: counts and participant codes, never identities."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..policy import get_study_or_404, requires
from .progress import STATUSES, participant_listing
from .progress import progress as recruitment_figures

bp = Blueprint("recruitment", __name__, url_prefix="/studies")


def screening_lines(study, counts: dict[str, int]) -> list[tuple[str, int]]:
    """The screening counts in words: checked, eligible, then excluded by each reason."""
    criteria = (study.eligibility or {}).get("criteria", [])
    lines = [
        (_("Checked their eligibility"), counts.get("screened", 0)),
        (_("Eligible"), counts.get("eligible", 0)),
        (_("Not eligible: age"), counts.get("age", 0)),
    ]
    lines += [
        (_("Not eligible: could not confirm “%(criterion)s”", criterion=text), counts.get(f"criterion:{i}", 0))
        for i, text in enumerate(criteria)
    ]
    lines += [
        (_("Eligible, declined the consent form"), counts.get("declined_consent", 0)),
        (_("Eligible and consenting, turned away: the pilot was full"), counts.get("turned_away_full", 0)),
    ]
    return lines


@bp.get("/<int:study_id>/participants")
@requires("progress")
def progress(study_id: int):
    """Enrolled per arm, answers per timepoint, withdrawals, screening; the participants by code only,
    a page at a time, searched by code."""
    study = get_study_or_404(study_id, "progress")
    figures = recruitment_figures(study)
    status = request.args.get("status") if request.args.get("status") in STATUSES else ""
    listing = participant_listing(study, status)
    return render_template(
        "participants/progress.html",
        study=study,
        figures=figures,
        screening=screening_lines(study, figures["screening"]),
        listing=listing,
        rows=listing.rows,
        status=status,
        randomised=len(study.arms) > 1,
    )
