"""The question types added to the first seven: date, time, slider (a visual analogue scale 0–100), matrix
(rows sharing one scale), and a single choice's "Other (please specify)". Declared here (`items.EXTRAS`
takes them), their definitions checked (`definitions.clean_item`), their answers checked and read back
(`answers`). Which keys they are answered under, and how the analysis reads them: `analysis.question_types`."""

import re
from datetime import date
from typing import Annotated

from flask_babel import gettext as _
from pydantic import Field as Limits

from .. import schema as s
from .. import validation as v
from ..analysis.question_types import OTHER, as_variables, matrix_rows, other_key, row_keys
from .values import fmt as _fmt
from .values import is_blank as _blank
from .values import number as _number

NEW_TYPES = ("date", "time", "slider", "matrix")
OTHER_MAX = 500  # characters of an "Other (please specify)" text
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
TIME = re.compile(
    r"^([01]?\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d+)?)?$", re.ASCII
)  # seconds, as some browsers send, are dropped


def _iso_date(value) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise v.FieldError(_("Must be text."), 400)
    value = value.strip()
    try:
        if not ISO_DATE.match(value):
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise v.FieldError(_("Enter a date as YYYY-MM-DD, e.g. 2026-03-05.")) from None


def _end_labels(value) -> list[str]:
    if value is None:
        raise v.FieldError(_("Give the words for both ends of the scale."))
    return v.name_list(value, max_items=2, max_len=100, min_items=2)


def _rows(value) -> list[str]:
    return v.name_list([] if value is None else value, max_items=30, max_len=200, min_items=2)


def _other(value) -> bool | None:
    """`other: true` adds "Other (please specify)"; absent or false, the item stays as stored before it existed."""
    if value is None:
        return None
    return True if v.boolean(value) else None


DATE_BOUND = s.composite(
    Annotated[str, Limits(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})] | None, _iso_date
)
END_LABELS = s.composite(
    Annotated[list[Annotated[str, Limits(min_length=1, max_length=100)]], Limits(min_length=2, max_length=2)],
    _end_labels,
)
ROWS = s.composite(
    Annotated[
        list[Annotated[str, Limits(min_length=1, max_length=200)]],
        Limits(min_length=2, max_length=30, json_schema_extra={"uniqueItems": True}),
    ],
    _rows,
)
OTHER_FLAG = s.composite(bool | None, _other)


def _scale_labels(value) -> list[str] | None:
    return None if value is None else v.name_list(value, max_items=21, max_len=100, min_items=2)


NEW_EXTRAS: dict[str, tuple[dict[str, tuple[s.Kind, bool]], str]] = {
    "date": (
        {"min": (DATE_BOUND, False), "max": (DATE_BOUND, False)},
        "a date as text `YYYY-MM-DD`, from `min` to `max` (optional, the same form) when given.",
    ),
    "time": ({}, "a time of day as text `HH:MM`, 24-hour clock."),
    "slider": (
        {"labels": (END_LABELS, True)},
        "a number from 0 to 100 (a visual analogue scale); `labels` names its two ends. Leaving it untouched leaves "
        "it unanswered.",
    ),
    "matrix": (
        {
            "rows": (ROWS, True),
            "min": (s.integer(-10, 10, default=1), False),
            "max": (s.integer(-10, 20, default=5), False),
            "labels": (
                s.composite(
                    Annotated[
                        list[Annotated[str, Limits(min_length=1, max_length=100)]] | None,
                        Limits(min_length=2, max_length=21),
                    ],
                    _scale_labels,
                ),
                False,
            ),
        },
        "several `rows` sharing one scale from `min` to `max`, labelled as a Likert scale's. Each row is answered "
        "as `<key>_1 … <key>_N`, an integer, and is a variable of its own.",
    ),
}
# Optional attributes left out of the stored item (and of the API's) when absent
OMITTED = {"date": ("min", "max"), "matrix": ("labels",), "single_choice": ("other",)}


def clean(kind: str | None, item: dict, errors: dict) -> None:
    """The checks of a new type's definition that span attributes; absent optional attributes left out."""
    for name in OMITTED.get(kind or "", ()):
        if item.get(name) is None:
            item.pop(name, None)
    if kind == "date" and item.get("min") and item.get("max") and item["min"] > item["max"]:
        errors["max"] = v.FieldError(_("The latest date must not be before the earliest."))
    if kind == "matrix" and isinstance(item.get("min"), int) and isinstance(item.get("max"), int):
        lo, hi = item["min"], item["max"]
        if lo >= hi:
            errors["max"] = v.FieldError(_("The maximum must be above the minimum."))
        elif hi - lo > 20:
            errors["max"] = v.FieldError(_("A Likert scale has at most 21 points."))
        elif item.get("labels") and len(item["labels"]) not in (2, hi - lo + 1):
            errors["labels"] = v.FieldError(
                _("Give two labels (the lowest and highest points) or one per point (%(n)d).", n=hi - lo + 1)
            )
    if (
        kind == "single_choice"
        and item.get("other")
        and any(c.casefold() == OTHER.casefold() for c in item.get("choices") or [])
    ):
        errors["choices"] = v.FieldError(_("“Other” is added by “Other (please specify)”: remove it from the choices."))


def _date(item: dict, value) -> str:
    if not isinstance(value, str) or not ISO_DATE.match(value.strip()):
        raise ValueError(_("Enter a date as YYYY-MM-DD, e.g. 2026-03-05."))
    try:
        day = date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValueError(_("This date does not exist.")) from None
    lo, hi = item.get("min"), item.get("max")
    if lo and day < lo or hi and day > hi:
        if lo and hi:
            raise ValueError(_("Enter a date from %(lo)s to %(hi)s.", lo=lo, hi=hi))
        if lo:
            raise ValueError(_("Enter a date on or after %(lo)s.", lo=lo))
        raise ValueError(_("Enter a date on or before %(hi)s.", hi=hi))
    return day


def _time(value) -> str:
    match = TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(_("Enter a time as HH:MM (24-hour clock), e.g. 07:30."))
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def check(item: dict, answers: dict, rows: dict, errors: dict) -> bool:
    """A new type's answers into `rows` (number, text) or `errors`, by answer key; False for the other types."""
    kind = item.get("type")
    required = item.get("required", True)
    if kind == "matrix":
        for key in row_keys(item):
            value = answers.get(key)
            if _blank(value):
                if required:
                    errors[key] = _("Please answer this question.")
                continue
            try:
                rows[key] = (_number(value, item["min"], item["max"], integer=True), None)
            except ValueError as err:
                errors[key] = str(err)
        return True
    if kind == "single_choice" and item.get("other"):
        key, text_key = item["key"], other_key(item["key"])
        value, text = answers.get(key), answers.get(text_key)
        if text is not None and not isinstance(text, str):
            errors[text_key] = _("Enter text.")
            return True
        if _blank(value) and not _blank(text):
            value = OTHER  # typed in the box without choosing Other: that is the answer given
        if _blank(value):
            if required:
                errors[key] = _("Please answer this question.")
            return True
        if not isinstance(value, str) or value not in (*item["choices"], OTHER):
            errors[key] = _("Choose one of the listed answers.")
            return True
        rows[key] = (None, value)
        if value == OTHER:  # the text is kept only with Other
            if _blank(text):
                errors[text_key] = _("Please say which.")
            else:
                try:
                    rows[text_key] = (None, v.text(text, max_len=OTHER_MAX, single_line=True))
                except v.FieldError as err:
                    errors[text_key] = err.message
        return True
    if kind not in ("date", "time", "slider"):
        return False
    value = answers.get(item["key"])
    if _blank(value):  # an untouched slider sends nothing: missing, never 50
        if required:
            errors[item["key"]] = _("Please answer this question.")
        return True
    try:
        if kind == "slider":
            rows[item["key"]] = (_number(value, 0, 100, integer=False), None)
        else:
            rows[item["key"]] = (None, _date(item, value) if kind == "date" else _time(value))
    except ValueError as err:
        errors[item["key"]] = str(err)
    return True


def readable_lines(item: dict, stored: dict) -> list[dict] | None:
    """A matrix read back row by row, a choice with its "Other" text; None for the other types."""
    if item.get("type") == "matrix":
        points = (
            item.get("labels") if item.get("labels") and len(item["labels"]) == item["max"] - item["min"] + 1 else None
        )
        lines = []
        for row in matrix_rows(item):
            number = stored.get(row["key"], (None, None))[0]
            value = None if number is None else _fmt(number)
            if value is not None and points:
                value = f"{value} · {points[int(number) - item['min']]}"
            lines.append({"key": row["key"], "text": row["text"], "value": value, "items": []})
        return lines
    if item.get("type") == "single_choice" and item.get("other"):
        text = stored.get(item["key"], (None, None))[1]
        if text == OTHER:
            text = _("Other: %(text)s", text=stored.get(other_key(item["key"]), (None, ""))[1] or "")
        else:
            text = choice_label(item, text)
        return [{"key": item["key"], "text": item["text"], "value": text, "items": []}]
    return None


def choice_label(item: dict, value):
    """A stored choice as the participant reads it: its label in their language (`choice_labels`, set by
    pilot_languages.item_view), else the value, which is the choice as written."""
    labels = item.get("choice_labels")
    choices = item.get("choices") or []
    if labels and value in choices:
        return labels[choices.index(value)]
    return value


def export_parts(item: dict) -> list[dict] | None:
    """The plain items a matrix or a choice with "Other" is exported as (each its own column)."""
    if item.get("type") == "matrix":
        return matrix_rows(item)
    if item.get("type") == "single_choice" and item.get("other"):
        text = {"key": other_key(item["key"]), "type": "text", "required": False}
        return [*as_variables([item]), text | {"text": f"{item['text']} — {_('Other (please specify)')}"}]
    return None
