"""The append-only audit trail: every state change writes one record in the same transaction."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import utcnow


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


def record(actor, action: str, *, study=None, from_state=None, to_state=None, comment=None, **details):
    """Add an audit record to the current transaction (the caller commits)."""
    entry = AuditRecord(
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


def study_history(study_id: int) -> list[AuditRecord]:
    return list(db.session.scalars(
        select(AuditRecord).where(AuditRecord.study_id == study_id).order_by(AuditRecord.id)))
