"""The survey builder's forms: a survey's header, a question, a standard instrument."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from .. import validation as v
from ..studies.keys import key_from_label, label_of
from .branching_form import BranchFields, remember_sources
from .condition_scope import posted
from .definitions import QUESTION_TYPES, answer_keys, clean_item, measurement
from .instruments import INSTRUMENTS
from .repeats import REPEAT_LABELS
from .type_settings import TYPE_GROUPS, new_type_settings

TYPE_LABELS = {
    "likert": _l("Rating scale (Likert)"),
    "number": _l("Number"),
    "yes_no": _l("Yes or no"),
    "single_choice": _l("One choice from a list"),
    "multiple_choice": _l("Several choices from a list"),
    "text": _l("Free text"),
    "nps": _l("Likelihood to recommend (NPS, 0 to 10)"),
    "date": _l("Date"),
    "time": _l("Time of day"),
    "slider": _l("Slider from 0 to 100 (visual analogue scale)"),
    "matrix": _l("Several statements on one scale (matrix)"),
}
CHOICE_TYPES = ("single_choice", "multiple_choice")

SCORING = {code: instrument.scoring_text for code, instrument in INSTRUMENTS.items()}  # how each is scored, for staff


class ItemFields(Form):
    """What a question and an instrument form share: the item dict they build, checked by the
    same function the service uses, so its messages appear beside the fields."""

    def item(self) -> dict:
        raise NotImplementedError

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        try:
            clean_item(self.item())
        except v.FieldError as err:
            for name, problem in getattr(err, "errors", {"key": err}).items():
                getattr(self, name, self.key).errors.append(problem.message)  # type: ignore[union-attr]  # every field named by clean_item exists on the form
            return False
        return True


class QuestionFields(BranchFields, ItemFields):
    type_groups = TYPE_GROUPS  # which settings each type uses, for the template
    key = StringField(
        _l("Key"),
        description=_l(
            "The variable's name in the API and the exports: lower-case letters, digits and _, starting with a letter. "
            "Made from the question when left empty; the same question asked in another survey gets the same key, "
            "so that it is compared between timepoints."
        ),
    )
    text = TextAreaField(_l("Question"), render_kw={"rows": 2})
    type = SelectField(
        _l("Type of answer"), choices=[SelectChoice(t, TYPE_LABELS[t]) for t in QUESTION_TYPES], default="likert"
    )
    required = BooleanField(_l("An answer is required"), default=True)
    min = StringField(
        _l("Lowest value"),
        description=_l(
            "Scales and matrices: a whole number, 1 when empty. Numbers: optional. Dates: the earliest, optional, "
            "as YYYY-MM-DD."
        ),
    )
    max = StringField(
        _l("Highest value"),
        description=_l(
            "Scales and matrices: a whole number, 5 when empty. Numbers: optional. Dates: the latest, optional, "
            "as YYYY-MM-DD."
        ),
    )
    unit = StringField(_l("Unit"), description=_l("Numbers only, e.g. h, kg, €."))
    plausible_min = StringField(
        _l("Lowest plausible value"),
        description=_l("Numbers only, optional: an answer below it is accepted, and flagged on the data-quality page."),
    )
    plausible_max = StringField(
        _l("Highest plausible value"),
        description=_l("Numbers only, optional: an answer above it is accepted, and flagged on the data-quality page."),
    )
    labels = TextAreaField(
        _l("Labels of the scale"),
        render_kw={"rows": 3},
        description=_l(
            "Scales and matrices, optional: one per line, either two (the lowest and highest points, e.g. Not at all, "
            "Very much) or one for each point from the lowest up. Without them the ends read Lowest and Highest. "
            "Sliders: the two ends, required."
        ),
    )
    choices = TextAreaField(
        _l("Choices"),
        render_kw={"rows": 4},
        description=_l("Choice questions only: one choice per line, at least two."),
    )
    other = BooleanField(_l("Add “Other (please specify)”"), description=_l("One choice only: its text is stored too."))
    rows = TextAreaField(
        _l("Statements"),
        render_kw={"rows": 4},
        description=_l("Matrices only: one statement per line, at least two; each is answered on the scale."),
    )

    def item(self) -> dict:
        """The question as the service takes it, with only the fields its type uses."""
        kind = self.type.data
        item = {"key": self.key.data, "text": self.text.data, "type": kind, "required": bool(self.required.data)}
        if kind in ("likert", "number"):
            for name in ("min", "max"):
                value = _number(getattr(self, name).data, whole=kind == "likert")
                if value is not None:
                    item[name] = value
        if kind == "likert":
            labels = [line.strip() for line in (self.labels.data or "").splitlines() if line.strip()]
            if labels:
                item["labels"] = labels
        if kind == "number":
            item["unit"] = self.unit.data
            for name in ("plausible_min", "plausible_max"):
                value = _number(getattr(self, name).data, whole=False)
                if value is not None:
                    item[name] = value
        elif kind in CHOICE_TYPES:
            item["choices"] = [line.strip() for line in (self.choices.data or "").splitlines() if line.strip()]
        item.update(new_type_settings(self, kind))
        return self.with_show_if(item)

    def fill(self, item: dict) -> None:
        """Show a stored question in the form."""
        self.key.data, self.text.data, self.type.data = item["key"], item["text"], item["type"]
        self.required.data = item.get("required", True)
        self.min.data = _show_number(item.get("min"))
        self.max.data = _show_number(item.get("max"))
        self.unit.data = item.get("unit") or ""
        self.plausible_min.data = _show_number(item.get("plausible_min"))
        self.plausible_max.data = _show_number(item.get("plausible_max"))
        self.choices.data = "\n".join(item.get("choices", []))
        self.labels.data = "\n".join(item.get("labels") or [])
        self.rows.data, self.other.data = "\n".join(item.get("rows", [])), bool(item.get("other"))
        self.fill_show_if(item)


class InstrumentFields(ItemFields):
    key = StringField(
        _l("Key"),
        description=_l(
            "The score's name in the API and the exports, e.g. sus; its statements are answered as key_1, key_2… "
            "The instrument's short name when left empty, the same in every survey that uses it."
        ),
    )
    instrument = SelectField(
        _l("Instrument"), choices=[SelectChoice(code, i.name) for code, i in INSTRUMENTS.items()], default="sus"
    )

    def item(self) -> dict:
        return {"key": self.key.data, "instrument": self.instrument.data}

    def fill(self, item: dict) -> None:
        self.key.data, self.instrument.data = item["key"], item["instrument"]


class SectionFields(ItemFields):
    """A section break: it starts a new page of the survey, under its title."""

    key = StringField(
        _l("Key"),
        description=_l("The section's name in the API. Made from the title when left empty."),
    )
    section = StringField(
        _l("Title of the section"),
        description=_l("Participants read it at the top of the section's page, e.g. About your sleep."),
    )
    intro = TextAreaField(_l("Introduction (optional)"), render_kw={"rows": 2})

    def item(self) -> dict:
        return {"key": self.key.data, "section": self.section.data, "intro": self.intro.data or None, **posted(self)}

    def fill(self, item: dict) -> None:
        self.key.data, self.section.data, self.intro.data = item["key"], item["section"], item.get("intro") or ""


class ScoreFields(ItemFields):
    """A score computed from numeric items of the survey (scores.py): the builder lists them as checkboxes."""

    key = StringField(
        _l("Key"),
        description=_l("The score's name in the API and the exports. Made from its label when left empty."),
    )
    text = StringField(_l("Label"), description=_l("What the score measures, e.g. Sleep quality (total)."))
    score = SelectField(
        _l("Computed as"),
        choices=[SelectChoice("mean", _l("The mean of the items")), SelectChoice("sum", _l("The sum of the items"))],
        default="mean",
        description=_l(
            "A mean is given when at least half of the items are answered, a sum only when all of them are."
        ),
    )
    of = SelectMultipleField(_l("Items of the score"), validate_choice=False)
    reverse = SelectMultipleField(_l("Reversed items"), validate_choice=False)

    def item(self) -> dict:
        return {
            "key": self.key.data,
            "text": self.text.data,
            "score": self.score.data,
            "of": list(self.of.data or []),
            "reverse": list(self.reverse.data or []),
            **posted(self),  # refused by the service (condition_scope.py)
        }

    def fill(self, item: dict) -> None:
        self.key.data, self.text.data, self.score.data = item["key"], item["text"], item["score"]
        self.of.data, self.reverse.data = list(item["of"]), list(item.get("reverse") or [])


def _same_text(a, b) -> bool:
    return isinstance(a, str) and isinstance(b, str) and " ".join(a.lower().split()) == " ".join(b.lower().split())


def fill_item_key(form: ItemFields, study, survey=None, index: int | None = None, timepoint: str | None = None) -> None:
    """When no key was typed: the key of the same question (or instrument) asked at another timepoint, so
    that it is one variable measured twice; else one made from the question (or the instrument's code),
    not used by any other item of the study."""
    remember_sources(form, survey, index)  # the questions a condition may name (branching_form.py)
    if (form.key.data or "").strip():
        return
    try:
        item = form.item()
    except (TypeError, ValueError, AttributeError):
        return
    timepoint = timepoint or (survey.timepoint if survey is not None else None)
    others = [
        (other, position, existing)
        for other in study.surveys
        for position, existing in enumerate(other.items)
        if not (other is survey and position == index)
    ]
    for other, _position, existing in others:
        if other.timepoint == timepoint or other is survey:
            continue
        same = (
            existing.get("instrument") == item.get("instrument")
            if "instrument" in item
            else "instrument" not in existing and _same_text(existing.get("text"), item.get("text"))
        )
        if same and "instrument" not in existing and "instrument" not in item:
            try:
                same = measurement(existing) == measurement(clean_item({**item, "key": existing["key"]}))
            except v.FieldError:
                same = False
        if same:
            form.key.data = existing["key"]
            return
    taken = {name for _other, _position, existing in others for name in (existing["key"], *answer_keys(existing))}
    if "instrument" in item:
        form.key.data = key_from_label(str(item.get("instrument") or "score"), taken, fallback="score")
    else:
        form.key.data = key_from_label(
            next((x for x in (item.get("text"), item.get("section")) if isinstance(x, str)), ""),
            taken,
            fallback="section" if "section" in item else "question",
            max_words=4,
            drop_stop_words=True,
        )


def _number(raw: str | None, *, whole: bool):
    """A typed number; text that is not one goes to the service as is, which says what is wrong."""
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        return raw
    return int(value) if whole and value.is_integer() else value


def _show_number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


class QuestionForm(QuestionFields, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="question", **kwargs)


class InstrumentForm(InstrumentFields, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="instrument", **kwargs)


class ScoreForm(ScoreFields, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="score", **kwargs)


class SurveyHeaderFields:
    key = StringField(
        _l("Key"),
        description=_l(
            "The survey's name in the API: lower-case letters, digits and _. Made from the title when left empty."
        ),
    )
    title = StringField(_l("Title"), description=_l("Participants see it above the questions."))
    timepoint = SelectField(_l("Timepoint"), choices=[], description=_l("When participants answer this survey."))

    def set_timepoints(self, study) -> None:
        self.timepoint.choices = [SelectChoice(tp, label_of(study.labels, "timepoints", tp)) for tp in study.timepoints]

    def fill_key(self, study, survey=None) -> None:
        """A key made from the title, when none was typed."""
        if not (self.key.data or "").strip() and isinstance(self.title.data, str):
            taken = [other.key for other in study.surveys if other is not survey]
            self.key.data = key_from_label(self.title.data, taken, fallback="survey", max_words=5, drop_stop_words=True)


class SurveyForm(SurveyHeaderFields, FlaskForm):
    """A survey's title, key and timepoint."""

    def __init__(self, study, *args, **kwargs):
        super().__init__(*args, prefix="survey", **kwargs)
        self.set_timepoints(study)

    repeat = SelectField(
        _l("How often is it answered?"),
        choices=[SelectChoice(value, label) for value, label in REPEAT_LABELS.items()],
        validate_choice=False,  # checked by the service (surveys/repeats.py), as the API's value is
        description=_l(
            "A repeatable survey opens at its timepoint and stays open until the participant withdraws or the pilot "
            "ends; each report is numbered and exported in long form."
        ),
    )

    def header(self) -> dict:
        return {
            "key": self.key.data,
            "title": self.title.data,
            "timepoint": self.timepoint.data,
            "repeat": self.repeat.data or None,
        }


class NewSurveyForm(SurveyHeaderFields, FlaskForm):
    """A new survey and its first item: a question or an instrument, chosen by the button pressed."""

    start = SelectField(choices=[SelectChoice("question"), SelectChoice("instrument")], default="question")
    question = FormField(QuestionFields)
    instrument = FormField(InstrumentFields)

    def __init__(self, study, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_timepoints(study)

    @property
    def chosen(self) -> FormField:
        return self.instrument if self.start.data == "instrument" else self.question

    @property
    def first_item_key(self):
        """Where the service's complaints about the items go (see `show_errors` aliases)."""
        return self.chosen.form.key

    def validate(self, extra_validators=None) -> bool:
        skipped = "question" if self.chosen is self.instrument else "instrument"
        results = [field.validate(self) for name, field in self._fields.items() if name != skipped]
        return all(results)

    def data_for_service(self) -> dict:
        return {
            "key": self.key.data,
            "title": self.title.data,
            "timepoint": self.timepoint.data,
            "items": [self.chosen.form.item()],
        }


class SectionForm(SectionFields, FlaskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="section", **kwargs)


class MoveForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up"), SelectChoice("down")])
