"""Recruitment progress for the startup and the coordinators: counts and codes, never identities."""
from sqlalchemy import func, select

from ..extensions import db
from ..surveys.models import Survey
from .models import Enrolment, EnrolmentStatus, Response
from .services import screening_counts


def progress(study) -> dict:
    """A fixed number of aggregate queries, whatever the number of participants."""
    per_arm = dict(db.session.execute(
        select(Enrolment.arm, func.count()).where(Enrolment.study_id == study.id).group_by(Enrolment.arm)).all())
    withdrawn = db.session.scalar(select(func.count()).select_from(Enrolment).where(
        Enrolment.study_id == study.id, Enrolment.status == EnrolmentStatus.WITHDRAWN))
    answered = dict(db.session.execute(
        select(Survey.timepoint, func.count(func.distinct(Response.enrolment_id)))
        .join(Response, Response.survey_id == Survey.id)
        .where(Survey.study_id == study.id).group_by(Survey.timepoint)).all())
    return {
        "enrolled": sum(per_arm.values()),
        "target": study.target_enrolment,
        "allocated": {arm: per_arm.get(arm, 0) for arm in study.arms},
        "withdrawn": withdrawn,
        "answered": {tp: answered.get(tp, 0) for tp in study.timepoints},
        "screening": screening_counts(study),
    }


def participant_rows(study) -> list[dict]:
    """One row per participant code: arm, status, surveys answered; one query."""
    rows = db.session.execute(
        select(Enrolment.participant_code, Enrolment.arm, Enrolment.status, Enrolment.enrolled_at,
               Enrolment.withdrawn_at, Enrolment.data_erased, func.count(Response.id))
        .outerjoin(Response, Response.enrolment_id == Enrolment.id)
        .where(Enrolment.study_id == study.id)
        .group_by(Enrolment.id).order_by(Enrolment.position)).all()
    return [{"participant_code": code, "arm": arm, "status": str(status), "enrolled_at": enrolled_at,
             "withdrawn_at": withdrawn_at, "data_erased": erased, "surveys_answered": answered}
            for code, arm, status, enrolled_at, withdrawn_at, erased, answered in rows]
