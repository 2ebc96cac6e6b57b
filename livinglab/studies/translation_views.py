"""The translation page (issue 14, item 8): every participant-facing text of a pilot beside a field for each of its
other declared languages, saved in one transaction, on a draft (or changes requested) and on an amendment's draft."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError, Invalid
from ..forms import EmptyForm
from ..policy import get_study_or_404, requires
from ..transactions import unit_of_work
from . import amendments, pilot_languages, services, workflow
from .edit_target import AmendmentTarget, StudyTarget

bp = Blueprint("translations", __name__, url_prefix="/studies/<int:study_id>")
# What participants read, in their language: the templates of the participant's pages call these
bp.add_app_template_global(pilot_languages.pilot_text, "pilot_text")
bp.add_app_template_global(pilot_languages.field_text, "pilot_field")
bp.add_app_template_global(pilot_languages.survey_title, "survey_title")
bp.add_app_template_global(pilot_languages.timepoint_name, "timepoint_name")
bp.add_app_template_global(pilot_languages.arm_name, "arm_name")
bp.add_app_template_global(pilot_languages.item_view, "pilot_item")
bp.add_app_template_global(pilot_languages.branch_hint, "pilot_branch_hint")
bp.add_app_template_global(pilot_languages.names, "pilot_language_names")


@bp.route("/translations", methods=["GET", "POST"])
@requires("edit")
def edit(study_id: int):
    """The pilot's texts in its other languages, while it is a draft or changes are requested."""
    study = get_study_or_404(study_id, "edit")
    try:
        workflow.require_editable(study)
    except DomainError as err:  # frozen: say why, on the study page (as the other editors do)
        flash(err.message, "error")
        return redirect(url_for("studies.show", study_id=study.id))
    return page(study, StudyTarget(study), lambda data: services.save_draft(current_user, study, data))


@bp.route("/amendments/<int:version>/translations", methods=["GET", "POST"])
@requires("amend")
def amendment(study_id: int, version: int):
    """The same page on an amendment's proposed texts."""
    from .amendment_editing import load, refused

    study, proposed, target = load(study_id, version)
    if back := refused(target):
        return back
    shadow = amendments.proposed_study(proposed)
    return page(
        shadow,
        target,
        lambda data: amendments.save_draft(current_user, study, proposed, data, shadow),
    )


def posted(record: dict) -> dict:
    """The page's form as the protocol body's `languages` and `translations`. An outdated translation sent back
    unchanged keeps naming the older text, unless its "still right" box is ticked."""
    first = request.form.get("written_in", "")
    languages = [first] if first in pilot_languages.LANGUAGES else []
    languages += [
        lang
        for lang in request.form.getlist("languages")
        if lang in pilot_languages.LANGUAGES and lang not in languages
    ]
    stored = record["protocol"].get("translations") or {}
    translations: dict[str, dict] = {}
    for language in languages[1:]:
        for row in pilot_languages.rows(record, language):
            name = field_name(language, row.source.path)
            if name not in request.form:  # a text added since the page was shown: left as it was
                if row.text:
                    translations.setdefault(language, {})[row.source.path] = stored[language][row.source.path]
                continue
            text = request.form.get(name, "").strip()
            if not text:
                continue
            source = pilot_languages.fingerprint(row.source.text)
            if row.state == "outdated" and text == row.text and not request.form.get("ok-" + name):
                source = stored[language][row.source.path]["source"]
            translations.setdefault(language, {})[row.source.path] = {"text": text, "source": source}
    return {"languages": languages, "translations": translations}


def field_name(language: str, path: str) -> str:
    return f"t-{language}-{path}"


def page(study, target: StudyTarget | AmendmentTarget, save):
    """The page on `study` (the study, or an amendment's proposed one); `save(data)` answers (changed, invalid)."""
    form = EmptyForm()
    record = pilot_languages.record_of(study)
    status = 200
    if form.is_submitted():
        if not form.validate():
            flash(_("This form has expired: nothing was saved. Please try again."), "error")
            status = 400
        else:
            try:
                with unit_of_work():
                    changed, invalid = save(posted(record))
                    if invalid:  # all or nothing: one refused text keeps the page as it was
                        raise Invalid(next(iter(invalid.values())), fields=invalid)
            except DomainError as err:
                flash(err.message, "error")
                status = 422
            else:
                flash(_("Translations saved.") if changed else _("Nothing changed."), "success")
                return redirect(request.path)
    declared = list(study.languages or [])
    tables = [(language, pilot_languages.rows(record, language)) for language in declared[1:]]
    return render_template(
        "studies/translations.html",
        study=study,
        target=target,
        form=form,
        declared=declared,
        tables=tables,
        field_name=field_name,
        language_names=pilot_languages.LANGUAGE_NAMES,
        all_languages=pilot_languages.LANGUAGES,
    ), status
