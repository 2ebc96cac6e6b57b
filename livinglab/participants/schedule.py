"""Which surveys a participant may answer now: timepoints in order, each after its delay."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..timeutil import aware, days, utcnow
from .models import Enrolment, EnrolmentStatus, Response
from .standing import of_enrolment

# How long the last timepoint's surveys stay open before the owner may end the pilot without a coordinator.
ANSWER_WINDOW = timedelta(days=14)


@dataclass
class Due:
    survey: object
    state: str  # answered | open | waiting (earlier timepoint first) | scheduled (opens on a date) | closed
    # (closed: nothing more is asked, because the participant withdrew or the pilot ended)
    opens_at: datetime | None = None


def survey_states(enrolment: Enrolment, surveys, answered_ids: set[int], now: datetime | None = None) -> list[Due]:
    """Every survey of the study with its state for this participant, in timepoint order."""
    now = now or utcnow()
    study = enrolment.study
    delays = study.timepoint_delays or {}
    answering = of_enrolment(enrolment).answering
    states, earlier_done = [], True
    for timepoint in study.timepoints:
        at_tp = [s for s in surveys if s.timepoint == timepoint]
        opens_at = aware(enrolment.enrolled_at) + days(int(delays.get(timepoint, 0) or 0))
        for survey in sorted(at_tp, key=lambda s: s.id):
            if survey.id in answered_ids:
                states.append(Due(survey, "answered"))
            elif not answering:
                states.append(Due(survey, "closed"))
            elif not earlier_done:
                states.append(Due(survey, "waiting"))
            elif now < opens_at:
                states.append(Due(survey, "scheduled", opens_at))
            else:
                states.append(Due(survey, "open"))
        earlier_done = earlier_done and all(s.id in answered_ids for s in at_tp)
    return states


def follow_up_ends_at(study) -> datetime | None:
    """When every timepoint window of the pilot has passed: the moment the last timepoint's surveys have been
    open for ANSWER_WINDOW for the latest-enrolled participant still taking part who has not answered them.
    None when nobody is still due (everyone answered the last timepoint, withdrew, or nobody enrolled).
    One query, whatever the number of participants."""
    last = study.timepoints[-1] if study.timepoints else None
    last_ids = [s.id for s in study.surveys if s.timepoint == last]
    done = (
        select(Response.enrolment_id)
        .where(Response.survey_id.in_(last_ids))
        .group_by(Response.enrolment_id)
        .having(func.count(func.distinct(Response.survey_id)) >= len(last_ids))
    )
    latest = db.session.scalar(
        select(func.max(Enrolment.enrolled_at)).where(
            Enrolment.study_id == study.id, Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.id.not_in(done)
        )
    )
    if latest is None:
        return None
    delay = days(int((study.timepoint_delays or {}).get(last, 0) or 0))
    return aware(latest) + delay + ANSWER_WINDOW


def follow_up_over(study, now: datetime | None = None) -> bool:
    """Every timepoint window has passed (see `follow_up_ends_at`)."""
    ends = follow_up_ends_at(study)
    return ends is None or (now or utcnow()) >= ends
