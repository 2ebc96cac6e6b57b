"""The outbox of mail, webhook endpoints and their deliveries, preferences, and the scheduler's jobs.

Mail and webhook deliveries are two queues of the same shape (`Queued`): a row is written in the
transaction of the event that causes it, and the worker claims, sends and marks it."""

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..auth.models import enum_column
from ..extensions import Model
from ..timeutil import utcnow


class QueueStatus(enum.StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    HELD = "held"  # waits for the recipient to verify their address
    SENDING = "sending"  # claimed by a worker until claimed_until (a lease)
    SENT = "sent"  # accepted by the SMTP server / answered 2xx by the endpoint
    FAILED = "failed"  # permanently: a 5xx SMTP answer, or too many attempts
    CANCELLED = "cancelled"  # not sent on purpose: opted out, recipient erased, expired


def new_uid() -> str:
    return uuid.uuid4().hex


class Queued:
    """The columns a worker needs to claim a row, send it once per lease, and retry it with backoff."""

    status: Mapped[QueueStatus] = mapped_column(
        enum_column(QueueStatus, name="queue_status"), default=QueueStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxMessage(Queued, Model):
    """One email to send. The recipient's address and language are read when it is sent (an account
    may change them, or be erased, meanwhile); `to_address` is set only for mail to an address that
    is not the account's current one (an email change, an invitation, an erased account)."""

    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, fixed at insert: the Message-ID is <uid@domain>, the same for every attempt of the row.
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(254))
    locale: Mapped[str | None] = mapped_column(String(5))
    # Participants' mail is shown to coordinators by this code, never by address.
    participant_code: Mapped[str | None] = mapped_column(String(16))
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    # Unique when set: scheduled messages insert-or-ignore on it, so running a job twice sends once.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPreference(Model):
    """An account's choice for one non-essential kind; no row means the default: each message."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    choice: Mapped[str] = mapped_column(String(16))  # "off" | "digest"
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class WebhookEndpoint(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The HMAC key, shown once at creation; kept in clear because signing needs it.
    secret: Mapped[str] = mapped_column(String(100))
    events: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Queued, Model):
    """One event to post to one endpoint; the organisation reads these as its delivery log."""

    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    response_status: Mapped[int | None] = mapped_column()


class SchedulerJob(Model):
    """One row per named job: when it last ran and how it went. A worker runs a job inside the
    transaction that claimed this row (locked, SKIP LOCKED for the others), so a crash mid-job rolls
    the whole run back and the job is simply due again."""

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # a pause after a failure
    runs: Mapped[int] = mapped_column(default=0)
    last_result: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
