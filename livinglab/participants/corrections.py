"""Corrections of submitted answers: by the participant while the survey's window is open, by a coordinator
with a reason at any time.

The `answer` rows always hold the latest values (the exports and the analysis read nothing else); each
changed answer leaves an `AnswerRevision` row with its value before and after. A correction names the
revision of the response it corrects, and moves it on with one conditional UPDATE: of two corrections of
the same revision (a double click, a replayed request, two coordinators at once) one wins, the other is
told `stale_revision` and changes nothing. Only changed answers make revision rows; a correction that
changes nothing changes nothing (no revision, no audit record, no new data version)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import selectinload

from .. import audit
from .. import validation as v
from ..analysis.question_types import as_variables
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..studies import workflow
from ..studies.fields import iso
from ..studies.models import Study
from ..surveys.answers import check_answers, json_value
from ..surveys.branching import NOT_APPLICABLE as NA
from ..surveys.definitions import answer_keys, variable_type
from ..surveys.models import Survey
from ..timeutil import utcnow
from .models import Answer, AnswerRevision, CorrectionRole, Enrolment, EnrolmentStatus, Response
from .schedule import window_of
from .services import bump_data_version, find_survey, needs_reconsent, require_enrolment

REASON_MAX = 2000
ABSENT = object()  # no row at all, unlike a not-applicable one


@dataclass
class Stored:
    """A response's answers as stored: {answer key: (answer row id, number, text)}."""

    rows: dict[str, tuple[int, float | None, str | None]]

    def values(self) -> dict[str, tuple]:
        return {key: (number, text) for key, (_id, number, text) in self.rows.items()}


def item_types(survey: Survey) -> dict[str, str]:
    """The type of each answer key of a survey (an instrument's items are scales)."""
    return {
        key: "likert" if "instrument" in item else variable_type(item)
        for item in survey.items
        for key in answer_keys(item)
    }


def stored(response: Response) -> Stored:
    """One query, however many answers."""
    return Stored(
        {
            key: (row_id, number, text)
            for row_id, key, number, text in db.session.execute(
                select(Answer.id, Answer.item_key, Answer.number, Answer.text).where(Answer.response_id == response.id)
            )
        }
    )


def answer_item(survey: Survey, key: str) -> dict | None:
    """The question behind one answer key, as the survey form shows it: a question itself, or one statement
    of an instrument (a scale of its own)."""
    from ..surveys.instruments import INSTRUMENTS

    for item in as_variables(survey.items):  # a matrix's rows: each a scale of its own
        if "instrument" not in item:
            if item["key"] == key and answer_keys(item):  # (a section break has no answer)
                return item
            continue
        instrument = INSTRUMENTS[item["instrument"]]
        for number, (answer_key, text) in enumerate(zip(answer_keys(item), instrument.texts, strict=False), 1):
            if answer_key == key:
                return {
                    "key": key,
                    "type": "likert",
                    "min": instrument.min,
                    "max": instrument.max,
                    "required": True,
                    "text": f"{instrument.name} · {number}. {text}",
                }
    return None


def api_values(survey: Survey, response: Response) -> dict:
    """The stored answers as the API gives them back (and as the survey's form takes them)."""
    types = item_types(survey)
    return {key: json_value(types.get(key, "text"), n, t) for key, (n, t) in stored(response).values().items()}


def find_response(enrolment: Enrolment, survey: Survey, instance=None) -> Response:
    """The response to correct: a repeatable survey's report by its number (`instance`, 1 when not given; every
    other survey has only instance 1)."""
    number = 1 if instance is None else instance_number(instance)
    response = db.session.scalar(
        select(Response).where(
            Response.enrolment_id == enrolment.id, Response.survey_id == survey.id, Response.instance == number
        )
    )
    if response is None:
        raise NotFound(_("There is no answer to this survey to correct."), code="not_answered")
    return response


def instance_number(value) -> int:
    """A report's number as sent (a whole number from 1, in JSON or a link); 400 otherwise."""
    number = v.digits(value, max_len=9) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 10**9:
        v.raise_for({"instance": v.FieldError(_("Must be a report number: a whole number from 1."), 400)})
    return number  # type: ignore[return-value]  # checked above


def enrolment_by_code(study: Study, code) -> Enrolment:
    """A participant of this study by code; another study's code, or anything else, is not found."""
    enrolment = (
        db.session.scalar(select(Enrolment).where(Enrolment.study_id == study.id, Enrolment.participant_code == code))
        if isinstance(code, str) and 0 < len(code) <= 16
        else None
    )
    if enrolment is None:
        raise NotFound(_("No participant of this pilot has this code."))
    return enrolment


def clean_revision(value, errors: dict) -> int | None:
    try:
        return v.integer(value, lo=0, hi=1_000_000, required=True)
    except v.FieldError as err:
        errors["revision"] = err
        return None


# --- The participant ------------------------------------------------------------------------------------


def correction_closes_at(enrolment: Enrolment, survey: Survey):
    """Until when the participant may correct their answers to this survey: its window's close."""
    return window_of(enrolment, survey.timepoint)[1]


def may_correct(enrolment: Enrolment, survey: Survey, now=None) -> bool:
    """For the pages: whether to offer "Correct my answers" (the service checks again)."""
    return (
        enrolment.status == EnrolmentStatus.ACTIVE
        and workflow.takes_answers(enrolment.study)
        and not survey.repeat  # a report is not corrected on the pages: another one is sent (the API names its number)
        and (now or utcnow()) < correction_closes_at(enrolment, survey)
    )


def require_correctable(enrolment: Enrolment, survey: Survey) -> None:
    """The participant may still correct this survey: taking part, the pilot running, the window open."""
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise Conflict(_("You have withdrawn from this pilot."), code="withdrawn")
    if not workflow.takes_answers(enrolment.study):
        raise Conflict(_("This pilot has ended: its answers can no longer be corrected."), code="study_ended")
    if utcnow() >= correction_closes_at(enrolment, survey):
        raise Conflict(
            _("This survey's window has closed: its answers can no longer be corrected."), code="window_closed"
        )
    if needs_reconsent(enrolment):
        raise Conflict(_("The consent form has changed: please read and sign it again first."), code="reconsent_needed")


def correct_own(user, study: Study, survey_key: str, answers, revision, instance=None) -> Response:
    """The participant sends the whole survey again, as when answering it, with the revision they correct;
    the answers that differ are corrected."""
    enrolment = require_enrolment(user, study)
    survey = find_survey(study, survey_key)
    response = find_response(enrolment, survey, instance)
    require_correctable(enrolment, survey)
    errors: dict = {}
    base = clean_revision(revision, errors)
    rows, answer_errors = check_answers(survey.items, answers)
    if errors and any(err.status == 400 for err in errors.values()):
        v.raise_for(errors)
    if answer_errors or errors:
        fields = {**answer_errors, **{name: err.message for name, err in errors.items()}}
        raise Invalid(_("Some answers need your attention."), code="invalid_answers", fields=fields)
    return apply(
        user,
        study,
        enrolment,
        survey,
        response,
        base,  # type: ignore[arg-type]  # no error: a whole number
        rows,
        CorrectionRole.PARTICIPANT,
        None,
    )


# --- A coordinator --------------------------------------------------------------------------------------


def correct_as_coordinator(
    user, study: Study, code, survey_key: str, answers, reason, revision, instance=None
) -> Response:
    """A coordinator corrects one or more answers of one participant's response, giving the reason; the
    other answers stay as they are, and the whole response is checked as on submission."""
    enrolment = enrolment_by_code(study, code)
    survey = find_survey(study, survey_key)
    response = find_response(enrolment, survey, instance)
    errors: dict = {}
    base = clean_revision(revision, errors)
    try:
        reason = v.text(reason, max_len=REASON_MAX, required=True)
    except v.FieldError as err:
        errors["reason"] = err
    if not isinstance(answers, dict) or not answers:
        errors["answers"] = v.FieldError(
            _("Send an object of the answers to correct, keyed by item."), 422 if answers in ({}, None) else 400
        )
    if any(err.status == 400 for err in errors.values()):
        v.raise_for(errors)
    fields = {name: err.message for name, err in errors.items()}
    rows: dict = {}
    if isinstance(answers, dict) and answers:
        merged = {**api_values(survey, response), **answers}
        rows, answer_errors = check_answers(survey.items, merged)
        fields.update(answer_errors)
    if fields:
        raise Invalid(_("Some answers need your attention."), code="invalid_answers", fields=fields)
    return apply(user, study, enrolment, survey, response, base, rows, CorrectionRole.COORDINATOR, reason)  # type: ignore[arg-type]  # checked above


# --- Both -----------------------------------------------------------------------------------------------


def stale() -> Conflict:
    return Conflict(
        _("These answers were corrected meanwhile: reload them, then correct the latest version."),
        code="stale_revision",
    )


def apply(user, study, enrolment, survey, response, base: int, rows: dict, role: CorrectionRole, reason) -> Response:
    """Write the answers that differ from the stored ones, and their history, in the caller's transaction: a
    fixed number of statements, however many answers change."""
    if response.revision != base:
        raise stale()
    before = stored(response)
    old = before.values()
    changed = sorted(
        key
        for key in old.keys() | rows.keys()
        if old.get(key, ABSENT) != rows.get(key, ABSENT)  # N/A: (None, None)
    )
    if not changed:
        return response
    now = utcnow()
    # Under the row's lock (PostgreSQL) or the write lock (SQLite): whoever moved the revision first wins.
    revision = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.revision == base)
        .values(revision=Response.revision + 1, revised_at=now)
        .returning(Response.revision)
        .execution_options(synchronize_session=False)
    ).scalar()
    if revision is None:
        raise stale()
    updates = [
        {"id": before.rows[key][0], "number": rows[key][0], "text": rows[key][1], "not_applicable": rows[key] == NA}
        for key in changed
        if key in old and key in rows
    ]
    if updates:
        db.session.execute(update(Answer), updates)  # one executemany by primary key
    added = [
        {
            "response_id": response.id,
            "item_key": k,
            "number": rows[k][0],
            "text": rows[k][1],
            "not_applicable": rows[k] == NA,
        }
        for k in changed
        if k not in old
    ]
    if added:
        db.session.execute(insert(Answer), added)
    removed = [before.rows[key][0] for key in changed if key not in rows]
    if removed:  # an optional answer taken back
        db.session.execute(delete(Answer).where(Answer.id.in_(removed)))
    db.session.execute(
        insert(AnswerRevision),
        [
            {
                "response_id": response.id,
                "revision": revision,
                "item_key": key,
                "previous_number": old.get(key, (None, None))[0],
                "previous_text": old.get(key, (None, None))[1],
                "new_number": rows.get(key, (None, None))[0],
                "new_text": rows.get(key, (None, None))[1],
                "changed_at": now,
                "changed_by_role": str(role),
                "changed_by_id": user.id if role == CorrectionRole.COORDINATOR else None,
                "reason": reason,
            }
            for key in changed
        ],
    )
    bump_data_version(study)
    audit.record(
        user,
        "participant.correct" if role == CorrectionRole.PARTICIPANT else "answer.correct",
        study=study,
        comment=reason,
        participant_code=enrolment.participant_code,
        survey=survey.key,
        revision=revision,
        items=changed,  # the keys only: the values stay in the revision rows, erased with the answers
    )
    db.session.expire(response)
    return response


# --- Reading --------------------------------------------------------------------------------------------


def revisions_of(response_ids: list[int]) -> dict[int, list[AnswerRevision]]:
    """The history of each response, oldest first: one query for all of them."""
    out: dict[int, list[AnswerRevision]] = {rid: [] for rid in response_ids}
    if response_ids:
        for row in db.session.scalars(
            select(AnswerRevision)
            .where(AnswerRevision.response_id.in_(response_ids))
            .order_by(AnswerRevision.response_id, AnswerRevision.revision, AnswerRevision.item_key)
        ):
            out[row.response_id].append(row)
    return out


def log_of(study: Study):
    """Every correction of the study's answers, as a select of `AnswerRevision` rows with their response's
    survey and participant code loaded (a fixed number of queries, whatever the number of rows); the caller
    orders and limits it."""
    return (
        select(AnswerRevision)
        .join(Response, Response.id == AnswerRevision.response_id)
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .where(Enrolment.study_id == study.id)
        .options(
            selectinload(AnswerRevision.response).selectinload(Response.enrolment),
            selectinload(AnswerRevision.response).selectinload(Response.survey),
        )
    )


def log_count(study: Study) -> dict[str, int]:
    """How many answers were corrected, by whom: {"participant": n, "coordinator": n}, one query."""
    rows = db.session.execute(
        select(AnswerRevision.changed_by_role, func.count())
        .join(Response, Response.id == AnswerRevision.response_id)
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .where(Enrolment.study_id == study.id)
        .group_by(AnswerRevision.changed_by_role)
    )
    counts = {"participant": 0, "coordinator": 0}
    counts.update({role: n for role, n in rows})
    return counts


def log_entry(row: AnswerRevision, *, staff: bool) -> dict:
    """One line of the corrections log: the revision with the survey and the participant's code."""
    survey = row.response.survey
    return {
        "id": row.id,
        "participant_code": row.response.enrolment.participant_code,
        "survey": survey.key,
        **revision_dict(row, item_types(survey), staff=staff),
    }


def revision_dict(row: AnswerRevision, types: dict[str, str], *, staff: bool) -> dict:
    kind = types.get(row.item_key, "text")
    out = {
        "revision": row.revision,
        "item_key": row.item_key,
        "previous": json_value(kind, row.previous_number, row.previous_text),
        "new": json_value(kind, row.new_number, row.new_text),
        "changed_at": iso(row.changed_at),
        "changed_by_role": row.changed_by_role,
        "reason": row.reason,
    }
    if staff:
        out["changed_by_id"] = row.changed_by_id
    return out
