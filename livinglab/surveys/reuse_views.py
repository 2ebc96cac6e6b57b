"""The builder's reuse: copy an item, a section or a whole survey to another timepoint, add a question from the
organisation's other pilots (the library), start a survey from a template. Only on the study's own builder while
its protocol is editable: an approved pilot's amendment changes a survey only under the rule on opened timepoints
(`studies/amendments.py`), so there the builder offers the usual forms and says why copying is not offered."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from .. import validation as v
from ..errors import Invalid, Malformed, NotFound
from ..extensions import db
from ..forms import EmptyForm
from ..policy import get_study_or_404, requires
from ..studies.pilot_languages import LANGUAGE_NAMES
from ..studies.workflow import require_editable
from ..transactions import unit_of_work
from . import reuse
from .forms import TYPE_LABELS
from .models import Survey
from .survey_templates import SURVEY_TEMPLATES, TEMPLATE_LANGUAGES
from .views import get_survey_or_404

bp = Blueprint("survey_reuse", __name__, url_prefix="/studies/<int:study_id>/surveys")
FIELD_ERRORS = (Invalid, Malformed)
QUERY_MAX = 200


@bp.app_template_global()
def survey_templates() -> dict:
    """The surveys to start from, for the new survey page."""
    return SURVEY_TEMPLATES


@bp.app_template_global()
def template_languages() -> dict:
    return TEMPLATE_LANGUAGES


def posted(name: str) -> str:
    """A posted field, checked as one short line (CR/LF or an overlong value is a malformed request)."""
    value = request.form.get(name, "")
    if len(value) > QUERY_MAX or "\r" in value or "\n" in value:
        abort(400)
    return value


def editable_survey(study_id: int, survey_id: int):
    """The study (its organisation may edit it, and it is editable) and its survey; a bad CSRF token is 400."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    require_editable(study)  # a frozen protocol answers 409 before anything is read from the form
    if not EmptyForm().validate_on_submit():
        abort(400)
    return study, survey


@bp.post("/<int:survey_id>/items/<int:index>/copy")
@requires("edit")
def copy_item(study_id: int, survey_id: int, index: int):
    """Copy one item, or a section with its items, to the survey of another timepoint (keys kept)."""
    study, survey = editable_survey(study_id, survey_id)
    target_id, section = v.digits(posted("target"), max_len=11), posted("section") == "yes"
    target = db.session.get(Survey, target_id) if target_id is not None else None
    if target is None or target.study_id != study.id:
        raise NotFound(_("This survey does not exist."))
    back = url_for("surveys.show", study_id=study.id, survey_id=survey.id)
    try:
        with unit_of_work():
            count = reuse.copy_items(
                current_user, survey, index, target, section=section, drop_conditions=posted("confirmed") == "yes"
            )
    except reuse.ConditionsNotMet as err:
        return render_template(
            "confirm.html",
            title=_("Copy without the condition?"),
            action=url_for(".copy_item", study_id=study.id, survey_id=survey.id, index=index),
            lines=[
                err.message,
                _(
                    "Copied without it, the question is asked to everyone in “%(title)s”. Or cancel, copy the "
                    "questions it names first, and copy it again.",
                    title=target.title,
                ),
            ],
            carried={"target": target.id, "section": "yes" if section else ""},
            confirm=_("Copy without the condition"),
            cancel=back,
            cancel_label=_("No, do not copy"),
        ), 409
    except FIELD_ERRORS as err:
        flash(_("Nothing was copied: %(reason)s", reason=err.message), "error")
        return redirect(back)
    flash(
        ngettext(
            "%(num)d item copied to “%(title)s” (%(timepoint)s).",
            "%(num)d items copied to “%(title)s” (%(timepoint)s).",
            count,
            title=target.title,
            timepoint=target.timepoint,
        ),
        "success",
    )
    return redirect(url_for("surveys.show", study_id=study.id, survey_id=target.id, _anchor="reuse"))


@bp.post("/<int:survey_id>/copy")
@requires("edit")
def copy_survey(study_id: int, survey_id: int):
    """A new survey at another timepoint with the same items."""
    study, survey = editable_survey(study_id, survey_id)
    timepoint = posted("timepoint")
    if timepoint not in study.timepoints:
        raise NotFound(_("This timepoint does not exist."))
    try:
        with unit_of_work():
            copy = reuse.copy_survey(current_user, survey, timepoint)
    except FIELD_ERRORS as err:
        flash(_("Nothing was copied: %(reason)s", reason=err.message), "error")
        return redirect(url_for("surveys.show", study_id=study.id, survey_id=survey.id, _anchor="reuse"))
    flash(_("Survey copied to %(timepoint)s as “%(title)s”.", timepoint=timepoint, title=copy.title), "success")
    return redirect(url_for("surveys.show", study_id=study.id, survey_id=copy.id))


@bp.get("/<int:survey_id>/library")
@requires("edit")
def library(study_id: int, survey_id: int):
    """The questions of the organisation's other pilots, searchable by their words, each to add to this survey."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    require_editable(study)
    query = request.args.get("q", "")[:QUERY_MAX].replace("\r", " ").replace("\n", " ")
    found = reuse.library(study, query)
    return render_template(
        "surveys/library.html",
        study=study,
        survey=survey,
        query=query,
        found=found,
        limit=reuse.LIBRARY_LIMIT,
        type_labels=TYPE_LABELS,
    )


@bp.post("/<int:survey_id>/library")
@requires("edit")
def add_from_library(study_id: int, survey_id: int):
    """Add a question of the organisation's other pilots at the end of this survey, without its condition."""
    study, survey = editable_survey(study_id, survey_id)
    source, key = v.digits(posted("source"), max_len=11), posted("key")
    if source is None:
        raise NotFound(_("This question does not exist."))
    back = url_for(".library", study_id=study.id, survey_id=survey.id, q=posted("q") or None)
    try:
        with unit_of_work():
            item, dropped = reuse.add_from_library(current_user, study, survey, source, key)
    except FIELD_ERRORS as err:
        flash(_("Nothing was added: %(reason)s", reason=err.message), "error")
        return redirect(back)
    flash(_("“%(key)s” added.", key=item["key"]), "success")
    for language in dropped:  # its wording in a language this pilot does not translate into: said, never lost silently
        name = LANGUAGE_NAMES.get(language, language)
        if language == (study.languages or [None])[0]:
            message = _(
                "“%(key)s” was added as its own pilot words it, without its translation into %(language)s, the "
                "language this pilot is written in: write its %(language)s wording in the question if you need it.",
                key=item["key"],
                language=name,
            )
        else:
            message = _(
                "“%(key)s” was added without its translation into %(language)s: this pilot is not offered in "
                "%(language)s.",
                key=item["key"],
                language=name,
            )
        flash(message, "warning")
    return redirect(
        url_for("surveys.show", study_id=study.id, survey_id=survey.id, _anchor=f"item-{len(survey.items)}")
    )


@bp.post("/from-template")
@requires("edit")
def from_template(study_id: int):
    """Create a survey from a template, in English or French, at one of the study's timepoints."""
    study = get_study_or_404(study_id, "edit")
    require_editable(study)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name, language, timepoint = posted("template"), posted("language"), posted("timepoint")
    if name not in SURVEY_TEMPLATES or language not in TEMPLATE_LANGUAGES or timepoint not in study.timepoints:
        flash(_("Choose a template, its language and a timepoint."), "error")
        return redirect(url_for("surveys.new", study_id=study.id))
    try:
        with unit_of_work():
            survey = reuse.from_template(current_user, study, name, language, timepoint)
    except FIELD_ERRORS as err:
        flash(_("The survey was not created: %(reason)s", reason=err.message), "error")
        return redirect(url_for("surveys.new", study_id=study.id))
    flash(_("Survey “%(title)s” created from the template: change it as you need.", title=survey.title), "success")
    return redirect(url_for("surveys.show", study_id=study.id, survey_id=survey.id))
