"""Standard instruments: their items and how they are scored (as ../shared/API.md defines them)."""

from dataclasses import dataclass, fields

from flask_babel import lazy_gettext as _l

from ..analysis.instruments import SCORING, Scoring, item_keys  # noqa: F401  (item_keys: for importers)


@dataclass(frozen=True)
class Instrument(Scoring):
    """An instrument's scoring (analysis.instruments) and the wording of its items."""

    texts: tuple = ()


TEXTS = {
    "sus": (
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
    "umux_lite": (
        _l("This system's capabilities meet my requirements."),
        _l("This system is easy to use."),
    ),
    "who5": (
        _l("I have felt cheerful and in good spirits."),
        _l("I have felt calm and relaxed."),
        _l("I have felt active and vigorous."),
        _l("I woke up feeling fresh and rested."),
        _l("My daily life has been filled with things that interest me."),
    ),
}

INSTRUMENTS: dict[str, Instrument] = {
    code: Instrument(**{f.name: getattr(scoring, f.name) for f in fields(Scoring)}, texts=TEXTS[code])
    for code, scoring in SCORING.items()
}


def score(code: str, values: list[float]) -> float:
    instrument = INSTRUMENTS[code]
    if len(values) != instrument.n_items:
        raise ValueError(f"{code} needs {instrument.n_items} answers")
    return float(instrument.score(values))
