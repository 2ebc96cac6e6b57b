"""A study from the database as the pure analysis reads it: the answers in one SQL query as the
long-form frame, the protocol as plain data, and the flow's tallies in a few aggregate queries.

The only place where the results meet the database, apart from the cache."""

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select

from ..extensions import db
from ..participants.models import Answer, Enrolment, EnrolmentStatus, Response
from ..participants.schedule import window_days
from ..participants.services import screening_counts
from ..studies.models import Study
from ..surveys.models import Survey
from ..timeutil import aware, days, utcnow

COLUMNS = ["participant_code", "arm", "timepoint", "item", "number", "text"]


def answers_query(study_id: int):
    return (
        select(Enrolment.participant_code, Enrolment.arm, Survey.timepoint, Answer.item_key, Answer.number, Answer.text)
        .select_from(Answer)
        .join(Response, Answer.response_id == Response.id)
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .join(Survey, Response.survey_id == Survey.id)
        .where(Enrolment.study_id == study_id)
    )


def frame_of(rows) -> pd.DataFrame:
    """Rows of the answers query as the long frame, built column by column (pandas probing each
    SQLAlchemy Row in `from_records` costs more than the query itself)."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    return pd.DataFrame(
        {
            **{name: pd.Categorical(values) for name, values in zip(COLUMNS[:4], columns[:4], strict=True)},
            "number": np.array(columns[4], dtype=float),
            "text": pd.array(columns[5], dtype="str"),
        }
    )


def load_answers(connection, study_id: int, query=None) -> pd.DataFrame:
    """Every remaining answer of the study: (participant_code, arm, timepoint, item, number, text)."""
    return frame_of(connection.execute(query if query is not None else answers_query(study_id)).all())


def study_spec(study: Study) -> dict:
    """The study as the pure analysis reads it: plain data, no ORM."""
    return {
        "id": study.id,
        "design": str(study.design),
        "arms": list(study.arms),
        "timepoints": list(study.timepoints),
        "alpha": study.alpha,
        "primary_analysis": str(study.primary_analysis),
        "primary_outcome": {
            "variable": study.primary_variable,
            "hypothesis": str(study.hypothesis) if study.hypothesis else None,
        },
        "surveys": [{"timepoint": s.timepoint, "items": s.items} for s in study.surveys],
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
    for survey in study.surveys:
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
