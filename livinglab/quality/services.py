"""Data quality of a pilot: the flags of its responses, read in a fixed number of queries, and exclusions of
responses with a reason (by the owner organisation or a coordinator), audited, undone the same way.

An exclusion never touches the registered analysis, which runs on all data: the results show beside the
primary outcome the same analysis without the excluded responses. Adding or undoing one moves the pilot's data
version on, so its cached results are computed again."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import selectinload

from .. import audit
from .. import validation as v
from ..analysis.instruments import answer_keys
from ..analysis.quality import MIN_ITEMS_FOR_STRAIGHT_LINING
from ..errors import Conflict, NotFound
from ..extensions import db
from ..participants.models import Answer, Enrolment, Response
from ..participants.services import bump_data_version
from ..studies.fields import iso
from ..studies.models import Study
from ..surveys.models import Survey
from ..timeutil import aware, utcnow
from ..urls import MAX_ID
from .models import ResponseExclusion

REASON_MAX = 2000
CODE_MAX = 16  # a participant code's length


@dataclass
class Row:
    """One response as the data-quality page and API list it: codes only, never an identity."""

    id: int
    participant_code: str
    arm: str
    survey: str
    timepoint: str
    submitted_at: datetime
    started_at: datetime | None
    excluded: bool = False  # an active exclusion
    answered: int | None = None
    flags: list = field(default_factory=list)
    exclusion: ResponseExclusion | None = None

    @property
    def seconds(self) -> float | None:
        return duration(self.submitted_at, self.started_at)


def response_rows(study_id: int, *, count_answers: bool = False) -> list[Row]:
    """Every response of the study, with the id of its active exclusion: one query (the number of answers of each
    too, when asked: the data-quality page, which does not load every answer)."""
    columns: list[Any] = [
        Response.id,
        Enrolment.participant_code,
        Enrolment.arm,
        Survey.key,
        Survey.timepoint,
        Response.submitted_at,
        Response.started_at,
        ResponseExclusion.id,
    ]
    if count_answers:
        columns.append(
            select(func.count(Answer.id))
            .where(Answer.response_id == Response.id, Answer.not_applicable.is_(False))  # answers given
            .correlate(Response)
            .scalar_subquery()
        )
    query = (
        select(*columns)
        .select_from(Response)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .outerjoin(
            ResponseExclusion,
            and_(ResponseExclusion.response_id == Response.id, ResponseExclusion.revoked_at.is_(None)),
        )
        .where(Enrolment.study_id == study_id, Survey.repeat.is_(None))  # reports never enter the analyses
        .order_by(Response.id)
    )
    return [
        Row(
            id=found[0],
            participant_code=found[1],
            arm=found[2],
            survey=found[3],
            timepoint=found[4],
            submitted_at=found[5],
            started_at=found[6],
            excluded=found[7] is not None,
            answered=found[8] if count_answers else None,
        )
        for found in db.session.execute(query)
    ]


def quality_input(study: Study, rows: list[Row]) -> dict:
    """The data-quality part of the study as the pure analysis reads it (analysis/data_quality.py), from the
    page's `response_rows`; the results read it from the loader's rows (`quality_of_respondents`)."""
    return {
        "surveys": _surveys(study),
        "responses": [
            {"id": r.id, "participant_code": r.participant_code, "survey": r.survey, "seconds": r.seconds}
            | ({"answered": r.answered} if r.answered is not None else {})
            for r in rows
        ],
        "excluded": [r.id for r in rows if r.excluded],
    }


def quality_of_respondents(study: Study, respondents: list[tuple]) -> dict:
    """`quality_input` from the rows the results' loader read (`results.loading.respondents_query`: response
    id, participant code, arm, timepoint, survey key, submitted_at, started_at, active exclusion id), not from a
    query of its own: at millions of answers, a second reading of every response cost as much as the statistics."""
    respondents = sorted(respondents, key=lambda row: row[0])  # by id, as response_rows
    return {
        "surveys": _surveys(study),
        "responses": [
            {"id": row[0], "participant_code": row[1], "survey": row[4], "seconds": duration(row[5], row[6])}
            for row in respondents
        ],
        "excluded": [row[0] for row in respondents if row[7] is not None],
    }


def _surveys(study: Study) -> dict:
    return {s.key: {"timepoint": s.timepoint, "items": s.items} for s in study.surveys if not s.repeat}


def duration(submitted_at, started_at) -> float | None:
    """Seconds from start to submission (never below 0); None when the start is unknown. Either as the driver
    gives it: a datetime, or SQLite's text (naive, in UTC, as SQLAlchemy writes it)."""
    if started_at is None:
        return None
    if isinstance(submitted_at, str):
        submitted_at = datetime.fromisoformat(submitted_at)
    if isinstance(started_at, str):
        started_at = datetime.fromisoformat(started_at)
    return max(0.0, (aware(submitted_at) - aware(started_at)).total_seconds())


def checked_keys(study: Study) -> list[str]:
    """The answer keys the flags read: instruments' items (straight-lining) and numbers with a plausible range."""
    from ..analysis.data_quality import plausible_ranges  # on first use (README, "Startup")

    surveys = {s.key: {"timepoint": s.timepoint, "items": s.items} for s in study.surveys}
    keys = {key for _survey, key in plausible_ranges(surveys)}
    for survey in study.surveys:
        for item in survey.items:
            if "instrument" in item and len(answer_keys(item)) >= MIN_ITEMS_FOR_STRAIGHT_LINING:
                keys.update(answer_keys(item))
    return sorted(keys)


def assess(study: Study) -> tuple[list[Row], dict]:
    """Every response of the study with its flags and active exclusion, and the counts: a fixed number of
    queries (the responses, the answers the flags read, the active exclusions)."""
    from ..analysis.data_quality import Assessment  # on first use (README, "Startup")
    from ..analysis.variables import long_frame
    from ..results.loading import load_answers

    rows = response_rows(study.id, count_answers=True)
    keys = checked_keys(study)
    frame = load_answers(db.session.connection(), study.id, keys) if keys else None
    assessment = Assessment(long_frame(frame), quality_input(study, rows))
    active = {
        e.response_id: e for e in db.session.scalars(exclusions_of(study).where(ResponseExclusion.revoked_at.is_(None)))
    }
    for row in rows:
        row.flags = assessment.flags.get(row.id, [])
        row.exclusion = active.get(row.id)
    return rows, assessment.summary() or {}


# --- Exclusions -------------------------------------------------------------------------------------------


def find_response(study: Study, data: dict) -> Response:
    """The response named by `response_id`, or by `participant_code` and `survey`: of this study only (anything
    else, another study's included, is not found)."""
    response_id, code, key = data.get("response_id"), data.get("participant_code"), data.get("survey")
    of_study = (
        select(Response)
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Enrolment.study_id == study.id, Survey.repeat.is_(None))  # a report is not excluded: not analysed
    )
    query = None  # stays None for a name that can name no response
    if response_id is not None:
        if isinstance(response_id, bool) or not isinstance(response_id, int):
            v.reject("response_id", v.FieldError(_("Must be a whole number."), 400))
        query = of_study.where(Response.id == response_id) if 0 < response_id <= MAX_ID else None
    elif code is not None or key is not None:
        for name, value in (("participant_code", code), ("survey", key)):
            if not isinstance(value, str):
                v.reject(name, v.FieldError(_("Must be text."), 400 if value is not None else 422))
        fits = 0 < len(code) <= CODE_MAX and 0 < len(key) <= 64  # type: ignore[arg-type]  # both text: checked above
        query = of_study.where(Enrolment.participant_code == code, Survey.key == key) if fits else None
    else:
        v.reject("response_id", v.FieldError(_("Name the response: its id, or a participant code and a survey.")))
    response = db.session.scalar(query) if query is not None else None
    if response is None:
        raise NotFound(_("This pilot has no such response."), code="not_found")
    return response


def exclude(user, study: Study, data) -> ResponseExclusion:
    """Exclude one response of the study from the sensitivity analysis, with the reason; once at a time."""
    if not isinstance(data, dict):
        v.reject("body", v.FieldError(_("Send a JSON object."), 400))
    try:
        reason = v.text(data.get("reason"), max_len=REASON_MAX, required=True)
    except v.FieldError as err:
        v.reject("reason", err)
    response = find_response(study, data)
    if db.session.scalar(
        select(ResponseExclusion.id).where(
            ResponseExclusion.response_id == response.id, ResponseExclusion.revoked_at.is_(None)
        )
    ):
        raise already_excluded()
    exclusion = ResponseExclusion(response_id=response.id, reason=reason, excluded_by_id=user.id)
    db.session.add(exclusion)
    db.session.flush()  # the unique index on active exclusions decides a race (unit_of_work: already_excluded)
    bump_data_version(study)
    audit.record(
        user,
        "response.exclude",
        study=study,
        comment=reason,
        participant_code=response.enrolment.participant_code,
        survey=response.survey.key,
        exclusion=exclusion.id,
    )
    return exclusion


def already_excluded() -> Conflict:
    return Conflict(_("This response is already excluded."), code="already_excluded")


def find_exclusion(study: Study, exclusion_id: int) -> ResponseExclusion:
    """One exclusion of this study's responses (another study's is not found)."""
    exclusion = db.session.scalar(
        select(ResponseExclusion)
        .join(Response, Response.id == ResponseExclusion.response_id)
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .where(ResponseExclusion.id == exclusion_id, Enrolment.study_id == study.id)
    )
    if exclusion is None:
        raise NotFound(_("This pilot has no such exclusion."), code="not_found")
    return exclusion


def undo(user, study: Study, exclusion_id: int) -> ResponseExclusion:
    """Bring an excluded response back into the sensitivity analysis; the exclusion stays in the history."""
    exclusion = find_exclusion(study, exclusion_id)
    now = utcnow()
    done = db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
        update(ResponseExclusion)
        .where(ResponseExclusion.id == exclusion.id, ResponseExclusion.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=user.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise Conflict(_("This exclusion was already undone."), code="already_undone")
    db.session.expire(exclusion)
    bump_data_version(study)
    audit.record(
        user,
        "response.include",
        study=study,
        participant_code=exclusion.response.enrolment.participant_code,
        survey=exclusion.response.survey.key,
        exclusion=exclusion.id,
    )
    return exclusion


def exclusions_of(study: Study):
    """Every exclusion of the study's responses, undone ones too, with their response's code and survey and the
    accounts behind them loaded (a fixed number of queries): a select the caller orders and limits."""
    return (
        select(ResponseExclusion)
        .join(Response, Response.id == ResponseExclusion.response_id)
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .where(Enrolment.study_id == study.id)
        .options(
            selectinload(ResponseExclusion.response).selectinload(Response.enrolment),
            selectinload(ResponseExclusion.response).selectinload(Response.survey),
            selectinload(ResponseExclusion.excluded_by),
            selectinload(ResponseExclusion.revoked_by),
        )
    )


def exclusion_dict(exclusion: ResponseExclusion) -> dict:
    """An exclusion as the API and the page give it: the participant's code, never an identity; staff by role."""
    response = exclusion.response
    return {
        "id": exclusion.id,
        "response_id": response.id,
        "participant_code": response.enrolment.participant_code,
        "survey": response.survey.key,
        "timepoint": response.survey.timepoint,
        "reason": exclusion.reason,
        "excluded_at": iso(exclusion.excluded_at),
        "excluded_by_role": str(exclusion.excluded_by.role) if exclusion.excluded_by else None,
        "active": exclusion.revoked_at is None,
        "undone_at": iso(exclusion.revoked_at),
        "undone_by_role": str(exclusion.revoked_by.role) if exclusion.revoked_by else None,
    }


def row_dict(row: Row) -> dict:
    """A response of the data-quality list: its flags (codes and numbers) and its active exclusion."""
    return {
        "response_id": row.id,
        "participant_code": row.participant_code,
        "arm": row.arm,
        "survey": row.survey,
        "timepoint": row.timepoint,
        "submitted_at": iso(row.submitted_at),
        "started_at": iso(row.started_at),
        "seconds": row.seconds,
        "answers": row.answered,
        "flags": row.flags,
        "exclusion": exclusion_dict(row.exclusion) if row.exclusion is not None else None,
    }
