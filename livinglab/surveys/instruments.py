"""Standard instruments: their items and how they are scored (as ../shared/API.md defines them)."""
from dataclasses import dataclass
from typing import Callable

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    n_items: int
    min: int
    max: int
    score_min: float
    score_max: float
    texts: tuple
    score: Callable[[list[float]], float]
    # Item positions (1-based) worded negatively: a higher answer means a worse experience. Their
    # scored value runs the other way, so that every scored item points where the score points.
    reversed_items: tuple = ()

    def scored_items(self, values: list) -> list:
        """Each item's contribution to the score (SUS: odd items x − 1, even items 5 − x; UMUX-Lite:
        x − 1; WHO-5: x): the items on which reliability is computed. Works on numbers or arrays."""
        return [self.max - value if position in self.reversed_items else value - self.min
                for position, value in enumerate(values, start=1)]


def _sus(values: list[float]) -> float:
    odd = sum(v - 1 for v in values[0::2])
    even = sum(5 - v for v in values[1::2])
    return 2.5 * (odd + even)


INSTRUMENTS: dict[str, Instrument] = {
    "sus": Instrument(
        "sus", "System Usability Scale (SUS)", 10, 1, 5, 0, 100,
        (
            _l("I think that I would like to use this system frequently."),
            _l("I found the system unnecessarily complex."),
            _l("I thought the system was easy to use."),
            _l("I think that I would need the support of a technical person to be able to use this system."),
            _l("I found the various functions in this system were well integrated."),
            _l("I thought there was too much inconsistency in this system."),
            _l("I would imagine that most people would learn to use this system very quickly."),
            _l("I found the system very cumbersome to use."),
            _l("I felt very confident using the system."),
            _l("I needed to learn a lot of things before I could get going with this system."),
        ),
        _sus,
        reversed_items=(2, 4, 6, 8, 10),
    ),
    "umux_lite": Instrument(
        "umux_lite", "UMUX-Lite", 2, 1, 7, 0, 100,
        (
            _l("This system's capabilities meet my requirements."),
            _l("This system is easy to use."),
        ),
        lambda v: (v[0] + v[1] - 2) * 100 / 12,
    ),
    "who5": Instrument(
        "who5", "WHO-5 Well-Being Index", 5, 0, 5, 0, 100,
        (
            _l("I have felt cheerful and in good spirits."),
            _l("I have felt calm and relaxed."),
            _l("I have felt active and vigorous."),
            _l("I woke up feeling fresh and rested."),
            _l("My daily life has been filled with things that interest me."),
        ),
        lambda v: 4 * sum(v),
    ),
}


def item_keys(key: str, instrument: Instrument) -> list[str]:
    return [f"{key}_{i}" for i in range(1, instrument.n_items + 1)]


def score(code: str, values: list[float]) -> float:
    instrument = INSTRUMENTS[code]
    if len(values) != instrument.n_items:
        raise ValueError(f"{code} needs {instrument.n_items} answers")
    return float(instrument.score(values))
