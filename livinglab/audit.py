"""The append-only, tamper-evident audit trail.

Every state change adds one record in the same transaction. Each record carries the hash of the
one before it (a hash chain): changing or deleting any record breaks every link after it, which
`flask --app livinglab audit verify` reports. The application never updates or deletes records."""
import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, DateTime, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db
from .timeutil import aware, utcnow

GENESIS = "0" * 64


class AuditRecord(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Plain integers, not foreign keys: the trail outlives what it speaks of.
    actor_id: Mapped[int | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    study_id: Mapped[int | None] = mapped_column(index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def content(self) -> dict:
        return {"at": aware(self.at).isoformat(), "actor_id": self.actor_id, "actor_role": self.actor_role,
                "action": self.action, "study_id": self.study_id, "from_state": self.from_state,
                "to_state": self.to_state, "comment": self.comment, "details": self.details or {}}


class AuditHead(db.Model):
    """One row: the hash of the newest record. Writers lock it, so the chain never forks."""
    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


def chain_hash(prev_hash: str, content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def record(actor, action: str, *, study=None, from_state=None, to_state=None, comment=None, **details):
    """Add an audit record to the current transaction (the caller commits)."""
    entry = AuditRecord(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_role=str(actor.role) if actor is not None and getattr(actor, "role", None) else None,
        action=action,
        study_id=study.id if study is not None else None,
        from_state=str(from_state) if from_state is not None else None,
        to_state=str(to_state) if to_state is not None else None,
        comment=comment or None,
        details=details,
    )
    db.session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _link_new_records(session: Session, _context, _instances) -> None:
    """Chain the records this flush inserts, holding the head row's lock until commit."""
    new = [obj for obj in session.new if isinstance(obj, AuditRecord) and obj.hash is None]
    if not new:
        return
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
    last = head.last_hash
    for entry in sorted(new, key=lambda e: (e.at, id(e))):
        entry.prev_hash = last
        entry.hash = last = chain_hash(last, entry.content())
    head.last_hash = last


def verify(batch: int = 1000) -> tuple[int, AuditRecord | None]:
    """Walk the chain in order: (records checked, the first record whose link is broken or None)."""
    last, checked, after = GENESIS, 0, 0
    while True:
        entries = db.session.scalars(select(AuditRecord).where(AuditRecord.id > after)
                                     .order_by(AuditRecord.id).limit(batch)).all()
        if not entries:
            break
        for entry in entries:
            if entry.prev_hash != last or entry.hash != chain_hash(entry.prev_hash, entry.content()):
                return checked, entry
            last, checked = entry.hash, checked + 1
        after = entries[-1].id
        for entry in entries:
            db.session.expunge(entry)  # keep memory flat on long trails
    head = db.session.get(AuditHead, 1)
    if head is not None and head.last_hash != last:
        return checked, _missing_tail()
    return checked, None


def _missing_tail() -> AuditRecord:
    """Records were deleted from the end: report a placeholder for the missing link."""
    return AuditRecord(id=None, action="(records missing at the end of the trail)", prev_hash="", hash="")


def study_history(study_id: int) -> list[AuditRecord]:
    return list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.study_id == study_id).order_by(AuditRecord.id)))


