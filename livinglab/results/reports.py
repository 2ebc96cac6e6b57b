"""The repeated reports of a pilot, read in one query and described (analysis/reports.py): the results' key
`repeated_reports`, apart from the primary and secondary analyses."""

from flask_babel import gettext as _
from sqlalchemy import select

from ..analysis.reports import summarise
from ..extensions import db
from ..participants.models import Answer, Enrolment, Response
from ..studies.models import Study
from ..surveys.models import Survey
from ..surveys.repeats import repeatable


def repeated_results(study: Study, kept_by_arm: dict[str, int]) -> dict:
    """{"repeated_reports": [...]} when the pilot has repeatable surveys, else {}. One query for the reports and
    their answers, whatever the number of participants."""
    surveys = sorted(repeatable(study.surveys), key=lambda s: s.id)
    if not surveys:
        return {}
    rows = db.session.execute(
        select(
            Response.id,
            Enrolment.participant_code,
            Enrolment.arm,
            Survey.key,
            Answer.item_key,
            Answer.number,
            Answer.text,
            Answer.not_applicable,
        )
        .select_from(Response)
        .join(Enrolment, Enrolment.id == Response.enrolment_id)
        .join(Survey, Survey.id == Response.survey_id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Enrolment.study_id == study.id, Survey.repeat.is_not(None), Enrolment.data_erased.is_(False))
    ).all()
    reports: dict[int, dict] = {}
    for response_id, code, arm, key, item, number, text, not_applicable in rows:
        report = reports.setdefault(response_id, {"survey": key, "code": code, "arm": arm, "answers": {}})
        if item is not None and not not_applicable:
            report["answers"][item] = (number, text)
    spec = [{"key": s.key, "title": s.title, "repeat": s.repeat, "items": s.items} for s in surveys]
    arms = {arm: int(kept_by_arm.get(arm, 0)) for arm in study.arms}
    return {"repeated_reports": summarise(spec, list(reports.values()), arms, parallel=len(study.arms) > 1)}


def methods_sentence(results: dict) -> str:
    """The methods paragraph's sentence on repeated reports, when the results hold them ("" otherwise)."""
    reports = results.get("repeated_reports") or []
    if not reports:
        return ""
    return _(
        "Repeated reports (%(surveys)s) were described only and entered no comparison: the number of reports per "
        "participant over every participant enrolled (0 for those who sent none), and each numeric answer (a matrix's "
        "rows too, and an instrument's total and a computed score, computed for each report) averaged within each "
        "participant before being described across participants; a date by its earliest and latest.",
        surveys=", ".join(f"“{r['title']}”" for r in reports),
    )
