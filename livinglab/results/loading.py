"""A study from the database as the pure analysis reads it: the answers as the long-form frame, the
protocol as plain data, and the flow's tallies in a few aggregate queries.

The only place where the results meet the database, apart from the cache.

The answers come in two queries: who answered each completed survey (participant code, arm and
timepoint, one row per response) and the answers themselves (response id, item, number and text, one
row per answer), so that a response's labels cross the wire once, not once per answer. Both are read
from the driver's cursor in batches of plain tuples, straight into typed columns (categorical codes,
float numbers, text where given): no SQLAlchemy row and no Python object per answer outlive a batch.
Building the frame from SQLAlchemy rows took three times as long as fetching them (issue 15)."""

from collections.abc import Iterator
from datetime import datetime
from itertools import islice

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select

from ..analysis import not_applicable
from ..extensions import db
from ..participants.models import Answer, Enrolment, EnrolmentStatus, Response
from ..participants.schedule import window_days
from ..participants.services import screening_counts
from ..quality.models import ResponseExclusion
from ..studies.models import Study
from ..surveys.models import Survey
from ..surveys.repeats import once_only
from ..timeutil import aware, days, utcnow

COLUMNS = ["participant_code", "arm", "timepoint", "item", "number", "text"]
BATCH = 500  # rows per fetch: gone before the garbage collector looks (from 1,000 on, it runs at every batch)


def answers_query(study_id: int, items: list[str] | None = None):
    """The study's answers (to these answer keys only, if given): (response id, item, number, text). It
    joins what the previous one-query loader joined (the survey too, which it no longer reads), so that
    the database plans it alike and returns the rows in the same order: the wide table lists participants
    in the order they first come, and sums in that order."""
    query = (
        select(Answer.response_id, Answer.item_key, Answer.number, Answer.text)
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .where(Enrolment.study_id == study_id, Survey.repeat.is_(None))  # reports: results/reports.py
    )
    return query if items is None else query.where(Answer.item_key.in_(items))


def respondents_query(study_id: int):
    """Who completed each survey of the study: (response id, participant code, arm, timepoint), then what the
    data-quality flags read of each (survey key, submitted_at, started_at, the id of its active exclusion), so
    that one query serves both (`quality.services.quality_of_respondents`)."""
    return (
        select(
            Response.id,
            Enrolment.participant_code,
            Enrolment.arm,
            Survey.timepoint,
            Survey.key,
            Response.submitted_at,
            Response.started_at,
            ResponseExclusion.id,
        )
        .select_from(Response)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .outerjoin(  # at most one exclusion of a response is active (a unique index)
            ResponseExclusion,
            and_(ResponseExclusion.response_id == Response.id, ResponseExclusion.revoked_at.is_(None)),
        )
        .where(Enrolment.study_id == study_id, Survey.repeat.is_(None))  # reports: results/reports.py
    )


def fetch_respondents(connection, study_id: int) -> list[tuple]:
    """The rows of `respondents_query`, as the driver returns them."""
    return [row for rows in driver_batches(connection, respondents_query(study_id)) for row in rows]


def load_answers(
    connection, study_id: int, items: list[str] | None = None, respondents: list[tuple] | None = None
) -> pd.DataFrame:
    """Every remaining answer of the study (to these answer keys only, if given), one row each, in the
    order the database returns them: participant_code, arm, timepoint and item as categoricals (their
    categories sorted), number as float, text as str. In a snapshot (`cache.compute_snapshot`) both
    queries see the same data; outside one, an answer whose response was erased between them is left
    out, and a response completed between them is not there yet. `respondents`: the rows of
    `fetch_respondents` when the caller has them already."""
    respondents = fetch_respondents(connection, study_id) if respondents is None else respondents
    found, item, numbers, texts = [], Labels(), [], []
    aside: list[tuple] = []  # the answers that did not apply: beside the frame (analysis/not_applicable.py)
    for batch in driver_batches(connection, answers_query(study_id, items)):
        if not (rows := not_applicable.set_aside(batch, aside)):
            continue
        response_ids, keys, values, text = zip(*rows, strict=True)
        found.append(np.array(response_ids, dtype=np.int64))
        item.add(keys)
        numbers.append(np.array(values, dtype=float))
        texts.append(np.array(text, dtype=object))
    ids = pd.Index(np.fromiter((row[0] for row in respondents), dtype=np.int64, count=len(respondents)))
    where = ids.get_indexer(_joined(found, np.int64))  # each answer's response, by its row in `respondents`
    kept = None if where.min(initial=0) >= 0 else where >= 0  # None: nothing left out, no copies
    if kept is not None:
        where = where[kept]
    answered = np.zeros(len(respondents), dtype=bool)
    answered[where] = True
    labels = {
        name: _repeated([row[n] for row in respondents], answered, where) for n, name in enumerate(COLUMNS[:3], start=1)
    }
    frame = pd.DataFrame(
        labels
        | {
            "item": item.categorical(kept),
            "number": _joined(numbers, float, kept),
            "text": pd.array(_joined(texts, object, kept), dtype="str"),
        }
    )
    frame.attrs[not_applicable.ATTRIBUTE] = not_applicable.cells(aside, respondents)
    return frame


def driver_batches(connection, query, size: int | None = None) -> Iterator[list[tuple]]:
    """The query's rows as the driver returns them (plain tuples), `size` at a time, read in the
    connection's transaction (so in its snapshot). On PostgreSQL the rows come in chunks of that size
    (psycopg's `stream`), so the client never holds the whole result, and the query is planned as any
    other (a server-side cursor would be planned for its first rows). The statement is announced to the
    engine's listeners like any other (the tests count statements that way)."""
    size = size or BATCH
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    statement, params = str(compiled), compiled.params
    parameters = tuple(params[name] for name in compiled.positiontup) if compiled.positional else params
    cursor = connection.connection.cursor()
    try:
        connection.dispatch.before_cursor_execute(connection, cursor, statement, parameters, None, False)
        if connection.dialect.name == "postgresql":
            rows = cursor.stream(statement, parameters, size=size if _chunks_supported() else 1)
            while batch := list(islice(rows, size)):
                yield batch
        else:
            cursor.execute(statement, parameters)
            while batch := cursor.fetchmany(size):
                yield batch
    finally:
        cursor.close()


def _chunks_supported() -> bool:
    """Whether libpq returns rows in chunks (version 17 on; before, one row at a time)."""
    import psycopg

    return psycopg.pq.version() >= 170000


class Labels:
    """Text labels arriving in batches, kept as integer codes (each batch's distinct values are looked
    up once), then made into the categorical that `pd.Categorical` would make of all of them."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes: list[np.ndarray] = []

    def add(self, values) -> None:
        codes, distinct = pd.factorize(np.array(values, dtype=object))
        index = self.index
        known = np.fromiter((index.setdefault(v, len(index)) for v in distinct), dtype=np.int32, count=len(distinct))
        self.codes.append(known[codes])

    def categorical(self, kept: np.ndarray | None = None) -> pd.Categorical:
        values = list(self.index)
        order = sorted(range(len(values)), key=values.__getitem__)
        rank = np.empty(len(values), dtype=np.int32)
        rank[order] = np.arange(len(values), dtype=np.int32)
        codes = rank[_joined(self.codes, np.int32, kept)]
        return pd.Categorical.from_codes(codes, categories=[values[i] for i in order], validate=False)


def _repeated(values: list[str], answered: np.ndarray, where: np.ndarray) -> pd.Categorical:
    """A label of each response (say its arm) at each of its answers (`where`: the response of each
    answer), as a categorical of the labels of the responses answered, sorted."""
    labels = pd.Categorical(values)
    codes = labels.codes
    used = np.zeros(len(labels.categories), dtype=bool)
    used[codes[answered]] = True
    if used.all():
        return pd.Categorical.from_codes(codes[where], dtype=labels.dtype, validate=False)
    renumbered = (np.cumsum(used) - 1).astype(codes.dtype)
    return pd.Categorical.from_codes(renumbered[codes][where], categories=labels.categories[used], validate=False)


def _joined(parts: list[np.ndarray], dtype, kept: np.ndarray | None = None) -> np.ndarray:
    """The batches' arrays end to end, without the rows left out."""
    joined = np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
    return joined if kept is None else joined[kept]


def study_spec(study: Study) -> dict:
    """The study as the pure analysis reads it: plain data, no ORM."""
    return {
        "id": study.id,
        "design": str(study.design),
        "arms": list(study.arms),
        "timepoints": list(study.timepoints),
        "alpha": study.alpha,
        "primary_analysis": str(study.primary_analysis),
        "primary_arm": study.primary_arm,
        "primary_timepoint": study.primary_timepoint or "",
        "primary_outcome": {
            "variable": study.primary_variable,
            "hypothesis": str(study.hypothesis) if study.hypothesis else None,
        },
        "surveys": [{"timepoint": s.timepoint, "items": s.items} for s in once_only(study.surveys)],
        "eligibility": study.eligibility,
    }


def flow_counts(study: Study) -> dict:
    """The tallies the flow needs, in three aggregate queries."""
    screening = screening_counts(study)
    by_arm = db.session.execute(
        select(Enrolment.arm, Enrolment.status, Enrolment.data_erased, func.count())
        .where(Enrolment.study_id == study.id)
        .group_by(Enrolment.arm, Enrolment.status, Enrolment.data_erased)
    ).all()
    per_arm: dict[str, int]
    kept: dict[str, int]
    per_arm, kept, withdrawn, erased = {}, {}, 0, 0
    for arm, status, data_erased, n in by_arm:
        per_arm[arm] = per_arm.get(arm, 0) + n
        if not data_erased:
            kept[arm] = kept.get(arm, 0) + n
        if status == EnrolmentStatus.WITHDRAWN:
            withdrawn += n
            erased += n if data_erased else 0
    criteria = (study.eligibility or {}).get("criteria", [])
    steps = {"screened", "eligible", "declined_consent", "turned_away_full"}
    excluded = {reason: n for reason, n in screening.items() if reason not in steps}
    return {
        "screened": screening.get("screened", 0),
        "eligible": screening.get("eligible", 0),
        "excluded": excluded,
        "excluded_labels": {f"criterion:{i}": text for i, text in enumerate(criteria)},
        "declined_consent": screening.get("declined_consent", 0),
        "turned_away_full": screening.get("turned_away_full", 0),
        "enrolled": sum(per_arm.values()),
        "allocated": per_arm,
        "withdrawn": withdrawn,
        "withdrawn_erased": erased,
        "kept_by_arm": kept,
    }


# Flow figures the analysis does not compute (it counts answers); added to its `flow` here.
EXTRA_FLOW = ("excluded_labels", "declined_consent", "turned_away_full", "kept_by_arm")


def missed_counts(study: Study, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Per arm and timepoint, the participants still taking part whose window there closed before they
    answered any of its surveys (`missed`; windows closing after the pilot ended are not counted). One
    grouped query per timepoint, whatever the number of participants."""
    now = now or utcnow()
    if study.ended_at is not None:
        now = min(now, aware(study.ended_at))
    out = {arm: dict.fromkeys(study.timepoints, 0) for arm in study.arms}
    surveys: dict[str, list[int]] = {}
    for survey in once_only(study.surveys):
        surveys.setdefault(survey.timepoint, []).append(survey.id)
    for timepoint in study.timepoints:
        if not surveys.get(timepoint):
            continue
        answered = select(Response.id).where(
            Response.enrolment_id == Enrolment.id, Response.survey_id.in_(surveys[timepoint])
        )
        rows = db.session.execute(
            select(Enrolment.arm, func.count())
            .where(
                Enrolment.study_id == study.id,
                Enrolment.status == EnrolmentStatus.ACTIVE,
                Enrolment.data_erased.is_(False),
                Enrolment.enrolled_at <= now - days(window_days(study, timepoint)[1]),
                ~answered.exists(),
            )
            .group_by(Enrolment.arm)
        )
        for arm, n in rows:
            out.setdefault(arm, dict.fromkeys(study.timepoints, 0))[timepoint] = n
    return out


def not_answered_counts(study: Study, kept_by_arm: dict, flow: dict) -> dict:
    """Per timepoint, the enrolled participants (those whose answers were erased excepted, as in every other
    figure) with no answer there: they skipped it, left before it, or it is not due yet."""
    arms = list(study.arms)
    completed_by_arm = flow.get("completed_by_arm") or {}
    by_arm = {
        arm: {
            tp: max(0, kept_by_arm.get(arm, 0) - (completed_by_arm.get(arm) or {}).get(tp, 0))
            for tp in study.timepoints
        }
        for arm in arms
    }
    kept = sum(kept_by_arm.values())
    completed = flow.get("completed") or {}
    missed = missed_counts(study)
    return {
        "not_answered": {tp: max(0, kept - completed.get(tp, 0)) for tp in study.timepoints},
        "not_answered_by_arm": by_arm,
        "missed": {tp: sum(arm.get(tp, 0) for arm in missed.values()) for tp in study.timepoints},
        "missed_by_arm": missed,
    }
