"""How the standard instruments are scored, and which variable each survey item measures.

The rules the statistics depend on, as plain data: `surveys.instruments` adds the items' wording
(translated) to these, and surveys, exports and results all read them from here."""

from collections.abc import Callable
from dataclasses import dataclass

from .question_types import is_section, own_answer_keys

NUMERIC_TYPES = ("likert", "number", "nps", "score", "slider")


@dataclass(frozen=True)
class Scoring:
    code: str
    name: str
    n_items: int
    min: int
    max: int
    score_min: float
    score_max: float
    score: Callable[[list[float]], float]
    # Item positions (1-based) worded negatively: a higher answer means a worse experience. Their
    # scored value runs the other way, so that every scored item points where the score points.
    reversed_items: tuple = ()

    def scored_items(self, values: list) -> list:
        """Each item's contribution to the score (SUS: odd items x − 1, even items 5 − x; UMUX-Lite:
        x − 1; WHO-5, PHQ-9, GAD-7: x): the items on which reliability is computed. Works on numbers or
        arrays."""
        return [
            self.max - value if position in self.reversed_items else value - self.min
            for position, value in enumerate(values, start=1)
        ]


def _sus(values: list[float]) -> float:
    odd = sum(v - 1 for v in values[0::2])
    even = sum(5 - v for v in values[1::2])
    return 2.5 * (odd + even)


SCORING: dict[str, Scoring] = {
    "sus": Scoring("sus", "System Usability Scale (SUS)", 10, 1, 5, 0, 100, _sus, reversed_items=(2, 4, 6, 8, 10)),
    "umux_lite": Scoring("umux_lite", "UMUX-Lite", 2, 1, 7, 0, 100, lambda v: (v[0] + v[1] - 2) * 100 / 12),
    "who5": Scoring("who5", "WHO-5 Well-Being Index", 5, 0, 5, 0, 100, lambda v: 4 * sum(v)),
    # Kroenke, Spitzer & Williams 2001 (PHQ-9) and Spitzer et al. 2006 (GAD-7): the sum of the items
    "phq9": Scoring("phq9", "Patient Health Questionnaire (PHQ-9)", 9, 0, 3, 0, 27, sum),
    "gad7": Scoring("gad7", "Generalized Anxiety Disorder scale (GAD-7)", 7, 0, 3, 0, 21, sum),
}


def item_keys(key: str, instrument: Scoring) -> list[str]:
    return [f"{key}_{i}" for i in range(1, instrument.n_items + 1)]


def answer_keys(item: dict) -> list[str]:
    """The keys a participant answers for this item (none for a section break, nor for a score computed from
    others)."""
    if is_section(item) or "score" in item:
        return []
    if "instrument" in item:
        return item_keys(item["key"], SCORING[item["instrument"]])
    return own_answer_keys(item) or [item["key"]]


def variable_type(item: dict) -> str:
    return "score" if "instrument" in item or "score" in item else item["type"]
