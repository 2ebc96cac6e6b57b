"""Build the surveys of a study while its protocol is editable."""

from flask_babel import gettext as _

from .. import audit, schema
from .. import validation as v
from ..errors import Invalid, NotFound
from ..extensions import db
from ..studies import workflow
from ..studies.models import Study
from .definitions import NewSurvey, SurveyChanges, clean_item, clean_items, conflicts_with_other_surveys
from .models import Survey
from .scores import removal_refused


def _clean_header(study: Study, data: dict, *, creating: bool) -> tuple[dict, dict]:
    """The survey's key, title, timepoint (and items when creating), checked; (clean, errors)."""
    if creating:  # a body without items is told that a survey needs one
        clean, errors = schema.validate(NewSurvey, {"items": [], **data}, partial=SurveyChanges)
    else:
        clean, errors = schema.validate(SurveyChanges, data)
    if "timepoint" in clean and clean["timepoint"] not in study.timepoints:
        errors["timepoint"] = v.FieldError(
            _("Must be one of the study's timepoints: %(tps)s.", tps=", ".join(study.timepoints))
        )
    return clean, errors


def _check_against_others(study: Study, survey: Survey | None, items: list[dict], timepoint: str, key: str) -> None:
    others = [s for s in study.surveys if s is not survey]
    if any(s.key == key for s in others):
        raise Invalid(_("Another survey already has this key."), fields={"key": _("Already used.")})
    problem = conflicts_with_other_surveys(items, timepoint, others)
    if problem:
        raise Invalid(problem, fields={"items": problem})


def create_survey(user, study: Study, data) -> Survey:
    """Add a survey, with its items, at one of the study's timepoints."""
    workflow.require_editable(study)
    if not isinstance(data, dict):
        v.raise_for({"body": v.FieldError(_("Send a JSON object."), 400)})
    header, errors = _clean_header(study, data, creating=True)
    v.raise_for(errors)
    items = header["items"]
    _check_against_others(study, None, items, header["timepoint"], header["key"])
    survey = Survey(
        key=header["key"],
        title=header["title"],
        timepoint=header["timepoint"],
        items=items,
        repeat=header.get("repeat"),
    )
    study.surveys.append(survey)
    db.session.flush()
    audit.record(user, "survey.create", study=study, survey=survey.key)
    return survey


def clean_survey(study: Study, data, existing: Survey | None = None) -> dict:
    """A whole survey definition {key, title, timepoint, items}, checked as `create_survey` checks it, against
    `study` (an amendment's proposed study too); `existing` is the survey it replaces, if any."""
    if not isinstance(data, dict):
        v.raise_for({"body": v.FieldError(_("Send a JSON object."), 400)})
    header, errors = _clean_header(study, data, creating=True)
    v.raise_for(errors)
    _check_against_others(study, existing, header["items"], header["timepoint"], header["key"])
    clean = {name: header[name] for name in ("key", "title", "timepoint", "items")}
    if header.get("repeat"):  # optional: absent from the records of surveys answered once
        clean["repeat"] = header["repeat"]
    return clean


def update_survey(user, survey: Survey, data: dict) -> None:
    """Change a survey's title, key or timepoint."""
    study = survey.study
    workflow.require_editable(study)
    header, errors = _clean_header(study, data, creating=False)
    v.raise_for(errors)
    _check_against_others(
        study, survey, survey.items, header.get("timepoint", survey.timepoint), header.get("key", survey.key)
    )
    for name, value in header.items():
        setattr(survey, name, value)
    audit.record(user, "survey.update", study=study, survey=survey.key)


def delete_survey(user, survey: Survey) -> None:
    study = survey.study
    workflow.require_editable(study)
    study.surveys.remove(survey)
    db.session.delete(survey)
    audit.record(user, "survey.delete", study=study, survey=survey.key)


def _replace_items(user, survey: Survey, items: list[dict], what: str) -> None:
    study = survey.study
    workflow.require_editable(study)
    try:
        items = clean_items(items)
    except v.FieldError as err:
        v.raise_for({"items": err})
    _check_against_others(study, survey, items, survey.timepoint, survey.key)
    survey.items = items  # a new list, so the JSON column is marked changed
    audit.record(user, f"survey.{what}", study=study, survey=survey.key)


def append_items(user, survey: Survey, items: list[dict], what: str) -> None:
    """Add items at the end, checked as every edit is (the reuse of other surveys' items)."""
    _replace_items(user, survey, [*survey.items, *items], what)


def _index(survey: Survey, index: int) -> int:
    if not isinstance(index, int) or not 0 <= index < len(survey.items):
        raise NotFound(_("This item does not exist."))
    return index


def checked_item(raw: dict) -> dict:
    """One item from a form, checked: its errors by attribute (`text`, `choices`...)."""
    try:
        return clean_item(raw)
    except v.FieldError as err:
        v.raise_for(getattr(err, "errors", {"item": err}))
        raise  # (raise_for raised)


def add_item(user, survey: Survey, raw: dict) -> None:
    item = checked_item(raw)
    _replace_items(user, survey, [*survey.items, item], "add_item")


def edit_item(user, survey: Survey, index: int, raw: dict) -> None:
    index = _index(survey, index)
    item = checked_item(raw)
    items = list(survey.items)
    items[index] = item
    _replace_items(user, survey, items, "edit_item")


def move_item(user, survey: Survey, index: int, offset: int) -> None:
    index = _index(survey, index)
    target = index + offset
    if not 0 <= target < len(survey.items):
        return
    items = list(survey.items)
    items[index], items[target] = items[target], items[index]
    _replace_items(user, survey, items, "move_item")


def reorder_items(user, survey: Survey, keys) -> None:
    """Put the items in the order of `keys`: every item's key, each once (the API's whole-order move)."""
    workflow.require_editable(survey.study)
    if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
        v.raise_for({"items": v.FieldError(_("Must be a list of the survey's item keys."), 400)})
    by_key = {item["key"]: item for item in survey.items}
    if len(keys) != len(by_key) or set(keys) != set(by_key):
        v.raise_for({"items": v.FieldError(_("List every item key of the survey, each once."))})
    _replace_items(user, survey, [by_key[key] for key in keys], "move_item")


def item_index(survey: Survey, key) -> int:
    """The position of the item with this key (404 when the survey has none)."""
    index = next((i for i, item in enumerate(survey.items) if item.get("key") == key), None)
    if index is None:
        raise NotFound(_("This item does not exist."))
    return index


def delete_item(user, survey: Survey, index: int) -> None:
    index = _index(survey, index)
    items = [item for i, item in enumerate(survey.items) if i != index]
    if refused := removal_refused(survey.items, index):
        raise Invalid(refused, fields={"items": refused})
    if not items:
        raise Invalid(
            _("A survey needs at least one item: delete the survey instead."),
            fields={"items": _("A survey needs at least one item.")},
        )
    _replace_items(user, survey, items, "delete_item")


def survey_dict(survey: Survey) -> dict:
    return {
        "id": survey.id,
        "key": survey.key,
        "title": survey.title,
        "timepoint": survey.timepoint,
        "items": survey.items,
    } | ({"repeat": survey.repeat} if survey.repeat else {})  # optional: only for a repeatable survey
