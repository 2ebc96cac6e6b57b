"""Survey definitions: validate items, expand instruments, list a study's variables."""
from dataclasses import dataclass

from flask_babel import gettext as _

from .. import validation as v
from ..analysis.instruments import NUMERIC_TYPES, answer_keys, variable_type  # noqa: F401  (one home)
from .instruments import INSTRUMENTS

QUESTION_TYPES = ("likert", "number", "yes_no", "single_choice", "multiple_choice", "text", "nps")
TEXT_MAX = 2000
MAX_ITEMS = 100


RESERVED_KEYS = ("participant_code", "arm", "timepoint")  # the columns every export starts with


def item_key(value) -> str:
    key = v.key(value)
    if key in RESERVED_KEYS:
        raise v.FieldError(_("“%(key)s” is reserved for the exports: choose another key.", key=key))
    return key


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

    key = field("key", item_key)
    if raw.get("instrument") is not None:
        code = field("instrument", lambda x: v.choice(x, list(INSTRUMENTS)))
        item = {"key": key, "instrument": code}
    else:
        kind = field("type", lambda x: v.choice(x, QUESTION_TYPES))
        item = {
            "key": key,
            "text": field("text", lambda x: v.text(x, max_len=1000, required=True)),
            "type": kind,
            "required": field("required", lambda x: True if x is None else v.boolean(x)),
        }
        if kind == "likert":
            lo = field("min", lambda x: v.integer(1 if x is None else x, lo=-10, hi=10))
            hi = field("max", lambda x: v.integer(5 if x is None else x, lo=-10, hi=20))
            if lo is not None and hi is not None and lo >= hi:
                errors["max"] = v.FieldError(_("The maximum must be above the minimum."))
            if lo is not None and hi is not None and hi - lo > 20:
                errors["max"] = v.FieldError(_("A Likert scale has at most 21 points."))
            item.update(min=lo, max=hi)
        elif kind == "number":
            lo = field("min", lambda x: v.number(x, lo=-1e9, hi=1e9))
            hi = field("max", lambda x: v.number(x, lo=-1e9, hi=1e9))
            if lo is not None and hi is not None and lo >= hi:
                errors["max"] = v.FieldError(_("The maximum must be above the minimum."))
            item.update(min=lo, max=hi,
                        unit=field("unit", lambda x: v.text(x, max_len=32, single_line=True)))
        elif kind in ("single_choice", "multiple_choice"):
            item["choices"] = field("choices", lambda x: v.name_list(
                [] if x is None else x, max_items=30, max_len=200, min_items=2))
    if errors:
        raise ItemError(errors)
    return item


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
    if problems:
        status = 400 if any(e.status == 400 for e in problems.values()) else 422
        raise v.FieldError("; ".join(_("item %(n)d: %(msg)s", n=i + 1, msg=e.message)
                                     for i, e in problems.items()), status)
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
        for item in survey.items:
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
    if "instrument" in item:
        return "score", item["instrument"]
    if item["type"] == "likert":
        return "likert", item["min"], item["max"]
    return (item["type"],)


def conflicts_with_other_surveys(items: list[dict], timepoint: str, others) -> str | None:
    """A key may recur at another timepoint (the same variable measured again) measured the same
    way (type, instrument, scale), but not twice at one timepoint."""
    mine = {key: item for item in items for key in [item["key"], *answer_keys(item)]}
    for other in sorted(others, key=lambda s: s.timepoint != timepoint):  # the plainer mistake first
        for item in other.items:
            for name in {item["key"], *answer_keys(item)}:
                if name not in mine:
                    continue
                if other.timepoint == timepoint:
                    return _("“%(key)s” is already asked at this timepoint in the survey “%(survey)s”.",
                             key=name, survey=other.title)
                if mine[name]["key"] != item["key"] or measurement(mine[name]) != measurement(item):
                    return _("“%(key)s” is measured differently in the survey “%(survey)s”; the same key must "
                             "keep the same type and scale.", key=name, survey=other.title)
    return None
