"""Organisation names that look alike are the same name.

Two keys are kept per name (unique in the database, so that two registrations racing with look-alike
names cannot both win): the Unicode TR39 confusable skeleton (ICU's SpoofChecker) of the NFKC,
case-folded name, which catches case, compatibility forms (full-width letters), zero-width and other
invisible characters, and letters of other scripts that look Latin ("Sоmmeil" with a Cyrillic о); and
the skeleton of the name as written, which catches look-alikes that case folding would separate (a
capital I standing for a small l). White space does not count."""

import unicodedata

import icu
from flask_babel import gettext as _

from .. import validation as v

_CHECKER = icu.SpoofChecker()


def _skeleton(value: str) -> str:
    return _CHECKER.getSkeleton(0, value)


def _squeeze(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split())


def name_key(name: str) -> str:
    """Equal for names that differ by case, invisible characters or confusable letters."""
    folded = _skeleton(_squeeze(name).casefold())
    return _skeleton(folded.casefold())  # the skeleton may bring capitals back (0 -> O): fold them again


def glyph_key(name: str) -> str:
    """Equal for names that look the same as written (capital I and small l)."""
    return _skeleton(_squeeze(name))


def clean_organisation_name(value) -> str:
    """A name people can read: one line, no invisible formatting characters (zero-width, bidi)."""
    name = v.text(value, max_len=200, required=True, single_line=True)
    if any(unicodedata.category(char) in ("Cf", "Cc", "Co", "Cs") for char in name):
        raise v.FieldError(_("Remove the invisible or control characters from the name."))
    if not name_key(name):
        raise v.FieldError(_("This field is required."))
    return name
