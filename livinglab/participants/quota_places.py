"""Quotas held by the database, like the cap (issue 14, item 10).

A pilot's quotas (studies/allocation.py: `quotas` by age group, `site_quotas` by site) each have a row of
`quota_place`: the places the quota gives and the places taken, with `CHECK taken <= places`. An enrolment takes
its place by one UPDATE in its own transaction, after the study's row lock (participants/services.take_a_place),
inside a savepoint: a violation of the CHECK is the 409 `full` ("in your age group", "at your site"), counted as
turned away. A place once given stays given (an erasure or a withdrawal frees none), as the cap counts.

The rows follow the protocol: written at the first enrolment after recruitment opens and when an amendment is
applied (`sync`), under the study's row lock; a new row starts at the enrolments the group or site already has,
and a quota lowered below them keeps `places = taken` (the group is full)."""

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from ..studies import allocation, pilot_languages, sites
from .models import Enrolment

AGE, SITE = "age", "site"


class QuotaPlace(Model):
    """One quota of a pilot: at most `places` participants of an age group (`kind` "age", the group's key) or of
    a site (`kind` "site", the site's key); `taken`, the places given so far."""

    __table_args__ = (
        UniqueConstraint("study_id", "kind", "subgroup", name="uq_quota_place_study_kind_subgroup"),
        CheckConstraint("taken <= places", name="quota_held"),
        CheckConstraint("taken >= 0", name="quota_taken_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    subgroup: Mapped[str] = mapped_column(String(32))
    places: Mapped[int] = mapped_column()
    taken: Mapped[int] = mapped_column(default=0, server_default="0")


def declared(study) -> list[tuple[str, str, int]]:
    """(kind, key, places) of each quota the protocol declares for a group or site the pilot has."""
    spec = allocation.of(study)
    groups = set(allocation.strata(study)) if spec["age_strata"] else set()
    out = [(AGE, key, n) for key, n in spec["quotas"].items() if key in groups]
    return out + [(SITE, key, n) for key, n in spec.get("site_quotas", {}).items() if key in sites.keys(study)]


def already_taken(study, kind: str, key: str) -> int:
    """The enrolments a group or site had before its quota had a row (enrolments stay, even erased)."""
    column = Enrolment.stratum if kind == AGE else Enrolment.site
    return (
        db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.study_id == study.id, column == key)
        )
        or 0
    )


def sync(study) -> None:
    """Write the rows of the protocol's quotas: new ones from the enrolments so far, changed limits updated.
    Call it under the study's row lock (an enrolment's, or an amendment's)."""
    wanted = declared(study)
    if not wanted:
        return
    rows = {
        (row.kind, row.subgroup): row
        for row in db.session.scalars(select(QuotaPlace).where(QuotaPlace.study_id == study.id))
    }
    for kind, key, places in wanted:
        row = rows.get((kind, key))
        if row is None:
            taken = already_taken(study, kind, key)
            db.session.add(
                QuotaPlace(study_id=study.id, kind=kind, subgroup=key, places=max(places, taken), taken=taken)
            )
        elif row.places != max(places, row.taken):
            row.places = max(places, row.taken)
    db.session.flush()


def message(kind: str) -> str:
    if kind == SITE:
        return _("This pilot has all the participants it needs at your site.")
    return _("This pilot has all the participants it needs in your age group.")


def take(study, band: str, site: str) -> str | None:
    """Take this person's place in each quota of their age group and site, in the enrolment's transaction: one
    UPDATE each, which the database refuses past the quota. Returns why the person is turned away, or None."""
    sync(study)
    for kind, key, _places in declared(study):
        if (kind, key) not in ((AGE, band), (SITE, site)):
            continue
        try:
            with db.session.begin_nested():
                db.session.execute(
                    update(QuotaPlace)
                    .where(QuotaPlace.study_id == study.id, QuotaPlace.kind == kind, QuotaPlace.subgroup == key)
                    .values(taken=QuotaPlace.taken + 1)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:  # CHECK taken <= places: the quota is reached
            return message(kind)
    return None


def taken_by_study(study_ids: list[int]) -> dict[int, dict[tuple[str, str], int]]:
    """The places taken in each quota of these pilots: one query, whatever their number."""
    if not study_ids:
        return {}
    out: dict[int, dict[tuple[str, str], int]] = {}
    rows = db.session.execute(
        select(QuotaPlace.study_id, QuotaPlace.kind, QuotaPlace.subgroup, QuotaPlace.taken).where(
            QuotaPlace.study_id.in_(study_ids)
        )
    )
    for study_id, kind, key, taken in rows:
        out.setdefault(study_id, {})[(kind, key)] = taken
    return out


def left(study, taken: dict[tuple[str, str], int] | None = None) -> dict[str, dict[str, int]]:
    """The places left by quota, {"age": {"65+": 3}, "site": {"ward_3": 0}} (`taken`: read for a whole page)."""
    if taken is None:
        taken = taken_by_study([study.id]).get(study.id, {})
    out: dict[str, dict[str, int]] = {AGE: {}, SITE: {}}
    for kind, key, places in declared(study):
        out[kind][key] = max(0, places - taken.get((kind, key), 0))
    return out


def full_for(study, band: str, site: str) -> str | None:
    """Why a person of this age group and site would be turned away now, or None (told before the consent)."""
    places = left(study)
    for kind, key in ((AGE, band), (SITE, site)):
        if places[kind].get(key) == 0:
            return message(kind)
    return None


def quoted(studies) -> list:
    return [study for study in studies if declared(study)]


def labelled(study, places: dict[str, dict[str, int]]) -> list[tuple[str, int]]:
    """The quotas in words with their places left, age groups youngest first, then sites in their order."""
    by_age = [
        (allocation.stratum_label(key), places[AGE][key]) for key in allocation.strata(study) if key in places[AGE]
    ]
    by_site = [  # each site as the reader reads the pilot (its translated name, when it has an up-to-date one)
        (pilot_languages.site_name(study, key), places[SITE][key]) for key in sites.keys(study) if key in places[SITE]
    ]
    return by_age + by_site


def groups_of(studies) -> dict[int, list[tuple[str, int]]]:
    """The places left in each quota, in words, by pilot: one query for the whole page."""
    with_quotas = quoted(studies)
    taken = taken_by_study([study.id for study in with_quotas])
    return {study.id: labelled(study, left(study, taken.get(study.id, {}))) for study in with_quotas}
