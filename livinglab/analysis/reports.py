"""Repeated reports (a diary, problem reports), described per participant: pure, descriptive only.

Nothing here enters the primary or secondary analyses. Reports per participant are counted over every participant
enrolled (not erased), so those who sent none count as 0. A numeric item is first averaged within each participant,
then those means are described across participants (each participant weighs once, however many reports they sent);
so are a matrix's rows (each a scale), an instrument's total and a computed score, both computed for each report
first (an instrument's when every statement is answered; a computed score by its own missing rule); a choice item
counts the reports and the participants that chose each choice; a date gives its earliest and latest; any other
item (a free text, a time of day) is counted only, as `listed`: every item has its entry."""

import json
import math
import re
from statistics import mean, median, stdev

from .computed_scores import compute_one, is_score, recipe
from .instruments import SCORING, answer_keys
from .question_types import is_section, matrix_rows

NUMERIC = ("number", "likert", "nps", "slider", "yes_no")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _spread(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "mean": None, "sd": None, "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "mean": mean(values),
        "sd": stdev(values) if len(values) > 1 else None,
        "median": median(values),
        "min": min(values),
        "max": max(values),
    }


def _per_participant(counts: dict[str, int], enrolled: int) -> dict:
    """Reports per participant over `enrolled` participants, those without any as 0."""
    values = sorted(counts.values()) + [0] * max(0, enrolled - len(counts))
    if not values:
        return {"mean": None, "median": None, "max": None}
    return {"mean": mean(values), "median": median(values), "max": max(values)}


def _counts(reports: list[dict], enrolled: int) -> dict:
    by_code: dict[str, int] = {}
    for report in reports:
        by_code[report["code"]] = by_code.get(report["code"], 0) + 1
    return {
        "participants_reporting": len(by_code),
        "enrolled": enrolled,
        "reports": len(reports),
        "per_participant": _per_participant(by_code, enrolled),
    }


def _choices_of(value, item: dict) -> list[str]:
    if value is None:
        return []
    if item.get("type") == "multiple_choice":
        try:
            chosen = json.loads(value)
        except ValueError:
            return []
        return [c for c in chosen if isinstance(c, str)]
    return [value]


def _numeric(key: str, values: list[tuple[str, float | None]], **more) -> dict:
    """A numeric item from (participant code, value of one report): averaged within each participant, then
    described across participants."""
    own: dict[str, list[float]] = {}
    for code, number in values:
        if number is not None and math.isfinite(number):
            own.setdefault(code, []).append(float(number))
    return {"key": key, "kind": "numeric", **more, "participant_means": _spread([mean(v) for v in own.values()])}


def _number(report: dict, key: str) -> float | None:
    return report["answers"].get(key, (None, None))[0]


def _text(report: dict, key: str):
    return report["answers"].get(key, (None, None))[1]


def _instrument_total(code: str, keys: list[str], report: dict) -> float | None:
    values = [_number(report, key) for key in keys]
    numbers = [float(v) for v in values if v is not None and math.isfinite(v)]
    if len(numbers) < len(values):
        return None  # a total only when every statement is answered, as the wide export and the analysis
    return float(SCORING[code].score(numbers))


def _choices(item: dict, reports: list[dict]) -> dict:
    key = item["key"]
    choices: dict[str, dict] = {c: {"reports": 0, "participants": set()} for c in item.get("choices") or []}
    for report in reports:
        for choice in _choices_of(_text(report, key), item):
            entry = choices.setdefault(choice, {"reports": 0, "participants": set()})
            entry["reports"] += 1
            entry["participants"].add(report["code"])
    return {
        "key": key,
        "kind": "choice",
        "choices": {c: {"reports": e["reports"], "participants": len(e["participants"])} for c, e in choices.items()},
    }


def _answered(item: dict, reports: list[dict]) -> tuple[list[str], int, set]:
    given = [(r["code"], _text(r, item["key"])) for r in reports]
    given = [(code, text) for code, text in given if text not in (None, "")]
    return [text for _code, text in given], len(given), {code for code, _text in given}


def _item_summaries(item: dict, items: list[dict], reports: list[dict]) -> list[dict]:
    """The entries of one item: one, or one per row of a matrix."""
    key, kind = item["key"], item.get("type")
    if is_section(item):
        return []
    if "instrument" in item:
        code, keys = item["instrument"], answer_keys(item)
        totals = [(r["code"], _instrument_total(code, keys, r)) for r in reports]
        return [_numeric(key, totals, score="instrument", label=SCORING[code].name)]
    if is_score(item):
        made_of = recipe(item, items)
        scores = [(r["code"], compute_one(made_of, [_number(r, k) for k in made_of["of"]])) for r in reports]
        return [_numeric(key, scores, score="computed", label=item.get("text", key))]
    if kind == "matrix":
        rows = matrix_rows(item)
        return [_numeric(row["key"], [(r["code"], _number(r, row["key"])) for r in reports]) for row in rows]
    if kind in ("single_choice", "multiple_choice"):
        return [_choices(item, reports)]
    if kind in NUMERIC:
        return [_numeric(key, [(r["code"], _number(r, key)) for r in reports])]
    texts, count, codes = _answered(item, reports)
    if kind == "date":
        dates = sorted(text for text in texts if isinstance(text, str) and ISO_DATE.match(text))
        first, last = (dates[0], dates[-1]) if dates else (None, None)
        return [
            {"key": key, "kind": "dates", "first": first, "last": last, "reports": count, "participants": len(codes)}
        ]
    return [{"key": key, "kind": "listed", "type": kind, "reports": count, "participants": len(codes)}]


def summarise(surveys: list[dict], reports: list[dict], enrolled_by_arm: dict[str, int], parallel: bool) -> list[dict]:
    """Per repeatable survey (`{key, title, repeat, items}`), from its reports (`{survey, code, arm, answers:
    {item: (number, text)}}`): who reported, how many, per participant, by arm in parallel-group pilots, and its
    items."""
    out = []
    enrolled = sum(enrolled_by_arm.values())
    for survey in surveys:
        own = [r for r in reports if r["survey"] == survey["key"]]
        summary = {"key": survey["key"], "title": survey["title"], "repeat": survey["repeat"], **_counts(own, enrolled)}
        if parallel:
            summary["by_arm"] = {
                arm: _counts([r for r in own if r["arm"] == arm], n) for arm, n in enrolled_by_arm.items()
            }
        summary["items"] = [entry for item in survey["items"] for entry in _item_summaries(item, survey["items"], own)]
        out.append(summary)
    return out
