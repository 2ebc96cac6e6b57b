"""Sending the outbox: claim a batch, send each message over one SMTP connection, mark each at once.

The guarantee (README, "Mail, worker and webhooks"): every committed message is sent at least once;
it is sent twice only if a worker dies after the SMTP server accepted it and before the row was
marked sent (at most one message per worker and crash, since each is marked and committed as soon
as the server accepts it), and then both copies carry the same Message-ID, so they can be told apart
as duplicates."""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..timeutil import aware, utcnow
from ..transactions import end_reads
from . import queue
from .compose import Recipient, build, sender
from .kinds import KINDS, sends
from .models import NotificationPreference, OutboxMessage, QueueStatus
from .settings import setting
from .transport import MailURL, SendError, SmtpConnection

log = logging.getLogger("livinglab.mail")


@dataclass
class Tally:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    cancelled: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.held + self.cancelled

    def add(self, other: "Tally") -> None:
        for name in ("sent", "retried", "failed", "held", "cancelled", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


def send_due(worker: str, connection: SmtpConnection, now: datetime | None = None, limit: int | None = None) -> Tally:
    """Claim one batch of due messages and handle each; returns what happened."""
    now = now or utcnow()
    limit = limit or int(setting("MAIL_BATCH"))
    lease = timedelta(seconds=float(setting("MAIL_LEASE_SECONDS")))
    ids = queue.claim(OutboxMessage, worker, now, limit, lease)
    tally = Tally()
    if not ids:
        return tally
    # Plain rows, not ORM objects: they stay readable after each commit without another query.
    m = OutboxMessage
    rows = db.session.execute(
        select(
            m.id,
            m.uid,
            m.kind,
            m.user_id,
            m.to_address,
            m.locale,
            m.participant_code,
            m.context,
            m.expires_at,
            m.attempts,
            m.claimed_until,
        )
        .where(m.id.in_(ids), m.claimed_by == worker)
        .order_by(m.id)
    ).all()
    user_ids = {row.user_id for row in rows if row.user_id is not None}
    users, choices = {}, {}
    if user_ids:
        users = {
            u.id: u
            for u in db.session.execute(
                select(User.id, User.email, User.name, User.locale, User.email_verified_at).where(User.id.in_(user_ids))
            ).all()
        }
        choices = {
            (p.user_id, p.kind): p.choice
            for p in db.session.execute(
                select(
                    NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.choice
                ).where(NotificationPreference.user_id.in_(user_ids))
            ).all()
        }
    batch = [(row, users.get(row.user_id)) for row in rows]
    end_reads()  # nothing is held open while we talk SMTP
    for index, (row, user) in enumerate(batch):
        if utcnow() >= aware(row.claimed_until) - timedelta(seconds=1):
            queue.release(OutboxMessage, [r.id for r, _u in batch[index:]], worker, utcnow())
            tally.released += len(batch) - index
            break
        outcome = handle(row, user, choices, connection, worker)
        record(tally, outcome)
        if outcome.get("connection_lost"):
            rest = [r.id for r, _u in batch[index + 1 :]]
            queue.release(
                OutboxMessage, rest, worker, utcnow() + timedelta(seconds=float(setting("MAIL_RETRY_SECONDS")))
            )
            tally.released += len(rest)
            break
    return tally


def handle(row, user, choices: dict, connection: SmtpConnection, worker: str) -> dict:
    """Decide, send and mark one claimed message; returns the outcome."""
    spec = KINDS.get(row.kind)
    now = utcnow()
    if spec is None:
        return finish(row, worker, "failed", status=QueueStatus.FAILED, last_error=f"unknown kind {row.kind}")
    if row.expires_at is not None and now >= aware(row.expires_at):
        return finish(row, worker, "cancelled", status=QueueStatus.CANCELLED, last_error="expired")
    if user is None and (row.user_id is not None or not row.to_address):
        return finish(row, worker, "cancelled", status=QueueStatus.CANCELLED, last_error="recipient erased")
    if user is not None and row.user_id is not None:
        if user.email_verified_at is None and not spec.verification:
            return finish(row, worker, "held", status=QueueStatus.HELD, attempts=row.attempts - 1, last_error=None)
        if not sends(spec, choices.get((user.id, spec.governed_by))):
            return finish(row, worker, "cancelled", status=QueueStatus.CANCELLED, last_error="opted out")
    recipient = Recipient(
        address=row.to_address or user.email,
        name=user.name if user is not None and not row.to_address else None,
        locale=language(row.locale or (user.locale if user is not None else None)),
        user_id=user.id if user is not None else None,
    )
    try:
        email = build(row, recipient)
    except Exception as err:  # a template or a context that cannot render: retrying will not help
        log.exception("Cannot build message %s (%s)", row.id, row.kind)
        return finish(row, worker, "failed", status=QueueStatus.FAILED, last_error=f"cannot build: {err}"[:2000])
    try:
        connection.send(email, sender(), recipient.address)
    except SendError as err:
        # Servers often quote the address in their answer: never keep it (participants' addresses above all).
        error = re.sub(re.escape(recipient.address), "[recipient]", str(err), flags=re.IGNORECASE)
        values = queue.retry_or_fail(
            row.attempts,
            int(setting("MAIL_MAX_ATTEMPTS")),
            error,
            utcnow(),
            float(setting("MAIL_RETRY_SECONDS")),
            float(setting("MAIL_RETRY_MAX_SECONDS")),
            permanent=err.permanent,
        )
        outcome = "failed" if values["status"] == QueueStatus.FAILED else "retried"
        log.warning("Message %s (%s) not sent, %s: %s", row.id, row.kind, outcome, error)
        return {**finish(row, worker, outcome, **values), "connection_lost": err.connection_lost, "error": error}
    done = {"status": QueueStatus.SENT, "sent_at": utcnow(), "last_error": None}
    if spec.secret:
        done["context"] = {}  # the one-time link has gone out: do not keep it at rest
    return finish(row, worker, "sent", **done)


def finish(row, worker: str, outcome: str, **values) -> dict:
    kept = queue.finish(OutboxMessage, row.id, worker, **values)
    return {"outcome": outcome if kept else "lost_claim"}


def record(tally: Tally, outcome: dict) -> None:
    name = outcome["outcome"]
    if name in ("sent", "retried", "failed", "held", "cancelled"):
        setattr(tally, name, getattr(tally, name) + 1)
    if outcome.get("error"):
        tally.errors.append(outcome["error"])


def language(locale: str | None) -> str:
    languages = current_app.config.get("LANGUAGES", ("en", "fr"))
    return locale if locale in languages else current_app.config.get("BABEL_DEFAULT_LOCALE", "en")  # type: ignore[return-value]  # a locale found in LANGUAGES is a str


def connection_for(url: MailURL, host: str | None = None, port: int | None = None) -> SmtpConnection:
    return SmtpConnection(url, host, port)
