"""The results by site and by age stratum (issue 14, item 11): what the database holds about each group, read in
two queries whatever the number of participants, then `analysis.subgroups.by_group` (pure) for each grouping.

`by_site` is there when the pilot has sites (studies/sites.py), `by_stratum` when it is randomised within age
strata (studies/allocation.py); a participant enrolled before the pilot had sites is in the group "" (not
recorded)."""

from sqlalchemy import func, select

from ..extensions import db
from ..participants.models import Enrolment, EnrolmentStatus, Screening
from ..studies import allocation, sites
from ..studies.models import Study


def subgroup_results(study: Study, frame, spec: dict) -> dict:
    """`{"by_site": ..., "by_stratum": ...}`, each only when the pilot has that grouping (else nothing)."""
    from ..analysis.subgroups import by_group  # on first use, as the rest of the statistics (README, "Startup")

    groupings = {}
    if sites.has_sites(study):
        groupings["by_site"] = ("site", sites.keys(study))
    if allocation.of(study)["age_strata"]:
        groupings["by_stratum"] = ("stratum", allocation.strata(study))
    if not groupings:
        return {}
    rows = db.session.execute(
        select(Enrolment.participant_code, Enrolment.site, Enrolment.stratum, Enrolment.status, Enrolment.data_erased)
        .where(Enrolment.study_id == study.id)
        .order_by(Enrolment.id)
    ).all()
    screened = {}
    if "by_site" in groupings:  # the eligibility check notes the site (the age group only of the eligible)
        screened = dict(
            db.session.execute(
                select(Screening.site, func.count()).where(Screening.study_id == study.id).group_by(Screening.site)
            ).all()
        )
    out = {}
    for name, (column, known) in groupings.items():
        found = [getattr(row, column) for row in rows]
        order = known + sorted({group for group in found if group not in known})  # "" (not recorded) last
        tallies: dict[str, dict] = {
            group: {"screened": screened.get(group, 0) if name == "by_site" else None, "enrolled": 0, "withdrawn": 0}
            for group in order
        }
        group_of: dict[str, str] = {}
        for row, group in zip(rows, found, strict=True):
            tallies[group]["enrolled"] += 1
            if row.status == EnrolmentStatus.WITHDRAWN:
                tallies[group]["withdrawn"] += 1
            if not row.data_erased:
                group_of[row.participant_code] = group
        if name == "by_site" and screened.get("", 0) and "" not in tallies:  # screened before the sites existed
            tallies[""] = {"screened": screened[""], "enrolled": 0, "withdrawn": 0}
        out[name] = by_group(frame, spec, group_of, tallies)
    return out
