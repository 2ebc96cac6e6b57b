"""A study's results: computed from the database at most once per change of its data."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..analysis.loader import load_answers
from ..analysis.results import build_results
from ..errors import Conflict
from ..extensions import db
from ..participants.models import Enrolment, EnrolmentStatus
from ..participants.services import screening_counts
from ..timeutil import utcnow
from ..transactions import unit_of_work
from .models import Study


class ResultsCache(db.Model):
    """The last results computed for a study, keyed by the study's data version."""
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    data_version: Mapped[int] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    results: Mapped[dict] = mapped_column(JSON)


def study_spec(study: Study) -> dict:
    """The study as the pure analysis reads it: plain data, no ORM."""
    return {
        "id": study.id, "design": str(study.design), "arms": list(study.arms),
        "timepoints": list(study.timepoints), "alpha": study.alpha,
        "primary_outcome": {"variable": study.primary_variable,
                            "hypothesis": str(study.hypothesis) if study.hypothesis else None},
        "surveys": [{"timepoint": s.timepoint, "items": s.items} for s in study.surveys],
        "eligibility": study.eligibility,
    }


def flow_counts(study: Study) -> dict:
    """The tallies the flow needs, in three aggregate queries."""
    screening = screening_counts(study)
    by_arm = db.session.execute(
        select(Enrolment.arm, Enrolment.status, Enrolment.data_erased, func.count())
        .where(Enrolment.study_id == study.id)
        .group_by(Enrolment.arm, Enrolment.status, Enrolment.data_erased)).all()
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


def compute(study: Study) -> dict:
    frame = load_answers(db.session.connection(), study.id)
    counts = flow_counts(study)
    results = build_results(frame, study_spec(study), {k: v for k, v in counts.items() if k not in EXTRA_FLOW})
    flow = results["flow"]
    flow.update(excluded_labels=counts["excluded_labels"], declined_consent=counts["declined_consent"],
                turned_away_full=counts["turned_away_full"])
    flow.update(not_answered_counts(study, counts["kept_by_arm"], flow))
    return results


def not_answered_counts(study: Study, kept_by_arm: dict, flow: dict) -> dict:
    """Per timepoint, the enrolled participants (those whose answers were erased excepted, as in every other
    figure) with no answer there: they skipped it, left before it, or it is not due yet."""
    arms = list(study.arms)
    completed_by_arm = flow.get("completed_by_arm") or {}
    by_arm = {arm: {tp: max(0, kept_by_arm.get(arm, 0) - (completed_by_arm.get(arm) or {}).get(tp, 0))
                    for tp in study.timepoints} for arm in arms}
    kept = sum(kept_by_arm.values())
    completed = flow.get("completed") or {}
    return {"not_answered": {tp: max(0, kept - completed.get(tp, 0)) for tp in study.timepoints},
            "not_answered_by_arm": by_arm}


def results_for(study: Study) -> dict:
    """The cached results while the study's data has not changed; recomputed (and stored) otherwise."""
    version = db.session.scalar(select(Study.data_version).where(Study.id == study.id))
    cached = db.session.get(ResultsCache, study.id)
    if cached is not None and cached.data_version == version:
        return cached.results
    results = compute(study)
    results["data_version"] = version
    try:  # a documented cache, written on GET: a short transaction of its own (pages read it, never write)
        with unit_of_work():
            if cached is None:
                db.session.add(ResultsCache(study_id=study.id, data_version=version, results=results))
            else:
                cached.data_version, cached.results, cached.computed_at = version, results, utcnow()
    except (Conflict, OperationalError):  # another worker stored it first, or held the write lock too long
        pass
    return results
