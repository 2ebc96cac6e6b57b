"""Branching: a question shown only if earlier answers meet a condition (`show_if`).

`{"all": [condition, ...]}` or `{"any": [condition, ...]}`, 1 to 10 conditions, each
`{"key": <an earlier question's answer key>, "op": <one of OPS>, "value": ...}`: data, never code. The server
decides (`applies`): a question whose condition is not met is not required, takes no answer, and is stored as
not applicable (an `answer` row with `not_applicable` set and neither number nor text), which the exports and
the analysis keep apart from a missing answer. The browser applies the same conditions (static/branching.js)
from the data attributes `attributes` writes; without JavaScript every question shows, with a hint (`hint`)."""

import json
import math
from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import ConfigDict, with_config
from pydantic import Field as Limits
from typing_extensions import TypedDict

from .. import schema as s
from .. import validation as v
from ..analysis.computed_scores import is_score
from ..analysis.instruments import answer_keys
from ..analysis.question_types import as_variables
from ..schema import Key
from .instruments import INSTRUMENTS
from .values import is_blank

OPS = ("equals", "not_equals", "one_of", "greater_than", "less_than")
SYMBOLS = {"equals": "=", "not_equals": "≠", "greater_than": ">", "less_than": "<"}  # the exports' (one_of: in {…})
JOINS = ("all", "any")
MAX_CONDITIONS = 10
MAX_VALUES = 30
NOT_APPLICABLE: tuple = (None, None)  # an answer row (number, text) with neither: no answer given ever has that
NUMERIC = ("likert", "nps", "number", "slider")
FIXED_SCALES = {"nps": (0, 10), "slider": (0, 100)}
OPS_BY_TYPE = {
    "yes_no": ("equals", "not_equals"),
    "single_choice": ("equals", "not_equals", "one_of"),
    "multiple_choice": ("equals", "not_equals", "one_of"),  # equals: the choice is among those picked
    **dict.fromkeys(NUMERIC, OPS),
}


@with_config(ConfigDict(json_schema_extra=s._no_title))  # described as the app's other bodies: no titles
class Condition(TypedDict):
    """One condition on an earlier answer."""

    key: Key
    op: Literal[OPS]  # type: ignore[valid-type]  # a Literal of the tuple's values
    value: Annotated[
        Any,
        Limits(
            description=(
                "Checked against the question `key` names: a boolean for yes/no, one of the choices for a choice, a "
                "number within the scale for a scale or number; a list of them for `one_of`. For a multiple choice, "
                "`equals` means the choice is among those picked, `not_equals` that it is not, `one_of` that one of "
                "the listed choices is. `greater_than` and `less_than` only for numbers and scales."
            )
        ),
    ]


def clean_show_if(value) -> dict | None:
    """The condition's shape (the questions it names are checked by `check_references`, which sees the survey)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise v.FieldError(_('Must be an object: {"all": [conditions]} or {"any": [conditions]}.'), 400)
    if len(value) != 1 or next(iter(value)) not in JOINS:
        raise v.FieldError(_("Give either “all” or “any”, with a list of conditions."))
    join, conditions = next(iter(value.items()))
    if not isinstance(conditions, list):
        raise v.FieldError(_("Must be a list of conditions."), 400)
    if not 1 <= len(conditions) <= MAX_CONDITIONS:
        raise v.FieldError(_("Give from 1 to %(n)d conditions.", n=MAX_CONDITIONS))
    return {join: [_condition(c) for c in conditions]}


def _condition(raw) -> dict:
    if not isinstance(raw, dict):
        raise v.FieldError(_("Each condition must be an object with a key, an operator and a value."), 400)
    if set(raw) != {"key", "op", "value"}:
        raise v.FieldError(_("Each condition has exactly a key, an operator (op) and a value."))
    key = v.key(raw["key"])
    op = raw["op"]
    if not isinstance(op, str) or op not in OPS:
        raise v.FieldError(_("Unknown operator: use one of %(ops)s.", ops=", ".join(OPS)))
    value = raw["value"]
    if op == "one_of":
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_VALUES:
            raise v.FieldError(_("“one_of” takes a list of 1 to %(n)d values.", n=MAX_VALUES))
        value = [_scalar(x) for x in value]
        if len(set(map(repr, value))) != len(value):
            raise v.FieldError(_("A value is listed twice."))
    else:
        value = _scalar(value)
    return {"key": key, "op": op, "value": value}


def _scalar(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or abs(value) > 1e9:
            raise v.FieldError(_("Enter a number."))
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, str):
        text = v.text(value, max_len=200, required=True, single_line=True)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise v.FieldError(_("Contains a character that is not allowed.")) from None
        return text
    raise v.FieldError(_("A condition's value is a boolean, a number, a text, or a list of them."), 400)


SHOW_IF = s.composite(
    Annotated[
        dict[Literal[JOINS], Annotated[list[Condition], Limits(min_length=1, max_length=MAX_CONDITIONS)]],  # type: ignore[valid-type]
        Limits(
            min_length=1,
            max_length=1,
            description=(
                "Optional: the question is shown only if earlier answers meet these conditions, `all` of them or "
                "`any`; otherwise it is not required, takes no answer (a value sent is refused) and is stored as not "
                "applicable. A condition on an unanswered or not applicable question is not met."
            ),
        ),
    ]
    | None,
    clean_show_if,
)


# --- Against the survey ----------------------------------------------------------------------------------


def sources(items: list[dict]) -> dict[str, dict]:
    """Every answer key a condition may name, with the question it answers (an instrument's statement is a
    scale of its own)."""
    out = {}
    for item in as_variables(items):  # a matrix as its rows, each a scale; a choice with "Other" among its choices
        if is_score(item):  # computed for the analysis: never an answer the participant gives
            continue
        if "instrument" in item:
            instrument = INSTRUMENTS[item["instrument"]]
            for key in answer_keys(item):  # its statements' keys, from their one home
                out[key] = {"type": "likert", "min": instrument.min, "max": instrument.max}
        else:
            out[item["key"]] = item
    return out


def with_earlier(items: list[dict]):
    """Each item with a condition, by index, with the answer keys asked before it (`sources` of the items before
    it): one walk of the survey. The dict grows as the walk goes on: read it before taking the next item."""
    earlier: dict[str, dict] = {}
    for index, item in enumerate(items):
        if item.get("show_if"):
            yield index, item, earlier
        earlier.update(sources([item]))


def check_references(items: list[dict]) -> dict[int, v.FieldError]:
    """Each condition names an earlier question of this survey and a value that question can take: the
    problems by item index (a deleted, moved or changed question is told here)."""
    problems: dict[int, v.FieldError] = {}
    every = sources(items)
    for index, item, earlier in with_earlier(items):
        for condition in next(iter(item["show_if"].values())):
            key = condition["key"]
            if key not in earlier:
                if key in every:
                    message = _(
                        "“%(key)s” is not asked before this question: a condition can only look at earlier answers.",
                        key=key,
                    )
                else:
                    message = _("The condition names “%(key)s”, which is not a question of this survey.", key=key)
                problems[index] = v.FieldError(message)
                break
            problem = _value_problem(earlier[key], condition["op"], condition["value"])
            if problem:
                problems[index] = v.FieldError(
                    _("The condition on “%(key)s” does not fit that question: %(problem)s", key=key, problem=problem)
                )
                break
    return problems


def _value_problem(source: dict, op: str, value) -> str | None:
    kind = source["type"]
    if kind not in OPS_BY_TYPE:
        return _("a condition cannot look at a free-text, date or time answer.")
    if op not in OPS_BY_TYPE[kind]:
        return _("“%(op)s” does not apply to this type of question.", op=op)
    for one in value if op == "one_of" else [value]:
        if kind == "yes_no" and not isinstance(one, bool):
            return _("the value must be true or false.")
        if kind in ("single_choice", "multiple_choice") and one not in source["choices"]:
            return _("the value must be one of its choices.")
        if kind in NUMERIC:
            if isinstance(one, bool) or not isinstance(one, (int, float)):
                return _("the value must be a number.")
            lo, hi = FIXED_SCALES.get(kind, (source.get("min"), source.get("max")))
            if (lo is not None and one < lo) or (hi is not None and one > hi):
                return _("the value must lie within its scale.")
    return None


# --- Evaluation ------------------------------------------------------------------------------------------


def applies(item: dict, answers: dict) -> bool:
    """Whether the question is shown, given `answers` ({answer key: the value as the API gives it back}, only
    the questions answered and applicable). A condition on a question not in `answers` is not met."""
    show_if = item.get("show_if")
    if not show_if:
        return True
    join, conditions = next(iter(show_if.items()))
    met = (_met(condition, answers) for condition in conditions)
    return all(met) if join == "all" else any(met)


def _met(condition: dict, answers: dict) -> bool:
    if condition["key"] not in answers:
        return False
    given, op, value = answers[condition["key"]], condition["op"], condition["value"]
    if isinstance(given, list):  # a multiple choice: the choices picked
        if op == "equals":
            return value in given
        if op == "not_equals":
            return value not in given
        return op == "one_of" and any(x in given for x in value)
    if op == "equals":
        return given == value  # of the question's type: checked when the survey was saved
    if op == "not_equals":
        return given != value
    if op == "one_of":
        return given in value
    if isinstance(given, bool) or not isinstance(given, (int, float)) or not isinstance(value, (int, float)):
        return False
    return given > value if op == "greater_than" else given < value


def given_values(items: list[dict], rows: dict) -> dict:
    """The answers in `rows` ({answer key: (number, text)}, as `answers.check_answers` makes them) as
    `applies` reads them; not applicable ones left out."""
    return _given(sources(items), rows)


def _given(known: dict[str, dict], rows: dict, keys=None) -> dict:
    """`given_values` from the survey's `sources`, for `keys` only when given (those a condition names)."""
    out = {}
    for key in known if keys is None else [key for key in keys if key in known]:
        number, text = rows.get(key, NOT_APPLICABLE)
        if (number, text) == NOT_APPLICABLE:
            continue
        kind = known[key]["type"]
        if kind == "yes_no":
            out[key] = bool(number)
        elif kind == "multiple_choice":
            out[key] = json.loads(text)
        elif kind in NUMERIC:
            out[key] = number
        else:
            out[key] = text
    return out


def named(item: dict) -> list[str]:
    """The answer keys the item's condition looks at."""
    return [condition["key"] for condition in next(iter(item["show_if"].values()))] if item.get("show_if") else []


def hidden(item: dict, items: list[dict], rows: dict, known: dict | None = None) -> bool:
    """For `check_answers`: whether this question does not apply, given the rows of the questions before it
    (`known`: the survey's `sources`, read once by the caller; only the answers the condition names are read)."""
    if not item.get("show_if"):
        return False
    return not applies(item, _given(sources(items) if known is None else known, rows, named(item)))


def skip(item: dict, answers: dict, rows: dict, errors: dict) -> None:
    """For `check_answers`: a question that does not apply is stored as such, under each of its answer keys (a
    matrix's rows, a choice and its "Other" text); an answer sent for it is refused (the API's contract stays
    explicit; the survey form leaves such answers out first, `applicable_only`)."""
    keys = answer_keys(item)
    sent = [key for key in keys if not is_blank(answers.get(key))]
    for key in sent:
        errors[key] = _("This question does not apply given the earlier answers: leave it out.")
    if not sent:
        rows.update(dict.fromkeys(keys, NOT_APPLICABLE))


def applicable_only(items: list[dict], answers: dict) -> dict:
    """The answers posted by the survey form without those to questions that do not apply: without JavaScript a
    participant may have filled them in, and the form shows every question."""
    from .answers import check_answers  # answers.py calls this module

    if not any(item.get("show_if") for item in items):
        return answers
    rows, _errors = check_answers(items, answers)
    # a question whose answer was refused for not applying has no row: its condition decides here
    out = dict(answers)
    known = sources(items)
    for item in items:
        if item.get("show_if") and hidden(item, items, rows, known):
            for key in answer_keys(item):
                out.pop(key, None)
    return out


# --- Pages -----------------------------------------------------------------------------------------------


def candidates(items: list[dict]) -> list[dict]:
    """The earlier answers a condition may look at, for the builder's select: key and wording (a matrix's rows
    each; no free text, date, time, section or score)."""
    return [
        {"key": key, "text": source.get("text") or key}
        for key, source in sources(items).items()
        if source.get("type") in OPS_BY_TYPE
    ]


def attributes(item: dict) -> str:
    """The data attributes of a question's wrapper that static/branching.js reads (JSON, escaped by Jinja)."""
    return json.dumps(item["show_if"], ensure_ascii=False, separators=(",", ":")) if item.get("show_if") else ""


def describe(item: dict, items: list[dict]) -> str | None:
    """The condition in words, for the participant (the hint shown without JavaScript) and the survey pages:
    “Answer only if you answered “Yes” to “Do you smoke?””."""
    show_if = item.get("show_if")
    if not show_if:
        return None
    known = sources(items)
    join, conditions = next(iter(show_if.items()))
    parts = [_words(c, known.get(c["key"], {})) for c in conditions]
    glue = _(" and ") if join == "all" else _(" or ")
    return _("Answer only if %(conditions)s.", conditions=glue.join(parts))


def _shown(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quoted(value) -> str:
    return _("“%(text)s”", text=_shown(value))  # French quotes in French


def _words(condition: dict, source: dict) -> str:
    question = source.get("text") or condition["key"]
    op, value = condition["op"], condition["value"]
    if op == "one_of":
        shown = _(" or ").join(_quoted(x) for x in value)
        return _("you answered %(values)s to “%(question)s”", values=shown, question=question)
    shown = _quoted(value)
    if op == "equals":
        if source.get("type") == "multiple_choice":
            return _("you chose %(value)s in “%(question)s”", value=shown, question=question)
        return _("you answered %(value)s to “%(question)s”", value=shown, question=question)
    if op == "not_equals":  # an answer is needed: a question left unanswered meets no condition
        if source.get("type") == "multiple_choice":
            return _("your answer to “%(question)s” does not include %(value)s", value=shown, question=question)
        return _("your answer to “%(question)s” is other than %(value)s", value=shown, question=question)
    if op == "greater_than":
        return _("your answer to “%(question)s” is more than %(value)s", value=_shown(value), question=question)
    return _("your answer to “%(question)s” is less than %(value)s", value=_shown(value), question=question)
