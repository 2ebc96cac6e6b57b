"""Recruitment progress for the startup and the coordinators: counts and codes, never identities."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..listing import Listing, matches
from ..surveys.models import Survey
from .models import Enrolment, EnrolmentStatus, Response
from .services import screening_counts


def progress(study) -> dict:
    """A fixed number of aggregate queries, whatever the number of participants."""
    per_arm = dict(
        db.session.execute(
            select(Enrolment.arm, func.count()).where(Enrolment.study_id == study.id).group_by(Enrolment.arm)
        ).all()
    )
    withdrawn = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.study_id == study.id, Enrolment.status == EnrolmentStatus.WITHDRAWN)
    )
    answered = dict(
        db.session.execute(
            select(Survey.timepoint, func.count(func.distinct(Response.enrolment_id)))
            .join(Response, Response.survey_id == Survey.id)
            .where(Survey.study_id == study.id, Survey.repeat.is_(None))  # reports: participants/reports.py
            .group_by(Survey.timepoint)
        ).all()
    )
    return {
        "enrolled": sum(per_arm.values()),
        "target": study.target_enrolment,
        "allocated": {arm: per_arm.get(arm, 0) for arm in study.arms},
        "withdrawn": withdrawn,
        "answered": {tp: answered.get(tp, 0) for tp in study.timepoints},
        "screening": screening_counts(study),
    }


# The orders the participants' list offers. Never the order of enrolment: with the arms beside the codes,
# it would show the randomisation blocks (so codes, which are random, come first).
SORTS = {
    "code": (_l("Code"), [Enrolment.participant_code]),
    "arm": (_l("Group, then code"), [Enrolment.arm, Enrolment.participant_code]),
    "status": (_l("Status, then code"), [Enrolment.status, Enrolment.participant_code]),
}
STATUSES = tuple(str(status) for status in EnrolmentStatus)


def participant_listing(study, status: str | None = None) -> Listing:
    """One page of the participants by code: arm, status, surveys answered; three queries whatever
    the number of participants (the count, the page, the answers of the page)."""
    listing = Listing.from_request(SORTS, per_page=50)
    query = select(
        Enrolment.id,
        Enrolment.participant_code,
        Enrolment.arm,
        Enrolment.status,
        Enrolment.enrolled_at,
        Enrolment.withdrawn_at,
        Enrolment.data_erased,
    ).where(Enrolment.study_id == study.id)
    if listing.q:
        query = query.where(matches(listing.q, Enrolment.participant_code))
    if status in STATUSES:
        query = query.where(Enrolment.status == status)
    listing.fetch(query, scalars=False)
    ids = [row.id for row in listing.rows]
    answered = (
        dict(
            db.session.execute(
                select(Response.enrolment_id, func.count())
                .join(Survey, Survey.id == Response.survey_id)
                .where(Response.enrolment_id.in_(ids), Survey.repeat.is_(None))
                .group_by(Response.enrolment_id)
            ).all()
        )
        if ids
        else {}
    )
    listing.rows = [
        {
            "participant_code": row.participant_code,
            "arm": row.arm,
            "status": str(row.status),
            "enrolled_at": row.enrolled_at,
            "withdrawn_at": row.withdrawn_at,
            "data_erased": row.data_erased,
            "surveys_answered": answered.get(row.id, 0),
        }
        for row in listing.rows
    ]
    return listing
