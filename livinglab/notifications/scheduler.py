"""Named jobs that the worker runs at most once per interval, whatever the number of workers.

A job is a function of the time that changes the database with a few set-based statements (an
INSERT ... SELECT into the outbox with ON CONFLICT DO NOTHING on a dedupe key, an UPDATE ...), never a
Python loop over participants. Each job has a row in `scheduler_job`; a worker runs a job only after
winning a conditional UPDATE of that row (due, and no live lease), and the job's writes commit
together with its "finished" mark. A worker that dies mid-job leaves a lease that expires; the job
runs again, and its dedupe keys make the second run add nothing the first one committed.

Adding a job (the survey invitations and reminders, say):

    @job("survey_reminders", every=timedelta(hours=1))
    def survey_reminders(now):
        rows = select(Enrolment.user_id.label("user_id"), <dedupe key expression>.label("dedupe_key"), ...)
        return enqueue_from("survey_reminder", rows, context=...)
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import or_, select, update

from ..extensions import db
from ..timeutil import utcnow
from .models import SchedulerJob
from .outbox import insert_ignore

log = logging.getLogger("livinglab.scheduler")
ERROR_COOLDOWN = timedelta(minutes=5)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], object]
    lease: timedelta
    description: str


JOBS: dict[str, Job] = {}


def job(name: str, every: timedelta, lease: timedelta = timedelta(minutes=10)):
    """Register a function of `now` as a job run at most once per `every`."""
    def register(function):
        JOBS[name] = Job(name, every, function, lease, (function.__doc__ or "").strip().split("\n")[0])
        return function
    return register


def ensure_rows() -> None:
    if JOBS:
        db.session.execute(insert_ignore(SchedulerJob).values([{"name": name, "runs": 0} for name in JOBS])
                           .on_conflict_do_nothing())
    db.session.commit()


def run_due(worker: str, now: datetime | None = None) -> dict[str, object]:
    """Run every job that is due and not held by another worker; {name: result} of those run here."""
    from . import jobs  # noqa: F401  (registers the jobs)

    now = now or utcnow()
    ensure_rows()
    return {name: outcome for name in list(JOBS) if (outcome := run_job(name, worker, now)) is not None}


def run_job(name: str, worker: str, now: datetime | None = None, force: bool = False):
    """Claim and run one job; None when it is not due or another worker holds it."""
    from . import jobs  # noqa: F401

    spec = JOBS[name]
    now = now or utcnow()
    if not claim(spec, worker, now, force):
        return None
    try:
        result = spec.run(now)
    except Exception as err:
        db.session.rollback()
        log.exception("Job %s failed", name)
        db.session.execute(update(SchedulerJob).where(SchedulerJob.name == name, SchedulerJob.leased_by == worker)
                           .values(leased_by=None, lease_until=now + ERROR_COOLDOWN,
                                   last_error=f"{type(err).__name__}: {err}"[:2000]))
        db.session.commit()
        return {"error": str(err)}
    db.session.execute(update(SchedulerJob).where(SchedulerJob.name == name, SchedulerJob.leased_by == worker)
                       .values(leased_by=None, lease_until=None, last_finished_at=now, runs=SchedulerJob.runs + 1,
                               last_result=str(result)[:2000], last_error=None))
    db.session.commit()  # the job's writes and its mark, together
    return result


def claim(spec: Job, worker: str, now: datetime, force: bool = False) -> bool:
    """Win the job's row: due (unless forced) and free of a live lease. Committed at once."""
    db.session.commit()
    if force:
        ensure_rows()
    conditions = [SchedulerJob.name == spec.name,
                  or_(SchedulerJob.lease_until.is_(None), SchedulerJob.lease_until < now)]
    if not force:
        conditions.append(or_(SchedulerJob.last_finished_at.is_(None),
                              SchedulerJob.last_finished_at <= now - spec.every))
    won = db.session.execute(update(SchedulerJob).where(*conditions)
                             .values(leased_by=worker, lease_until=now + spec.lease, last_started_at=now)
                             .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return won


def status() -> list[dict]:
    """Each registered job with its last run, for the outbox page."""
    from . import jobs  # noqa: F401

    rows = {row.name: row for row in db.session.scalars(select(SchedulerJob))}
    return [{"name": name, "every": spec.every, "description": spec.description, "row": rows.get(name)}
            for name, spec in JOBS.items()]
