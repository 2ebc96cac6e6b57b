"""Standard instruments as participants answer them: their items, scale and instructions in the validated
wording, and how they are scored (analysis.instruments; ../shared/API.md defines the scores).

Each instrument's wording lives here once: the survey page, the builder, the exports' value labels and
the data dictionary read it. The French wording is the published French version of each instrument
(WHO-5: Psychiatric Research Unit, WHO Collaborating Centre; PHQ-9 and GAD-7: the Pfizer "French for
France" versions, free to reproduce, translate and distribute), kept in the French catalogue."""

from dataclasses import dataclass, fields

from flask_babel import lazy_gettext as _l

from ..analysis.instruments import SCORING, Scoring, item_keys  # noqa: F401  (item_keys: for importers)


@dataclass(frozen=True)
class Instrument(Scoring):
    """An instrument's scoring (analysis.instruments) and its wording: `heading` is what participants read
    above it (plain words, not the instrument's name), `stem` the instruction, `points` the label of every
    point of its scale (from `min` up) or only of its two ends, `scoring_text` how it is scored, for staff."""

    texts: tuple = ()
    heading: object = ""
    stem: object = ""
    points: tuple = ()
    scoring_text: object = ""
    note: object = None  # shown under the instrument (PHQ-9: where to find help)

    @property
    def ends(self) -> tuple:
        """What the lowest and the highest point mean."""
        return (self.points[0], self.points[-1])

    @property
    def every_point_labelled(self) -> bool:
        return len(self.points) == self.max - self.min + 1


AGREE = (_l("Strongly disagree"), _l("Strongly agree"))
OFTEN_BOTHERED = (_l("Not at all"), _l("Several days"), _l("More than half the days"), _l("Nearly every day"))

WORDING = {
    "sus": {
        "heading": _l("Using the product"),
        "stem": _l("For each statement, choose how much you agree."),
        "points": AGREE,
        "scoring_text": _l(
            "10 statements answered from 1 to 5. Score from 0 to 100: 2.5 × (the sum of odd items − 1 + the sum of 5 − even items)."
        ),
        "texts": (
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
    },
    "umux_lite": {
        "heading": _l("What you think of the product"),
        "stem": _l("For each statement, choose how much you agree."),
        "points": AGREE,
        "scoring_text": _l("2 statements answered from 1 to 7. Score from 0 to 100: (item 1 + item 2 − 2) × 100 / 12."),
        "texts": (
            _l("This system's capabilities meet my requirements."),
            _l("This system is easy to use."),
        ),
    },
    "who5": {
        "heading": _l("How you have been feeling"),
        "stem": _l("For each statement, choose how often you have felt this way over the last two weeks."),
        "points": (
            _l("At no time"),
            _l("Some of the time"),
            _l("Less than half of the time"),
            _l("More than half of the time"),
            _l("Most of the time"),
            _l("All of the time"),
        ),
        "scoring_text": _l("5 statements answered from 0 to 5. Score from 0 to 100: 4 × the sum."),
        "texts": (
            _l("I have felt cheerful and in good spirits."),
            _l("I have felt calm and relaxed."),
            _l("I have felt active and vigorous."),
            _l("I woke up feeling fresh and rested."),
            _l("My daily life has been filled with things that interest me."),
        ),
    },
    "phq9": {
        "heading": _l("Your mood over the last two weeks"),
        "stem": _l("Over the last 2 weeks, how often have you been bothered by any of the following problems?"),
        "points": OFTEN_BOTHERED,
        "scoring_text": _l(
            "9 problems answered from 0 (not at all) to 3 (nearly every day). Score from 0 to 27: the sum "
            "(5, 10, 15 and 20 mark mild, moderate, moderately severe and severe depressive symptoms)."
        ),
        "texts": (
            _l("Little interest or pleasure in doing things"),
            _l("Feeling down, depressed, or hopeless"),
            _l("Trouble falling or staying asleep, or sleeping too much"),
            _l("Feeling tired or having little energy"),
            _l("Poor appetite or overeating"),
            _l("Feeling bad about yourself — or that you are a failure or have let yourself or your family down"),
            _l("Trouble concentrating on things, such as reading the newspaper or watching television"),
            _l(
                "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
                "fidgety or restless that you have been moving around a lot more than usual"
            ),
            _l("Thoughts that you would be better off dead or of hurting yourself in some way"),
        ),
        "note": _l(
            "If you have thoughts of hurting yourself, do not stay alone with them: call 3114, the national suicide "
            "prevention line (free, every day, day and night), or 15 or 112 in an emergency. This survey is read "
            "by no one who could help you in time."
        ),
    },
    "gad7": {
        "heading": _l("Worry and tension over the last two weeks"),
        "stem": _l("Over the last 2 weeks, how often have you been bothered by the following problems?"),
        "points": OFTEN_BOTHERED,
        "scoring_text": _l(
            "7 problems answered from 0 (not at all) to 3 (nearly every day). Score from 0 to 21: the sum "
            "(5, 10 and 15 mark mild, moderate and severe anxiety)."
        ),
        "texts": (
            _l("Feeling nervous, anxious, or on edge"),
            _l("Not being able to stop or control worrying"),
            _l("Worrying too much about different things"),
            _l("Trouble relaxing"),
            _l("Being so restless that it is hard to sit still"),
            _l("Becoming easily annoyed or irritable"),
            _l("Feeling afraid, as if something awful might happen"),
        ),
    },
}

INSTRUMENTS: dict[str, Instrument] = {
    code: Instrument(**{f.name: getattr(scoring, f.name) for f in fields(Scoring)}, **WORDING[code])
    for code, scoring in SCORING.items()
}


def score(code: str, values: list[float]) -> float:
    instrument = INSTRUMENTS[code]
    if len(values) != instrument.n_items:
        raise ValueError(f"{code} needs {instrument.n_items} answers")
    return float(instrument.score(values))
