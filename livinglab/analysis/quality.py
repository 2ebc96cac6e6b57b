"""Data-quality flags per response: straight-lining, impossibly fast answers, implausible values.

Each function takes plain mappings keyed by response id and returns {response_id: [flag, ...]} for the
flagged responses only; a flag is {"code": ..., and the numbers behind it}. Flags never exclude data:
the registered analysis runs on everything, an exclusion is a person's decision recorded elsewhere.
"""

import math
from collections.abc import Mapping

DEFAULT_SECONDS_PER_ITEM = 2.0
MIN_ITEMS_FOR_STRAIGHT_LINING = 3


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def straight_lining(answers: Mapping, min_items: int = MIN_ITEMS_FOR_STRAIGHT_LINING) -> dict:
    """Responses whose answers to an instrument's items are all identical ({response: [item values]})."""
    flags = {}
    for response, values in answers.items():
        numbers = [_number(v) for v in values]
        numbers = [v for v in numbers if v is not None]
        if len(numbers) >= min_items and len(numbers) == len(values) and len(set(numbers)) == 1:
            flags[response] = [{"code": "straight_lining", "items": len(numbers), "value": numbers[0]}]
    return flags


def too_fast(durations: Mapping, items: Mapping | int, seconds_per_item: float = DEFAULT_SECONDS_PER_ITEM) -> dict:
    """Responses completed in less than `seconds_per_item` × the number of items answered
    ({response: seconds}; `items` is {response: count} or one count for all)."""
    flags = {}
    for response, seconds in durations.items():
        seconds = _number(seconds)
        count = items if isinstance(items, int) else items.get(response)
        if seconds is None or not count:
            continue
        threshold = seconds_per_item * count
        if seconds < threshold:
            flags[response] = [{"code": "too_fast", "seconds": seconds, "threshold": threshold, "items": count}]
    return flags


def out_of_range(values: Mapping, ranges: Mapping) -> dict:
    """Answers outside a declared plausible range ({response: {item: value}}, {item: (min, max)};
    None for an open end)."""
    flags = {}
    for response, answers in values.items():
        found = []
        for item, value in answers.items():
            if item not in ranges:
                continue
            number = _number(value)
            low, high = ranges[item]
            if number is not None and ((low is not None and number < low) or (high is not None and number > high)):
                found.append({"code": "out_of_range", "item": item, "value": number, "min": low, "max": high})
        if found:
            flags[response] = found
    return flags


def merge_flags(*flag_sets: Mapping) -> dict:
    """All flags of the given checks, per response, in the order given."""
    merged: dict = {}
    for flags in flag_sets:
        for response, found in flags.items():
            merged.setdefault(response, []).extend(found)
    return merged
