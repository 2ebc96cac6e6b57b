"""Editing an amendment in the browser, like a draft: the protocol, consent and survey editors of the study,
working on the amendment's record (its proposed study, `amendments.proposed_study`) instead of the study.

The templates are the study's own; an `AmendmentTarget` gives them their links. Every save goes through the
amendment's services (`amendments.save_draft`, `save_consent`, `save_survey`): the same checks as the API, and
the rule that a survey whose timepoint has opened may change only its wording."""

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError, Invalid, Malformed, NotFound
from ..forms import EmptyForm, show_errors
from ..policy import get_study_or_404, requires
from ..surveys.forms import (
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
from ..surveys.scores import removal_refused
from ..surveys.services import checked_item
from ..surveys.views import ITEM_ALIASES, flash_invalid, item_form
from ..transactions import unit_of_work
from . import amendments
from .edit_target import AmendmentTarget
from .forms import ConsentForm, consent_initial, gdpr_answers, gdpr_fields
from .views import page_helpers, protocol_editor, show_consent_errors

bp = Blueprint("amendment_editing", __name__, url_prefix="/studies/<int:study_id>/amendments/<int:version>")
bp.context_processor(page_helpers)  # the editors' templates read the study pages' helpers
FIELD_ERRORS = (Invalid, Malformed)


def load(study_id: int, version: int):
    """The study (its organisation may amend it), the amendment, and its target; a frozen amendment
    (submitted or decided) answers on its page why it cannot change."""
    study = get_study_or_404(study_id, "amend")
    amendment = amendments.find(study, version)
    return study, amendment, AmendmentTarget(study, amendment)


def refused(target: AmendmentTarget):
    """Back to the amendment's page with the reason, unless it is editable."""
    try:
        amendments.require_editable(target.amendment)  # type: ignore[arg-type]  # the target has its amendment
    except DomainError as err:
        flash(err.message, "error")
        return redirect(target.back)
    return None


def requested(amendment) -> list:
    """The coordinator's comment that sent the amendment back, above the editors."""
    if amendment.status != amendments.A.CHANGES_REQUESTED or not amendment.decision_comment:
        return []
    return [SimpleNamespace(section="general", body=amendment.decision_comment)]


@bp.route("/protocol", methods=["GET", "POST"])
@requires("amend")
def protocol(study_id: int, version: int):
    """The protocol editor on the amendment's proposed protocol: every valid field is saved, the others listed."""
    study, amendment, target = load(study_id, version)
    if back := refused(target):
        return back
    shadow = amendments.proposed_study(amendment)
    return protocol_editor(
        shadow,
        target,
        lambda data: amendments.save_draft(current_user, study, amendment, data, shadow),
        requested(amendment),
    )


@bp.route("/consent", methods=["GET", "POST"])
@requires("amend")
def consent(study_id: int, version: int):
    """The consent editor on the amendment's proposed consent form (participants sign it once approved)."""
    study, amendment, target = load(study_id, version)
    if back := refused(target):
        return back
    shadow = amendments.proposed_study(amendment)
    form = ConsentForm(data=consent_initial(shadow) if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        clauses, rows = form.filled_clauses()
        try:
            with unit_of_work():
                amendments.save_consent(current_user, study, amendment, form.text.data, clauses, gdpr_answers(form))
        except DomainError as err:
            show_consent_errors(form, err, rows)
            status = err.status
        else:
            flash(_("Proposed consent form saved."), "success")
            return redirect(url_for(".consent", study_id=study.id, version=version))
    elif form.is_submitted():
        status = 400 if "csrf_token" in form.errors else 422
    approved = study.current_consent.version if study.current_consent else 0
    return render_template(
        "studies/consent_edit.html",
        study=shadow,
        target=target,
        form=form,
        requested=requested(amendment),
        approved_consent=approved,
        gdpr_fields=gdpr_fields(form),
    ), status


# --- Surveys: each change is a whole survey saved with `amendments.save_survey` -------------------------


def proposed_survey(study_id: int, version: int, key: str):
    """The study, amendment, target, proposed study and the survey with this key in it (else 404)."""
    study, amendment, target = load(study_id, version)
    shadow = amendments.proposed_study(amendment)
    survey = next((s for s in shadow.surveys if s.key == key), None)
    if survey is None:
        raise NotFound(_("This survey does not exist."))
    return study, amendment, target, shadow, survey


def save(study, amendment, survey, items: list | None = None, **header) -> None:
    """Save the survey (its key kept) with these items and header fields, in one transaction."""
    data = {"key": survey.key, "title": survey.title, "timepoint": survey.timepoint, "items": survey.items}
    if survey.repeat:
        data["repeat"] = survey.repeat
    data.update({name: value for name, value in header.items() if name in ("title", "timepoint", "repeat")})
    if not data.get("repeat"):
        data.pop("repeat", None)  # answered once: left out of the record (its hash as before)
    if items is not None:
        data["items"] = items
    with unit_of_work():
        amendments.save_survey(current_user, study, amendment, data)


def builder(study, target, survey, status=200, **forms):
    """The survey builder's page on the amendment's survey."""
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
        "surveys/show.html",
        study=study,
        survey=survey,
        target=target,
        type_labels=TYPE_LABELS,
        scoring=SCORING,
        **forms,
    ), status


def back_to(target, survey, anchor: str | None = None):
    return redirect(target.survey_url("show", survey, _anchor=anchor) if anchor else target.survey_url("show", survey))


@bp.route("/new-survey", methods=["GET", "POST"])
@requires("amend")
def survey_new(study_id: int, version: int):
    """Add a survey to the amendment, at any timepoint, with its first question or instrument."""
    study, amendment, target = load(study_id, version)
    if back := refused(target):
        return back
    shadow = amendments.proposed_study(amendment)
    form = NewSurveyForm(shadow)
    if form.is_submitted():
        form.fill_key(shadow)
        fill_item_key(form.chosen.form, shadow, timepoint=form.timepoint.data)
    if form.validate_on_submit():
        data = form.data_for_service()
        if any(s.key == data["key"] for s in shadow.surveys):  # saving by key would replace that survey
            form.key.errors = [_("Another survey already has this key.")]
        else:
            try:
                with unit_of_work():
                    amendments.save_survey(current_user, study, amendment, data)
            except FIELD_ERRORS as err:
                show_errors(form, err, {"items": "first_item_key"})
            else:
                flash(_("Survey “%(title)s” added to the amendment.", title=data["title"]), "success")
                return redirect(url_for(".survey_show", study_id=study.id, version=version, key=data["key"]))
    if form.is_submitted():
        flash_invalid()
    status = 422 if form.is_submitted() else 200
    return render_template("surveys/new.html", study=shadow, target=target, form=form, scoring=SCORING), status


@bp.get("/surveys/<key>")
@requires("amend")
def survey_show(study_id: int, version: int, key: str):
    """The amendment's survey, with the builder's forms while the amendment is editable."""
    _study, _amendment, target, shadow, survey = proposed_survey(study_id, version, key)
    return builder(shadow, target, survey)


@bp.post("/surveys/<key>/edit")
@requires("amend")
def survey_update(study_id: int, version: int, key: str):
    """Change the survey's title or timepoint (its key stays)."""
    study, amendment, target, shadow, survey = proposed_survey(study_id, version, key)
    if back := refused(target):
        return back
    form = SurveyForm(shadow)
    if form.validate_on_submit():
        try:
            save(
                study, amendment, survey, title=form.title.data, timepoint=form.timepoint.data, repeat=form.repeat.data
            )
        except FIELD_ERRORS as err:
            show_errors(form, err, {"items": "timepoint"})
            flash(err.message, "error")
        else:
            flash(_("Survey saved."), "success")
            return back_to(target, survey)
    else:
        flash_invalid()
    return builder(shadow, target, survey, 422, header_form=form)


@bp.post("/surveys/<key>/items")
@requires("amend")
def survey_add_item(study_id: int, version: int, key: str):
    """Add a question or a standard instrument at the end of the amendment's survey."""
    study, amendment, target, shadow, survey = proposed_survey(study_id, version, key)
    if back := refused(target):
        return back
    form = item_form(kind=request.form.get("kind"))
    if form.is_submitted():
        fill_item_key(form, shadow, survey)
    if form.validate_on_submit():
        try:
            save(study, amendment, survey, [*survey.items, checked_item(form.item())])
        except FIELD_ERRORS as err:
            show_errors(form, err, ITEM_ALIASES)
            flash(err.message, "error")
        else:
            flash(_("“%(key)s” added.", key=form.key.data.strip()), "success")
            return back_to(target, survey, f"item-{len(survey.items) + 1}")
    else:
        flash_invalid()
    which = "instrument_form" if isinstance(form, InstrumentForm) else "question_form"
    which = "section_form" if isinstance(form, SectionForm) else which
    which = "score_form" if isinstance(form, ScoreForm) else which
    return builder(shadow, target, survey, 422, **{which: form})


def item_index(survey, index: int) -> int:
    if not 0 <= index < len(survey.items):
        raise NotFound(_("This item does not exist."))
    return index


@bp.route("/surveys/<key>/items/<int:index>/edit", methods=["GET", "POST"])
@requires("amend")
def survey_edit_item(study_id: int, version: int, key: str, index: int):
    """Change one question or instrument of the amendment's survey (its wording only, once it has opened)."""
    study, amendment, target, shadow, survey = proposed_survey(study_id, version, key)
    index = item_index(survey, index)
    if back := refused(target):
        return back
    form = item_form(survey.items[index])
    if form.is_submitted():
        fill_item_key(form, shadow, survey, index)
    if form.validate_on_submit():
        items = list(survey.items)
        try:
            items[index] = checked_item(form.item())
            save(study, amendment, survey, items)
        except FIELD_ERRORS as err:
            show_errors(form, err, ITEM_ALIASES)
            flash(err.message, "error")
        else:
            flash(_("“%(key)s” saved.", key=form.key.data.strip()), "success")
            return back_to(target, survey, f"item-{index + 1}")
    elif form.is_submitted():
        flash_invalid()
    status = 422 if form.is_submitted() else 200
    return render_template(
        "surveys/edit_item.html", study=shadow, target=target, survey=survey, index=index, form=form, scoring=SCORING
    ), status


@bp.post("/surveys/<key>/items/<int:index>/move")
@requires("amend")
def survey_move_item(study_id: int, version: int, key: str, index: int):
    """Move an item one place up or down (not once the survey has opened: its order is its structure)."""
    study, amendment, target, _shadow, survey = proposed_survey(study_id, version, key)
    index = item_index(survey, index)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if back := refused(target):
        return back
    offset = -1 if form.direction.data == "up" else 1
    target_index = min(max(index + offset, 0), len(survey.items) - 1)
    items = list(survey.items)
    items[index], items[target_index] = items[target_index], items[index]
    try:
        save(study, amendment, survey, items)
    except FIELD_ERRORS as err:
        flash(err.message, "error")
    else:
        flash(_("Item moved."), "success")
    return back_to(target, survey, f"item-{target_index + 1}")


@bp.post("/surveys/<key>/items/<int:index>/delete")
@requires("amend")
def survey_delete_item(study_id: int, version: int, key: str, index: int):
    """Remove one item (a survey keeps at least one; not once the survey has opened), after a confirmation."""
    study, amendment, target, _shadow, survey = proposed_survey(study_id, version, key)
    index = item_index(survey, index)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if back := refused(target):
        return back
    if request.form.get("confirmed") != "yes" and len(survey.items) > 1:
        item = survey.items[index]
        return render_template(
            "confirm.html",
            title=_("Delete this question?"),
            action=target.survey_url("delete_item", survey, index=index),
            lines=[
                _(
                    "“%(question)s” will be deleted from the survey “%(title)s” of the amendment.",
                    question=item.get("text") or item.get("key"),
                    title=survey.title,
                )
            ],
            carried={},
            confirm=_("Yes, delete the question"),
            cancel=target.survey_url("show", survey),
            cancel_label=_("No, keep it"),
        )
    try:
        if used := removal_refused(survey.items, index):
            raise Invalid(used, fields={"items": used})
        save(study, amendment, survey, [item for i, item in enumerate(survey.items) if i != index])
    except FIELD_ERRORS as err:
        flash(err.message, "error")
    else:
        flash(_("Item deleted."), "success")
    return back_to(target, survey)
