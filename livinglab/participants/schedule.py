"""Which surveys a participant may answer now: timepoints in order, each in its window.

Each timepoint of a pilot has a window, in days after a participant's enrolment (protocol fields
`timepoint_delays` and `timepoint_closes`): its surveys open on the first day, once the surveys of the
earlier timepoints are answered or missed, and close on the second. A survey not answered when its
window closes is `missed`: it can no longer be answered, its draft is discarded, and the flow counts it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..surveys.repeats import is_repeatable, once_only
from ..timeutil import aware, days, utcnow
from .models import Enrolment, EnrolmentStatus, Response
from .standing import of_enrolment

# How long a timepoint's surveys stay open when the protocol does not say (`timepoint_closes`).
DEFAULT_WINDOW_DAYS = 14


def window_days(study, timepoint: str) -> tuple[int, int]:
    """(the day the timepoint's surveys open, the day they close), counted from enrolment."""
    opens = int((study.timepoint_delays or {}).get(timepoint, 0) or 0)
    closes = (study.timepoint_closes or {}).get(timepoint)
    return opens, int(closes) if closes is not None else opens + DEFAULT_WINDOW_DAYS


def window_of(enrolment: Enrolment, timepoint: str) -> tuple[datetime, datetime]:
    """When the timepoint's surveys open and close for this participant."""
    opens, closes = window_days(enrolment.study, timepoint)
    start = aware(enrolment.enrolled_at)
    return start + days(opens), start + days(closes)


@dataclass
class Due:
    survey: object
    # answered | open | waiting (earlier timepoint first) | scheduled (opens on a date) | missed (its window
    # closed unanswered) | closed (nothing more is asked: the participant withdrew or the pilot ended)
    state: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    # waiting: when it opens at the latest, however the earlier surveys go (their windows closed)
    opens_by: datetime | None = None


def survey_states(enrolment: Enrolment, surveys, answered_ids: set[int], now: datetime | None = None) -> list[Due]:
    """Every survey of the study with its state for this participant, in timepoint order."""
    now = now or utcnow()
    answering = of_enrolment(enrolment).answering
    states: list[Due] = []
    earlier_done, earlier_closes = True, None
    for timepoint in enrolment.study.timepoints:
        at_tp = [s for s in surveys if s.timepoint == timepoint]
        opens_at, closes_at = window_of(enrolment, timepoint)
        for survey in sorted(at_tp, key=lambda s: s.id):
            if is_repeatable(survey):  # open from its timepoint's first day on, never missed, never blocking
                again = "closed" if not answering else "scheduled" if now < opens_at else "open"
                states.append(Due(survey, again, opens_at, None))
                continue
            if survey.id in answered_ids:
                state = "answered"
            elif not answering:
                state = "closed"
            elif now >= closes_at:
                state = "missed"
            elif not earlier_done:
                state = "waiting"
            elif now < opens_at:
                state = "scheduled"
            else:
                state = "open"
            opens_by: datetime | None = max(opens_at, earlier_closes) if state == "waiting" and earlier_closes else None
            states.append(Due(survey, state, opens_at, closes_at, opens_by))
        at_tp = once_only(at_tp)
        answered_all = all(s.id in answered_ids for s in at_tp)
        earlier_done = earlier_done and (now >= closes_at or answered_all)
        if not answered_all:
            earlier_closes = max(closes_at, earlier_closes) if earlier_closes else closes_at
    return states


def follow_up_ends_at(study) -> datetime | None:
    """When every timepoint window of the pilot has passed: the last window's close for the latest-enrolled
    participant still taking part who has not answered the last timepoint. None when nobody is still due
    (everyone answered the last timepoint, withdrew, or nobody enrolled). One query, whatever the number of
    participants."""
    last = study.timepoints[-1] if study.timepoints else None
    last_ids = [s.id for s in once_only(study.surveys) if s.timepoint == last]
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
    last_close = max(window_days(study, timepoint)[1] for timepoint in study.timepoints)
    return aware(latest) + days(last_close)


def follow_up_over(study, now: datetime | None = None) -> bool:
    """Every timepoint window has passed (see `follow_up_ends_at`)."""
    ends = follow_up_ends_at(study)
    return ends is None or (now or utcnow()) >= ends
