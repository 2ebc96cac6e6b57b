"""Repeatable surveys (issue 14 item 7): a diary, or a form to report a problem or a side effect, that a participant
fills any number of times from its timepoint on, until they withdraw or the pilot ends.

A survey's `repeat` is null for the surveys answered once at their timepoint (every survey before this existed),
"diary" or "problem_report". A repeatable survey is never missed, never reminded, never blocks a later timepoint and
never enters the once-per-timepoint analyses: `once_only` is what every such place reads its surveys through."""

from flask_babel import lazy_gettext as _l

REPEAT_KINDS = ("diary", "problem_report")
REPEAT_LABELS = {
    "": _l("Once, at its timepoint"),
    "diary": _l("Any number of times: a diary"),
    "problem_report": _l(
        "Any number of times: a problem or side effect report (listed for the startup and the coordinators, with an "
        "email notice unless they turned it off)"
    ),
}


def is_repeatable(survey) -> bool:
    return getattr(survey, "repeat", None) in REPEAT_KINDS


def once_only(surveys) -> list:
    """The surveys answered once per timepoint: the ones the schedule, the flow and the analysis count."""
    return [s for s in surveys if not is_repeatable(s)]


def repeatable(surveys) -> list:
    return [s for s in surveys if is_repeatable(s)]


def clean_repeat(value):
    """The posted or sent value: None (once), or one of REPEAT_KINDS; anything else is refused (ValueError)."""
    if value is None or value == "":
        return None
    if value not in REPEAT_KINDS:
        raise ValueError(value)
    return value
