"""The columns of a study's export: who and when, then one per answer key in survey order.

An instrument gives its items `<key>_1 … <key>_N`, then its score `<key>`. Built from the survey
definitions alone, so the header (and the data dictionary) exist before any answer does."""

import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..analysis.computed_scores import recipe, score_range
from ..analysis.question_types import TEXT_TYPES
from ..studies.keys import label_of
from ..studies.models import Study
from ..surveys.definitions import answer_keys, is_section
from ..surveys.instruments import INSTRUMENTS
from ..surveys.question_types import export_parts
from ..surveys.repeats import once_only
from ..surveys.scores import describe

ID_KEYS = ("participant_code", "arm", "timepoint")

NPS_ANCHORS = (_l("not at all likely"), _l("extremely likely"))
LIKERT_ANCHORS = (_l("lowest"), _l("highest"))


@dataclass
class Column:
    key: str
    label: str
    type: str  # participant_code | arm | timepoint | a question type | score
    timepoints: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)  # arm, timepoint, site, single and multiple choice (keys)
    choice_labels: dict[str, str] = field(default_factory=dict)  # what people read for a choice key (arm, ...)
    low: float | None = None
    high: float | None = None
    anchors: tuple = ()  # what `low` and `high` mean
    points: tuple = ()  # a scale labelled at every point: each point's label, from `low` up; () otherwise
    unit: str | None = None
    items: list[str] = field(default_factory=list)  # a score's item keys
    instrument: str | None = None
    source: str = ""  # the answer key stored, when the column needs another name
    bounds: tuple = ()  # a date's earliest and latest (YYYY-MM-DD or None)
    recipe: dict | None = None  # a computed score's (analysis/computed_scores.py)
    show_if: dict | None = None  # asked only if earlier answers meet this (surveys/branching.py)
    plausible: tuple = ()  # a number's declared plausible range (low, high), either end None; () when none

    def __post_init__(self):
        self.source = self.source or self.key

    def value(self, number, text):
        """A stored answer as the export shows it: a number, a text, or None."""
        if self.type == "yes_no":
            return None if number is None else int(number)
        if self.type == "multiple_choice":
            return None if text is None else "; ".join(json.loads(text))
        if self.type in ("single_choice", "text"):
            return text
        if self.type in TEXT_TYPES:
            return text
        if number is None:
            return None
        return int(number) if float(number).is_integer() else float(number)

    def value_labels(self) -> dict:
        """Value labels for SPSS and Stata: yes/no, every point of a scale labelled at each point, else the ends of
        a scale (choices are coded apart)."""
        if self.type == "yes_no":
            return {1: str(_l("yes")), 0: str(_l("no"))}
        if self.points and self.low is not None:
            return {self.low + n: str(text) for n, text in enumerate(self.points)}
        if self.anchors and self.low is not None and self.high is not None:
            return {
                self.low: f"{_fmt(self.low)} ({self.anchors[0]})",
                self.high: f"{_fmt(self.high)} ({self.anchors[1]})",
            }
        return {}


@dataclass
class Plan:
    columns: list[Column]
    arms: list[str]
    timepoints: list[str]
    ids: int = len(ID_KEYS)  # the first columns, who and when (and where: `site`, when the pilot has sites)

    def __post_init__(self):
        # where each stored answer key goes (the first columns say who and when: no answer goes there)
        self.index = {column.source: n for n, column in enumerate(self.columns) if n >= self.ids}
        self.scores = [
            (self.index[c.source], [self.index[k] for k in c.items], INSTRUMENTS[c.instrument].score)
            for c in self.columns
            if c.type == "score" and c.instrument
        ]
        self.computed = [
            (self.index[c.source], [self.index[k] for k in c.items], c.recipe) for c in self.columns if c.recipe
        ]

    @property
    def header(self) -> list[str]:
        return [column.key for column in self.columns]


def _fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def plan_for(study: Study) -> Plan:
    """Every column of the study's export, in order."""
    timepoints, arms = list(study.timepoints), list(study.arms)
    rank = {tp: n for n, tp in enumerate(timepoints)}
    columns = [
        Column("participant_code", str(_l("Pseudonymous participant code")), "participant_code"),
        Column(
            "arm",
            str(_l("Arm the participant was allocated to")),
            "arm",
            choices=arms,
            choice_labels={arm: label_of(study.labels, "arms", arm) for arm in arms},
        ),
        Column(
            "timepoint",
            str(_l("Timepoint of the survey")),
            "timepoint",
            choices=timepoints,
            choice_labels={tp: label_of(study.labels, "timepoints", tp) for tp in timepoints},
        ),
    ]
    found: dict[str, Column] = {}
    for survey in sorted(once_only(study.surveys), key=lambda s: (rank.get(s.timepoint, len(rank)), s.id)):
        for item in survey.items:
            for column in _columns_of(item) if "score" not in item else [score_column(item, survey.items)]:
                kept = found.setdefault(column.key, column)  # the same key later: measured again
                if survey.timepoint not in kept.timepoints:
                    kept.timepoints.append(survey.timepoint)
    columns += site_columns(study)
    return Plan(columns + list(found.values()), arms, timepoints, ids=len(columns))


def site_columns(study: Study, names: dict[str, str] | None = None) -> list[Column]:
    """`site` after the timepoint, when the pilot has sites (studies/sites.py): the key of each (its name the value
    label: `names`, by key, when given, else as written); empty when the participant enrolled before the pilot had
    sites."""
    if not study.sites:
        return []
    names = names or {site["key"]: site["name"] for site in study.sites}
    label = str(
        _l("Site where the participant takes part (%(sites)s)", sites="; ".join(f"{k} = {n}" for k, n in names.items()))
    )
    return [
        Column(
            "site",
            label,
            "site",
            choices=[site["key"] for site in study.sites],
            choice_labels=names,
        )
    ]


def score_column(item: dict, items: list[dict]) -> Column:
    """A score computed from items of its survey: its label says how (and the missing rule), its range is the
    scores possible when every item has a scale."""
    made_of = recipe(item, items)
    bounds = score_range(made_of, items) or (None, None)
    label = f"{item['text']}. {describe(item, items)}"
    return Column(item["key"], label, "score", low=bounds[0], high=bounds[1], items=made_of["of"], recipe=made_of)


def _columns_of(item: dict) -> list[Column]:
    if is_section(item):  # a section break holds no answer: no column
        return []
    code = item.get("instrument")
    if code:
        instrument = INSTRUMENTS[code]
        anchors = tuple(str(end).lower() for end in instrument.ends)  # what its lowest and highest points mean
        points = tuple(str(point) for point in instrument.points) if instrument.every_point_labelled else ()
        items = [
            Column(
                key,
                f"{instrument.name} {n}: {text}",
                "likert",
                low=instrument.min,
                high=instrument.max,
                anchors=anchors,
                points=points,
                instrument=code,
            )
            for n, (key, text) in enumerate(zip(answer_keys(item), instrument.texts, strict=False), start=1)
        ]
        score = Column(
            item["key"],
            str(_l("%(name)s score", name=instrument.name)),
            "score",
            low=instrument.score_min,
            high=instrument.score_max,
            items=[c.key for c in items],
            instrument=code,
        )
        return [*items, score]
    parts = export_parts(item)  # a matrix's rows, a choice and its "Other" text
    if parts is not None:
        return [column for part in parts for column in _columns_of(part)]
    kind = item["type"]
    column = Column(item["key"], item["text"], kind, unit=item.get("unit"), choices=list(item.get("choices") or []))
    column.show_if = item.get("show_if")
    if kind == "likert":
        labels = item.get("labels")
        column.low, column.high = item["min"], item["max"]
        column.anchors = (labels[0], labels[-1]) if labels else LIKERT_ANCHORS
        if labels and len(labels) == column.high - column.low + 1:  # one per point, not only the two ends
            column.points = tuple(labels)
    elif kind == "nps":
        column.low, column.high, column.anchors = 0, 10, NPS_ANCHORS
    elif kind == "number":
        column.low, column.high = item.get("min"), item.get("max")
        if item.get("plausible_min") is not None or item.get("plausible_max") is not None:
            column.plausible = (item.get("plausible_min"), item.get("plausible_max"))
    elif kind == "slider":
        column.low, column.high, column.anchors = 0, 100, tuple(item["labels"])
    elif kind == "date":
        column.bounds = (item.get("min"), item.get("max"))
    return [column]
