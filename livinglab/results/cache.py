"""A study's results: computed from the database at most once per change of its data (or of the
results' format), stored as the analysis returns them: numbers and codes, no sentences."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..analysis.results import build_results
from ..errors import Conflict
from ..extensions import Model, db
from ..studies.models import Study
from ..timeutil import utcnow
from ..transactions import unit_of_work
from .loading import EXTRA_FLOW, flow_counts, load_answers, not_answered_counts, study_spec

# Goes up when the stored results change shape, so that results cached before are computed again
# (2: reasons and warnings as codes with their numbers, method notes by key).
FORMAT = 2


class ResultsCache(Model):
    """The last results computed for a study, keyed by the study's data version."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    data_version: Mapped[int] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    results: Mapped[dict] = mapped_column(JSON)


def compute(study: Study) -> dict:
    frame = load_answers(db.session.connection(), study.id)
    counts = flow_counts(study)
    results = build_results(frame, study_spec(study), {k: v for k, v in counts.items() if k not in EXTRA_FLOW})
    flow = results["flow"]
    flow.update(
        excluded_labels=counts["excluded_labels"],
        declined_consent=counts["declined_consent"],
        turned_away_full=counts["turned_away_full"],
    )
    flow.update(not_answered_counts(study, counts["kept_by_arm"], flow))
    return results


def results_for(study: Study) -> dict:
    """The cached results while the study's data has not changed; recomputed (and stored) otherwise."""
    version = db.session.scalar(select(Study.data_version).where(Study.id == study.id))
    cached = db.session.get(ResultsCache, study.id)
    if cached is not None and cached.data_version == version and cached.results.get("format") == FORMAT:
        return cached.results
    results = compute(study)
    results["data_version"], results["format"] = version, FORMAT
    try:  # a documented cache, written on GET: a short transaction of its own (pages read it, never write)
        with unit_of_work():
            if cached is None:
                db.session.add(ResultsCache(study_id=study.id, data_version=version, results=results))
            else:
                cached.data_version, cached.results, cached.computed_at = version, results, utcnow()  # type: ignore[assignment]  # the study's row exists: its version is an int
    except (Conflict, OperationalError):  # another worker stored it first, or held the write lock too long
        pass
    return results
