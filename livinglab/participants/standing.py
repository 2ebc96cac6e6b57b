"""Where a person stands in a pilot: the one place that every page (and the schedule) reads it from."""

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..policy import can
from ..studies import workflow
from ..studies.models import Study, StudyStatus
from .models import Enrolment, EnrolmentStatus


class State(enum.StrEnum):
    STAFF = "staff"  # a startup or coordinator account: staff never take part
    MAY_JOIN = "may_join"  # the pilot recruits, a place is left: check eligibility, then consent
    FULL = "full"  # recruiting, but every place is taken
    NOT_RECRUITING = "not_recruiting"  # not enrolled, and the pilot takes nobody new (not yet, paused, closed, ended)
    TAKING_PART = "taking_part"  # enrolled; the surveys of each timepoint open in turn
    WITHDRAWN = "withdrawn"  # left the pilot: nothing more is asked
    FINISHED = "finished"  # was taking part when the pilot ended: nothing more is asked


@dataclass(frozen=True)
class Standing:
    state: State
    enrolment: Enrolment | None = None

    @property
    def enrolled(self) -> bool:
        """Took part at some point (taking part, withdrawn or finished)."""
        return self.enrolment is not None

    @property
    def answering(self) -> bool:
        """May answer the surveys that are open."""
        return self.state == State.TAKING_PART

    @property
    def may_join(self) -> bool:
        return self.state == State.MAY_JOIN


def is_full(study: Study) -> bool:
    return study.target_enrolment is not None and study.enrolled_count >= study.target_enrolment


def of_enrolment(enrolment: Enrolment) -> Standing:
    """The state of someone enrolled: withdrawn, finished (the pilot ended) or taking part."""
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        return Standing(State.WITHDRAWN, enrolment)
    if not workflow.takes_answers(enrolment.study):
        return Standing(State.FINISHED, enrolment)
    return Standing(State.TAKING_PART, enrolment)


def standing(user, study: Study) -> Standing:
    """This user's (or an anonymous visitor's) state in this pilot."""
    if user is not None and getattr(user, "is_authenticated", False):
        if not can(user, "join"):
            return Standing(State.STAFF)
        enrolment = db.session.scalar(
            select(Enrolment).where(Enrolment.study_id == study.id, Enrolment.user_id == user.id)
        )
        if enrolment is not None:
            return of_enrolment(enrolment)
    if not workflow.is_recruiting(study):
        return Standing(State.NOT_RECRUITING)
    return Standing(State.FULL) if is_full(study) else Standing(State.MAY_JOIN)


NOT_RECRUITING = {  # why a pilot takes nobody new, by its status
    StudyStatus.APPROVED: _l("This pilot has not opened to participants yet."),
    StudyStatus.PAUSED: _l("Recruitment is paused for now: this pilot takes no new participants at the moment."),
    StudyStatus.CLOSED: _l("Recruitment has closed: this pilot takes no new participants."),
    StudyStatus.ENDED: _l("This pilot has ended."),
}


def sentence(here: Standing, study: Study) -> str:
    """The one sentence that says where this person stands (in the pilot page's notice and in messages)."""
    if here.state == State.NOT_RECRUITING:
        return str(NOT_RECRUITING.get(study.status, _l("This pilot is not recruiting at the moment.")))
    return str(
        {
            State.STAFF: _l("Only participant accounts can take part in pilots."),
            State.MAY_JOIN: _l("This pilot is looking for participants."),
            State.FULL: _l("This pilot has all the participants it needs."),
            State.TAKING_PART: _l("You are taking part in this pilot."),
            State.WITHDRAWN: _l("You left this pilot: nothing more is asked of you, and you cannot join it again."),
            State.FINISHED: _l("This pilot has ended: nothing more is asked of you. Thank you for taking part."),
        }[here.state]
    )
