"""Claiming rows of a queue (outbox mail, webhook deliveries) for one worker, and marking them.

A claim is a lease: the rows become `sending`, owned by this worker until `claimed_until`; a worker
that dies leaves them to be claimed again once the lease has passed. On PostgreSQL the rows are
picked with SELECT ... FOR UPDATE SKIP LOCKED, so workers claiming at the same time take different
rows and never wait for each other; on SQLite the claiming UPDATE takes the write lock (see
`transactions`), and SQLite lets one writer at a time in, so two claims never overlap either. Each
claim, mark and release is a unit of work of its own."""

import random
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..transactions import unit_of_work
from .models import QueueStatus


def claim(model, worker: str, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Claim up to `limit` due rows (abandoned claims first), commit, and return their ids."""
    ids: list[int] = []
    with unit_of_work():
        for due in (
            (model.status == QueueStatus.SENDING) & (model.claimed_until < now),
            (model.status == QueueStatus.PENDING) & (model.next_attempt_at <= now),
        ):
            if len(ids) >= limit:
                break
            picked = (
                select(model.id)
                .where(due)
                .order_by(model.next_attempt_at, model.id)
                .limit(limit - len(ids))
                .with_for_update(skip_locked=True)
            )
            ids += db.session.scalars(
                update(model)
                .where(model.id.in_(picked.scalar_subquery()))
                .values(
                    status=QueueStatus.SENDING,
                    claimed_by=worker,
                    claimed_until=now + lease,
                    attempts=model.attempts + 1,
                )
                .returning(model.id)
                .execution_options(synchronize_session=False)
            ).all()
    return sorted(ids)


def finish(model, row_id: int, worker: str, **values) -> bool:
    """Mark one claimed row (sent, failed, retry...) and commit; False if the claim was lost meanwhile."""
    with unit_of_work():
        result = db.session.execute(
            update(model)
            .where(model.id == row_id, model.claimed_by == worker, model.status == QueueStatus.SENDING)
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount


def release(model, row_ids: list[int], worker: str, when: datetime) -> None:
    """Give back claimed rows that were not tried (the connection broke): not counted as an attempt."""
    with unit_of_work():
        if row_ids:
            db.session.execute(
                update(model)
                .where(model.id.in_(row_ids), model.claimed_by == worker, model.status == QueueStatus.SENDING)
                .values(
                    status=QueueStatus.PENDING,
                    claimed_by=None,
                    claimed_until=None,
                    next_attempt_at=when,
                    attempts=model.attempts - 1,
                )
                .execution_options(synchronize_session=False)
            )


def backoff(attempts: int, base: float, ceiling: float) -> timedelta:
    """Exponential, with jitter so that many failures do not come back at the same second."""
    seconds = min(base * 2 ** max(attempts - 1, 0), ceiling)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def retry_or_fail(
    attempts: int, max_attempts: int, error: str, now: datetime, base: float, ceiling: float, permanent: bool = False
) -> dict:
    """The values that mark a failed attempt: failed for good, or pending again later."""
    if permanent or attempts >= max_attempts:
        return {"status": QueueStatus.FAILED, "last_error": error[:2000]}
    return {
        "status": QueueStatus.PENDING,
        "last_error": error[:2000],
        "next_attempt_at": now + backoff(attempts, base, ceiling),
    }
