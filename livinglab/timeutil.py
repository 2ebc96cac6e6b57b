"""Aware UTC timestamps, stored and compared the same way on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from typing import overload

DAY = timedelta(days=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were written in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def day_length() -> timedelta:
    """How long a "day" of the survey calendar lasts: a real day, unless LIVINGLAB_DAY_SECONDS shortens it
    for a demo (say 60: a follow-up due after 28 days opens after 28 minutes, reminders follow in minutes)."""
    from flask import current_app, has_app_context

    seconds = current_app.config.get("DAY_SECONDS") if has_app_context() else None
    try:
        seconds = float(seconds) if seconds not in (None, "") else None
    except (TypeError, ValueError):
        seconds = None
    return timedelta(seconds=seconds) if seconds and seconds > 0 else DAY


def days(n) -> timedelta:
    """`n` days of the survey calendar (see `day_length`)."""
    return day_length() * float(n or 0)
