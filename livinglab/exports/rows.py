"""One query, read as a stream: a study's answers turned into wide rows, one per participant and timepoint.

The query is ordered by participant and timepoint, so each wide row is complete as soon as the next
one starts: memory holds one row, whatever the size of the study."""

from collections.abc import Iterator

from sqlalchemy import case, select

from ..analysis.computed_scores import compute_one
from ..extensions import db
from ..participants.models import Answer, Enrolment, Response
from ..surveys.models import Survey
from .cells import NOT_APPLICABLE
from .columns import Plan

BATCH = 2_000  # rows fetched from the database at a time


def export_query(study_id: int, timepoints: list[str]):
    """Every remaining answer of the study, with who and when, in export order.

    Starts from the responses (left join to the answers) so that a response whose optional
    questions were all skipped still gives its row. Erased answers are deleted rows: absent."""
    rank = case({tp: n for n, tp in enumerate(timepoints)}, value=Survey.timepoint, else_=len(timepoints))
    return (
        select(
            Enrolment.participant_code,
            Enrolment.arm,
            Survey.timepoint,
            Answer.item_key,
            Answer.number,
            Answer.text,
            Answer.not_applicable,
            Enrolment.site,
        )
        .select_from(Response)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Enrolment.study_id == study_id, Survey.repeat.is_(None))  # reports: exports/reports.py, long form
        .order_by(Enrolment.participant_code, rank, Survey.timepoint, Survey.id)
    )


def stored_rows(study_id: int, plan: Plan):
    """The query's result, fetched in batches (a server-side cursor on PostgreSQL), on a connection of
    its own: the CSV is streamed after the view has returned, when Flask-SQLAlchemy has already closed
    the request's session, and with it the transaction that holds a server-side cursor."""
    with db.engine.connect() as connection:
        yield from connection.execute(export_query(study_id, plan.timepoints), execution_options={"yield_per": BATCH})


def wide_rows(rows, plan: Plan) -> Iterator[list]:
    """Long rows (code, arm, timepoint, item, number, text, not applicable, site), in export order, folded into wide
    rows of
    display values (numbers stay numbers); an instrument's score where all its items were answered.
    Answers to keys no survey lists any more are left out."""
    convert, index, width = [column.value for column in plan.columns], plan.index, len(plan.columns)
    current, values = None, None
    for code, arm, timepoint, key, number, text, *extra in rows:  # the flag (branching's), then the site, when read
        not_applicable = extra[:1]
        site = extra[1:2]
        if (code, timepoint) != current:
            if values is not None:
                yield _scored(values, plan)
            current = (code, timepoint)
            values = [None] * width
            values[0], values[1], values[2] = code, arm, timepoint
            if plan.ids > 3:
                values[3] = site[0] if site else None  # studies/sites.py
        position = index.get(key)
        if position is not None and not_applicable and not_applicable[0]:
            values[position] = NOT_APPLICABLE  # type: ignore[index, call-overload]  # a list of cells, started by the first row
        elif position is not None:
            values[position] = convert[position](number, text)  # type: ignore[index]  # the first row always starts a new list
    if values is not None:
        yield _scored(values, plan)


def _scored(values: list, plan: Plan) -> list:
    for position, items, score in plan.scores:
        answered = [values[i] for i in items]
        if None not in answered:
            result = float(score(answered))
            values[position] = int(result) if result.is_integer() else result
    for position, items, made_of in plan.computed:  # scores computed from items: their own missing rule
        computed = compute_one(made_of, [None if values[i] is NOT_APPLICABLE else values[i] for i in items])
        values[position] = None if computed is None else int(computed) if computed.is_integer() else round(computed, 10)
    return values
