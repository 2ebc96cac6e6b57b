"""The sections of a protocol a reviewer comments on: one home for their names, labels and order.

They are the protocol page's own headings (`protocol.SECTIONS`: protocol, design, primary outcome, regulatory
frame, data protection), then the consent form, the surveys as a whole and each survey by its key
(`survey:<key>`); `general` is the decision's own comment. A comment's section is stored as this name; the
database checks it (`CHECK_SQL`), the services check a survey's key against the protocol reviewed.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import validation as v
from .protocol import SECTIONS as PROTOCOL_SECTIONS

GENERAL = "general"
SURVEY = "survey:"  # + a survey's key: the comment is on that survey
FIXED = {
    GENERAL: _l("Decision"),
    **PROTOCOL_SECTIONS,
    "consent": _l("Consent form"),
    "surveys": _l("Surveys"),
}
MAX_LEN = 64  # "survey:" and a key of at most 48 characters
CHECK_SQL = "section IN ({}) OR section LIKE '{}%'".format(", ".join(f"'{name}'" for name in FIXED), SURVEY)


def of(record: dict) -> list[tuple[str, str]]:
    """(name, label) of every section a comment may be on, in the page's order, for a frozen record
    (`services.frozen_record`): each survey by its title."""
    named = [(name, str(label)) for name, label in FIXED.items() if name != GENERAL]
    return named + [(SURVEY + s["key"], str(s["title"])) for s in record.get("surveys", [])]


def label(name: str, titles: dict[str, str] | None = None) -> str:
    """A section's name in words; a survey's is its title when known, else its key."""
    if name in FIXED:
        return str(FIXED[name])
    if name.startswith(SURVEY):
        key = name[len(SURVEY) :]
        return str(_l("Survey “%(title)s”", title=(titles or {}).get(key, key)))
    return name


def check(name, survey_keys) -> str:
    """A section a reviewer may comment on in this protocol (a survey of it), or a FieldError."""
    if isinstance(name, str):
        if name in FIXED and name != GENERAL:
            return name
        if name.startswith(SURVEY) and name[len(SURVEY) :] in survey_keys:
            return name
    raise v.FieldError(_("Not a section of this protocol."))
