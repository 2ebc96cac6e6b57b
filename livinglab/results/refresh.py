"""The worker keeps results warm: `results_refresh`, a job of the scheduler, recomputes a pilot's results
shortly after its data change, so that a reader is not the one who waits for the computation.

Every run (every 10 s, as the worker looks at its jobs):

1. One query selects the stale pilots: results available (approved at least once), some data (a data
   version above 0), and no cached results, or cached results of another data version or of an older
   format; computed more than `DEBOUNCE` ago (so at most once a minute per pilot), claimed by nobody,
   and not waiting after a failure. Never computed first, then the oldest; at most `BATCH`.
2. Each pilot is then handled in short transactions of its own: the claim (a conditional UPDATE of its
   `results_refresh` row, committed at once: another worker's UPDATE finds it taken and moves on), the
   computation (reads only, one snapshot: `cache.compute_snapshot`), and the results stored with the claim
   released (one transaction). No lock is held while computing: on SQLite a write transaction would hold
   the whole database's write lock for the seconds a large pilot takes.
3. A pilot whose computation fails is logged, its error kept on its row (`last_error`, `failed_at`) and in
   the job's result, and it is retried after a pause that doubles at each failure (`RETRY`, at most
   `RETRY_MAX`); the other pilots of the run go on. While it fails, readers compute its results inline
   (`cache.worker_refreshes`), as when no worker runs.

No new pilot is started once the run has lasted `BUDGET`, so the worker gets back to the mail. A claim
is a lease (`LEASE`): a worker that dies mid-computation leaves the pilot to the next run after it.
The statements of a run: a fixed few, plus a fixed number per pilot computed; never one per stale pilot
left for later.
"""

import logging
import os
import secrets
import socket
import time
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..notifications.outbox import insert_ignore
from ..notifications.scheduler import job
from ..studies import workflow
from ..studies.models import Study
from ..timeutil import utcnow
from ..transactions import end_reads, unit_of_work
from .cache import FORMAT, REFRESH_JOB, ResultsCache, ResultsRefresh, compute_snapshot, store

log = logging.getLogger("livinglab.results")

EVERY = timedelta(seconds=10)  # how often the job looks for stale pilots
DEBOUNCE = timedelta(seconds=60)  # a pilot's results are computed at most once per this
BATCH = 5  # pilots computed per run at most
BUDGET = timedelta(seconds=60)  # no new pilot is started after the run has lasted this
LEASE = timedelta(minutes=15)  # a claim older than this was abandoned (its worker died)
RETRY = timedelta(minutes=5)  # after a failure, doubled at each further failure
RETRY_MAX = timedelta(hours=6)
ERROR_CHARS = 300  # of an error message kept in the job's result


def stale_conditions(now: datetime) -> list[ColumnElement[bool]]:
    """What makes a pilot's results due for computing now (over study ⟕ results_cache ⟕ results_refresh)."""
    stored_format = func.coalesce(ResultsCache.results["format"].as_integer(), 0)
    return [
        workflow.in_states(workflow.APPROVED_ONCE),
        Study.data_version > 0,
        or_(
            ResultsCache.study_id.is_(None),
            ResultsCache.data_version != Study.data_version,
            stored_format != FORMAT,
        ),
        or_(ResultsCache.computed_at.is_(None), ResultsCache.computed_at <= now - DEBOUNCE),
        or_(ResultsRefresh.claimed_until.is_(None), ResultsRefresh.claimed_until < now),
        or_(ResultsRefresh.retry_at.is_(None), ResultsRefresh.retry_at <= now),
    ]


def stale_query(now: datetime):
    return (
        select(Study.id, ResultsRefresh.study_id.is_not(None).label("tracked"))
        .outerjoin(ResultsCache, ResultsCache.study_id == Study.id)
        .outerjoin(ResultsRefresh, ResultsRefresh.study_id == Study.id)
        .where(*stale_conditions(now))
    )


def stale_pilots(now: datetime, limit: int) -> list[tuple[int, bool]]:
    """(study id, has a results_refresh row) of the pilots to compute, never computed first, then the
    oldest: one query, whatever their number."""
    rows = db.session.execute(
        stale_query(now).order_by(ResultsCache.study_id.is_not(None), ResultsCache.computed_at, Study.id).limit(limit)
    ).all()
    return [(row.id, bool(row.tracked)) for row in rows]


def claim(study_id: int, claimer: str, now: datetime) -> bool:
    """Take the pilot for this run, if it is still due and nobody holds it; committed at once. The
    conditional UPDATE decides: of two workers, the second finds the row taken (on PostgreSQL it waits
    for the first's commit, a few milliseconds, then sees the claim; on SQLite the write lock orders them)."""
    still_due = (
        stale_query(now).where(Study.id == study_id).with_only_columns(Study.id).correlate(None).scalar_subquery()
    )
    with unit_of_work():
        taken = db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
            update(ResultsRefresh)
            .where(
                ResultsRefresh.study_id == study_id,
                or_(ResultsRefresh.claimed_until.is_(None), ResultsRefresh.claimed_until < now),
                # on the row itself too: PostgreSQL checks these again on the row a concurrent claim committed
                or_(ResultsRefresh.computed_at.is_(None), ResultsRefresh.computed_at <= now - DEBOUNCE),
                ResultsRefresh.study_id == still_due,
            )
            .values(claimed_by=claimer, claimed_until=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
    return taken == 1


def release(study_id: int, claimer: str, **values) -> None:
    db.session.execute(
        update(ResultsRefresh)
        .where(ResultsRefresh.study_id == study_id, ResultsRefresh.claimed_by == claimer)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )


def retry_after(failures: int) -> timedelta:
    return min(RETRY * 2 ** max(0, failures - 1), RETRY_MAX)


def refresh_one(study_id: int, claimer: str, now: datetime) -> None:
    """Compute and store one claimed pilot's results (raises what the computation raised)."""
    study = db.session.get(Study, study_id)
    if study is None:  # deleted since it was selected: its row went with it
        return
    results = compute_snapshot(study)
    with unit_of_work():
        store(study_id, results)
        release(
            study_id,
            claimer,
            computed_at=datetime.fromisoformat(results["computed_at"]),
            failures=0,
            retry_at=None,
            last_error=None,
            failed_at=None,
        )


def record_failure(study_id: int, claimer: str, now: datetime, err: Exception) -> str:
    message = f"{type(err).__name__}: {err}"
    with unit_of_work():
        failures = (
            db.session.scalar(select(ResultsRefresh.failures).where(ResultsRefresh.study_id == study_id)) or 0
        ) + 1
        release(
            study_id,
            claimer,
            failures=failures,
            retry_at=now + retry_after(failures),
            last_error=message[:2000],
            failed_at=now,
        )
    return message


def claimer_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def refresh_stale(
    now: datetime | None = None, *, batch: int = BATCH, budget: timedelta = BUDGET, claimer: str | None = None
) -> dict:
    """One run: the stale pilots' results computed, each in its own transactions. Returns what it did:
    {"computed": [ids], "taken": [ids another worker held], "failed": [{"study_id", "error"}], "left": n
    (selected but not started: the time budget ran out), "failing": pilots whose last attempt failed}."""
    now = now or utcnow()
    claimer = claimer or claimer_name()
    selected = stale_pilots(now, batch)
    untracked = [study_id for study_id, tracked in selected if not tracked]
    if untracked:  # the rows the claims update, in one statement
        with unit_of_work():
            db.session.execute(
                insert_ignore(ResultsRefresh)
                .values([{"study_id": study_id, "failures": 0} for study_id in untracked])
                .on_conflict_do_nothing()
            )
    else:
        end_reads()
    started = time.monotonic()
    computed: list[int] = []
    taken: list[int] = []
    failed: list[dict] = []
    left = 0
    for study_id, _tracked in selected:
        if time.monotonic() - started >= budget.total_seconds():
            left += 1
            continue
        if not claim(study_id, claimer, now):
            taken.append(study_id)
            continue
        try:
            refresh_one(study_id, claimer, now)
        except Exception as err:  # one pilot's failure is kept and shown; the others go on
            db.session.rollback()
            log.exception("Results of study %s could not be computed", study_id)
            message = record_failure(study_id, claimer, now, err)
            failed.append({"study_id": study_id, "error": message[:ERROR_CHARS]})
        else:
            computed.append(study_id)
    failing = db.session.scalar(
        select(func.count()).select_from(ResultsRefresh).where(ResultsRefresh.failed_at.is_not(None))
    )
    end_reads()
    return {"computed": computed, "taken": taken, "failed": failed, "left": left, "failing": failing or 0}


def failure_text(failure: dict) -> str:
    return _("pilot %(id)d (%(error)s)", id=failure["study_id"], error=failure["error"])


def explain_refresh(result: dict) -> str:
    computed = result.get("computed") or []
    text = ngettext("Results of %(num)d pilot computed.", "Results of %(num)d pilots computed.", len(computed))
    failed = result.get("failed") or []
    if failed:
        text += " " + _("Failed: %(pilots)s.", pilots="; ".join(failure_text(f) for f in failed))
    if result.get("failing"):
        text += " " + ngettext(
            "%(num)d pilot's last computation failed: its readers compute it themselves until it works again.",
            "%(num)d pilots' last computation failed: their readers compute them themselves until it works again.",
            int(result["failing"]),
        )
    return text


@job(
    REFRESH_JOB,
    every=EVERY,
    explain=explain_refresh,
    own_transactions=True,
    label=_l("Results of pilots whose data changed are computed again, at most once a minute per pilot."),
)
def results_refresh(now: datetime) -> dict:
    return refresh_stale(now)
