"""The worker as a program: `flask worker --once`, several worker processes sharing the outbox, and a
worker killed (SIGKILL) in the middle of a batch. Counted by Message-ID at a real SMTP server."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, update

from livinglab.auth.models import User
from livinglab.extensions import db
from livinglab.notifications.models import OutboxMessage, QueueStatus, new_uid
from livinglab.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]


def fill_outbox(user: User, count: int) -> set[str]:
    """`count` committed password-reset messages to one verified account; their expected Message-IDs."""
    now = utcnow()
    rows = [
        {
            "uid": new_uid(),
            "kind": "password_reset",
            "user_id": user.id,
            "context": {"link": f"/reset?n={n}"},
            "status": QueueStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(count)
    ]
    db.session.execute(insert(OutboxMessage), rows)
    db.session.commit()
    return {f"<{row['uid']}@livinglab.test>" for row in rows}


def worker_process(app, smtp_url: str, *args: str, lease: int = 120, env: dict | None = None) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "LIVINGLAB_SECRET_KEY": "test-secret",
        "LIVINGLAB_MAIL_URL": smtp_url,
        "LIVINGLAB_BASE_URL": "https://livinglab.test",
        "LIVINGLAB_MAIL_FROM": "noreply@livinglab.test",
        "LIVINGLAB_MAIL_LEASE_SECONDS": str(lease),
        "LIVINGLAB_WORKER_POLL_SECONDS": "0.2",
        **(env or {}),
    }
    log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)
    with log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "livinglab", "worker", *args],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.log_path = Path(log.name)
    return process


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process: subprocess.Popen) -> str:
    """SIGTERM, then SIGKILL if it lingers; returns what the worker printed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    output = process.log_path.read_text(errors="replace")
    process.log_path.unlink()
    return output


def test_flask_worker_once_sends_what_is_due_and_reports(runner, smtp_server, verified_user):
    expected = fill_outbox(verified_user(), 3)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "mail: 3 sent" in result.output
    assert {str(m["Message-ID"]) for m in smtp_server.received} == expected


def test_the_worker_refuses_to_start_without_a_mail_url(runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code != 0 and "LIVINGLAB_MAIL_URL is not set" in result.output


def test_a_claim_left_by_a_dead_worker_is_taken_again_after_its_lease(smtp_server, run_worker, verified_user):
    expected = fill_outbox(verified_user(), 2)
    db.session.execute(
        update(OutboxMessage).values(
            status=QueueStatus.SENDING, claimed_by="dead:1", claimed_until=utcnow() + timedelta(minutes=1), attempts=1
        )
    )
    db.session.commit()
    assert run_worker().mail.sent == 0  # the lease still runs
    db.session.execute(update(OutboxMessage).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert run_worker().mail.sent == 2
    assert {str(m["Message-ID"]) for m in smtp_server.received} == expected
    assert set(db.session.scalars(select(OutboxMessage.attempts))) == {2}


def test_three_worker_processes_share_the_outbox_and_send_each_message_once(app, smtp_server, verified_user):
    expected = fill_outbox(verified_user(), 150)
    workers = [worker_process(app, smtp_server.url(), "--batch", "10") for _ in range(3)]
    try:
        wait_for(lambda: len(smtp_server.received) >= 150, 120, "150 messages")
        time.sleep(0.5)  # anything extra would arrive now
    finally:
        outputs = [stop(w) for w in workers]
    ids = Counter(str(m["Message-ID"]) for m in smtp_server.received)
    assert set(ids) == expected, outputs
    assert max(ids.values()) == 1, "a message was sent twice"
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status == QueueStatus.SENT)) == 150
    senders = db.session.scalar(select(func.count(func.distinct(OutboxMessage.claimed_by))))
    assert senders == 0  # every claim released once marked


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_at_most_its_message_in_flight(
    app, smtp_server, verified_user
):
    """SIGKILL while the server is receiving: after a restart every committed message is received,
    each Message-ID at least once, and at most the one message in flight twice (README: guarantees)."""
    expected = fill_outbox(verified_user(), 120)
    slow = smtp_server.recorder
    original = slow.handle_DATA

    async def slow_data(server, session, envelope):  # a slow server, so that the kill lands mid-batch
        import asyncio

        await asyncio.sleep(0.02)
        return await original(server, session, envelope)

    slow.handle_DATA = slow_data
    first = worker_process(app, smtp_server.url(), "--batch", "50", lease=2)
    wait_for(lambda: len(smtp_server.received) >= 30, 60, "the first messages")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    stop(first)
    received_before = len(smtp_server.received)
    assert received_before < 120, "the worker finished before it was killed: nothing was tested"
    sent_rows = db.session.scalar(select(func.count()).where(OutboxMessage.status == QueueStatus.SENT))
    db.session.rollback()
    assert received_before - sent_rows in (0, 1)  # at most the message between "250" and its commit

    second = worker_process(app, smtp_server.url(), "--batch", "50", lease=2)
    try:
        wait_for(
            lambda: len({str(m["Message-ID"]) for m in smtp_server.received}) >= 120,
            120,
            "every message after the restart",
        )
        time.sleep(0.5)
    finally:
        output = stop(second)
    ids = Counter(str(m["Message-ID"]) for m in smtp_server.received)
    assert set(ids) == expected, output
    duplicated = [message_id for message_id, n in ids.items() if n > 1]
    assert len(duplicated) <= 1 and all(ids[m] == 2 for m in duplicated)
    statuses = set(db.session.scalars(select(OutboxMessage.status)))
    assert statuses == {QueueStatus.SENT}


def test_a_worker_asked_to_stop_finishes_the_message_in_hand_and_exits(app, smtp_server, verified_user):
    fill_outbox(verified_user(), 5)
    process = worker_process(app, smtp_server.url())
    wait_for(lambda: len(smtp_server.received) >= 5, 60, "the messages")
    os.killpg(process.pid, signal.SIGTERM)  # Ctrl+C (SIGINT) has the same handler
    assert process.wait(timeout=30) == 0, stop(process)
    stop(process)


def test_mail_samples_queues_one_message_of_each_kind_the_account_may_get(runner, verified_user):
    person = verified_user("coordinator")
    result = runner.invoke(args=["mail-samples", "--email", person.email])
    assert (
        result.exit_code == 0 and "17 messages queued" in result.output
    )  # all but the digest (retention_notice: 16th; problem_reported, issue 14 item 7: 17th)
    kinds = set(db.session.scalars(select(OutboxMessage.kind)))
    assert len(kinds) == 17 and "review_digest" not in kinds
    assert {"retention_notice", "problem_reported"} <= kinds
    missing = runner.invoke(args=["mail-samples", "--email", "nobody@example.org"])
    assert missing.exit_code != 0 and "No account has the address" in missing.output
