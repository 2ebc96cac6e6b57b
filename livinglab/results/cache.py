"""A study's results: computed from the database at most once per change of its data (or of the
results' format), stored as the analysis returns them: numbers and codes, no sentences.

Each stored result says when it was computed (`computed_at`, ISO 8601) and from how many completed
surveys (`responses_included`), both read in the same snapshot as the answers. The worker's
`results_refresh` job (`refresh.py`) recomputes a pilot's results shortly after its data change, at most
once a minute. So a reader is served the latest computed results, even when the data changed since,
as long as a worker is refreshing them (its job finished in the last `HEARTBEAT`); they are computed
inline, as before the worker existed, when nothing was ever computed, when the stored format is older,
when no worker refreshes them, when the worker's last attempt for this pilot failed, or when the pilot
has ended (final results are never served out of date)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..errors import Conflict
from ..extensions import Model, db
from ..participants.models import Enrolment, Response
from ..quality.services import quality_of_respondents
from ..studies.models import Study
from ..studies.workflow import is_interim
from ..timeutil import aware, utcnow
from ..transactions import end_reads, unit_of_work
from .methods_text import software_versions
from .subgroups import subgroup_results

# Goes up when the stored results change shape, so that results cached before are computed again
# (2: reasons and warnings as codes with their numbers, method notes by key; 3: computed_at and
# responses_included; 4: ANCOVA, yes/no outcomes, several arms' overall test, effect sizes with intervals;
# 5: the software that computed them, for the methods paragraph; 6: data_quality,
# primary_outcome.without_exclusions; 7: `longitudinal` in the outcome entries of variables measured at 3 or
# more timepoints; 8: intervals of the median, NPS and alpha, the secondary families' `adjustment`; 9: attrition,
# and the primary outcome's missing_data_sensitivity; 10: by_site and by_stratum, and `computed` and
# `cronbach_alpha` of computed scores; 11: `without_exclusions` in each secondary outcome; 12: `repeated_reports`;
# 14: `not_applicable` in each summary of the variables, the participants a branching question did not apply to;
# 15: every item of `repeated_reports`: a matrix's rows, instrument totals and computed scores, dates, `listed`;
# 16: the risk difference and odds ratio of each yes/no entry of `categorical`, a yes/no primary outcome's
# extreme cases in `missing_data_sensitivity`; 17: the primary outcome at the protocol's `primary_timepoint`,
# its `declared_timepoint`, the note of it).
FORMAT = 17
REFRESH_JOB = "results_refresh"  # the scheduler's job that recomputes stale results (refresh.py)
HEARTBEAT = timedelta(minutes=5)  # a worker is refreshing results if that job finished this recently


class ResultsCache(Model):
    """The last results computed for a study, keyed by the study's data version."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    data_version: Mapped[int] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    responses_included: Mapped[int] = mapped_column(default=0, server_default="0")
    results: Mapped[dict] = mapped_column(JSON)


class ResultsRefresh(Model):
    """The worker's bookkeeping of a study whose results it recomputes: who is computing them now (a
    claim taken by a conditional UPDATE, with a lease in case the worker dies), and the last failure
    (kept until a computation succeeds; the pilot is retried after `retry_at`, the others go on)."""

    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), primary_key=True)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # by the worker, last
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Served:
    """Results as a reader gets them: `up_to_date` when they include every change of the study's data
    read just before (its data version), else they are being recomputed by the worker."""

    results: dict
    up_to_date: bool


def compute(study: Study) -> dict:
    from ..analysis.results import build_results  # on first use (README, "Startup")
    from .loading import EXTRA_FLOW, fetch_respondents, flow_counts, load_answers, not_answered_counts, study_spec
    from .reports import repeated_results

    respondents = fetch_respondents(db.session.connection(), study.id)  # who answered, with timings and exclusions
    frame = load_answers(db.session.connection(), study.id, respondents=respondents)
    counts = flow_counts(study)
    spec = study_spec(study) | {
        "quality": quality_of_respondents(study, respondents),  # the responses' starts and exclusions (quality/)
        "secondary_adjustment": str(study.secondary_adjustment),  # beside loading.py's spec
    }
    # kept_by_arm: who was randomised and not erased, for the missing-data sensitivity analyses
    results = build_results(frame, spec, {k: v for k, v in counts.items() if k not in EXTRA_FLOW or k == "kept_by_arm"})
    flow = results["flow"]
    flow.update(
        excluded_labels=counts["excluded_labels"],
        declined_consent=counts["declined_consent"],
        turned_away_full=counts["turned_away_full"],
    )
    flow.update(not_answered_counts(study, counts["kept_by_arm"], flow))
    results["software"] = software_versions()  # the methods paragraph names what computed them
    results.update(subgroup_results(study, frame, spec))  # by site, by age stratum (subgroups.py)
    results.update(repeated_results(study, counts["kept_by_arm"]))  # diaries, problem reports: descriptive only
    return results


def responses_query(study_id: int):
    """The completed surveys (responses) of the study that are still in the database: the ones the
    analysis reads (an erased participant's are deleted)."""
    return (
        select(func.count(Response.id))
        .join(Enrolment, Response.enrolment_id == Enrolment.id)
        .where(Enrolment.study_id == study_id)
        .scalar_subquery()
    )


def compute_snapshot(study: Study) -> dict:
    """The results with their data version, format, moment and number of completed surveys, all read in
    one snapshot of the database, so that the count is exactly the surveys the figures include: on
    PostgreSQL a REPEATABLE READ transaction of its own (READ COMMITTED gives each statement its own); on
    SQLite the current read transaction, one snapshot from its first read (transactions.py)."""
    study_id = study.id
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if postgresql:
        end_reads()  # the caller's reads so far were not in this snapshot
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        computed_at = utcnow()
        version, responses = db.session.execute(
            select(Study.data_version, responses_query(study_id)).where(Study.id == study_id)
        ).one()
        results = compute(study)
    finally:
        if postgresql:
            end_reads()  # only reads; the results are stored in a transaction of the default level
    results.update(
        data_version=version, format=FORMAT, computed_at=computed_at.isoformat(), responses_included=responses or 0
    )
    return results


def store(study_id: int, results: dict, exists: bool = True) -> bool:
    """Keep these results unless the cache holds results of a later data version (a reader computed them
    inline meanwhile); the caller commits. `exists=False`: no row was there a moment ago (skip the UPDATE).
    True if stored.

    Never brings back what an erasure removed. Erasing a participant's answers takes the study's row lock,
    deletes its cached results and bumps its data version (`participants.services.erase_answers`); this
    takes the same lock first. So either the erasure comes after and deletes what this wrote, or it came
    before: then the row it deleted is not there to update, and a new row is inserted only for results
    of the study's current data version (an erasure since the snapshot has bumped it)."""
    from ..notifications.outbox import insert_ignore

    current = db.session.scalar(select(Study.data_version).where(Study.id == study_id).with_for_update())
    values = {
        "data_version": results["data_version"],
        "computed_at": datetime.fromisoformat(results["computed_at"]),
        "responses_included": results["responses_included"],
        "results": results,
    }
    if exists:
        newer = (ResultsCache.data_version > results["data_version"]) & (
            func.coalesce(ResultsCache.results["format"].as_integer(), 0) == FORMAT
        )
        changed = db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
            update(ResultsCache)
            .where(ResultsCache.study_id == study_id, ~newer)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            return True
    if current != results["data_version"]:
        return False  # an older snapshot, with a newer row to keep, or none (erased, or computed again soon)
    inserted = db.session.execute(  # type: ignore[attr-defined]
        insert_ignore(ResultsCache).values(study_id=study_id, **values).on_conflict_do_nothing()
    ).rowcount
    return bool(inserted)


def heartbeat_columns(study_id: int, now: datetime):
    """Whether a worker is refreshing results (its job finished within HEARTBEAT) and whether its last
    attempt at this study failed: two scalar subqueries, read with the study's data version."""
    from ..notifications.models import SchedulerJob

    finished = select(SchedulerJob.last_finished_at).where(SchedulerJob.name == REFRESH_JOB).scalar_subquery()
    failed = select(ResultsRefresh.failed_at).where(ResultsRefresh.study_id == study_id).scalar_subquery()
    return finished, failed


def worker_refreshes(last_finished: datetime | None, last_failed: datetime | None, now: datetime) -> bool:
    """A worker will bring stale results up to date: its refresh job finished within HEARTBEAT, and its
    last attempt at this study did not fail."""
    return last_finished is not None and aware(last_finished) >= now - HEARTBEAT and last_failed is None


def serve(study: Study) -> Served:
    """The latest computed results (see the module's text for when they are computed inline)."""
    now = utcnow()
    version, last_finished, last_failed = db.session.execute(
        select(Study.data_version, *heartbeat_columns(study.id, now)).where(Study.id == study.id)
    ).one()
    cached = db.session.get(ResultsCache, study.id)
    if cached is not None and cached.results.get("format") == FORMAT:
        if cached.data_version == version:
            return Served(cached.results, up_to_date=True)
        if is_interim(study) and worker_refreshes(last_finished, last_failed, now):
            return Served(cached.results, up_to_date=False)
    results = compute_snapshot(study)
    try:  # a documented cache, written on GET: a short transaction of its own (pages read it, never write)
        with unit_of_work():
            store(study.id, results, exists=cached is not None)
    except (Conflict, OperationalError):  # another worker stored it first, or held the write lock too long
        pass
    return Served(results, up_to_date=True)


def results_for(study: Study) -> dict:
    """The latest computed results of the study (see `serve`)."""
    return serve(study).results
