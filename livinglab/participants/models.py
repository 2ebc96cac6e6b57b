"""Participants in a study: screening counts, enrolment with its arm, consent signatures, answers."""
import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import NEVER_REUSE_IDS, User, enum_column
from ..extensions import db
from ..studies.models import ConsentVersion, Study
from ..surveys.models import Survey
from ..timeutil import utcnow


class ScreeningTally(db.Model):
    """Counts only: of those who checked their eligibility, nothing else is kept."""
    __table_args__ = (UniqueConstraint("study_id", "reason", name="uq_screening_tally_study_reason"),
                      CheckConstraint("count >= 0", name="count_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(64))  # screened | eligible | age | criterion:<n>
    count: Mapped[int] = mapped_column(default=0)


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Enrolment(db.Model):
    __table_args__ = (UniqueConstraint("study_id", "user_id", name="uq_enrolment_study_user"),
                      UniqueConstraint("study_id", "position", name="uq_enrolment_study_position"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    # Null once the account is erased and the answers kept anonymously.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    participant_code: Mapped[str] = mapped_column(String(16), unique=True)
    position: Mapped[int] = mapped_column()  # 1 for the first enrolled; indexes the allocation list
    arm: Mapped[str] = mapped_column(String(64))
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus, name="enrolment_status"), default=EnrolmentStatus.ACTIVE)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_erased: Mapped[bool] = mapped_column(default=False)

    study: Mapped[Study] = relationship()
    user: Mapped[User | None] = relationship()
    signatures: Mapped[list["ConsentSignature"]] = relationship(
        back_populates="enrolment", order_by="ConsentSignature.id", cascade="all, delete-orphan")
    responses: Mapped[list["Response"]] = relationship(
        back_populates="enrolment", order_by="Response.id", cascade="all, delete-orphan")

    @property
    def signature(self) -> "ConsentSignature | None":
        return self.signatures[-1] if self.signatures else None


class ConsentSignature(db.Model):
    """Evidence of consent: which version, each clause's answer, signed as whom, when."""
    __table_args__ = {**NEVER_REUSE_IDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    consent_version_id: Mapped[int] = mapped_column(ForeignKey("consent_version.id"))
    clauses: Mapped[dict] = mapped_column(JSON)  # {clause key: true | false}
    signed_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="signatures")
    consent_version: Mapped[ConsentVersion] = relationship()


class AllocationSlot(db.Model):
    """The concealed allocation list: generated a permuted block at a time, never shown to anyone."""
    __table_args__ = (UniqueConstraint("study_id", "position", name="uq_allocation_slot_study_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    block: Mapped[int] = mapped_column()
    arm: Mapped[str] = mapped_column(String(64))


class Response(db.Model):
    """One participant's answers to one survey: once, enforced by the database."""
    __table_args__ = (UniqueConstraint("enrolment_id", "survey_id", name="uq_response_enrolment_survey"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="responses")
    survey: Mapped[Survey] = relationship()
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id")


class Answer(db.Model):
    """Long form: one row per (response, item); numbers in `number`, everything else in `text`."""
    __table_args__ = (UniqueConstraint("response_id", "item_key", name="uq_answer_response_item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")
