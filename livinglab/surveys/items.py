"""What a survey item is: a question of one of the types, or a standard instrument, each attribute
declared once. `definitions.clean_item` checks items with these declarations; the pydantic models
built from them describe items in OpenAPI (and re-check what `clean_item` gives)."""

from typing import Annotated, Any, ClassVar, Literal, Union

from flask_babel import gettext as _
from pydantic import Discriminator, create_model, model_serializer
from pydantic import Field as Limits
from typing_extensions import TypeAliasType

from .. import schema as s
from .. import validation as v
from ..schema import Key
from .branching import SHOW_IF
from .instruments import INSTRUMENTS
from .question_types import NEW_EXTRAS, NEW_TYPES, OMITTED, OTHER_FLAG

QUESTION_TYPES = ("likert", "number", "yes_no", "single_choice", "multiple_choice", "text", "nps", *NEW_TYPES)
TEXT_MAX = 2000
RESERVED_KEYS = ("participant_code", "arm", "timepoint", "site")  # the columns every export starts with


def item_key(value) -> str:
    key = v.key(value)
    if key in RESERVED_KEYS:
        raise v.FieldError(_("“%(key)s” is reserved for the exports: choose another key.", key=key))
    return key


def _choices(value) -> list[str]:
    return v.name_list([] if value is None else value, max_items=30, max_len=200, min_items=2)


CHOICES = s.composite(
    Annotated[
        list[Annotated[str, Limits(min_length=1, max_length=200)]],
        Limits(min_length=2, max_length=30, json_schema_extra={"uniqueItems": True}),
    ],
    _choices,
)


def _scale_labels(value) -> list[str] | None:
    if value is None:
        return None
    return v.name_list(value, max_items=21, max_len=100, min_items=2)


SCALE_LABELS = s.composite(
    Annotated[
        list[Annotated[str, Limits(min_length=1, max_length=100)]] | None,
        Limits(min_length=2, max_length=21),
    ],
    _scale_labels,
)

# Every question's attributes, then each type's own: (kind, required in the body)
QUESTION = {
    "key": (s.composite(Key, item_key), True),
    "text": (s.text(1000, required=True), True),
}
REQUIRED = (s.boolean(default=True), False)
EXTRAS: dict[str, tuple[dict[str, tuple[s.Kind, bool]], str]] = {
    "likert": (
        {
            "min": (s.integer(-10, 10, default=1), False),
            "max": (s.integer(-10, 20, default=5), False),
            "labels": (SCALE_LABELS, False),
        },
        "an integer from `min` to `max` (at most 21 points). `labels` (optional) names the scale's points: two "
        "entries for the lowest and highest, or one per point from `min` up; without them the ends read "
        "“Lowest” and “Highest”.",
    ),
    "number": (
        {
            "min": (s.number(-1e9, 1e9), False),
            "max": (s.number(-1e9, 1e9), False),
            "unit": (s.text(32, single_line=True), False),
            "plausible_min": (s.number(-1e9, 1e9), False),
            "plausible_max": (s.number(-1e9, 1e9), False),
        },
        "a number, within `min` and `max` when given. `plausible_min` and `plausible_max` (optional, either or "
        "both) declare the range of plausible values: an answer outside it is accepted but flagged on the data-quality "
        "page.",
    ),
    "yes_no": ({}, "true or false."),
    "single_choice": (
        {"choices": (CHOICES, True), "other": (OTHER_FLAG, False)},
        'one of `choices`; with `other: true`, also `"Other"`, its text then required under `<key>_other`.',
    ),
    "multiple_choice": ({"choices": (CHOICES, True)}, "a list of some of `choices`."),
    "text": ({}, f"text, at most {TEXT_MAX} characters."),
    "nps": ({}, "an integer from 0 to 10."),
    **NEW_EXTRAS,
}


def question_name(kind: str) -> str:
    return "".join(part.title() for part in kind.split("_")) + "Question"


class _ScaleQuestion(s.Body):
    """A rating scale: `labels` is left out when none are given, so that items stay as they were stored before
    scales had labels (their definitions enter the registration hash)."""

    OMITTED_WHEN_NONE: ClassVar[tuple[str, ...]] = ("labels",)

    @model_serializer(mode="wrap")
    def _without_absent_labels(self, handler) -> dict[str, Any]:
        data = handler(self)
        for name in (*self.OMITTED_WHEN_NONE, "show_if"):  # show_if: every question's (branching.py)
            if data.get(name) is None:
                data.pop(name, None)
        return data


class _NumberQuestion(_ScaleQuestion):
    """A number: its plausible range is left out when none is declared, so that items stay as they were stored
    before it existed (their definitions enter the registration hash)."""

    OMITTED_WHEN_NONE = ("plausible_min", "plausible_max")


PLAUSIBLE = ("plausible_min", "plausible_max")


def _omitting(kind: str) -> type[_ScaleQuestion]:
    """A newer type's model, its optional attributes left out when absent (`question_types.OMITTED`)."""
    return type(f"_{kind}", (_ScaleQuestion,), {"OMITTED_WHEN_NONE": OMITTED[kind]})


def _question_model(kind: str):
    extras, answer = EXTRAS[kind]
    fields: dict[str, Any] = {
        name: (k.annotation, ... if required else None) for name, (k, required) in QUESTION.items()
    }
    fields["type"] = (Literal[kind], ...)
    fields["required"] = (REQUIRED[0].annotation, True)
    fields.update({name: (k.annotation, ... if required else None) for name, (k, required) in extras.items()})
    fields["show_if"] = (SHOW_IF.annotation, None)
    base = {"likert": _ScaleQuestion, "number": _NumberQuestion}.get(kind, _ScaleQuestion)  # all omit absent show_if
    base = _omitting(kind) if kind in OMITTED else base
    return create_model(question_name(kind), __base__=base, __doc__=f"Answered with {answer}", **fields)


QUESTION_MODELS = {kind: _question_model(kind) for kind in QUESTION_TYPES}


def _instrument_doc() -> str:
    scales = "; ".join(
        f"`{code}`: {i.name}, {i.n_items} items {i.min}..{i.max}, score {i.score_min:g}..{i.score_max:g}"
        for code, i in INSTRUMENTS.items()
    )
    return (
        "A standard instrument. Its items are answered as `<key>_1 … <key>_N` and its score is the variable "
        f"`<key>`. {scales}."
    )


Instrument = create_model(
    "Instrument",
    __base__=s.Body,
    __doc__=_instrument_doc(),
    key=(QUESTION["key"][0].annotation, ...),  # type: ignore[maybe-unrecognized-str-typeform]  # "key" is no annotation
    instrument=(Literal[tuple(INSTRUMENTS)], ...),  # type: ignore[arg-type]  # a Literal of values known at run time
)
# A section break: not a question (no answer, no variable, not exported); it starts a page of the survey
# (surveys/paging.py). `intro` is left out when absent.
SECTION = {
    "key": (QUESTION["key"][0], True),
    "section": (s.text(200, required=True, single_line=True), True),
    "intro": (s.text(1000), False),
}


class _SectionBreak(_ScaleQuestion):
    OMITTED_WHEN_NONE = ("intro",)


_section_fields: dict[str, Any] = {name: (k.annotation, ... if req else None) for name, (k, req) in SECTION.items()}


Section = create_model(
    "Section",
    __base__=_SectionBreak,
    __doc__=(
        "A section break: `section` is the title participants read above the items that follow it, `intro` an "
        "optional text under it. The survey page shows each section on a page of its own (the items before the "
        "first section form the first page). It has no answer: answers keyed by it are refused (422)."
    ),
    **_section_fields,
)


class ComputedScore(s.Body):
    """A score computed from numeric items of the same survey (likert, number, nps, yes_no, an instrument's
    `<key>_N`): their `sum` or `mean`, the items in `reverse` counted as `min + max − value` of their scale. Never
    shown to participants, never answered (a value sent for it is refused); a variable of the analysis and a
    column of the exports. A sum is given when every item is answered, a mean when at least half are (rounded
    up). Checked by `surveys/scores.py`."""

    key: Key
    text: Annotated[str, Limits(min_length=1, max_length=1000, description="The score's label.")]
    score: Literal["sum", "mean"]
    of: Annotated[list[Key], Limits(min_length=2, max_length=100, json_schema_extra={"uniqueItems": True})]
    reverse: Annotated[list[Key], Limits(max_length=100, description="Items of `of` counted reversed.")] = []


# Union of a tuple built at run time: `X | Y` has no spelling for it.
# (models made by create_model: no static type for mypy either)
Question = TypeAliasType("Question", Annotated[Union[tuple(QUESTION_MODELS.values())], Discriminator("type")])  # type: ignore[valid-type]  # noqa: UP007
SurveyItem = TypeAliasType(
    "SurveyItem",
    Annotated[
        Question | Instrument | Section | ComputedScore,  # type: ignore[valid-type]  # models made at run time
        Limits(
            description=(
                "A question, an instrument or a computed score. The same key in the surveys of two timepoints is the same variable measured "
                "twice. Or a section break, which starts a page."
            )
        ),
    ],
)
