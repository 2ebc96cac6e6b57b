"""Small checks for values that arrive from JSON or forms. Each returns the clean value or raises
`FieldError`; callers gather the messages per field and raise one `Invalid`."""

import re
from typing import Literal, NoReturn, overload

from flask_babel import gettext as _

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


class FieldError(ValueError):
    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status  # 400 for a wrong JSON type, 422 for a bad value


def text(value, *, max_len: int, required: bool = False, single_line: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(_("Must be text."), 400)
    value = value.strip()
    if "\x00" in value:
        raise FieldError(_("Contains a character that is not allowed."))
    if single_line and ("\n" in value or "\r" in value):
        raise FieldError(_("Must fit on one line."))
    if required and not value:
        raise FieldError(_("This field is required."))
    if len(value) > max_len:
        raise FieldError(_("At most %(n)d characters.", n=max_len))
    return value


@overload
def integer(value, *, lo: int | None = None, hi: int | None = None, required: Literal[True]) -> int: ...
@overload
def integer(value: int, *, lo: int | None = None, hi: int | None = None, required: bool = False) -> int: ...
@overload
def integer(value, *, lo: int | None = None, hi: int | None = None, required: bool = False) -> int | None: ...
def integer(value, *, lo: int | None = None, hi: int | None = None, required: bool = False) -> int | None:
    if value is None or value == "":
        if required:
            raise FieldError(_("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise FieldError(_("Must be a whole number."), 400)
    if lo is not None and value < lo or hi is not None and value > hi:
        raise FieldError(_("Must be between %(lo)s and %(hi)s.", lo=lo, hi=hi))
    return value


def digits(raw, *, max_len: int) -> int | None:
    """A whole number as a form or a link sends it ("12"): ASCII digits only (never "²" or "١", which
    `str.isdigit` accepts and `int` refuses), at most `max_len` of them; None for anything else."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= max_len:
        return int(raw)
    return None


def number(
    value,
    *,
    lo: float | None = None,
    hi: float | None = None,
    required: bool = False,
    lo_inclusive: bool = True,
    hi_inclusive: bool = True,
) -> float | None:
    if value is None or value == "":
        if required:
            raise FieldError(_("This field is required."))
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(_("Must be a number."), 400)
    try:
        value = float(value)
    except OverflowError:  # an integer beyond any float is beyond every range
        raise FieldError(_("Must be between %(lo)s and %(hi)s.", lo=lo, hi=hi)) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise FieldError(_("Must be a number."), 400)
    too_low = lo is not None and (value < lo if lo_inclusive else value <= lo)
    too_high = hi is not None and (value > hi if hi_inclusive else value >= hi)
    if too_low or too_high:
        raise FieldError(_("Must be between %(lo)s and %(hi)s.", lo=lo, hi=hi))
    return value


def boolean(value) -> bool:
    if not isinstance(value, bool):
        raise FieldError(_("Must be true or false."), 400)
    return value


def choice(value, options, *, required: bool = True):
    """One of an enum's values (or None when not required)."""
    if value is None or value == "":
        if required:
            raise FieldError(_("This field is required."))
        return None
    if not isinstance(value, str):
        raise FieldError(_("Must be text."), 400)
    allowed = [o.value if hasattr(o, "value") else o for o in options]
    if value not in allowed:
        raise FieldError(_("Must be one of: %(values)s.", values=", ".join(allowed)))
    return value


def key(value, *, what: str | None = None) -> str:
    value = text(value, max_len=48, required=True, single_line=True)
    if not KEY_RE.match(value):
        raise FieldError(_("Use lower-case letters, digits and _ only, starting with a letter (at most 48)."))
    return value


def name_list(value, *, max_items: int, max_len: int, min_items: int = 0, keys: bool = False) -> list[str]:
    """A list of unique, non-empty strings (or keys)."""
    if not isinstance(value, list):
        raise FieldError(_("Must be a list."), 400)
    if len(value) > max_items:
        raise FieldError(_("At most %(n)d entries.", n=max_items))
    if len(value) < min_items:
        raise FieldError(_("At least %(n)d entries.", n=min_items))
    out = []
    for entry in value:
        entry = key(entry) if keys else text(entry, max_len=max_len, required=True, single_line=True)
        if entry in out:
            raise FieldError(_("“%(value)s” is listed twice.", value=entry))
        out.append(entry)
    return out


def gather(checks: dict, data: dict) -> tuple[dict, dict]:
    """Run `checks[field](value)` for each field present in `data`; return (clean, errors)."""
    clean, errors = {}, {}
    for field, value in data.items():
        check = checks.get(field)
        if check is None:
            continue
        try:
            clean[field] = check(value)
        except FieldError as err:
            errors[field] = err
    return clean, errors


def raise_for(errors: dict, message: str | None = None) -> None:
    """Raise one domain error for all field errors: 400 if any value had the wrong type, else 422."""
    if not errors:
        return
    from .errors import Invalid, Malformed

    fields = {name: (err.message if isinstance(err, FieldError) else str(err)) for name, err in errors.items()}
    if any(getattr(err, "status", 422) == 400 for err in errors.values()):
        raise Malformed(message or _("Some values have the wrong type."), fields=fields)
    raise Invalid(message or _("Some values are not valid."), fields=fields)


def reject(name: str, error: FieldError) -> NoReturn:
    """`raise_for` with one field's error, which it always raises."""
    raise_for({name: error})
    raise AssertionError("raise_for raises for any field error")
