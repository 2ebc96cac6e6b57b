"""How a parallel-group pilot allocates its participants: the ratio of the arms and the strata (issue 14, item 9).

The protocol's `allocation` field holds `{"ratio": [1, 2] or null, "age_strata": [40, 65]}`: `ratio` gives each
arm's share, in the order of the arms (null: equal shares, 1:1); `age_strata` the ages at which a new stratum
starts (empty: one stratum). With [40, 65] a participant of 30 is randomised in the stratum "under 40", one of 40
in "40 to 64" and one of 70 in "65 and over", each stratum with its own concealed list of permuted blocks
(participants/randomisation.py), so the arms stay balanced within every stratum, at the declared ratio."""

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import validation as v

MAX_RATIO = 10  # a share of at most 10: a block holds each arm its share times 1, 2 or 3
MAX_CUTS = 4  # at most five strata
MAX_QUOTA = 100_000
NO_STRATUM = ""  # the one stratum of a pilot that does not stratify


def clean(value) -> dict:
    """The field's value as the API takes it; null or {} is equal shares in one stratum."""
    if value is None:
        return {"ratio": None, "age_strata": [], "quotas": {}}
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object with a ratio and age strata."), 400)
    unknown = [name for name in value if name not in ("ratio", "age_strata", "quotas", "by_site", "site_quotas")]
    if unknown:
        raise v.FieldError(_("Only a ratio, age strata, quotas, site quotas and by_site can be given."), 400)
    ratio = value.get("ratio")
    if ratio is not None:
        if not isinstance(ratio, list):
            raise v.FieldError(_("The ratio is a list of whole numbers, one per group."), 400)
        if not 2 <= len(ratio) <= 6:
            raise v.FieldError(_("The ratio gives each group's share, e.g. 1, 2: between 2 and 6 whole numbers."))
        ratio = [v.integer(share, lo=1, hi=MAX_RATIO, required=True) for share in ratio]
        common = math.gcd(*ratio)
        ratio = [share // common for share in ratio]  # 2:4 is 1:2 (smaller blocks, harder to foresee)
        if len(set(ratio)) == 1:
            ratio = None  # 2:2 is 1:1
    cuts = value.get("age_strata") or []
    if not isinstance(cuts, list):
        raise v.FieldError(_("The age strata are a list of ages."), 400)
    if len(cuts) > MAX_CUTS:
        raise v.FieldError(_("Give at most %(n)d ages at which a stratum starts, e.g. 40, 65.", n=MAX_CUTS))
    cuts = sorted({v.integer(age, lo=1, hi=120, required=True) for age in cuts})
    quotas = value.get("quotas") or {}
    if not isinstance(quotas, dict):
        raise v.FieldError(_('The quotas are an object of age groups to numbers, e.g. {"65+": 20}.'), 400)
    if len(quotas) > MAX_CUTS + 1:
        raise v.FieldError(_("At most one quota per age group."))
    for group in quotas:
        if not isinstance(group, str) or len(group) > 16 or not group.isprintable():
            raise v.FieldError(_("A quota names an age group, e.g. 65+ or 40-64."), 400)
    quotas = {group: v.integer(n, lo=1, hi=MAX_QUOTA, required=True) for group, n in sorted(quotas.items())}
    out: dict = {"ratio": ratio, "age_strata": cuts, "quotas": quotas}
    by_site = value.get("by_site", False)
    if not isinstance(by_site, bool):
        raise v.FieldError(_("Must be true or false."), 400)
    if by_site:  # only when true: the records hashed before the sites existed stay as they were
        out["by_site"] = True
    site_quotas = clean_site_quotas(value.get("site_quotas"))
    if site_quotas:  # only when set: the records hashed before site quotas existed stay as they were
        out["site_quotas"] = site_quotas
    return out


def clean_site_quotas(value) -> dict[str, int]:
    """`{"ward_3": 30}`: at most so many participants at a site, by the site's key."""
    from .sites import MAX_SITES, SITE_KEY_RE

    if value is None:
        return {}
    if not isinstance(value, dict):
        raise v.FieldError(_('The site quotas are an object of sites to numbers, e.g. {"ward_3": 30}.'), 400)
    if len(value) > MAX_SITES:
        raise v.FieldError(_("At most one quota per site."))
    for key in value:
        if not isinstance(key, str) or not SITE_KEY_RE.fullmatch(key):
            raise v.FieldError(_("A site quota names a site by its key, e.g. ward_3."), 400)
    return {key: v.integer(n, lo=1, hi=MAX_QUOTA, required=True) for key, n in sorted(value.items())}


def of(study) -> dict:
    """The study's allocation, as the API serves it."""
    return clean(study.allocation or None)


def shares(study) -> list[int]:
    """Each arm's share, in the order of the arms."""
    ratio = of(study)["ratio"]
    return list(ratio) if ratio and len(ratio) == len(study.arms) else [1] * len(study.arms)


def problem(study) -> str | bool:
    """For the submission checklist: True when the allocation fits the design, else why not."""
    spec = of(study)
    parallel = str(study.design) == "parallel_groups"
    if spec["ratio"] and not parallel:
        return _("A single group has no allocation ratio: remove it, or choose parallel groups.")
    if spec["ratio"] and len(spec["ratio"]) != len(study.arms):
        return _(
            "The allocation ratio gives %(given)d shares for %(arms)d groups: give one per group, in their order.",
            given=len(spec["ratio"]),
            arms=len(study.arms),
        )
    if spec.get("by_site") and not parallel:
        return _("Only randomised groups are stratified: stop stratifying by site, or choose parallel groups.")
    if spec.get("by_site") and not study.sites:
        return _("The allocation is stratified by site: list the sites, or stop stratifying by site.")
    if spec["age_strata"] and not parallel and not spec["quotas"]:  # a single group's strata count its quotas
        return _("Only randomised groups are stratified: remove the age strata, or choose parallel groups.")
    eligibility = study.eligibility or {}
    low, high = eligibility.get("min_age"), eligibility.get("max_age")
    outside = [
        age for age in spec["age_strata"] if (low is not None and age <= low) or (high is not None and age > high)
    ]
    if outside:
        return _(
            "Each age at which a stratum starts must lie above the minimum age and at most the maximum age: %(ages)s.",
            ages=", ".join(str(age) for age in outside),
        )
    unknown = [group for group in spec["quotas"] if group not in strata(study) or not spec["age_strata"]]
    if unknown:
        return _(
            "A quota names one of the age groups the strata make (%(groups)s), not %(unknown)s.",
            groups=", ".join(strata(study)) if spec["age_strata"] else _("none yet: give the ages of the strata"),
            unknown=", ".join(unknown),
        )
    from .sites import keys

    unknown = [key for key in spec.get("site_quotas", {}) if key not in keys(study)]
    if unknown:
        return _(
            "A site quota names one of the pilot's sites (%(sites)s), not %(unknown)s.",
            sites=", ".join(keys(study)) or _("none yet: list the sites"),
            unknown=", ".join(unknown),
        )
    return True


def stratum(study, age: int | None) -> str:
    """The stratum a participant of this age is randomised in: "40-64", "65+", "<40"; "" without strata."""
    cuts = of(study)["age_strata"]
    if not cuts or age is None:
        return NO_STRATUM
    below = [cut for cut in cuts if cut <= age]
    if not below:
        return f"<{cuts[0]}"
    start = below[-1]
    later = [cut for cut in cuts if cut > age]
    return f"{start}-{later[0] - 1}" if later else f"{start}+"


def strata(study) -> list[str]:
    """Every stratum of the study, youngest first."""
    cuts = of(study)["age_strata"]
    if not cuts:
        return [NO_STRATUM]
    return [f"<{cuts[0]}"] + [f"{a}-{b - 1}" for a, b in zip(cuts, cuts[1:], strict=False)] + [f"{cuts[-1]}+"]


def stratum_label(key: str) -> str:
    """A stratum in words: "under 40", "40 to 64", "65 and over"."""
    if key.startswith("<"):
        return _("under %(age)s", age=key[1:])
    if key.endswith("+"):
        return _("%(age)s and over", age=key[:-1])
    if "-" in key:
        low, high = key.split("-", 1)
        return _("%(low)s to %(high)s", low=low, high=high)
    return _("everyone")


def describe(study) -> str:
    """The allocation in one sentence, for the protocol page ("" for a single group without quotas)."""
    from .sites import keys, name_of

    spec = of(study)
    parallel = str(study.design) == "parallel_groups"
    said = describe_randomisation(study, spec) if parallel else ""
    if not parallel and spec["quotas"] and spec["age_strata"]:
        said = _(
            "Age groups (%(strata)s), counted only for the quotas.",
            strata=", ".join(stratum_label(key) for key in strata(study)),
        )
    limits = [
        _("%(group)s: at most %(n)s", group=stratum_label(key), n=n)
        for key, n in spec["quotas"].items()
        if key in strata(study)
    ] + [
        _("%(group)s: at most %(n)s", group=name_of(study, key), n=n)
        for key, n in spec.get("site_quotas", {}).items()
        if key in keys(study)
    ]
    if limits:
        return (said + " " + _("Quotas: %(limits)s.", limits="; ".join(limits))).strip()
    return said


def describe_randomisation(study, spec: dict) -> str:
    ratio = ":".join(str(share) for share in shares(study))
    if spec.get("by_site"):
        if spec["age_strata"]:
            return _(
                "Randomised %(ratio)s, stratified by site and by age (%(strata)s): permuted blocks within each site "
                "and age group.",
                ratio=ratio,
                strata=", ".join(stratum_label(key) for key in strata(study)),
            )
        return _("Randomised %(ratio)s, stratified by site: permuted blocks within each site.", ratio=ratio)
    if spec["age_strata"]:
        return _(
            "Randomised %(ratio)s, stratified by age (%(strata)s): permuted blocks within each stratum.",
            ratio=ratio,
            strata=", ".join(stratum_label(key) for key in strata(study)),
        )
    return _("Randomised %(ratio)s in permuted blocks.", ratio=ratio)


DOC = (
    "How participants are allocated to the arms (parallel groups): `ratio`, each arm's share in the order of "
    "`arms` (null: 1:1; e.g. `[1, 2]` puts twice as many in the second arm), and `age_strata`, the ages at which a "
    "new stratum starts (`[]`: none; `[40, 65]` makes the strata under 40, 40 to 64, 65 and over). Each stratum has "
    "its own concealed list of permuted blocks (each arm its share times 1, 2 or 3 per block), so the arms stay "
    "balanced at the ratio within every stratum. `quotas`: at most so many participants in an age group, by the "
    'group\'s key (`{"65+": 20}`; keys `<40`, `40-64`, `65+` for the strata above); a person of a full group is '
    "told so before consenting, and enrolment answers 409 `full`. `by_site`: true to randomise within each site "
    "of `sites` (and each age stratum within it), each with its own lists; left out when false. `site_quotas`: at "
    'most so many participants at a site, by the site\'s key (`{"ward_3": 30}`); left out when empty. A single '
    "group may have `age_strata` and `quotas` too: its age groups then only count the quotas. Each quota is held "
    "by the database, like the target enrolment; a place once given stays given."
)
HELP = _l(
    "Each group's share, in the order of the groups (e.g. 1, 2: twice as many in the second group; empty: equal "
    "shares), and the ages at which a new stratum starts (e.g. 40, 65; empty: no strata)."
)
