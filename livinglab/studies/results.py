"""A study's results: computed from the database at most once per change of its data."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..analysis.loader import load_answers
from ..analysis.results import build_results
from ..extensions import db
from ..participants.models import Enrolment, EnrolmentStatus
from ..participants.services import screening_counts
from ..timeutil import utcnow
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
    per_arm = dict(db.session.execute(select(Enrolment.arm, func.count()).where(Enrolment.study_id == study.id)
                                      .group_by(Enrolment.arm)).all())
    withdrawn = dict(db.session.execute(
        select(Enrolment.data_erased, func.count()).where(Enrolment.study_id == study.id,
                                                          Enrolment.status == EnrolmentStatus.WITHDRAWN)
        .group_by(Enrolment.data_erased)).all())
    criteria = (study.eligibility or {}).get("criteria", [])
    excluded = {reason: n for reason, n in screening.items() if reason not in ("screened", "eligible")}
    return {
        "screened": screening.get("screened", 0),
        "eligible": screening.get("eligible", 0),
        "excluded": excluded,
        "excluded_labels": {f"criterion:{i}": text for i, text in enumerate(criteria)},
        "enrolled": sum(per_arm.values()),
        "allocated": per_arm,
        "withdrawn": sum(withdrawn.values()),
        "withdrawn_erased": withdrawn.get(True, 0),
    }


def compute(study: Study) -> dict:
    frame = load_answers(db.session.connection(), study.id)
    counts = flow_counts(study)
    results = build_results(frame, study_spec(study), {k: v for k, v in counts.items() if k != "excluded_labels"})
    results["flow"]["excluded_labels"] = counts["excluded_labels"]
    return results


def results_for(study: Study) -> dict:
    """The cached results while the study's data has not changed; recomputed (and stored) otherwise."""
    version = db.session.scalar(select(Study.data_version).where(Study.id == study.id))
    cached = db.session.get(ResultsCache, study.id)
    if cached is not None and cached.data_version == version:
        return cached.results
    results = compute(study)
    results["data_version"] = version
    try:
        with db.session.begin_nested():
            if cached is None:
                db.session.add(ResultsCache(study_id=study.id, data_version=version, results=results))
            else:
                cached.data_version, cached.results, cached.computed_at = version, results, utcnow()
        db.session.commit()
    except (IntegrityError, OperationalError):  # another worker stored it first, or holds the write lock
        db.session.rollback()
    return results
