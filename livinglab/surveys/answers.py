"""Check a participant's answers against a survey definition, and turn them into long-form rows."""

import json

from flask_babel import gettext as _

from ..analysis.question_types import TEXT_TYPES
from . import branching, once, question_types
from .definitions import TEXT_MAX, answer_keys, is_section
from .instruments import INSTRUMENTS, score
from .values import fmt as _fmt
from .values import is_blank as _is_blank
from .values import number as _number


def _yes_no(value):
    if isinstance(value, bool):
        return value
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise ValueError(_("Answer yes or no."))


def _question_rows(item: dict, value) -> tuple[float | None, str | None]:
    """(number, text) for one answered question, or ValueError with a message for the participant."""
    kind = item["type"]
    if kind == "likert":
        return _number(value, item["min"], item["max"], integer=True), None
    if kind == "nps":
        return _number(value, 0, 10, integer=True), None
    if kind == "number":
        return _number(value, item.get("min"), item.get("max"), integer=False), None
    if kind == "yes_no":
        return (1.0 if _yes_no(value) else 0.0), None
    if kind == "single_choice":
        if not isinstance(value, str) or value not in item["choices"]:
            raise ValueError(_("Choose one of the listed answers."))
        return None, value
    if kind == "multiple_choice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(_("Choose among the listed answers."))
        if any(v not in item["choices"] for v in value) or len(set(value)) != len(value):
            raise ValueError(_("Choose among the listed answers."))
        ordered = [c for c in item["choices"] if c in value]
        return None, json.dumps(ordered, ensure_ascii=False)
    if kind == "text":
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        value = value.strip()
        if len(value) > TEXT_MAX:
            raise ValueError(_("At most %(n)d characters.", n=TEXT_MAX))
        if "\x00" in value:
            raise ValueError(_("Contains a character that is not allowed."))
        return None, value
    raise ValueError(_("Unknown question type."))


def check_answers(items: list[dict], answers) -> tuple[dict[str, tuple], dict[str, str]]:
    """Validate `{answer key: value}` against the items: (rows by key, errors by key); once per request for the
    same items and answers (once.py)."""
    return once.per_request(items, answers, checked_now)


def checked_now(items: list[dict], answers) -> tuple[dict[str, tuple], dict[str, str]]:
    """`check_answers` itself, computed every time."""
    if not isinstance(answers, dict):
        return {}, {"answers": _("Send an object of answers keyed by item.")}
    rows: dict[str, tuple]
    rows, errors = {}, {}
    known = {key for item in items for key in answer_keys(item)}
    computed = {item["key"] for item in items if "score" in item}  # scores.py: computed, never answered
    for key in answers:
        if key in computed:
            errors[str(key)] = _("“%(key)s” is computed from other answers: it cannot be sent.", key=key)
        elif key not in known:
            errors[str(key)[:64]] = _("There is no such question in this survey.")
    asked = branching.sources(items) if any(item.get("show_if") for item in items) else {}  # read once
    for item in items:
        if is_section(item) or "score" in item:  # a section break asks nothing; a score is computed
            continue
        if "instrument" in item:
            instrument = INSTRUMENTS[item["instrument"]]
            for key in answer_keys(item):
                value = answers.get(key)
                if _is_blank(value):
                    errors[key] = _("Please answer this question.")
                    continue
                try:
                    rows[key] = (_number(value, instrument.min, instrument.max, integer=True), None)
                except ValueError as err:
                    errors[key] = str(err)
            continue
        if branching.hidden(item, items, rows, asked):  # its condition is not met: not applicable
            branching.skip(item, answers, rows, errors)
            continue
        if question_types.check(item, answers, rows, errors):
            continue
        value = answers.get(item["key"])
        if _is_blank(value):
            if item.get("required", True):
                errors[item["key"]] = _("Please answer this question.")
            continue
        try:
            rows[item["key"]] = _question_rows(item, value)
        except ValueError as err:
            errors[item["key"]] = str(err)
    return rows, errors


def readable(items: list[dict], stored: dict[str, tuple]) -> list[dict]:
    """What a participant answered, item by item, for reading back (instrument scores included)."""
    out = []
    for item in items:
        if is_section(item) or "score" in item:  # a score: computed for the analysis, not shown to participants
            continue
        if "instrument" in item:
            instrument = INSTRUMENTS[item["instrument"]]
            values = [stored.get(key, (None, None))[0] for key in answer_keys(item)]
            sub = [
                {"key": key, "text": str(text), "value": _fmt(v) if v is not None else None}
                for key, text, v in zip(answer_keys(item), instrument.texts, values, strict=False)
            ]
            total = score(item["instrument"], values) if None not in values else None
            out.append(
                {
                    "key": item["key"],
                    "text": str(instrument.heading),
                    "value": _fmt(round(total, 2)) if total is not None else None,
                    "score_max": _fmt(instrument.score_max),
                    "items": sub,
                }
            )
            continue
        own = question_types.readable_lines(item, stored)
        if own is not None:  # a matrix's rows, a choice and its Other text: each not applicable when so stored
            out.extend(line | {"not_applicable": stored.get(line["key"]) == branching.NOT_APPLICABLE} for line in own)
            continue
        number, text = stored.get(item["key"], (None, None))
        if item["type"] == "yes_no" and number is not None:
            value = _("Yes") if number else _("No")
        elif item["type"] == "multiple_choice" and text is not None:
            value = ", ".join(str(question_types.choice_label(item, choice)) for choice in json.loads(text))
        elif number is not None:
            value = _fmt(number) + (f" {item['unit']}" if item.get("unit") else "")
        elif item["type"] == "single_choice":
            value = question_types.choice_label(item, text)
        else:
            value = text
        out.append({"key": item["key"], "text": item["text"], "value": value, "items": []})
        out[-1]["not_applicable"] = stored.get(item["key"]) == branching.NOT_APPLICABLE  # its condition was not met
    return out


def json_value(item_type: str, number, text):
    """An answer as the API and the export give it back."""
    if item_type == "yes_no":
        return None if number is None else bool(number)
    if item_type == "multiple_choice":
        return None if text is None else json.loads(text)
    if item_type in ("single_choice", "text"):
        return text
    if item_type in TEXT_TYPES:
        return text
    if number is not None and float(number).is_integer():
        return int(number)
    return number
