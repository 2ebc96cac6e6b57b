"""An exclusion of one response from the sensitivity analysis: who, when, why, and when it was undone."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import NEVER_REUSE_IDS, User
from ..extensions import Model
from ..participants.models import Response
from ..timeutil import utcnow

ACTIVE = text("revoked_at IS NULL")


class ResponseExclusion(Model):
    """One row per exclusion, kept when undone (`revoked_at`): the history stays. The database allows one
    active exclusion per response (a unique index on the rows not undone), so two clicks exclude once. Deleted
    with the response when a participant's answers are erased."""

    __table_args__ = (
        Index(
            "uq_response_exclusion_active",
            "response_id",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint("revoked_by_id IS NULL OR revoked_at IS NOT NULL", name="revoked_when"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    excluded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    excluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship()
    excluded_by: Mapped[User | None] = relationship(foreign_keys=[excluded_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None
