"""Survey definitions: validate items, expand instruments, list a study's variables."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import Field as Limits
from pydantic import create_model

from .. import schema as s
from .. import validation as v
from ..analysis.instruments import NUMERIC_TYPES, answer_keys, is_section, variable_type  # noqa: F401  (one home)
from ..analysis.question_types import as_variables
from ..schema import Key
from . import branching, condition_scope, question_types
from .branching import SHOW_IF
from .instruments import INSTRUMENTS
from .items import EXTRAS, QUESTION, QUESTION_TYPES, REQUIRED, RESERVED_KEYS, SECTION, TEXT_MAX, SurveyItem, item_key  # noqa: F401
from .scores import measurement as score_measurement
from .scores import reference_problems, score_fields

MAX_ITEMS = 100


def clean_item(raw) -> dict:
    """One question or instrument, normalised; raises `v.FieldError` naming the problem."""
    if not isinstance(raw, dict):
        raise v.FieldError(_("Each item must be an object."), 400)
    errors = {}

    def field(name, check):
        try:
            return check(raw.get(name))
        except v.FieldError as err:
            errors[name] = err

    key = field("key", QUESTION["key"][0].check)
    errors.update(condition_scope.misplaced(raw))  # a section break or a score takes no condition
    if raw.get("section") is not None:  # a section break, which starts a page (surveys/paging.py)
        return _section_break(raw, key, field, errors)
    if raw.get("score") is not None:  # a score computed from other items (scores.py)
        item = {"key": key, **score_fields(raw, errors)}
    elif raw.get("instrument") is not None:
        code = field("instrument", lambda x: v.choice(x, list(INSTRUMENTS)))
        item = {"key": key, "instrument": code}
        if raw.get("show_if") is not None:  # its score needs every statement
            errors["show_if"] = v.FieldError(_("An instrument is always asked: only a question may have a condition."))
    else:
        kind = field("type", lambda x: v.choice(x, QUESTION_TYPES))
        item = {
            "key": key,
            "text": field("text", QUESTION["text"][0].check),
            "type": kind,
            "required": field("required", REQUIRED[0].check),
        }
        extras = EXTRAS[kind][0] if kind else {}
        for name, (declared, _required) in extras.items():
            item[name] = field(name, declared.check)
        lo, hi = item.get("min"), item.get("max")
        if kind in ("likert", "number") and lo is not None and hi is not None:
            if lo >= hi:
                errors["max"] = v.FieldError(_("The maximum must be above the minimum."))
            elif kind == "likert" and hi - lo > 20:
                errors["max"] = v.FieldError(_("A Likert scale has at most 21 points."))
        _plausible_range(item, errors)
        question_types.clean(kind, item, errors)
        labels = item.pop("labels", None) if kind == "likert" else None  # none: the ends read Lowest and Highest
        if kind == "likert" and labels is not None and lo is not None and hi is not None and "max" not in errors:
            if len(labels) not in (2, hi - lo + 1):
                errors["labels"] = v.FieldError(
                    _("Give two labels (the lowest and highest points) or one per point (%(n)d).", n=hi - lo + 1)
                )
            item["labels"] = labels
        if raw.get("show_if") is not None:  # kept only when given: items stored before stay as they were
            item["show_if"] = field("show_if", SHOW_IF.check)
    if errors:
        raise ItemError(errors)
    return item


def _section_break(raw: dict, key, field, errors: dict) -> dict:
    """A section break: its key, title and optional intro; a type or an instrument beside them is refused."""
    item = {"key": key, **{name: field(name, k.check) for name, (k, _req) in SECTION.items() if name != "key"}}
    if not item.get("intro"):
        item.pop("intro", None)  # absent, so that the stored item carries no empty attribute
    if raw.get("type") is not None or raw.get("instrument") is not None:
        errors["section"] = v.FieldError(_("A section break is not a question: send its title alone, with no type."))
    if errors:
        raise ItemError(errors)
    return item


def _plausible_range(item: dict, errors: dict) -> None:
    """A number's plausible range: kept only when declared (an item without one stays as stored before it
    existed), below its maximum above its minimum, and within the hard `min`..`max` when those are given."""
    lo, hi = item.pop("plausible_min", None), item.pop("plausible_max", None)
    if lo is not None and hi is not None and lo >= hi:
        errors["plausible_max"] = v.FieldError(_("The plausible maximum must be above the plausible minimum."))
    for name, value in (("plausible_min", lo), ("plausible_max", hi)):
        if value is None:
            continue
        if (item.get("min") is not None and value < item["min"]) or (
            item.get("max") is not None and value > item["max"]
        ):
            errors.setdefault(
                name, v.FieldError(_("The plausible range must lie within the lowest and highest values."))
            )
        item[name] = value


class ItemError(v.FieldError):
    """An item with one message per attribute."""

    def __init__(self, errors: dict):
        self.errors = errors
        status = 400 if any(e.status == 400 for e in errors.values()) else 422
        message = "; ".join(f"{name}: {err.message}" for name, err in errors.items())
        super().__init__(message, status)


def clean_items(raw_items) -> list[dict]:
    """A whole list of items: each valid, at least one, and no answer key used twice."""
    if not isinstance(raw_items, list):
        raise v.FieldError(_("Must be a list."), 400)
    if not raw_items:
        raise v.FieldError(_("A survey needs at least one item."))
    if len(raw_items) > MAX_ITEMS:
        raise v.FieldError(_("At most %(n)d items.", n=MAX_ITEMS))
    items, seen, problems = [], set(), {}
    for index, raw in enumerate(raw_items):
        try:
            item = clean_item(raw)
        except v.FieldError as err:
            problems[index] = err
            continue
        for name in {item["key"], *answer_keys(item)}:
            if name in seen:
                problems[index] = v.FieldError(_("The key “%(key)s” is used twice.", key=name))
            seen.add(name)
        items.append(item)
    if not problems:
        problems.update(reference_problems(items))
        problems.update(branching.check_references(items))
    if problems:
        status = 400 if any(e.status == 400 for e in problems.values()) else 422
        raise v.FieldError(
            "; ".join(_("item %(n)d: %(msg)s", n=i + 1, msg=e.message) for i, e in problems.items()), status
        )
    if all(is_section(item) for item in items):
        raise v.FieldError(_("A survey needs at least one question besides its sections."))
    return items


@dataclass
class Variable:
    key: str
    type: str
    label: str
    timepoints: list[str]

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES


def study_variables(surveys, timepoint_order: list[str]) -> dict[str, Variable]:
    """Every variable the study's surveys measure, with the timepoints (in protocol order) at which."""
    found: dict[str, Variable] = {}
    for survey in surveys:
        for item in as_variables(survey.items):
            label = INSTRUMENTS[item["instrument"]].name if "instrument" in item else item["text"]
            var = found.setdefault(item["key"], Variable(item["key"], variable_type(item), label, []))
            if survey.timepoint not in var.timepoints:
                var.timepoints.append(survey.timepoint)
    rank = {tp: i for i, tp in enumerate(timepoint_order)}
    for var in found.values():
        var.timepoints.sort(key=lambda tp: rank.get(tp, len(rank)))
    return found


def measurement(item: dict) -> tuple:
    """What must stay the same when a key is asked again at another timepoint."""
    if "score" in item:
        return score_measurement(item)
    if "instrument" in item:
        return "score", item["instrument"]
    if is_section(item):
        return ("section",)
    if item["type"] == "likert":
        return "likert", item["min"], item["max"]
    if item["type"] == "matrix":  # its rows are its keys: the same rows, the same scale
        return "matrix", item["min"], item["max"], len(item["rows"])
    return (item["type"],)


def conflicts_with_other_surveys(items: list[dict], timepoint: str, others) -> str | None:
    """A key may recur at another timepoint (the same variable measured again) measured the same
    way (type, instrument, scale), but not twice at one timepoint."""
    mine = {key: item for item in items if not is_section(item) for key in [item["key"], *answer_keys(item)]}
    for other in sorted(others, key=lambda s: s.timepoint != timepoint):  # the plainer mistake first
        for item in other.items:
            for name in {item["key"], *answer_keys(item)} - ({item["key"]} if is_section(item) else set()):
                if name not in mine:
                    continue
                if other.timepoint == timepoint:
                    return _(
                        "“%(key)s” is already asked at this timepoint in the survey “%(survey)s”.",
                        key=name,
                        survey=other.title,
                    )
                if mine[name]["key"] != item["key"] or measurement(mine[name]) != measurement(item):
                    return _(
                        "“%(key)s” is measured differently in the survey “%(survey)s”; the same key must "
                        "keep the same type and scale.",
                        key=name,
                        survey=other.title,
                    )
    return None


# The API's survey bodies and answers: pydantic models that validate them and describe them in OpenAPI

SURVEY = {
    "key": s.composite(Key, v.key),
    "title": s.text(200, required=True, single_line=True),
    "timepoint": s.text(64, required=True, single_line=True),  # and one of the study's: checked by the service
    "items": s.composite(Annotated[list[SurveyItem], Limits(min_length=1, max_length=MAX_ITEMS)], clean_items),
    "repeat": s.composite(Literal["diary", "problem_report"] | None, lambda value: value),  # surveys/repeats.py
}
SURVEY_DOCS = {
    "timepoint": "One of the study's timepoints.",
    "repeat": (
        "Optional. Absent or null: answered once at its timepoint. `diary` or `problem_report`: answered any "
        "number of times from its timepoint on, each response numbered (`instance`); a problem report is "
        "notified to the organisation and the coordinators (participant code and report number only)."
    ),
}


def _survey_fields(names, required=()):
    return {
        name: (
            Annotated[SURVEY[name].annotation, Limits(description=SURVEY_DOCS.get(name))],
            ... if name in required else None,
        )
        for name in names
    }


NewSurvey = create_model(
    "NewSurvey", __base__=s.Body, **_survey_fields(SURVEY, required=("key", "title", "timepoint", "items"))
)
SurveyChanges = create_model(
    "SurveyChanges", __base__=s.Body, **_survey_fields(("key", "title", "timepoint", "repeat"))
)


class Survey(s.Body):
    id: int
    key: Key
    title: str
    timepoint: str
    items: list[SurveyItem]
    state: Annotated[
        Literal["answered", "open", "waiting", "scheduled", "closed"],
        Limits(
            description=(
                "For a participant only: `open` to answer now, `waiting` for an earlier timepoint, `scheduled` "
                "until `opens_at`, `answered`, or `closed` after withdrawal or once the pilot has ended."
            )
        ),
    ] = None  # type: ignore[assignment]  # left out unless for a participant; the schema keeps the bare enum
    opens_at: Annotated[datetime | None, Limits(description="For a participant only.")] = None
    repeat: Annotated[Literal["diary", "problem_report"] | None, Limits(description=SURVEY_DOCS["repeat"])] = None
