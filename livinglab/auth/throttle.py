"""Sign-in throttling per (account, client address), held in the database so that every worker and
machine sees the same counts.

A lock-out per account would be a weapon: anyone could keep anyone out, coordinators included. Here,
failures only slow down the address they come from, with growing delays; the owner signing in from
another address is not affected. While an address waits, even the right password gets the same
answer as a wrong one, so the delay tells nothing about the password."""

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import audit
from ..extensions import db
from ..studies.fields import iso
from ..timeutil import aware, utcnow
from .models import SigninThrottle, User

FREE_FAILURES = 4  # then 30 s, 1 min, 2 min... up to an hour between attempts
FIRST_DELAY, LONGEST_DELAY = timedelta(seconds=30), timedelta(hours=1)
FORGET_AFTER = timedelta(days=1)  # a day without failures starts the count afresh


def delay_after(failures: int) -> timedelta | None:
    """How long the address waits after this many consecutive failures."""
    if failures <= FREE_FAILURES:
        return None
    return min(FIRST_DELAY * 2 ** min(failures - FREE_FAILURES - 1, 20), LONGEST_DELAY)


def _row(user: User, client: str) -> SigninThrottle | None:
    return db.session.scalar(
        select(SigninThrottle).where(SigninThrottle.user_id == user.id, SigninThrottle.client == client)
    )


def is_waiting(user: User, client: str) -> bool:
    row = _row(user, client)
    return row is not None and row.blocked_until is not None and aware(row.blocked_until) > utcnow()


def record_failure(user: User, client: str) -> None:
    """Count a failure (atomically, whoever else counts at the same time) and set the next delay."""
    now = utcnow()
    row = _row(user, client)
    if row is not None and aware(row.last_failure_at) < now - FORGET_AFTER:
        row.failures = 0
        db.session.flush()
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(SigninThrottle).values(user_id=user.id, client=client, failures=1, last_failure_at=now)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id", "client"], set_={"failures": SigninThrottle.failures + 1, "last_failure_at": now}
        )
    )
    row = _row(user, client)
    assert row is not None  # the upsert above made it
    db.session.refresh(row)
    wait = delay_after(row.failures)
    if wait is not None:
        row.blocked_until = now + wait
        audit.record(
            None, "account.signin_delayed", user_id=user.id, failures=row.failures, seconds=int(wait.total_seconds())
        )


def clear(user: User, client: str) -> None:
    """A successful sign-in from this address forgets its failures."""
    db.session.execute(delete(SigninThrottle).where(SigninThrottle.user_id == user.id, SigninThrottle.client == client))


def state(user: User) -> list[dict]:
    """The account's throttle records, for its owner's personal data export."""
    rows = db.session.scalars(
        select(SigninThrottle).where(SigninThrottle.user_id == user.id).order_by(SigninThrottle.id)
    )
    return [
        {
            "client_address": row.client,
            "consecutive_failures": row.failures,
            "last_failure_at": iso(row.last_failure_at),
            "blocked_until": iso(row.blocked_until),
        }
        for row in rows
    ]
