"""The repeated reports (surveys/repeats.py) in long form: one row per report, numbered, beside the wide export
(which holds one row per participant and timepoint, and never these). Streamed as the wide export is, with the
same cells (cells.py: formula injection guarded)."""

from collections import defaultdict
from collections.abc import Iterator
from types import SimpleNamespace

from flask import Response, stream_with_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..participants.models import Answer, Enrolment
from ..participants.models import Response as Report
from ..studies.models import Study
from ..studies.retention import require_exports_open
from ..surveys.models import Survey
from ..surveys.repeats import repeatable
from .cells import NOT_APPLICABLE
from .columns import Column, Plan, _columns_of, score_column
from .delimited import csv_chunks
from .rows import _scored

BATCH = 2_000
ID_COLUMNS = ("participant_code", "arm", "site", "survey", "instance", "submitted_at")


def plan_of_reports(study: Study) -> Plan:
    """Who, which survey, the report's number and when, then each answer key of the repeatable surveys."""
    surveys = sorted(repeatable(study.surveys), key=lambda s: s.id)
    columns = [
        Column("participant_code", str(_l("Pseudonymous participant code")), "participant_code"),
        Column("arm", str(_l("Arm the participant was allocated to")), "arm", choices=list(study.arms)),
        Column("site", str(_l("Site where the participant takes part")), "site"),
        Column(
            "survey", str(_l("Repeatable survey (repeated, long form)")), "survey", choices=[s.key for s in surveys]
        ),
        Column("instance", str(_l("Report number of this participant in this survey: 1, 2...")), "instance"),
        Column("submitted_at", str(_l("When the report was sent (UTC)")), "submitted_at"),
    ]
    found: dict[str, Column] = {}
    for survey in surveys:
        for item in survey.items:
            # an instrument's total and a computed score: computed for each report, from its own answers
            for column in _columns_of(item) if "score" not in item else [score_column(item, survey.items)]:
                kept = found.setdefault(column.key, column)
                if survey.key not in kept.timepoints:
                    kept.timepoints.append(survey.key)  # the dictionary's last column: which surveys ask it
    plan = Plan(columns + list(found.values()), list(study.arms), [], ids=len(columns))
    return plan


def reports_query(study_id: int):
    return (
        select(
            Report.id,
            Enrolment.participant_code,
            Enrolment.arm,
            Enrolment.site,
            Survey.key,
            Report.instance,
            Report.submitted_at,
            Answer.item_key,
            Answer.number,
            Answer.text,
            Answer.not_applicable,
        )
        .select_from(Report)
        .join(Enrolment, Report.enrolment_id == Enrolment.id)
        .join(Survey, Report.survey_id == Survey.id)
        .outerjoin(Answer, Answer.response_id == Report.id)
        .where(Enrolment.study_id == study_id, Survey.repeat.is_not(None))
        .order_by(Enrolment.participant_code, Survey.id, Report.instance, Report.id)
    )


def stored_reports(study_id: int):
    with db.engine.connect() as connection:
        yield from connection.execute(reports_query(study_id), execution_options={"yield_per": BATCH})


def long_rows(rows, plan: Plan) -> Iterator[list]:
    """One row per report, its answers in their columns, then the scores of its survey computed from them."""
    index, width = plan.index, len(plan.columns)
    values: list = []
    current = None
    scoring = _scores_by_survey(plan)
    for response_id, code, arm, site, survey, instance, submitted_at, key, number, text, not_applicable in rows:
        if response_id != current:
            if current is not None:
                yield _scored(values, scoring[values[3]])
            current = response_id
            values = [None] * width
            values[:6] = [code, arm, site or None, survey, instance, submitted_at.isoformat() if submitted_at else None]
        position = index.get(key)
        if position is None:
            continue
        values[position] = NOT_APPLICABLE if not_applicable else plan.columns[position].value(number, text)
    if current is not None:
        yield _scored(values, scoring[values[3]])


def _scores_by_survey(plan: Plan) -> dict:
    """Per survey key, the scores it declares (`Plan.scores` and `Plan.computed`, only those): another survey's
    score is never computed from a report that happens to answer keys of the same name."""
    surveys = plan.columns[3].choices
    return defaultdict(
        lambda: SimpleNamespace(scores=[], computed=[]),
        {
            survey: SimpleNamespace(
                scores=[s for s in plan.scores if survey in plan.columns[s[0]].timepoints],
                computed=[c for c in plan.computed if survey in plan.columns[c[0]].timepoints],
            )
            for survey in surveys
        },
    )


def reports_csv(study: Study) -> Response:
    """Every repeated report in long form, streamed."""
    from .downloads import _private, filename

    require_exports_open(study)
    plan = plan_of_reports(study)
    response = Response(
        stream_with_context(csv_chunks(plan.header, long_rows(stored_reports(study.id), plan))), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(study, "reports.csv")}"'
    return _private(response)


def report_dictionary_rows(study: Study) -> list[list[str]]:
    """The long-form file's columns in the data dictionary, each marked as such; none without repeatable surveys."""
    from .dictionary import dictionary_rows

    if not repeatable(study.surveys):
        return []
    return [[f"reports.{key}", marked(label), *rest] for key, label, *rest in dictionary_rows(plan_of_reports(study))]


def marked(label: str) -> str:
    """A long-form column's label in the data dictionary: marked as such."""
    mark = _l("repeated, long form (reports.csv; the sheet “reports”)")
    return f"{label} [{mark}]"


def report_sheets(study: Study) -> list[tuple]:
    """The workbook's sheet "reports", when the pilot has repeatable surveys."""
    if not repeatable(study.surveys):
        return []
    plan = plan_of_reports(study)
    return [("reports", plan.header, long_rows(stored_reports(study.id), plan))]
