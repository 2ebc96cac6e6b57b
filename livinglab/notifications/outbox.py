"""The transactional outbox: messages are rows added in the caller's transaction, sent by the worker.

A rolled-back event leaves no row, so nothing is sent; a committed one leaves a row that the worker
sends at least once (livinglab/notifications/sender.py). Two doors in:

- `enqueue(kind, recipient, context)`: one message, `db.session.add` (or insert-or-ignore when a
  `key` is given), never a commit;
- `enqueue_from(kind, rows)`: set-based, one INSERT ... SELECT ... ON CONFLICT DO NOTHING for the
  scheduler's jobs and for events with many recipients (every coordinator, every participant).

The gate lives here: a message to an account whose address is not verified is `held` (only the
verification itself goes), and `release_held` sends them on once it is verified. A non-essential
kind that the account turned off is not written at all (and checked again when sending)."""

import json
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, cast, exists, func, literal, null, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Select
from sqlalchemy.types import JSON, DateTime, Integer, String

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow
from .kinds import Kind, sends
from .kinds import kind as kind_of
from .models import NotificationPreference, OutboxMessage, QueueStatus


def enqueue(
    kind: str,
    recipient: User | None,
    context: dict,
    *,
    key: str | None = None,
    to_address: str | None = None,
    locale: str | None = None,
    participant_code: str | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add one message to the caller's transaction. Returns the row (None when the account opted
    out, or when `key` was already used: the message exists)."""
    spec = kind_of(kind)
    context = checked_context(spec, context)
    if recipient is None and not to_address:
        raise ValueError("a message needs an account or an address")
    if not spec.essential and recipient is None:
        raise ValueError(f"{kind} is not essential: it goes to accounts only, which may turn it off")
    if recipient is not None and not spec.essential and not sends(spec, choice_of(recipient.id, spec.governed_by)):
        return None
    now = now or utcnow()
    values = dict(
        kind=kind,
        user_id=recipient.id if recipient is not None else None,
        to_address=to_address,
        locale=locale,
        participant_code=participant_code,
        context=context,
        dedupe_key=key,
        expires_at=expires_at,
        status=initial_status(spec, recipient),
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    if key is None:
        message = OutboxMessage(**values)
        db.session.add(message)
        return message
    db.session.execute(insert_ignore(OutboxMessage).values(**values).on_conflict_do_nothing())
    return None


def enqueue_from(
    kind: str,
    rows: Select,
    *,
    context: dict | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> int:
    """Insert one message per row of `rows`, set-based, in the caller's transaction.

    `rows` selects the columns `user_id` (an account) and `dedupe_key` (a string, or NULL for none),
    and optionally `participant_code`. `context` is the same for every row. The
    verification gate and the accounts' choices are applied in the same statement. Returns the
    number of rows inserted (conflicting dedupe keys are skipped)."""
    spec = kind_of(kind)
    context = checked_context(spec, context or {})
    now = now or utcnow()
    source = rows.subquery("recipients")
    columns = source.c
    pref = NotificationPreference
    held = and_(User.email_verified_at.is_(None), literal(not spec.verification))
    query = (
        select(
            uid_sql(),
            literal(kind, String),
            columns.user_id,
            case((held, literal(QueueStatus.HELD.value)), else_=literal(QueueStatus.PENDING.value)),
            literal(context, JSON),
            columns.dedupe_key,
            columns.participant_code if "participant_code" in columns else cast(null(), String),
            literal(0, Integer),
            literal(now, DateTime(timezone=True)),
            literal(now, DateTime(timezone=True)),
            literal(expires_at, DateTime(timezone=True)),
        )
        .select_from(source)
        .join(User, User.id == columns.user_id)
    )
    if not spec.essential:
        chosen = (
            select(pref.choice).where(pref.user_id == columns.user_id, pref.kind == spec.governed_by).scalar_subquery()
        )
        allowed = [c for c in spec.sends_on if c is not None]
        condition: ColumnElement[bool] = chosen.in_(allowed) if allowed else literal(False)
        if None in spec.sends_on:
            condition = condition | ~exists().where(pref.user_id == columns.user_id, pref.kind == spec.governed_by)
        query = query.where(condition)
    else:
        query = query.where(literal(True))  # SQLite needs a WHERE before ON CONFLICT after a SELECT
    statement = (
        insert_ignore(OutboxMessage)
        .from_select(
            [
                "uid",
                "kind",
                "user_id",
                "status",
                "context",
                "dedupe_key",
                "participant_code",
                "attempts",
                "next_attempt_at",
                "created_at",
                "expires_at",
            ],
            query,
        )
        .on_conflict_do_nothing()
        .returning(OutboxMessage.id)
    )
    return len(db.session.execute(statement).all())  # rowcount is -1 for this on psycopg


def initial_status(spec: Kind, recipient: User | None) -> QueueStatus:
    if recipient is not None and recipient.email_verified_at is None and not spec.verification:
        return QueueStatus.HELD
    return QueueStatus.PENDING


def release_held(user: User, now: datetime | None = None) -> int:
    """Once `user` verified their address: their held messages become due (in the caller's transaction)."""
    now = now or utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.user_id == user.id, OutboxMessage.status == QueueStatus.HELD)
        .values(status=QueueStatus.PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount


def choice_of(user_id: int, kind_name: str) -> str | None:
    return db.session.scalar(
        select(NotificationPreference.choice).where(
            NotificationPreference.user_id == user_id, NotificationPreference.kind == kind_name
        )
    )


def checked_context(spec: Kind, context: dict) -> dict:
    """The context must carry what the templates read, and survive JSON (it waits in a table)."""
    if not isinstance(context, dict):
        raise ValueError("the context of a message is a dict")
    missing = [name for name in spec.needs if name not in context]
    if missing:
        raise ValueError(f"{spec.name} needs {', '.join(missing)} in its context")
    try:
        return json.loads(json.dumps(context, default=_plain))
    except (TypeError, ValueError) as err:
        raise ValueError(f"the context of {spec.name} must be JSON: {err}") from None


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    raise TypeError(f"{type(value).__name__} is not JSON")


# Dialect helpers: insert-or-ignore and a random uid per row, on SQLite and PostgreSQL ----------------


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def insert_ignore(model):
    """INSERT ... ON CONFLICT DO NOTHING: add `.values(...)` or `.from_select(...)`, then `.on_conflict_do_nothing()`."""
    return (postgresql if dialect_name() == "postgresql" else sqlite).insert(model)


def uid_sql():
    """32 random hex digits computed by the database, one per inserted row."""
    if dialect_name() == "postgresql":
        return func.replace(cast(func.gen_random_uuid(), String), "-", "")
    return func.lower(func.hex(func.randomblob(16)))


def purge_sent(older_than: timedelta, now: datetime | None = None) -> int:
    """Delete sent and cancelled messages older than this (their job is done); failed ones stay."""
    cutoff = (now or utcnow()) - older_than
    result = db.session.execute(
        OutboxMessage.__table__.delete().where(  # type: ignore[attr-defined]  # a model's __table__ is a Table
            OutboxMessage.status.in_([QueueStatus.SENT, QueueStatus.CANCELLED]), OutboxMessage.created_at < cutoff
        )
    )
    return result.rowcount  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
