"""Issue 11, item 15: results that are never cold. The worker's `results_refresh` job recomputes a pilot's
results after its data change (at most once a minute per pilot); readers get the latest computed results
with when they were computed and from how many completed surveys, and compute them inline only when
nothing was computed, no worker is refreshing them, the last attempt failed, or the pilot has ended.

No worker runs in the tests: its heartbeat (the job's `scheduler_job` row) is written by hand."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from livinglab.demo import sleep_protocol, sleep_surveys
from livinglab.demo_bulk import bulk_participants
from livinglab.extensions import db
from livinglab.notifications import scheduler
from livinglab.notifications.models import SchedulerJob
from livinglab.participants.models import Enrolment, Response
from livinglab.results import cache, refresh
from livinglab.results.cache import REFRESH_JOB, ResultsCache, ResultsRefresh
from livinglab.studies.models import Study
from livinglab.timeutil import aware, utcnow

LATER = timedelta(seconds=61)  # past the debounce


@pytest.fixture
def pilot(make_study):
    """A recruiting pre/post pilot whose 6 synthetic participants answered (some only at baseline)."""

    def make(participants: int = 6) -> int:
        study = make_study("recruiting", protocol=sleep_protocol(), survey_defs=sleep_surveys())
        bulk_participants(study, participants, seed=participants, dropout=0.3)
        db.session.commit()
        return study.id

    return make


def grow(study_id: int, count: int = 3) -> None:
    """New participants who answer: the data version goes up, as with any answer."""
    bulk_participants(db.session.get(Study, study_id), count, seed=study_id * 100 + count)
    db.session.commit()


def responses(study_id: int) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count(Response.id)).join(Enrolment).where(Enrolment.study_id == study_id))


def beat(at: datetime | None = None) -> None:
    """A worker's heartbeat: the refresh job finished at `at` (now by default)."""
    row = db.session.get(SchedulerJob, REFRESH_JOB) or SchedulerJob(name=REFRESH_JOB, runs=0)
    row.last_finished_at = at or utcnow()
    db.session.add(row)
    db.session.commit()


def cached(study_id: int) -> ResultsCache:
    db.session.commit()  # a new snapshot (SQLite keeps a read transaction's snapshot until it ends)
    return db.session.get(ResultsCache, study_id)


@pytest.fixture
def read(client, api_headers, startup):
    """The results as the API serves them to the owner."""
    headers = api_headers(startup)

    def get(study_id: int) -> dict:
        db.session.expire_all()
        response = client.get(f"/api/v1/studies/{study_id}/results", headers=headers)
        assert response.status_code == 200, response.data
        return response.get_json()

    return get


def test_results_say_when_they_were_computed_and_from_how_many_completed_surveys(pilot, read):
    study_id = pilot()
    before = utcnow()
    results = read(study_id)
    assert results["responses_included"] == responses(study_id) > 6
    at = datetime.fromisoformat(results["computed_at"])
    assert at.tzinfo is not None and before <= at <= utcnow()
    row = cached(study_id)
    assert row.responses_included == results["responses_included"] and aware(row.computed_at) == at
    # The contract's fields are unchanged; the flow agrees with the count.
    assert sum(results["flow"]["completed"].values()) == results["responses_included"]
    assert results["interim"] is True and results["status"] == "recruiting"


def test_stale_results_are_served_with_their_time_while_a_worker_is_alive(pilot, read, client, login, startup):
    study_id = pilot()
    first = read(study_id)
    grow(study_id)
    beat()
    served = read(study_id)
    assert served["computed_at"] == first["computed_at"]
    assert served["responses_included"] == first["responses_included"] < responses(study_id)
    assert served["data_version"] < db.session.get(Study, study_id).data_version
    login(startup)
    page = client.get(f"/studies/{study_id}/results").get_data(as_text=True)
    count = first["responses_included"]
    assert f"from {count} completed surveys." in page
    assert "The pilot's data have changed since" in page and "at most once a minute" in page
    fr = client.get(f"/studies/{study_id}/results", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"à partir de {count} questionnaires remplis" in fr


def test_without_a_worker_stale_results_are_computed_inline_as_before(pilot, read, client, login, startup):
    study_id = pilot()
    read(study_id)
    grow(study_id)
    beat(utcnow() - cache.HEARTBEAT - timedelta(seconds=1))  # the last worker stopped 5 minutes ago
    results = read(study_id)
    assert results["responses_included"] == responses(study_id)
    assert results["data_version"] == db.session.get(Study, study_id).data_version
    login(startup)
    page = client.get(f"/studies/{study_id}/results").get_data(as_text=True)
    assert "The pilot's data have not changed since." in page


def test_no_row_at_all_means_no_worker(pilot, read):
    study_id = pilot()
    read(study_id)
    grow(study_id)
    assert db.session.get(SchedulerJob, REFRESH_JOB) is None
    assert read(study_id)["responses_included"] == responses(study_id)


def test_final_results_are_never_served_out_of_date(pilot, read, coordinator):
    from livinglab.studies import services as studies

    study_id = pilot()
    read(study_id)
    grow(study_id)
    beat()
    studies.end_study(coordinator, db.session.get(Study, study_id), "Every participant has answered.")
    db.session.commit()
    results = read(study_id)
    assert results["interim"] is False
    assert results["responses_included"] == responses(study_id)


def test_the_job_recomputes_stale_results_and_readers_then_get_them(pilot, read):
    study_id = pilot()
    first = read(study_id)
    grow(study_id)
    beat()
    result = scheduler.run_job(REFRESH_JOB, "worker-a", utcnow() + LATER, force=True)
    assert result["computed"] == [study_id] and result["failed"] == []
    served = read(study_id)
    assert served["responses_included"] == responses(study_id) > first["responses_included"]
    assert served["computed_at"] > first["computed_at"]
    assert served["data_version"] == db.session.get(Study, study_id).data_version
    row = db.session.get(ResultsRefresh, study_id)
    assert row.claimed_by is None and row.failures == 0
    # Up to date: nothing to do on the next run.
    assert refresh.refresh_stale(utcnow() + 2 * LATER)["computed"] == []


def test_the_job_computes_never_computed_pilots_with_data_but_not_drafts_nor_empty_ones(pilot, make_study):
    with_data = pilot()
    empty = make_study("recruiting").id
    draft = make_study("draft").id
    assert refresh.refresh_stale(utcnow())["computed"] == [with_data]
    assert cached(with_data).responses_included == responses(with_data)
    assert cached(empty) is None and cached(draft) is None


def test_a_change_within_the_minute_waits_for_the_minute_to_pass(pilot):
    study_id = pilot()
    start = utcnow()
    assert refresh.refresh_stale(start)["computed"] == [study_id]
    grow(study_id)
    assert refresh.refresh_stale(start + timedelta(seconds=30))["computed"] == []  # debounced
    grow(study_id)
    assert refresh.refresh_stale(start + timedelta(seconds=45))["computed"] == []
    assert cached(study_id).responses_included < responses(study_id)
    assert refresh.refresh_stale(utcnow() + LATER)["computed"] == [study_id]  # both changes at once
    assert cached(study_id).responses_included == responses(study_id)


def test_a_pilot_claimed_by_another_worker_is_left_to_it(pilot):
    study_id = pilot()
    now = utcnow()
    db.session.add(ResultsRefresh(study_id=study_id, failures=0))
    db.session.commit()
    assert refresh.claim(study_id, "worker-a", now)
    assert not refresh.claim(study_id, "worker-b", now)  # the same pilot: refused
    result = refresh.refresh_stale(now, claimer="worker-b")
    assert result["computed"] == [] and cached(study_id) is None
    # A claim is a lease: a worker that died leaves the pilot to others once it has passed.
    assert refresh.refresh_stale(now + refresh.LEASE + timedelta(seconds=1), claimer="worker-b")["computed"] == [
        study_id
    ]


def test_two_workers_at_once_never_compute_one_pilot_twice(app, pilot, monkeypatch):
    ids = [pilot(4) for _ in range(4)]
    running: dict[int, int] = {}
    overlaps: list[int] = []
    computed: list[int] = []
    lock = threading.Lock()
    original = cache.compute

    def slow_compute(study):
        with lock:
            running[study.id] = running.get(study.id, 0) + 1
            if running[study.id] > 1:
                overlaps.append(study.id)
            computed.append(study.id)
        try:
            time.sleep(0.2)  # long enough for the other worker to try the same pilot
            return original(study)
        finally:
            with lock:
                running[study.id] -= 1

    monkeypatch.setattr(cache, "compute", slow_compute)
    now = utcnow()
    results, errors = [], []

    def worker(name):
        with app.app_context():
            try:
                results.append(refresh.refresh_stale(now, batch=10, claimer=name))
            except Exception as err:  # pragma: no cover - shown by the assertion
                errors.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(results) == 2
    assert overlaps == []
    assert sorted(computed) == sorted(ids), "each pilot computed once, by one worker or the other"
    assert sorted(i for r in results for i in r["computed"]) == sorted(ids)
    assert all(cached(i).responses_included == responses(i) for i in ids)


def test_two_schedulers_run_the_refresh_once_at_a_time(app, pilot):
    pilot()
    now = utcnow()
    assert scheduler.run_job(REFRESH_JOB, "worker-a", now)["computed"]
    assert scheduler.run_job(REFRESH_JOB, "worker-b", now) is None  # its interval has not passed
    # A run under way (claimed, not finished) is not started again by another worker until its lease passes.
    row = db.session.get(SchedulerJob, REFRESH_JOB)
    row.last_started_at = now + timedelta(minutes=1)
    db.session.commit()
    assert scheduler.run_job(REFRESH_JOB, "worker-b", now + timedelta(minutes=2)) is None
    later = now + timedelta(minutes=1) + scheduler.RUN_LEASE + timedelta(seconds=1)
    assert scheduler.run_job(REFRESH_JOB, "worker-b", later) is not None


def test_a_pilot_that_fails_does_not_block_the_others_and_stays_visible(pilot, monkeypatch, read, runner):
    ids = [pilot(4) for _ in range(3)]
    broken = ids[1]
    original = cache.compute

    def compute(study):
        if study.id == broken:
            raise ValueError("the analysis broke")
        return original(study)

    monkeypatch.setattr(cache, "compute", compute)
    now = utcnow()
    result = scheduler.run_job(REFRESH_JOB, "worker-a", now, force=True)
    assert result["computed"] == [ids[0], ids[2]]
    assert result["failed"] == [{"study_id": broken, "error": "ValueError: the analysis broke"}]
    assert result["failing"] == 1
    row = db.session.get(ResultsRefresh, broken)
    assert row.last_error == "ValueError: the analysis broke" and row.failures == 1 and row.claimed_by is None
    listing = runner.invoke(args=["scheduler"])
    assert "pilot %d (ValueError: the analysis broke)" % broken in listing.output
    # The failed pilot waits before its next try; the others are not held up by it.
    grow(ids[0])
    second = refresh.refresh_stale(now + LATER)
    assert second["computed"] == [ids[0]] and second["failed"] == []
    # Its readers compute inline meanwhile (here: the same error, as before the worker existed).
    beat()
    with pytest.raises(ValueError):
        cache.serve(db.session.get(Study, broken))
    db.session.rollback()
    # Once the pause has passed and the analysis works again, it is computed and the failure cleared.
    monkeypatch.setattr(cache, "compute", original)
    third = refresh.refresh_stale(now + refresh.RETRY + LATER)
    assert third["computed"] == [broken] and third["failing"] == 0
    db.session.expire_all()
    assert db.session.get(ResultsRefresh, broken).last_error is None


def test_the_job_runs_a_fixed_number_of_statements_per_pilot_computed(pilot, count_queries):
    """One query selects the stale pilots whatever their number; each pilot computed costs the same."""
    ids = [pilot(4) for _ in range(7)]

    def statements(batch: int, stale: list[int]) -> tuple[int, list[int]]:
        for study_id in stale:  # a change for each, computed long enough ago
            bulk_participants(db.session.get(Study, study_id), 1, seed=study_id)
        db.session.commit()
        db.session.remove()
        with count_queries() as counted:
            result = refresh.refresh_stale(utcnow() + LATER, batch=batch)
        return len(counted), result["computed"]

    refresh.refresh_stale(utcnow(), batch=10)  # every pilot computed once
    one, done = statements(1, ids[:1])
    assert done == ids[:1]
    two, done = statements(2, ids[:2])
    assert len(done) == 2
    per_pilot = two - one
    four, done = statements(4, ids[:4])
    assert len(done) == 4 and four == one + 3 * per_pilot
    # Seven stale pilots, a batch of two: the same statements as two stale pilots.
    bounded, done = statements(2, ids)
    assert len(done) == 2 and bounded == two


def test_results_older_than_an_erasure_are_never_stored(pilot):
    """Erasing answers deletes the cached results and bumps the data version: results computed from a
    snapshot before it are not stored after it (they would show erased answers)."""
    from livinglab.participants.services import bump_data_version

    study_id = pilot()
    study = db.session.get(Study, study_id)
    before = cache.compute_snapshot(study)
    db.session.rollback()
    bump_data_version(db.session.get(Study, study_id))  # the erasure's bump (its delete found no row)
    db.session.commit()
    assert cache.store(study_id, before) is False
    db.session.commit()
    assert cached(study_id) is None


def test_the_worker_runs_the_refresh_job():
    from livinglab.notifications import worker  # noqa: F401

    assert REFRESH_JOB in scheduler.load_jobs()
    assert scheduler.JOBS[REFRESH_JOB].own_transactions
    assert worker.jobs_check_seconds() <= refresh.EVERY.total_seconds()
