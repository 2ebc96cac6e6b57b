"""Drain an outbox of N messages with 1, 2 and 4 worker processes against a real SMTP server.

Run by hand (never part of the test suite):

    .venv/bin/python bench/mail_bench.py                       # SQLite, a new file, 20,000 messages
    .venv/bin/python bench/mail_bench.py --messages 2000       # quicker
    .venv/bin/python bench/mail_bench.py --database-url postgresql+psycopg://livinglab:livinglab-ci@127.0.0.1:5432/livinglab_mail_bench

For each number of workers: a fresh schema, N committed messages (one account, verified), the SMTP
catcher (aiosmtpd) in a process of its own that logs every message it accepts, then `flask worker
--no-scheduler` × W. When the outbox says every row is sent, the workers stop, and the catcher's log is
compared with the rows: duplicates (a Message-ID received twice) and lost (a row sent by the database's
account but never received) must both be 0. Throughput is N over the time from the first message sent
to the last (`sent_at`), so process start-up is not counted.

The database given by --database-url is wiped (every table dropped and created again).
"""

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOMAIN = "bench.livinglab.test"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--batch", type=int, default=50, help="rows claimed at once by a worker")
    parser.add_argument("--database-url", default=None, help="wiped! default: a new SQLite file")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    url = args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    print(f"database: {url.split('@')[-1]}  messages: {args.messages}  batch: {args.batch}")
    print(f"{'workers':>7} {'seconds':>8} {'msg/s':>8} {'received':>9} {'duplicates':>10} {'lost':>5}")
    try:
        for workers in [int(n) for n in args.workers.split(",")]:
            result = run(url, args.messages, workers, args.batch, scratch / f"mail-{workers}")
            print(
                f"{workers:>7} {result['seconds']:>8.2f} {result['rate']:>8.0f} {result['received']:>9} "
                f"{result['duplicates']:>10} {result['lost']:>5}",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(url: str, count: int, workers: int, batch: int, mail_dir: Path) -> dict:
    """A fresh schema, `count` committed messages, then `drain` with `workers` processes."""
    uids = fill(url, count)
    return drain(url, uids, workers, batch, mail_dir)


def fill(url: str, count: int) -> list[str]:
    from sqlalchemy import insert

    from livinglab import create_app
    from livinglab.auth.services import create_user
    from livinglab.extensions import db
    from livinglab.notifications.models import OutboxMessage, QueueStatus, new_uid
    from livinglab.timeutil import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = create_user("bench@example.org", "bench-password-1", "Bench", "participant")
        user.email_verified_at = utcnow()
        db.session.commit()
        now = utcnow()
        uids = [new_uid() for _ in range(count)]
        for start in range(0, count, 5000):
            db.session.execute(
                insert(OutboxMessage),
                [
                    {
                        "uid": uid,
                        "kind": "password_reset",
                        "user_id": user.id,
                        "context": {"link": "/account/reset?t=1"},
                        "status": QueueStatus.PENDING,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for uid in uids[start : start + 5000]
                ],
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return uids


def start_catcher(mail_dir: Path) -> tuple[subprocess.Popen, int]:
    """The SMTP catcher (aiosmtpd) in a process of its own, logging every message it accepts."""
    from livinglab.notifications.catcher import free_port

    port = free_port()
    catcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "livinglab.notifications.catcher",
            "--dir",
            str(mail_dir),
            "--port",
            str(port),
            "--log-ids",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return catcher, port


def start_worker(url: str, port: int, batch: int, lease: int = 120) -> subprocess.Popen:
    """`flask worker --no-scheduler` in a process group of its own (so a kill reaches it whole)."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LIVINGLAB_MAIL_URL": f"smtp://127.0.0.1:{port}",
        "LIVINGLAB_MAIL_FROM": f"noreply@{DOMAIN}",
        "LIVINGLAB_BASE_URL": f"https://{DOMAIN}",
        "LIVINGLAB_SECRET_KEY": "bench",
        "LIVINGLAB_WORKER_POLL_SECONDS": "0.2",
        "LIVINGLAB_MAIL_LEASE_SECONDS": str(lease),  # a killed worker's claims are retried after this
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "livinglab", "worker", "--no-scheduler", "--batch", str(batch)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(processes: list[subprocess.Popen], catcher: subprocess.Popen | None = None) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)
    if catcher is not None:
        catcher.send_signal(signal.SIGTERM)
        catcher.wait(timeout=60)


def sent_count(db, OutboxMessage, QueueStatus) -> int:
    from sqlalchemy import func, select

    db.session.rollback()
    return db.session.scalar(select(func.count()).where(OutboxMessage.status == QueueStatus.SENT))


def drain(url: str, uids: list[str], workers: int, batch: int, mail_dir: Path) -> dict:
    """The committed messages `uids` (every other row of the outbox sent, cancelled or failed) sent by
    `workers` processes to the catcher; then the catcher's log against them (see `received`)."""
    from livinglab import create_app
    from livinglab.extensions import db
    from livinglab.notifications.models import OutboxMessage, QueueStatus
    from livinglab.timeutil import aware

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        already = sent_count(db, OutboxMessage, QueueStatus)
        catcher, port = start_catcher(mail_dir)
        processes = [start_worker(url, port, batch) for _ in range(workers)]
        try:
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline and sent_count(db, OutboxMessage, QueueStatus) < already + len(uids):
                time.sleep(0.5)
            time.sleep(0.5)  # anything sent twice would arrive now
        finally:
            stop(processes, catcher)
        first, last = window(db, OutboxMessage, uids)
        seconds = (aware(last) - aware(first)).total_seconds()
        db.session.remove()
        db.engine.dispose()
    return {"seconds": seconds, "rate": len(uids) / seconds if seconds else float("inf"), **received(mail_dir, uids)}


def crash(url: str, uids: list[str], batch: int, mail_dir: Path, kill_after: int, lease: int = 5) -> dict:
    """One worker sends the committed messages `uids`; once the catcher has received `kill_after` of them it
    is killed (SIGKILL, its whole process group) in the middle of a batch; a new worker is started and sends
    the rest, the killed worker's claimed rows included once their lease (`lease` s) has passed. Then the
    catcher's log against `uids` (`received`): lost must be 0; a message the killed worker had handed
    to the server but not yet marked sent is sent again with the same Message-ID (`duplicates`), and
    the receiver keeps one copy of it (`stored`)."""
    from sqlalchemy import func, select

    from livinglab import create_app
    from livinglab.extensions import db
    from livinglab.notifications.models import OutboxMessage, QueueStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    log = mail_dir / "received.log"
    with app.app_context():
        already = sent_count(db, OutboxMessage, QueueStatus)
        catcher, port = start_catcher(mail_dir)
        first = start_worker(url, port, batch, lease)
        second = None
        try:
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and (len(log.read_text().split()) if log.exists() else 0) < kill_after:
                time.sleep(0.01)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            received_at_kill = len(log.read_text().split())
            marked_at_kill = sent_count(db, OutboxMessage, QueueStatus) - already
            claimed_at_kill = db.session.scalar(select(func.count()).where(OutboxMessage.status == QueueStatus.SENDING))
            second = start_worker(url, port, batch, lease)
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline and sent_count(db, OutboxMessage, QueueStatus) < already + len(uids):
                time.sleep(0.5)
            time.sleep(1)  # anything sent twice would arrive now
        finally:
            stop([first] + ([second] if second else []), catcher)
        db.session.remove()
        db.engine.dispose()
    return {
        "received_at_kill": received_at_kill,
        "marked_sent_at_kill": marked_at_kill,
        "claimed_at_kill": claimed_at_kill,
        **received(mail_dir, uids),
    }


def window(db, OutboxMessage, uids: list[str]):
    """The first and last `sent_at` of these messages (in chunks: an IN list of 100,000 is too long)."""
    from sqlalchemy import func, select

    firsts, lasts = [], []
    for start in range(0, len(uids), 5000):
        first, last = db.session.execute(
            select(func.min(OutboxMessage.sent_at), func.max(OutboxMessage.sent_at)).where(
                OutboxMessage.uid.in_(uids[start : start + 5000])
            )
        ).one()
        firsts.append(first)
        lasts.append(last)
    return min(f for f in firsts if f is not None), max(last for last in lasts if last is not None)


def received(mail_dir: Path, uids: list[str]) -> dict:
    """The catcher's log by Message-ID: how many DATA it accepted, Message-IDs received twice or more
    (`duplicates`: extra copies), expected ones never received (`lost`), and files stored (one per ID)."""
    expected = {hashlib.sha256(f"<{uid}@{DOMAIN}>".encode()).hexdigest()[:40] + ".eml" for uid in uids}
    log = mail_dir / "received.log"
    counted = Counter(log.read_text().split()) if log.exists() else Counter()
    return {
        "received": sum(counted.values()),
        "duplicates": sum(n - 1 for n in counted.values() if n > 1),
        "lost": len(expected - set(counted)),
        "unexpected": len(set(counted) - expected),
        "stored": len(list(mail_dir.glob("*.eml"))),
    }


def wait_for_port(port: int) -> None:
    import socket

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP catcher did not start")


if __name__ == "__main__":
    main()
