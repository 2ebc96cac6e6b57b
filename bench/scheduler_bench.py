"""The scheduler and the outbox at pilot scale (issue 11, item 16).

Run by hand (never part of the test suite):

    .venv/bin/python bench/scheduler_bench.py                          # SQLite, a new file
    .venv/bin/python bench/scheduler_bench.py --enrolments 20000 --small 2000 --drain 1000   # quicker
    .venv/bin/python bench/scheduler_bench.py \\
        --database-url postgresql+psycopg://livinglab:livinglab-ci@127.0.0.1:5432/livinglab_bench

1. 50 recruiting pilots (a baseline survey open at enrolment, a follow-up 28 days after it) with
   `--small` enrolments spread over them, inserted in bulk (`livinglab/demo_bulk.py`: every participant
   answered the baseline), each with a verified account; their enrolment dates put every follow-up's
   invitation or reminder due today: a third opened 2 hours ago (the invitation), a third 3 days and 2
   hours ago (the first reminder), a third 7 days and 2 hours ago (the second).
2. One scheduler run of the two survey jobs (`survey_invitations`, `survey_reminders`, forced): its
   time, its SQL statements (counted on the engine) and the messages it queued (one per enrolment).
3. The pilots grow to `--enrolments` (same pilots, same surveys) and the same run is measured again,
   on an empty outbox: the statements must not grow; the ratios are printed.
4. `--drain` of those messages (the rest cancelled) sent by 1, 2 and 4 worker processes
   (`flask worker --no-scheduler`) to the SMTP catcher (aiosmtpd) in a process of its own, which logs the
   Message-ID of every message it accepts: messages/s over the time from the first `sent_at` to the last,
   duplicates (a Message-ID received more than once) and lost (a committed message never received).
   Each round sends the same rows again under new ids (new Message-IDs), as new messages.
5. The crash test: one worker is killed (SIGKILL) once the catcher has a third of them and half a batch,
   in the middle of a batch; a new worker sends the rest (the killed one's claims after their lease, 5 s); every
   committed message must be received, and none twice but for the one the killed worker had handed to
   the server without marking it sent yet (the receiver keeps one copy per Message-ID).

The database given by --database-url is wiped (every table dropped and created again).
"""

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import mail_bench  # noqa: E402  (bench/ on the path above)

PILOTS = 50
DELAY = 28  # days between enrolment and the follow-up
SURVEYS = [
    {
        "key": "baseline",
        "title": "Before the coaching",
        "timepoint": "baseline",
        "items": [{"key": "sleep_hours", "text": "Hours of sleep per night?", "type": "number", "min": 0, "max": 24}],
    },
    {
        "key": "follow_up",
        "title": "After four weeks",
        "timepoint": "follow_up",
        "items": [{"key": "sleep_hours", "text": "Hours of sleep per night?", "type": "number", "min": 0, "max": 24}],
    },
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000, help="the first measurement's enrolments")
    parser.add_argument("--drain", type=int, default=5_000, help="messages sent per worker round")
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--batch", type=int, default=50, help="rows claimed at once by a worker")
    parser.add_argument("--database-url", default=None, help="wiped! default: a new SQLite file")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="scheduler-bench-"))
    url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    try:
        bench(url, args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def bench(url: str, args, scratch: Path) -> None:
    from livinglab import create_app
    from livinglab.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    print(f"database: {url.split('@')[-1]}  pilots: {PILOTS}  load average: {load()}", flush=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.monotonic()
        pilots = make_pilots()
        grow(pilots, args.small)
        print(f"built {args.small:,} enrolments in {time.monotonic() - started:.0f} s", flush=True)
        small = measure()
        started = time.monotonic()
        grow(pilots, args.enrolments)
        print(f"grew to {args.enrolments:,} enrolments in {time.monotonic() - started:.0f} s", flush=True)
        large = measure()
        print()
        print("One scheduler run (survey_invitations + survey_reminders, forced), same 50 pilots:")
        print(f"{'enrolments':>10} {'job':>20} {'seconds':>8} {'statements':>10} {'queued':>8}")
        for size, measured in ((args.small, small), (args.enrolments, large)):
            for name, row in measured.items():
                print(f"{size:>10,} {name:>20} {row['seconds']:>8.2f} {row['statements']:>10} {row['queued']:>8,}")
        for name in small:
            print(
                f"ratio {args.enrolments // args.small}x enrolments, {name}: statements "
                f"{large[name]['statements'] / small[name]['statements']:.2f}, time "
                f"{large[name]['seconds'] / small[name]['seconds']:.2f}, messages "
                f"{large[name]['queued'] / max(1, small[name]['queued']):.2f}"
            )
        uids_count = min(args.drain, sum(row["queued"] for row in large.values()))
        db.session.remove()
        db.engine.dispose()

    print()
    print(f"Outbox: {uids_count:,} of those messages, batch {args.batch}; load average {load()}")
    print(
        f"{'workers':>7} {'seconds':>8} {'msg/s':>8} {'received':>9} {'duplicates':>10} {'lost':>5} {'stored':>7}",
        flush=True,
    )
    for workers in [int(n) for n in args.workers.split(",")]:
        uids = reset_outbox(app, uids_count)
        result = mail_bench.drain(url, uids, workers, args.batch, scratch / f"mail-{workers}")
        print(
            f"{workers:>7} {result['seconds']:>8.2f} {result['rate']:>8.0f} {result['received']:>9} "
            f"{result['duplicates']:>10} {result['lost']:>5} {result['stored']:>7}",
            flush=True,
        )

    uids = reset_outbox(app, uids_count)
    kill_after = min(uids_count - 1, uids_count // 3 + args.batch // 2)  # half-way through a batch
    result = mail_bench.crash(url, uids, args.batch, scratch / "mail-crash", kill_after=kill_after)
    print()
    print(
        f"Crash: worker killed (SIGKILL) at {result['received_at_kill']:,} received, "
        f"{result['marked_sent_at_kill']:,} marked sent, {result['claimed_at_kill']} claimed (mid-batch); "
        f"after the restart: {result['received']:,} received for {uids_count:,} committed, "
        f"lost {result['lost']}, received twice {result['duplicates']}, unexpected {result['unexpected']}, "
        f"stored {result['stored']:,} (one per Message-ID)",
        flush=True,
    )
    if result["lost"] or result["unexpected"] or result["duplicates"] > 1:
        raise SystemExit("the crash test failed")


def load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def make_pilots() -> list[int]:
    from livinglab.auth.services import create_user
    from livinglab.demo import build_study, sleep_protocol
    from livinglab.extensions import db

    startup = create_user("founder@bench.example", "bench-password-1", "Founder", "startup", "Bench startup")
    coordinator = create_user("coordinator@bench.example", "bench-password-1", "Coordinator", "coordinator")
    ids = []
    for n in range(PILOTS):
        protocol = sleep_protocol(title=f"Bench pilot {n + 1}", timepoint_delays={"follow_up": DELAY})
        ids.append(build_study(startup, coordinator, "recruiting", protocol=protocol, survey_defs=SURVEYS).id)
        db.session.commit()
    return ids


def grow(pilots: list[int], total: int) -> None:
    """Up to `total` enrolments over the pilots (bulk: baseline answered), each with a verified account,
    enrolled so that the follow-up's invitation or one of its reminders is due now."""
    from sqlalchemy import String, case, cast, func, insert, literal, select, update

    from livinglab.auth.models import Role, User
    from livinglab.demo_bulk import bulk_participants
    from livinglab.extensions import db
    from livinglab.participants.models import Enrolment
    from livinglab.studies.models import Study
    from livinglab.timeutil import utcnow

    current = db.session.scalar(select(func.count()).select_from(Enrolment)) or 0
    per_pilot = (total - current) // len(pilots)
    for study_id in pilots:
        bulk_participants(db.session.get(Study, study_id), per_pilot, seed=study_id, dropout=1.0)
        db.session.commit()
    now = utcnow()
    new = db.session.scalars(select(Enrolment.id).where(Enrolment.user_id.is_(None)).order_by(Enrolment.id)).all()
    for start in range(0, len(new), 5000):
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"p{enrolment_id}@bench.example",
                    "name": "Bench participant",
                    "password_hash": "!",
                    "role": Role.PARTICIPANT,
                    "created_at": now,
                    "session_token": secrets.token_hex(16),
                    "email_verified_at": now,
                }
                for enrolment_id in new[start : start + 5000]
            ],
        )
    account = (
        select(User.id)
        .where(User.email == literal("p") + cast(Enrolment.id, String) + literal("@bench.example"))
        .scalar_subquery()
    )
    opened = now - timedelta(days=DELAY, hours=2)
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id.is_(None))
        .values(
            user_id=account,
            enrolled_at=case(
                (Enrolment.id % 3 == 0, opened),
                (Enrolment.id % 3 == 1, opened - timedelta(days=3)),
                else_=opened - timedelta(days=7),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def measure() -> dict:
    """Each survey job run once (forced) on an empty outbox: seconds, SQL statements, messages queued."""
    from sqlalchemy import delete, event

    from livinglab.extensions import db
    from livinglab.notifications import scheduler
    from livinglab.notifications.models import OutboxMessage

    out = {}
    for name in ("survey_invitations", "survey_reminders"):
        db.session.execute(delete(OutboxMessage))
        db.session.commit()
        statements: list[str] = []

        def count(_conn, _cursor, statement, *_args, into=statements):
            into.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        started = time.perf_counter()
        try:
            result = scheduler.run_job(name, "bench", force=True)
        finally:
            seconds = time.perf_counter() - started
            event.remove(db.engine, "before_cursor_execute", count)
        if "error" in result:
            raise SystemExit(f"{name} failed: {result['error']}")
        out[name] = {"seconds": seconds, "statements": len(statements), "queued": sum(result.values())}
    return out


def reset_outbox(app, count: int) -> list[str]:
    """The first `count` messages queued by the last run, pending again under new ids (so new
    Message-IDs: new messages for the receiver); every other message cancelled."""
    from sqlalchemy import select, update

    from livinglab.extensions import db
    from livinglab.notifications.models import OutboxMessage, QueueStatus, new_uid
    from livinglab.timeutil import utcnow

    with app.app_context():
        ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(count)).all()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id > ids[-1])
            .values(status=QueueStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        now = utcnow()
        uids = [new_uid() for _ in ids]
        db.session.execute(
            update(OutboxMessage),
            [
                {
                    "id": message_id,
                    "uid": uid,
                    "status": QueueStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "claimed_by": None,
                    "claimed_until": None,
                    "sent_at": None,
                    "expires_at": None,
                    "last_error": None,
                }
                for message_id, uid in zip(ids, uids, strict=True)
            ],
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return uids


if __name__ == "__main__":
    main()
