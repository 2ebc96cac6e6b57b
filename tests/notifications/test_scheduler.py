"""The scheduler: each job at most once per interval; the review digest, set-based and idempotent,
once per coordinator and day even when run twice or by two schedulers at once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from livinglab.extensions import db
from livinglab.notifications import notify, scheduler
from livinglab.notifications.jobs import review_digest
from livinglab.notifications.models import OutboxMessage, SchedulerJob
from livinglab.notifications.preferences import set_choice
from livinglab.timeutil import utcnow


def a_moment_ago_early_enough():
    """A moment ago, so that what the jobs write is due now (the digest hour is set to 0 below), but never
    after 20:00 UTC: the tests run the digest again hours later and expect the same day (run after 21:00,
    "three hours later" was tomorrow, which rightly brings a new digest)."""
    moment = utcnow() - timedelta(minutes=1)
    return min(moment, moment.replace(hour=20, minute=0, second=0, microsecond=0))


MORNING = a_moment_ago_early_enough()


@pytest.fixture(autouse=True)
def digest_at_any_hour(app, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 0)


@pytest.fixture
def queue(make_study, verified_user, make_user, coordinator):
    """Two protocols waiting; coordinators who chose each, digest and none."""
    studies = [make_study("submitted"), make_study("submitted")]
    chosen = {
        "each": coordinator,
        "digest": verified_user("coordinator"),
        "digest2": verified_user("coordinator"),
        "off": verified_user("coordinator"),
    }
    for name, choice in (("digest", "digest"), ("digest2", "digest"), ("off", "off")):
        set_choice(chosen[name], "review_submitted", choice)
    db.session.commit()
    return {"studies": studies, "coordinators": chosen}


def digests():
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "review_digest").order_by(OutboxMessage.user_id)
    ).all()


def test_the_digest_goes_once_a_day_to_the_coordinators_who_chose_it(queue):
    assert scheduler.run_due("worker-a", MORNING)["review_digest"] == {"digests": 2, "protocols": 2}
    assert "review_digest" not in scheduler.run_due("worker-a", MORNING + timedelta(minutes=30))  # not due again yet
    assert scheduler.run_job("review_digest", "worker-a", MORNING + timedelta(hours=2)) == {
        "digests": 0,
        "protocols": 2,
    }

    people = queue["coordinators"]
    assert [m.user_id for m in digests()] == sorted([people["digest"].id, people["digest2"].id])
    [first, _second] = digests()
    assert first.context["count"] == 2 and [s["study_id"] for s in first.context["studies"]] == [
        s.id for s in queue["studies"]
    ]
    assert first.dedupe_key == f"review_digest:{first.user_id}:{MORNING.date().isoformat()}"
    # The next day brings a new digest.
    assert scheduler.run_job("review_digest", "worker-a", MORNING + timedelta(days=1)) == {"digests": 2, "protocols": 2}


def test_no_digest_before_the_digest_hour_nor_for_an_empty_queue(app, queue, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 7)
    assert scheduler.run_job("review_digest", "w", MORNING.replace(hour=6), force=True) == {
        "skipped": "before_digest_hour"
    }
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 0)
    for study in queue["studies"]:
        study.status = "approved"
    db.session.commit()
    assert scheduler.run_job("review_digest", "w", MORNING, force=True) == {"skipped": "queue_empty"}
    assert digests() == []


def test_each_submission_goes_to_those_who_want_each(queue):
    notify.review_submitted(queue["studies"][0])
    db.session.commit()
    receivers = db.session.scalars(select(OutboxMessage.user_id).where(OutboxMessage.kind == "review_submitted"))
    assert list(receivers) == [queue["coordinators"]["each"].id]


def test_the_digest_mail_lists_the_queue_with_links(queue, smtp_server, run_worker):
    scheduler.run_job("review_digest", "w", MORNING, force=True)
    run_worker(run_jobs=False)
    person = queue["coordinators"]["digest"]
    [mail] = smtp_server.to(person.email)
    assert str(mail["Subject"]) == "2 protocols wait for review"
    for study in queue["studies"]:
        assert f"https://livinglab.test/studies/{study.id}/review" in mail.text
    assert mail["List-Unsubscribe"] is not None


def test_running_the_digest_job_twice_adds_nothing_the_second_time(queue):
    assert review_digest(MORNING) == {"digests": 2, "protocols": 2}
    assert review_digest(MORNING + timedelta(hours=3)) == {"digests": 0, "protocols": 2}
    db.session.commit()
    assert len(digests()) == 2


def at_once(app, count: int, work) -> list:
    """Run `work(n)` in `count` threads released at the same instant, each in its own app context."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(n):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(work(n))
            except Exception as err:  # reported by the assertion below
                errors.append(err)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_schedulers_forcing_the_digest_at_the_same_instant_write_each_message_once(app, queue):
    results = at_once(app, 2, lambda n: scheduler.run_job("review_digest", f"worker-{n}", MORNING, force=True))
    # PostgreSQL: the second skips the job's locked row (None); SQLite: it waits its turn and adds nothing.
    assert {"digests": 2, "protocols": 2} in results
    other = [r for r in results if r != {"digests": 2, "protocols": 2}]
    assert other in ([None], [{"digests": 0, "protocols": 2}])
    assert len(digests()) == 2


def test_the_same_dedupe_keys_inserted_by_two_transactions_at_once_land_once(app, queue):
    from sqlalchemy import String, cast, literal

    from livinglab.auth.models import Role, User
    from livinglab.notifications.outbox import enqueue_from

    def insert(_n):
        rows = select(User.id.label("user_id"), (literal("test:") + cast(User.id, String)).label("dedupe_key")).where(
            User.role == Role.COORDINATOR
        )
        added = enqueue_from("review_digest", rows, context={"count": 1, "studies": []}, now=MORNING)
        db.session.commit()
        return added

    results = at_once(app, 4, insert)
    assert sum(results) == 2 and len(digests()) == 2


def test_two_workers_never_run_the_same_job_twice_in_its_interval(app, queue):
    ran = at_once(app, 3, lambda n: scheduler.run_due(f"worker-{n}", MORNING))
    runs = [name for done in ran for name in done]
    assert sorted(runs) == sorted(scheduler.JOBS)  # each job once, by whichever worker got it
    assert len(digests()) == 2
    assert db.session.scalar(select(func.sum(SchedulerJob.runs))) == len(scheduler.JOBS)


def test_a_failing_job_is_rolled_back_and_paused(app, queue, monkeypatch):
    def broken(now):
        review_digest(now)
        raise RuntimeError("boom")

    original = scheduler.JOBS["review_digest"]
    monkeypatch.setitem(
        scheduler.JOBS, "review_digest", scheduler.Job("review_digest", timedelta(hours=1), broken, "broken", str)
    )
    assert scheduler.run_job("review_digest", "w", MORNING) == {"error": "boom"}
    assert digests() == []  # its writes were rolled back
    row = db.session.get(SchedulerJob, "review_digest")
    assert row.last_error == "RuntimeError: boom" and row.runs == 0
    assert scheduler.run_job("review_digest", "w", MORNING + timedelta(minutes=1)) is None  # paused
    monkeypatch.setitem(scheduler.JOBS, "review_digest", original)
    assert scheduler.run_job("review_digest", "w", MORNING + timedelta(minutes=6)) == {"digests": 2, "protocols": 2}


def test_the_cli_lists_and_runs_jobs(runner, queue):
    listing = runner.invoke(args=["scheduler"])
    assert listing.exit_code == 0 and "review_digest" in listing.output and "never" in listing.output
    ran = runner.invoke(args=["scheduler", "review_digest"])
    assert ran.exit_code == 0 and "review_digest: 2 digests of 2 protocols." in ran.output
    result = runner.invoke(args=["scheduler", "nonsense"])
    assert result.exit_code != 0 and "No job 'nonsense'" in result.output
