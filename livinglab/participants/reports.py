"""Repeated reports (surveys/repeats.py): numbering each report, telling the startup and the coordinators of a
problem report, and what the participant and the staff read of them."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..notifications import notify_reports
from ..surveys.branching import NOT_APPLICABLE
from ..surveys.models import Survey
from .models import Enrolment, Response

SHOWN = 500  # problem reports on the staff page, newest first
ATTEMPTS = 5  # two submissions racing: the loser takes the next number (the unique constraint decides)


def next_instance(enrolment_id: int, survey_id: int):
    """The next report's number, as a subquery read by the INSERT itself (max + 1)."""
    return (
        select(func.coalesce(func.max(Response.instance), 0) + 1)
        .where(Response.enrolment_id == enrolment_id, Response.survey_id == survey_id)
        .scalar_subquery()
    )


def add_numbered(enrolment: Enrolment, survey: Survey, started_at) -> Response:
    """Insert a report with the next number of its participant and survey. A concurrent report that took the same
    number makes the INSERT fail on the unique constraint: a savepoint rolls back that INSERT alone, and it is tried
    again with the number read anew (under READ COMMITTED the other's row is visible once it committed)."""
    for attempt in range(ATTEMPTS):
        response = Response(enrolment_id=enrolment.id, survey_id=survey.id, started_at=started_at)
        response.instance = next_instance(enrolment.id, survey.id)  # SQL, run by the INSERT
        try:
            with db.session.begin_nested():
                db.session.add(response)
                db.session.flush()
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
            continue
        db.session.refresh(response, ["instance"])
        return response
    raise AssertionError("unreachable")


def announce(study, enrolment: Enrolment, survey: Survey, response: Response) -> int:
    """A problem report goes to the members of the pilot's organisation and to the coordinators: the pilot, the
    participant code and the report number; never who, never the answers. A diary entry tells nobody."""
    if survey.repeat != "problem_report":
        return 0
    return notify_reports.problem_reported(study, enrolment.participant_code, survey, response.instance)


def counts_for(enrolments: list[Enrolment]) -> dict[int, dict[int, int]]:
    """The reports sent, by enrolment id and then repeatable survey id: one grouped query for all of them."""
    ids = [enrolment.id for enrolment in enrolments]
    out: dict[int, dict[int, int]] = {enrolment_id: {} for enrolment_id in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(Response.enrolment_id, Response.survey_id, func.count())
        .join(Survey, Survey.id == Response.survey_id)
        .where(Response.enrolment_id.in_(ids), Survey.repeat.is_not(None))
        .group_by(Response.enrolment_id, Response.survey_id)
    )
    for enrolment_id, survey_id, n in rows:
        out[enrolment_id][survey_id] = n
    return out


def problem_reports(study, limit: int = SHOWN) -> list[dict]:
    """The pilot's problem reports, newest first: code, arm, site, survey, number, when, and the answers; two
    queries whatever the number of participants or reports."""
    from .models import Answer

    rows = db.session.execute(
        select(
            Response.id,
            Response.instance,
            Response.submitted_at,
            Enrolment.participant_code,
            Enrolment.arm,
            Enrolment.site,
            Survey.id.label("survey_id"),
        )
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .join(Survey, Survey.id == Response.survey_id)
        .where(Enrolment.study_id == study.id, Survey.repeat == "problem_report")
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .limit(limit)
    ).all()
    ids = [row.id for row in rows]
    answers: dict[int, dict] = {}
    if ids:
        for response_id, key, number, text, not_applicable in db.session.execute(
            select(Answer.response_id, Answer.item_key, Answer.number, Answer.text, Answer.not_applicable).where(
                Answer.response_id.in_(ids)
            )
        ):
            answers.setdefault(response_id, {})[key] = NOT_APPLICABLE if not_applicable else (number, text)
    surveys = {s.id: s for s in study.surveys}
    return [
        {
            "participant_code": row.participant_code,
            "arm": row.arm,
            "site": row.site,
            "survey": surveys[row.survey_id],
            "instance": row.instance,
            "submitted_at": row.submitted_at,
            "answers": answers.get(row.id, {}),
        }
        for row in rows
    ]
