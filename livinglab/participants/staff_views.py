"""Recruitment progress for the startup and the coordinators: counts and participant codes, never identities."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import validation as v
from ..errors import DomainError
from ..extensions import db
from ..forms import show_errors
from ..policy import can, get_study_or_404, requires
from ..studies import sites
from ..surveys.answers import readable
from ..transactions import unit_of_work
from . import corrections
from .drafts import shown
from .forms import CorrectionForm
from .models import AnswerRevision, Response
from .progress import STATUSES, participant_listing
from .progress import progress as recruitment_figures

bp = Blueprint("recruitment", __name__, url_prefix="/studies")
LOG_SHOWN = 200  # corrections on the log page; the API pages through all of them


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
        may_correct=can(current_user, "correct_answers", study),
        by_site=sites.enrolled_per_site(study),  # one grouped query; [] without sites
    )


@bp.get("/<int:study_id>/corrections")
@requires("results")
def corrections_log(study_id: int):
    """Every answer corrected after it was sent, newest first, for whoever reads the results: codes only."""
    study = get_study_or_404(study_id, "results")
    counts = corrections.log_count(study)
    revisions = db.session.scalars(corrections.log_of(study).order_by(AnswerRevision.id.desc()).limit(LOG_SHOWN)).all()
    rows = [
        {**corrections.log_entry(row, staff=False), "at": row.changed_at, "survey_title": row.response.survey.title}
        for row in revisions
    ]
    total = counts["participant"] + counts["coordinator"]
    return render_template(
        "participants/corrections_log.html", study=study, rows=rows, counts=counts, total=total, shown=len(rows)
    )


@bp.get("/<int:study_id>/participants/<code>")
@requires("correct_answers")
def participant_answers(study_id: int, code: str):
    """One participant's answers by code (never an identity), each survey with its corrections, and a link to
    correct each answer. A fixed number of queries, whatever the number of answers or corrections."""
    study = get_study_or_404(study_id, "correct_answers")
    enrolment = corrections.enrolment_by_code(study, code)
    responses = db.session.scalars(
        select(Response)
        .where(Response.enrolment_id == enrolment.id)
        .order_by(Response.id)
        .options(selectinload(Response.answers), selectinload(Response.survey))
    ).all()
    history = corrections.revisions_of([r.id for r in responses])
    sheets = [
        {
            "response": response,
            "lines": readable(response.survey.items, {a.item_key: (a.number, a.text) for a in response.answers}),
            "revisions": [
                {
                    **corrections.revision_dict(row, corrections.item_types(response.survey), staff=True),
                    "at": row.changed_at,
                }
                for row in history[response.id]
            ],
        }
        for response in responses
    ]
    return render_template("participants/participant_answers.html", study=study, enrolment=enrolment, sheets=sheets)


@bp.route("/<int:study_id>/participants/<code>/surveys/<key>/items/<item_key>/correct", methods=["GET", "POST"])
@requires("correct_answers")
def correct_answer(study_id: int, code: str, key: str, item_key: str):
    """Correct one answer of one participant, giving the reason; the earlier value is kept in the history."""
    study = get_study_or_404(study_id, "correct_answers")
    enrolment = corrections.enrolment_by_code(study, code)
    survey = corrections.find_survey(study, key)
    response = corrections.find_response(enrolment, survey)
    item = corrections.answer_item(survey, item_key)
    if item is None:
        abort(404)
    form = CorrectionForm()
    current = shown(corrections.api_values(survey, response))
    answers, errors = current, {}
    if form.is_submitted():
        multiple = item.get("type") == "multiple_choice"
        value = request.form.getlist(item_key) if multiple else (request.form.get(item_key) or "").strip() or None
        answers = {**current, item_key: value}
        posted = (form.revision.data or "").strip()
        revision = v.digits(posted, max_len=9)
        try:
            with unit_of_work():
                corrections.correct_as_coordinator(
                    current_user, study, code, key, {item_key: value}, form.reason.data, revision
                )
        except DomainError as err:
            if err.code == "stale_revision":
                flash(err.message, "warning")
                return redirect(request.path)
            errors = {k: m for k, m in err.fields.items() if k not in ("reason", "revision")}
            show_errors(form, err)
        else:
            flash(_("The answer is corrected. Its earlier value is kept in the history below."), "success")
            return redirect(url_for(".participant_answers", study_id=study.id, code=code) + f"#sheet-{response.id}")
    else:
        form.revision.data = str(response.revision)
    return render_template(
        "participants/correct_answer.html",
        study=study,
        enrolment=enrolment,
        survey=survey,
        item=item,
        form=form,
        answers=answers,
        errors=errors,
    ), 422 if form.is_submitted() else 200
