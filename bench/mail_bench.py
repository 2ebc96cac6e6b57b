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
    from sqlalchemy import func, insert, select

    from livinglab import create_app
    from livinglab.auth.services import create_user
    from livinglab.extensions import db
    from livinglab.notifications.catcher import free_port
    from livinglab.notifications.models import OutboxMessage, QueueStatus, new_uid
    from livinglab.timeutil import aware, utcnow

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
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LIVINGLAB_MAIL_URL": f"smtp://127.0.0.1:{port}",
            "LIVINGLAB_MAIL_FROM": f"noreply@{DOMAIN}",
            "LIVINGLAB_BASE_URL": f"https://{DOMAIN}",
            "LIVINGLAB_SECRET_KEY": "bench",
            "LIVINGLAB_WORKER_POLL_SECONDS": "0.2",
        }
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "flask",
                    "--app",
                    "livinglab",
                    "worker",
                    "--no-scheduler",
                    "--batch",
                    str(batch),
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            deadline = time.monotonic() + 3600
            while time.monotonic() < deadline:
                db.session.rollback()
                sent = db.session.scalar(select(func.count()).where(OutboxMessage.status == QueueStatus.SENT))
                if sent == count:
                    break
                time.sleep(0.5)
            time.sleep(0.5)  # anything sent twice would arrive now
        finally:
            for process in processes:
                os.killpg(process.pid, signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
            catcher.send_signal(signal.SIGTERM)
            catcher.wait(timeout=60)
        first, last = db.session.execute(select(func.min(OutboxMessage.sent_at), func.max(OutboxMessage.sent_at))).one()
        seconds = (aware(last) - aware(first)).total_seconds()
        db.session.remove()
        db.engine.dispose()

    expected = {hashlib.sha256(f"<{uid}@{DOMAIN}>".encode()).hexdigest()[:40] + ".eml" for uid in uids}
    received = Counter((mail_dir / "received.log").read_text().split())
    return {
        "seconds": seconds,
        "rate": count / seconds if seconds else float("inf"),
        "received": sum(received.values()),
        "duplicates": sum(n - 1 for n in received.values() if n > 1),
        "lost": len(expected - set(received)),
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
