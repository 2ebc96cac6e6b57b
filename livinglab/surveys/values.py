"""The checks every answered value shares, whatever its question's type: blank or not, a number within a
scale, and a number written back as the participant would type it. One home for `answers`, `question_types`
and `branching`."""

from flask_babel import gettext as _

LIMIT = 1e9  # every answer within ±10⁹: the bounds a survey may declare, and below the exports' codes (statcodes.py)


def is_blank(value) -> bool:
    """Nothing given: no value, only spaces, or an empty list (no box ticked)."""
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def number(value, lo, hi, integer: bool) -> float:
    """A number (or its text, with a decimal comma or point) within `lo`..`hi` (either may be None), or
    ValueError with a message for the participant; a number too large for a float is no number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(_("Enter a number."))
    try:
        value = float(value.replace(",", ".").strip()) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):
        raise ValueError(_("Enter a number.")) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(_("Enter a number."))
    if integer and not value.is_integer():
        raise ValueError(_("Enter a whole number."))
    if lo is not None and value < lo or hi is not None and value > hi:
        if lo is not None and hi is not None:
            raise ValueError(_("Enter a value from %(lo)s to %(hi)s.", lo=fmt(lo), hi=fmt(hi)))
        if lo is not None:
            raise ValueError(_("Enter a value of at least %(lo)s.", lo=fmt(lo)))
        raise ValueError(_("Enter a value of at most %(hi)s.", hi=fmt(hi)))
    if abs(value) > LIMIT:  # a number without bounds: the SPSS file's not-applicable code must stay out of reach
        raise ValueError(_("Enter a value from %(lo)s to %(hi)s.", lo=fmt(-LIMIT), hi=fmt(LIMIT)))
    return value
