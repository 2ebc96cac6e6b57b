"""Survey definitions: a survey per timepoint, its items kept as an ordered list of validated dicts."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import NEVER_REUSE_IDS
from ..extensions import Model
from ..studies.models import Study
from ..timeutil import utcnow


class Survey(Model):
    __table_args__ = (
        UniqueConstraint("study_id", "key", name="uq_survey_study_key"),
        CheckConstraint("repeat IN ('diary', 'problem_report')", name="repeat_kind"),  # surveys/repeats.py
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    timepoint: Mapped[str] = mapped_column(String(64))
    items: Mapped[list] = mapped_column(JSON, default=list)
    # null: answered once at its timepoint; "diary" or "problem_report": any number of times from it on
    repeat: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    study: Mapped[Study] = relationship(back_populates="surveys")
