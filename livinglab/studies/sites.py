"""Where a pilot runs: its sites (issue 14, item 11).

The protocol's `sites` field lists 0 to 20 places, `[{"key": "ward_3", "name": "CHU Nantes, ward 3"}, ...]`:
the key names the site in the data (enrolments, exports, results), the name is what participants read when
they say where they take part. A pilot with sites asks it during the eligibility check (the screening keeps the
site, so the flow can count who was screened where); the enrolment records it (`enrolment.site`, "" when the
pilot has no sites). With `by_site` in the protocol's allocation (studies/allocation.py), each site has its own
concealed lists of permuted blocks (one per age stratum within it). An amendment may add or rename a site, never
remove one that has enrolments."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import validation as v
from .keys import key_from_label

MAX_SITES = 20
KEY_MAX = 32  # enrolment.site is String(32)
NAME_MAX = 120
SITE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
NO_SITE = ""  # the site of an enrolment in a pilot without sites (or enrolled before it had any)


def clean(value) -> list[dict]:
    """The field's value as the API takes it: a list of {key, name}; null is no site."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise v.FieldError(_("Must be a list of sites, each with a key and a name."), 400)
    if len(value) > MAX_SITES:
        raise v.FieldError(_("At most %(n)d sites.", n=MAX_SITES))
    out: list[dict] = []
    taken: set[str] = set()
    for site in value:
        if not isinstance(site, dict) or set(site) - {"key", "name"}:
            raise v.FieldError(_("Each site is an object with a key and a name."), 400)
        name = v.text(site.get("name"), max_len=NAME_MAX, required=True, single_line=True)
        key = site.get("key")
        if key is None or key == "":
            key = key_from_label(name, taken, fallback="site", max_len=KEY_MAX - 3)  # room for "_2"…
        if not isinstance(key, str):
            raise v.FieldError(_("A site's key is text."), 400)
        if not SITE_KEY_RE.fullmatch(key):  # (`match` with `$` let "ward_3\n" through)
            raise v.FieldError(
                _("A site's key uses lower-case letters, digits and _ only, starting with a letter (at most 32).")
            )
        if key in taken:
            raise v.FieldError(_("Two sites have the key %(key)s: give each its own.", key=key))
        taken.add(key)
        out.append({"key": key, "name": name})
    return out


def of(study) -> list[dict]:
    """The study's sites, as the API serves them."""
    return [dict(site) for site in study.sites or []]


def keys(study) -> list[str]:
    return [site["key"] for site in of(study)]


def has_sites(study) -> bool:
    return bool(study.sites)


def choices(study) -> list[tuple[str, str]]:
    """(key, name) of each site, for the eligibility page's question."""
    return [(site["key"], site["name"]) for site in of(study)]


def name_of(study, key: str) -> str:
    """A site's name; an unknown or empty key in words."""
    for site in of(study):
        if site["key"] == key:
            return site["name"]
    return _("Site not recorded") if not key else key


def check_choice(study, site) -> str:
    """The site a participant chose, checked against the pilot's: required when it has sites, "" otherwise."""
    if not has_sites(study):
        if site not in (None, ""):
            raise v.FieldError(_("This pilot runs at one place: leave out the site."))
        return NO_SITE
    if site is None or site == "":
        raise v.FieldError(_("Say where you take part: one of %(keys)s.", keys=", ".join(keys(study))))
    if not isinstance(site, str):
        raise v.FieldError(_("Must be text."), 400)
    if site not in keys(study):
        raise v.FieldError(_("Not a site of this pilot: choose one of %(keys)s.", keys=", ".join(keys(study))))
    return site


def choice_errors(study, site) -> dict:
    """The API's check of `site`, as a field error to gather with the others (empty when fine)."""
    try:
        check_choice(study, site)
    except v.FieldError as err:
        return {"site": err}
    return {}


def screened_site(study, checked) -> str:
    """The site the eligibility check noted (`checked`: the screening row), refused (422 naming `site`) when the
    pilot has sites and the check noted none of them (the sites changed since, or the check came before them)."""
    if not has_sites(study):
        return NO_SITE
    site = checked.site if checked is not None else ""
    if site not in keys(study):
        from ..errors import Invalid

        message = _("Say where you take part: check again whether you can take part and choose your site.")
        raise Invalid(message, code="invalid", fields={"site": message})
    return site


def enrolled_per_site(study) -> list[tuple[str, int]]:
    """(site name, participants enrolled there) in the protocol's order, then those enrolled before the pilot had
    sites; [] for a pilot without sites. One grouped query."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..participants.models import Enrolment

    if not has_sites(study):
        return []
    counts = dict(
        db.session.execute(
            select(Enrolment.site, func.count()).where(Enrolment.study_id == study.id).group_by(Enrolment.site)
        ).all()
    )
    lines = [(site["name"], counts.pop(site["key"], 0)) for site in of(study)]
    return lines + [(name_of(study, key), n) for key, n in sorted(counts.items())]


def randomisation_stratum(study, site: str, band: str) -> str:
    """The concealed list a participant is randomised in: their age band's, or with `allocation.by_site` their
    site's and age band's ("ward_3/65+", "pharmacy/")."""
    from . import allocation

    return f"{site}/{band}" if allocation.of(study).get("by_site") and site else band


def age_band(stratum: str) -> str:
    """The age band of a list's stratum (quotas count by age band, across sites)."""
    return stratum.rpartition("/")[2]


def removed_with_enrolments(study, proposed: list[dict]) -> list[str]:
    """The approved study's sites that `proposed` leaves out although participants enrolled there (one query)."""
    from sqlalchemy import select

    from ..extensions import db
    from ..participants.models import Enrolment

    gone = set(keys(study)) - {site["key"] for site in proposed}
    if not gone or study.id is None:
        return []
    used = db.session.scalars(
        select(Enrolment.site).where(Enrolment.study_id == study.id, Enrolment.site.in_(gone)).distinct()
    ).all()
    return sorted(used)


def keep_used(study, clean: dict, invalid: dict | None = None) -> None:
    """An amendment's `sites`: refuse (422 naming `sites`) removing a site that has enrolments; with `invalid`
    (the editor's save), the message goes there and the sites stay as they were."""
    if "sites" not in clean:
        return
    used = removed_with_enrolments(study, clean["sites"])
    if not used:
        return
    message = _("Participants enrolled at %(sites)s: a site with enrolments cannot be removed.", sites=", ".join(used))
    if invalid is None:
        v.reject("sites", v.FieldError(message))
    invalid["sites"] = message
    del clean["sites"]


def as_lines(study_sites: list[dict]) -> str:
    """The editor's text: one site a line, "key | name"."""
    return "\n".join(f"{site['key']} | {site['name']}" for site in study_sites)


def from_lines(text: str | None, current: list[dict] | None = None) -> list[dict]:
    """The editor's text as the API's list: "name" or "key | name" a line; a name already listed keeps its key."""
    known = {site["name"]: site["key"] for site in current or []}
    out = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        key, bar, name = line.partition("|")
        if not bar:
            key, name = known.get(line.strip(), ""), line
        out.append({"key": key.strip(), "name": name.strip()})
    return out


DOC = (
    "Where the pilot runs: 0 to 20 sites, each `{key, name}` (`key`: lower-case letters, digits and _, at most 32, "
    "made from the name when left out; `name`: what participants read). When the pilot has sites, enrolment needs "
    "`site`, one of their keys (422 naming `site` when missing or unknown); the results gain `by_site`, the exports "
    "a `site` column. An amendment may add or rename sites, not remove one with enrolments (422 naming `sites`)."
)
HELP = _l(
    "The places where participants take part (a hospital ward, a pharmacy, a canteen), one a line. Participants "
    "say which when they check whether they can take part; the results and the exports are then read by site."
)
