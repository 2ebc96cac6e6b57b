"""Participants in a study: screening counts, enrolment with its arm, consent signatures, answers."""

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import NEVER_REUSE_IDS, User, enum_column
from ..extensions import Model
from ..studies.enums import ConsentMode
from ..studies.models import ConsentVersion, Study
from ..surveys.models import Survey
from ..timeutil import utcnow


class ScreeningOutcome(enum.StrEnum):
    """How far a person went, as the flow counts them: each person once per pilot, at their latest step."""

    NOT_ELIGIBLE = "not_eligible"
    ELIGIBLE = "eligible"  # passed the check, has not enrolled (yet)
    DECLINED_CONSENT = "declined_consent"  # refused a required clause
    TURNED_AWAY_FULL = "turned_away_full"  # eligible and consenting, but the pilot was full
    ENROLLED = "enrolled"


class Screening(Model):
    """One row per person who completed a pilot's eligibility check: never the answers (age, criteria), only
    the outcome and the rules not met, under a key that does not name the person (a keyed hash of the account
    id, or of a visitor's random id). The unique key counts each person once per pilot."""

    __table_args__ = (UniqueConstraint("study_id", "screener_key", name="uq_screening_study_screener_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    screener_key: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[ScreeningOutcome] = mapped_column(enum_column(ScreeningOutcome, name="screening_outcome"))
    # The rules not met, when not eligible: "age", "criterion:<n>", separated by spaces.
    reasons: Mapped[str] = mapped_column(String(500), default="")
    # The stratum of the randomisation the age falls in ("40-64"; "" without strata): never the age itself.
    stratum: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # The site the person said they take part at (studies/sites.py; "" when the pilot has no sites).
    site: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # The eligibility check (or the later step) was completed then; the consent step trusts a recent one.
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Enrolment(Model):
    __table_args__ = (
        UniqueConstraint("study_id", "user_id", name="uq_enrolment_study_user"),
        UniqueConstraint("study_id", "position", name="uq_enrolment_study_position"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    # Null once the account is erased and the answers kept anonymously.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    participant_code: Mapped[str] = mapped_column(String(16), unique=True)
    position: Mapped[int] = mapped_column()  # 1 for the first enrolled
    arm: Mapped[str] = mapped_column(String(64))
    stratum: Mapped[str] = mapped_column(String(16), default="", server_default="")  # randomised within it
    site: Mapped[str] = mapped_column(String(32), default="", server_default="")  # studies/sites.py; "" for none
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus, name="enrolment_status"), default=EnrolmentStatus.ACTIVE
    )
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_erased: Mapped[bool] = mapped_column(default=False)

    study: Mapped[Study] = relationship()
    user: Mapped[User | None] = relationship()
    signatures: Mapped[list["ConsentSignature"]] = relationship(
        back_populates="enrolment", order_by="ConsentSignature.id", cascade="all, delete-orphan"
    )
    responses: Mapped[list["Response"]] = relationship(
        back_populates="enrolment", order_by="Response.id", cascade="all, delete-orphan"
    )

    @property
    def signature(self) -> "ConsentSignature | None":
        return self.signatures[-1] if self.signatures else None


class ConsentSignature(Model):
    """Evidence of consent: which version, each clause's answer, signed as whom, when."""

    __table_args__ = {**NEVER_REUSE_IDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    consent_version_id: Mapped[int] = mapped_column(ForeignKey("consent_version.id"))
    clauses: Mapped[dict] = mapped_column(JSON)  # {clause key: true | false}
    signed_name: Mapped[str] = mapped_column(String(200))  # "" when the mode asks no signature and none was given
    # How the participant agreed: the mode the pilot's category asked for when they did (studies/regulatory.py)
    mode: Mapped[ConsentMode] = mapped_column(
        enum_column(ConsentMode, name="consent_mode"), default=ConsentMode.WRITTEN, server_default="written"
    )
    # The language the consent was read in (studies/pilot_languages.py); "" when not recorded (before it was).
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    enrolment: Mapped[Enrolment] = relationship(back_populates="signatures")
    consent_version: Mapped[ConsentVersion] = relationship()


class AllocationSlot(Model):
    """The concealed allocation list: generated a permuted block at a time, never shown to anyone."""

    __table_args__ = (
        UniqueConstraint("study_id", "stratum", "position", name="uq_allocation_slot_study_stratum_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    # Each stratum has its own list (studies/allocation.py); "" for a pilot that does not stratify; "site/band"
    # when it stratifies by site (studies/sites.py).
    stratum: Mapped[str] = mapped_column(String(48), default="", server_default="")
    position: Mapped[int] = mapped_column()  # 1 for the first slot of the stratum
    block: Mapped[int] = mapped_column()
    arm: Mapped[str] = mapped_column(String(64))
    used: Mapped[bool] = mapped_column(default=False, server_default=false())  # given to a participant


class Response(Model):
    """One participant's answers to one survey: once, enforced by the database."""

    __table_args__ = (
        # a repeatable survey's reports are numbered 1, 2... (`repeats.py`); every other survey's is instance 1
        UniqueConstraint("enrolment_id", "survey_id", "instance", name="uq_response_enrolment_survey"),
        CheckConstraint("instance >= 1", name="instance_positive"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    instance: Mapped[int] = mapped_column(default=1, server_default="1")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the participant started it (the survey page's first display, or the draft's first save), for the
    # data-quality flags; null when unknown (answered before it was recorded, or sent by the API without it).
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Corrections (`corrections.py`): how many were made, the last one when. A correction sends the revision
    # it corrects, and moves it on with a conditional UPDATE: two corrections of one revision, one wins.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    revised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    enrolment: Mapped[Enrolment] = relationship(back_populates="responses")
    survey: Mapped[Survey] = relationship()
    answers: Mapped[list["Answer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )


class Answer(Model):
    """Long form: one row per (response, item); numbers in `number`, everything else in `text`."""

    __table_args__ = (
        UniqueConstraint("response_id", "item_key", name="uq_answer_response_item_key"),
        # a question whose condition was not met (surveys/branching.py): no answer, and not missing either
        CheckConstraint("NOT not_applicable OR (number IS NULL AND text IS NULL)", name="not_applicable_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)
    not_applicable: Mapped[bool] = mapped_column(default=False, server_default=false())

    response: Mapped[Response] = relationship(back_populates="answers")


class CorrectionRole(enum.StrEnum):
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"


class AnswerRevision(Model):
    """One corrected answer: its value before and after, who corrected it (a role, and a coordinator's account
    id; never a participant's account or name) and why. The `answer` row holds the latest value, which the
    exports and the analysis read; these rows are the history, deleted with the response when answers are
    erased."""

    __table_args__ = (
        UniqueConstraint("response_id", "revision", "item_key", name="uq_answer_revision_response_id"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("changed_by_role IN ('participant', 'coordinator')", name="changed_by_role"),
        # a coordinator always gives a reason and is named by account id; a participant never by account
        CheckConstraint(
            "changed_by_role = 'participant' OR (reason IS NOT NULL AND reason != '' AND changed_by_id IS NOT NULL)",
            name="coordinator_reason",
        ),
        CheckConstraint("changed_by_role = 'coordinator' OR changed_by_id IS NULL", name="participant_unnamed"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column()  # the response's revision this change made (1 for the first)
    item_key: Mapped[str] = mapped_column(String(64))
    previous_number: Mapped[float | None] = mapped_column(Float)
    previous_text: Mapped[str | None] = mapped_column(Text)
    new_number: Mapped[float | None] = mapped_column(Float)
    new_text: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by_role: Mapped[str] = mapped_column(String(16))
    changed_by_id: Mapped[int | None] = mapped_column()  # a coordinator's account id (a plain integer, as in the trail)
    reason: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(viewonly=True)


class SurveyDraft(Model):
    """Answers saved to finish later: one per enrolment and survey, deleted when the survey is submitted.
    Never analysed nor exported (the loader reads `answer` only)."""

    __table_args__ = (UniqueConstraint("enrolment_id", "survey_id", name="uq_survey_draft_enrolment_survey"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)  # {answer key: the value as typed (or a list of them)}
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # When the participant started the survey: the first save, or the page's first display before it; kept by
    # later saves and handed to the response (null for drafts saved before it was recorded)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    survey: Mapped[Survey] = relationship()
