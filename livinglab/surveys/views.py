"""The survey builder: a study's surveys, their questions and instruments, and a participant's preview."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..errors import Invalid, Malformed, NotFound
from ..extensions import db
from ..forms import EmptyForm, show_errors
from ..policy import get_study_or_404, requires
from ..studies.workflow import require_editable
from ..transactions import unit_of_work
from . import branching, scores, services
from .forms import (
    SCORING,
    TYPE_LABELS,
    InstrumentForm,
    MoveForm,
    NewSurveyForm,
    QuestionForm,
    ScoreForm,
    SectionForm,
    SurveyForm,
    fill_item_key,
)
from .instruments import INSTRUMENTS
from .models import Survey

bp = Blueprint("surveys", __name__, url_prefix="/studies/<int:study_id>/surveys")

FIELD_ERRORS = (Invalid, Malformed)  # a conflict (a frozen protocol) goes to the 409 page instead
ITEM_ALIASES = {"items": "key", "item": "key"}  # duplicate keys and clashes with other surveys


def flash_invalid() -> None:
    """The summary above the page; each message is beside its field."""
    flash(_("Some values are not valid: see the messages beside the fields."), "error")


@bp.app_template_global()
def survey_instrument(code: str):
    """The standard instrument an item uses, for templates that expand it into its statements."""
    return INSTRUMENTS.get(code)


@bp.app_template_global()
def score_text(item: dict, items: list[dict]) -> str:
    """How a computed score of a survey is computed, in words."""
    return scores.describe(item, items)


@bp.app_template_global()
def computed_text(computed: dict) -> str:
    """How a computed score of the results is computed (its entry's `computed`), in words."""
    return scores.how_computed(computed)


@bp.app_template_global()
def score_choices(items: list[dict]) -> list[dict]:
    """The items of a survey a computed score may use, for the builder's checkboxes."""
    return scores.choosable(items)


bp.add_app_template_global(branching.describe, "branch_condition")  # a question's condition in words
bp.add_app_template_global(branching.attributes, "branch_data")  # and as data for static/branching.js
bp.add_app_template_global(branching.candidates, "branch_candidates")  # the answers a condition may look at


def get_survey_or_404(study_id: int, survey_id: int, action: str = "view"):
    """The study (authorised for `action`) and one of its surveys."""
    study = get_study_or_404(study_id, action)
    survey = db.session.get(Survey, survey_id)
    if survey is None or survey.study_id != study.id:
        raise NotFound(_("This survey does not exist."))
    return study, survey


def item_form(item: dict | None = None, kind: str | None = None):
    """The form for an item: an instrument's or a question's, filled from `item` on a GET."""
    instrument = "instrument" in item if item else kind == "instrument"
    form = InstrumentForm() if instrument else QuestionForm()
    if ("section" in item) if item else kind == "section":
        form = SectionForm()
    if ("score" in item) if item else kind == "score":  # a computed score (scores.py)
        form = ScoreForm()
    if item and request.method == "GET":
        form.fill(item)
    return form


def render_builder(study, survey, status=200, **forms):
    forms.setdefault(
        "header_form",
        SurveyForm(
            study,
            formdata=None,
            data={
                "key": survey.key,
                "title": survey.title,
                "timepoint": survey.timepoint,
                "repeat": survey.repeat or "",
            },
        ),
    )
    forms.setdefault("question_form", QuestionForm(formdata=None))
    forms.setdefault("instrument_form", InstrumentForm(formdata=None))
    forms.setdefault("section_form", SectionForm(formdata=None))
    forms.setdefault("score_form", ScoreForm(formdata=None))
    return render_template(
        "surveys/show.html", study=study, survey=survey, type_labels=TYPE_LABELS, scoring=SCORING, **forms
    ), status


@bp.route("/new", methods=["GET", "POST"])
@requires("edit")
def new(study_id: int):
    """Create a survey at one of the study's timepoints, with its first question or instrument."""
    study = get_study_or_404(study_id, "edit")
    require_editable(study)
    form = NewSurveyForm(study)
    if form.is_submitted():  # keys left empty are made from the title and the question
        form.fill_key(study)
        fill_item_key(form.chosen.form, study, timepoint=form.timepoint.data)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                survey = services.create_survey(current_user, study, form.data_for_service())
        except FIELD_ERRORS as err:
            show_errors(form, err, {"items": "first_item_key"})
        else:
            flash(_("Survey “%(title)s” created. Add its other questions below.", title=survey.title), "success")
            return redirect(url_for("surveys.show", study_id=study.id, survey_id=survey.id))
    elif form.is_submitted():
        flash_invalid()
    status = 422 if form.is_submitted() else 200
    return render_template("surveys/new.html", study=study, form=form, scoring=SCORING), status


@bp.get("/<int:survey_id>")
@requires("view")
def show(study_id: int, survey_id: int):
    """A survey's items in order, and (while the protocol is editable) the forms that change them."""
    study, survey = get_survey_or_404(study_id, survey_id)
    return render_builder(study, survey)


@bp.post("/<int:survey_id>/edit")
@requires("edit")
def update(study_id: int, survey_id: int):
    """Change a survey's title, key or timepoint."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    form = SurveyForm(study)
    if form.is_submitted():
        form.fill_key(study, survey)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.update_survey(current_user, survey, form.header())
        except FIELD_ERRORS as err:
            show_errors(form, err, {"items": "timepoint"})  # its items clash with another survey's there
        else:
            flash(_("Survey saved."), "success")
            return redirect(url_for("surveys.show", study_id=study.id, survey_id=survey.id))
    elif form.is_submitted():
        flash_invalid()
    return render_builder(study, survey, 422, header_form=form)


@bp.post("/<int:survey_id>/items")
@requires("edit")
def add_item(study_id: int, survey_id: int):
    """Add a question or a standard instrument at the end of the survey."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    form = item_form(kind=request.form.get("kind"))
    if form.is_submitted():
        fill_item_key(form, study, survey)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.add_item(current_user, survey, form.item())
        except FIELD_ERRORS as err:
            show_errors(form, err, ITEM_ALIASES)
        else:
            flash(_("“%(key)s” added.", key=form.key.data.strip()), "success")
            return redirect(
                url_for("surveys.show", study_id=study.id, survey_id=survey.id, _anchor=f"item-{len(survey.items)}")
            )
    elif form.is_submitted():
        flash_invalid()
    which = "instrument_form" if isinstance(form, InstrumentForm) else "question_form"
    which = "section_form" if isinstance(form, SectionForm) else which
    which = "score_form" if isinstance(form, ScoreForm) else which
    return render_builder(study, survey, 422, **{which: form})


@bp.route("/<int:survey_id>/items/<int:index>/edit", methods=["GET", "POST"])
@requires("edit")
def edit_item(study_id: int, survey_id: int, index: int):
    """Change one question or instrument."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    if not 0 <= index < len(survey.items):
        raise NotFound(_("This item does not exist."))
    require_editable(study)
    form = item_form(survey.items[index])
    if form.is_submitted():
        fill_item_key(form, study, survey, index)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.edit_item(current_user, survey, index, form.item())
        except FIELD_ERRORS as err:
            show_errors(form, err, ITEM_ALIASES)
        else:
            flash(_("“%(key)s” saved.", key=form.key.data.strip()), "success")
            return redirect(
                url_for("surveys.show", study_id=study.id, survey_id=survey.id, _anchor=f"item-{index + 1}")
            )
    elif form.is_submitted():
        flash_invalid()
    status = 422 if form.is_submitted() else 200
    return render_template(
        "surveys/edit_item.html", study=study, survey=survey, index=index, form=form, scoring=SCORING
    ), status


@bp.post("/<int:survey_id>/items/<int:index>/move")
@requires("edit")
def move_item(study_id: int, survey_id: int, index: int):
    """Move an item one place up or down."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    offset = -1 if form.direction.data == "up" else 1
    with unit_of_work():
        services.move_item(current_user, survey, index, offset)
    flash(_("Item moved."), "success")
    target = min(max(index + offset, 0), len(survey.items) - 1)
    return redirect(url_for("surveys.show", study_id=study.id, survey_id=survey.id, _anchor=f"item-{target + 1}"))


@bp.post("/<int:survey_id>/items/<int:index>/delete")
@requires("edit")
def delete_item(study_id: int, survey_id: int, index: int):
    """Remove one item (a survey keeps at least one)."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    if not EmptyForm().validate_on_submit():
        abort(400)
    require_editable(study)  # a frozen protocol answers 409 before anything is asked
    if request.form.get("confirmed") != "yes" and index < len(survey.items) and len(survey.items) > 1:
        item = survey.items[index]
        return render_template(
            "confirm.html",
            title=_("Delete this question?"),
            action=url_for("surveys.delete_item", study_id=study.id, survey_id=survey.id, index=index),
            lines=[
                _(
                    "“%(question)s” will be deleted from the survey “%(title)s”. This cannot be undone.",
                    question=item.get("text") or item.get("key"),
                    title=survey.title,
                )
            ],
            carried={},
            confirm=_("Yes, delete the question"),
            cancel=url_for("surveys.show", study_id=study.id, survey_id=survey.id),
            cancel_label=_("No, keep it"),
        )
    try:
        with unit_of_work():
            services.delete_item(current_user, survey, index)
    except FIELD_ERRORS as err:
        flash(err.message, "error")
    else:
        flash(_("Item deleted."), "success")
    return redirect(url_for("surveys.show", study_id=study.id, survey_id=survey.id))


@bp.post("/<int:survey_id>/delete")
@requires("edit")
def delete(study_id: int, survey_id: int):
    """Delete a whole survey."""
    study, survey = get_survey_or_404(study_id, survey_id, "edit")
    if not EmptyForm().validate_on_submit():
        abort(400)
    require_editable(study)  # a frozen protocol answers 409 before anything is asked
    if request.form.get("confirmed") != "yes":
        return render_template(
            "confirm.html",
            title=_("Delete this survey?"),
            action=url_for("surveys.delete", study_id=study.id, survey_id=survey.id),
            lines=[
                ngettext(
                    "The survey “%(title)s” and its %(num)d item will be deleted. This cannot be undone.",
                    "The survey “%(title)s” and its %(num)d items will be deleted. This cannot be undone.",
                    len(survey.items),
                    title=survey.title,
                )
            ],
            carried={},
            confirm=_("Yes, delete the survey"),
            cancel=url_for("surveys.show", study_id=study.id, survey_id=survey.id),
            cancel_label=_("No, keep it"),
        )
    title = survey.title
    with unit_of_work():
        services.delete_survey(current_user, survey)
    flash(_("Survey “%(title)s” deleted.", title=title), "success")
    return redirect(url_for("studies.show", study_id=study.id))


@bp.get("/<int:survey_id>/preview")
@requires("view")
def preview(study_id: int, survey_id: int):
    """The survey exactly as a participant will see it, every input disabled."""
    study, survey = get_survey_or_404(study_id, survey_id)
    return render_template("surveys/preview.html", study=study, survey=survey)
