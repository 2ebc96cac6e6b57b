"""The data dictionary: what each column of the export holds."""

from flask_babel import gettext as _

from ..surveys.branching import SYMBOLS
from .cells import NOT_APPLICABLE_TEXT
from .columns import Column, Plan
from .statcodes import SPSS_NOT_APPLICABLE

HEADER = ["key", "label", "type", "range_or_choices", "unit", "timepoints"]


def dictionary_rows(plan: Plan) -> list[list[str]]:
    """One row per column of the export, in the same order."""
    return [
        [c.key, c.label, c.type, with_plausible(c) + asked_only_if(c), c.unit or "", "; ".join(c.timepoints)]
        for c in plan.columns
    ]


def with_plausible(column: Column) -> str:
    """The range or choices, then a number's declared plausible range: `[0, 24]; plausible 3–12`."""
    hard, plausible = values_of(column), plausible_text(column)
    return "; ".join(part for part in (hard, plausible) if part)


def plausible_text(column: Column) -> str:
    """A number's declared plausible range (answers outside it are kept, and flagged on the data-quality page);
    empty when none is declared."""
    if not column.plausible:
        return ""
    low, high = column.plausible
    if low is not None and high is not None:
        return _("plausible %(low)s–%(high)s", low=_number(low), high=_number(high))
    if low is not None:
        return _("plausible ≥ %(low)s", low=_number(low))
    return _("plausible ≤ %(high)s", high=_number(high))


def asked_only_if(column: Column) -> str:
    """A conditional question's code for “did not apply” and its condition, in the export's own terms (keys and
    stored values), after its range or choices: never a missing answer."""
    if not column.show_if:
        return ""
    return " " + _(
        "(%(code)s = not applicable, never missing: asked only if %(condition)s; Stata .n, SPSS %(spss)s, "
        "declared missing)",
        code=NOT_APPLICABLE_TEXT,
        condition=condition_text(column.show_if),
        spss=SPSS_NOT_APPLICABLE,
    )


OPERATORS = SYMBOLS  # beside the operators themselves (surveys/branching.py)


def condition_text(show_if: dict) -> str:
    """`smoker = true and cigarettes > 10`, `diet in {vegan, vegetarian}`."""
    join, conditions = next(iter(show_if.items()))
    parts = []
    for c in conditions:
        if c["op"] == "one_of":
            parts.append(f"{c['key']} in {{{', '.join(_stored(x) for x in c['value'])}}}")
        else:
            parts.append(f"{c['key']} {OPERATORS[c['op']]} {_stored(c['value'])}")
    return (_(" and ") if join == "all" else _(" or ")).join(parts)


def _stored(value) -> str:
    if isinstance(value, bool):
        return "1 (yes)" if value else "0 (no)"
    return _number(value) if isinstance(value, (int, float)) else str(value)


def values_of(column: Column) -> str:
    """The range or the choices, as a reader of the CSV needs them."""
    if column.type == "yes_no":
        return _("1 = yes; 0 = no")
    if column.type == "multiple_choice":
        return "; ".join(column.choices) + " " + _("(several, separated by “; ”)")
    if column.choices:
        return "; ".join(column.choices)
    if column.type == "text":
        return _("free text")
    if column.type == "date":
        return date_values(column)
    if column.type == "time":
        return _("time of day, HH:MM (24-hour clock)")
    if column.type == "participant_code":
        return _("P- and 8 characters; the same code at every timepoint")
    if column.low is None and column.high is None:
        return ""
    if column.low is None or column.high is None:
        return f"≥ {_number(column.low)}" if column.high is None else f"≤ {_number(column.high)}"
    span = f"[{_number(column.low)}, {_number(column.high)}]"  # "-10..10" would read as a formula
    if column.points:  # labelled at every point: each point's label
        return f"{span} ({'; '.join(f'{_number(column.low + n)} = {text}' for n, text in enumerate(column.points))})"
    if not column.anchors:
        return span
    return f"{span} ({_number(column.low)} = {column.anchors[0]}; {_number(column.high)} = {column.anchors[1]})"


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def date_values(column: Column) -> str:
    """A date column: its form and, when declared, its earliest and latest."""
    lo, hi = column.bounds or (None, None)
    text = _("date, YYYY-MM-DD")
    if lo or hi:
        text += f" [{lo or ''}, {hi or ''}]"
    return text
