"""The data-quality page of a pilot: its responses' flags, and exclusions from the sensitivity analysis."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Conflict, DomainError
from ..exports import require_analysable
from ..forms import EmptyForm, show_errors
from ..policy import can, get_study_or_404, requires
from ..results import verdict as say
from ..surveys.instruments import INSTRUMENTS
from ..transactions import unit_of_work
from . import services as quality
from .forms import ExclusionForm

bp = Blueprint("quality", __name__, url_prefix="/studies")
SHOWN = 300  # responses listed on the page; the API pages through all of them


def page(study, form: ExclusionForm, status: int = 200):
    """The counts, the responses flagged or excluded (codes only), and the forms."""
    rows, summary = quality.assess(study)
    listed = [row for row in rows if row.flags or row.exclusion is not None]
    titles = {s.key: s.title for s in study.surveys}
    names = {i["key"]: INSTRUMENTS[i["instrument"]].name for s in study.surveys for i in s.items if "instrument" in i}
    form.survey.choices = [(s.key, f"{s.title} ({say.words(s.timepoint)})") for s in study.surveys]
    return render_template(
        "quality/data_quality.html",
        study=study,
        summary=summary,
        rows=listed[:SHOWN],
        listed=len(listed),
        titles=titles,
        form=form,
        undo_form=EmptyForm(),
        may_exclude=can(current_user, "exclude_responses", study),
        flag_text=lambda flag: say.flag_text(flag, names),
        flag_names=say.FLAG_NAMES,
        duration=say.duration,
    ), status


@bp.get("/<int:study_id>/data-quality")
@requires("results")
def show(study_id: int):
    """Flags per response (straight-lining, too fast, implausible values), and which responses are excluded."""
    study = require_analysable(get_study_or_404(study_id, "results"))
    return page(study, ExclusionForm())


@bp.post("/<int:study_id>/data-quality/exclusions")
@requires("exclude_responses")
def exclude(study_id: int):
    """Exclude one response from the sensitivity analysis, with a reason."""
    study = require_analysable(get_study_or_404(study_id, "exclude_responses"))
    form = ExclusionForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(str(quality.already_excluded()), code="already_excluded"):
                exclusion = quality.exclude(current_user, study, {**form.target(), "reason": form.reason.data})
        except DomainError as err:
            show_errors(form, err, aliases={"response_id": "participant_code"})
            return page(study, form, err.status)
        flash(
            _(
                "Response of %(code)s excluded from the sensitivity analysis. The registered analysis still uses it.",
                code=exclusion.response.enrolment.participant_code,
            ),
            "success",
        )
    return redirect(url_for(".show", study_id=study.id))


@bp.post("/<int:study_id>/data-quality/exclusions/<int:exclusion_id>/undo")
@requires("exclude_responses")
def undo(study_id: int, exclusion_id: int):
    """Bring an excluded response back into the sensitivity analysis."""
    study = require_analysable(get_study_or_404(study_id, "exclude_responses"))
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                quality.undo(current_user, study, exclusion_id)  # another pilot's exclusion: 404
        except Conflict as err:  # undone meanwhile (a second click, a colleague)
            flash(err.message, "info")
            return redirect(url_for(".show", study_id=study.id))
        flash(_("The response is back in the sensitivity analysis."), "success")
    return redirect(url_for(".show", study_id=study.id))
