"""Repeated reports (a diary, problem reports), described per participant: pure, descriptive only.

Nothing here enters the primary or secondary analyses. Reports per participant are counted over every participant
enrolled (not erased), so those who sent none count as 0. A numeric item is first averaged within each participant,
then those means are described across participants (each participant weighs once, however many reports they sent);
a choice item counts the reports and the participants that chose each choice."""

import json
import math
from statistics import mean, median, stdev


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


def _item_summary(item: dict, reports: list[dict]) -> dict | None:
    key, kind = item["key"], item.get("type")
    if kind in ("single_choice", "multiple_choice"):
        choices: dict[str, dict] = {c: {"reports": 0, "participants": set()} for c in item.get("choices") or []}
        for report in reports:
            for choice in _choices_of(report["answers"].get(key, (None, None))[1], item):
                entry = choices.setdefault(choice, {"reports": 0, "participants": set()})
                entry["reports"] += 1
                entry["participants"].add(report["code"])
        return {
            "key": key,
            "kind": "choice",
            "choices": {
                c: {"reports": e["reports"], "participants": len(e["participants"])} for c, e in choices.items()
            },
        }
    if kind in ("number", "likert", "nps", "slider", "yes_no"):
        own: dict[str, list[float]] = {}
        for report in reports:
            number = report["answers"].get(key, (None, None))[0]
            if number is not None and math.isfinite(number):
                own.setdefault(report["code"], []).append(float(number))
        return {"key": key, "kind": "numeric", "participant_means": _spread([mean(v) for v in own.values()])}
    return None


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
        summary["items"] = [s for item in survey["items"] if (s := _item_summary(item, own)) is not None]
        out.append(summary)
    return out
