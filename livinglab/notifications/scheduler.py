"""Named jobs that the worker runs at most once per interval, whatever the number of workers.

A job is a function of the time that changes the database with a few set-based statements (an
INSERT ... SELECT into the outbox with ON CONFLICT DO NOTHING on a dedupe key, an UPDATE ...), never a
Python loop over participants. Each job has a row in `scheduler_job`. A worker runs a job inside the
transaction in which it claimed that row: an UPDATE of the row if it is due, picked with FOR UPDATE
SKIP LOCKED (on PostgreSQL another worker skips a job being run instead of waiting for it; on SQLite
that first write takes the database's write lock). The job's writes and its "finished" mark commit
together; a worker that dies mid-job loses the whole run (the transaction rolls back) and the job is
due again. Dedupe keys make any second run (forced, or two schedulers racing) add nothing new.

A job that must not hold a lock while it works (the results refresh: seconds of computation per pilot,
and on SQLite a write transaction holds the whole database's write lock) is registered with
`own_transactions=True`: its claim (a conditional UPDATE, refused while another worker's run of it is
within `RUN_LEASE` and unfinished) commits at once, the job commits its own short transactions, and its
"finished" mark is a last transaction. A worker that dies mid-run leaves what it committed; the job is due
again once its run lease passes.

Adding a job (the survey invitations and reminders, say):

    @job("survey_reminders", every=timedelta(hours=1))
    def survey_reminders(now):
        rows = select(Enrolment.user_id.label("user_id"), <dedupe key expression>.label("dedupe_key"), ...)
        return enqueue_from("survey_reminder", rows, context=...)
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ..extensions import db
from ..timeutil import utcnow
from ..transactions import unit_of_work
from .models import SchedulerJob
from .outbox import insert_ignore

log = logging.getLogger("livinglab.scheduler")
ERROR_COOLDOWN = timedelta(minutes=5)
RUN_LEASE = timedelta(minutes=5)  # a run of an own-transactions job unfinished after this was abandoned


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta | Callable[[], timedelta]  # a function for jobs that follow a setting (the demo's short days)
    run: Callable[[datetime], dict]  # returns a small dict of what it did (kept, as JSON, in last_result)
    label: object  # what it does, in words (translated)
    explain: Callable[[dict], str] = str  # its result, in words (translated)
    own_transactions: bool = False  # commits its own short transactions (see the module's text)


JOBS: dict[str, Job] = {}


def load_jobs() -> dict[str, Job]:
    """Import the modules whose jobs the worker runs (registering them), once."""
    from ..results import refresh  # noqa: F401  (the results refresh)
    from . import jobs  # noqa: F401  (mail: digests, survey invitations and reminders, purges)

    return JOBS


def interval(spec: Job) -> timedelta:
    return spec.every() if callable(spec.every) else spec.every


def job(name: str, every, label, explain: Callable[[dict], str] = str, own_transactions: bool = False):
    """Register a function of `now` as a job run at most once per `every`."""

    def register(function):
        JOBS[name] = Job(name, every, function, label, explain, own_transactions)
        return function

    return register


def ensure_rows() -> None:
    with unit_of_work():
        if JOBS:
            db.session.execute(
                insert_ignore(SchedulerJob)
                .values([{"name": name, "runs": 0} for name in JOBS])
                .on_conflict_do_nothing()
            )


def run_due(worker: str, now: datetime | None = None) -> dict[str, object]:
    """Run every job that is due and not being run by another worker; {name: result} of those run here."""
    load_jobs()
    now = now or utcnow()
    ensure_rows()
    return {name: outcome for name in list(JOBS) if (outcome := run_job(name, worker, now, ensure=False)) is not None}


def run_job(name: str, worker: str, now: datetime | None = None, force: bool = False, ensure: bool = True):
    """Claim and run one job in one transaction (or, for an own-transactions job, claim, run, then mark);
    None when it is not due or another worker runs it."""
    load_jobs()
    spec = JOBS[name]
    now = now or utcnow()
    if ensure:
        ensure_rows()
    try:
        if spec.own_transactions:
            with unit_of_work():  # the claim alone, committed before the work
                if not claim(spec, now, force):
                    return None
            result = spec.run(now)
            with unit_of_work():
                mark_finished(name, now, result)
        else:
            with unit_of_work():  # the claim, the job's writes and its mark, together
                if not claim(spec, now, force):
                    return None  # not due, or another worker runs it: the claim changed no row
                result = spec.run(now)
                mark_finished(name, now, result)
    except Exception as err:
        log.exception("Job %s failed in worker %s", name, worker)
        db.session.rollback()
        with unit_of_work():
            db.session.execute(
                update(SchedulerJob)
                .where(SchedulerJob.name == name)
                .values(not_before=now + ERROR_COOLDOWN, last_error=f"{type(err).__name__}: {err}"[:2000])
            )
        return {"error": str(err)}
    return result


def mark_finished(name: str, now: datetime, result: dict) -> None:
    db.session.execute(
        update(SchedulerJob)
        .where(SchedulerJob.name == name)
        .values(
            last_finished_at=now,
            runs=SchedulerJob.runs + 1,
            last_result=json.dumps(result)[:2000],
            last_error=None,
            not_before=None,
        )
    )


def claim(spec: Job, now: datetime, force: bool = False) -> bool:
    """Lock the job's row (until the unit of work commits) if it is due (or forced); False if not due or taken."""
    conditions = [SchedulerJob.name == spec.name]
    if not force:
        conditions += [
            or_(SchedulerJob.last_finished_at.is_(None), SchedulerJob.last_finished_at <= now - interval(spec)),
            or_(SchedulerJob.not_before.is_(None), SchedulerJob.not_before <= now),
        ]
        if spec.own_transactions:  # its claim is not held while it runs: not while another run is under way
            conditions.append(
                or_(
                    SchedulerJob.last_started_at.is_(None),
                    SchedulerJob.last_finished_at >= SchedulerJob.last_started_at,
                    SchedulerJob.last_started_at <= now - RUN_LEASE,
                )
            )
    picked = select(SchedulerJob.name).where(*conditions).with_for_update(skip_locked=True)
    return (
        db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
            update(SchedulerJob)
            .where(SchedulerJob.name.in_(picked.scalar_subquery()))
            .values(last_started_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def status() -> list[dict]:
    """Each registered job with its last run, for the outbox page."""
    load_jobs()

    rows = {row.name: row for row in db.session.scalars(select(SchedulerJob))}
    return [
        {
            "name": name,
            "every": interval(spec),
            "label": spec.label,
            "row": rows.get(name),
            "result": explain(spec, rows[name].last_result) if name in rows else None,
        }
        for name, spec in JOBS.items()
    ]


def explain(spec: Job, stored: str | None) -> str | None:
    """A job's last result in words; the raw text if it cannot be read (an older format, say)."""
    if not stored:
        return None
    try:
        return spec.explain(json.loads(stored))
    except (ValueError, KeyError, TypeError):
        return stored
