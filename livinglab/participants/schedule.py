"""Which surveys a participant may answer now: timepoints in order, each after its delay."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..timeutil import aware, utcnow
from .models import Enrolment, EnrolmentStatus


@dataclass
class Due:
    survey: object
    state: str  # answered | open | waiting (earlier timepoint first) | scheduled (opens on a date) | closed
    opens_at: datetime | None = None


def survey_states(enrolment: Enrolment, surveys, answered_ids: set[int], now: datetime | None = None) -> list[Due]:
    """Every survey of the study with its state for this participant, in timepoint order."""
    now = now or utcnow()
    study = enrolment.study
    delays = study.timepoint_delays or {}
    states, earlier_done = [], True
    for timepoint in study.timepoints:
        at_tp = [s for s in surveys if s.timepoint == timepoint]
        opens_at = aware(enrolment.enrolled_at) + timedelta(days=int(delays.get(timepoint, 0) or 0))
        for survey in sorted(at_tp, key=lambda s: s.id):
            if survey.id in answered_ids:
                states.append(Due(survey, "answered"))
            elif enrolment.status == EnrolmentStatus.WITHDRAWN or study.status == "closed":
                states.append(Due(survey, "closed"))
            elif not earlier_done:
                states.append(Due(survey, "waiting"))
            elif now < opens_at:
                states.append(Due(survey, "scheduled", opens_at))
            else:
                states.append(Due(survey, "open"))
        earlier_done = earlier_done and all(s.id in answered_ids for s in at_tp)
    return states
