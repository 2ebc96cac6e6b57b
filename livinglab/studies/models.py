"""Pilot protocols, their review, and their consent documents."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Organisation, User, enum_column
from ..extensions import Model
from ..timeutil import utcnow
from . import sections
from .enums import (  # noqa: F401 (their home)
    CnilFramework,
    Design,
    Domain,
    Hypothesis,
    PrimaryAnalysis,
    ResearchCategory,
    SecondaryAdjustment,
)
from .protocol import declare_columns

if TYPE_CHECKING:
    from ..surveys.models import Survey  # which imports this module


class StudyStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECRUITING = "recruiting"
    PAUSED = "paused"
    CLOSED = "closed"  # recruitment closed: the enrolled still answer their timepoints
    ENDED = "ended"  # data collection over: no more answers, final results


class Study(Model):
    __table_args__ = (
        CheckConstraint("target_enrolment IS NULL OR target_enrolment > 0", name="target_positive"),
        CheckConstraint("alpha > 0 AND alpha < 1", name="alpha_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The enrolment cap, held by the database even under concurrent enrolments.
        CheckConstraint("target_enrolment IS NULL OR enrolled_count <= target_enrolment", name="enrolment_cap"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[StudyStatus] = mapped_column(
        enum_column(StudyStatus, name="study_status"), default=StudyStatus.DRAFT, index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    # The protocol
    title: Mapped[str] = mapped_column(String(200))
    domain: Mapped[Domain] = mapped_column(enum_column(Domain, name="domain"))
    summary: Mapped[str] = mapped_column(Text, default="")
    objectives: Mapped[str] = mapped_column(Text, default="")
    design: Mapped[Design] = mapped_column(enum_column(Design, name="design"), default=Design.SINGLE_GROUP_PRE_POST)
    arms: Mapped[list] = mapped_column(JSON, default=lambda: ["intervention"])
    timepoints: Mapped[list] = mapped_column(JSON, default=lambda: ["baseline", "follow_up"])
    target_enrolment: Mapped[int | None] = mapped_column()
    eligibility: Mapped[dict] = mapped_column(JSON, default=lambda: {"min_age": 18, "max_age": None, "criteria": []})
    primary_variable: Mapped[str | None] = mapped_column(String(64))
    hypothesis: Mapped[Hypothesis | None] = mapped_column(enum_column(Hypothesis, name="hypothesis"))
    alpha: Mapped[float] = mapped_column(default=0.05)
    # New studies are analysed with ANCOVA; those registered before it existed keep Welch (the migration).
    primary_analysis: Mapped[PrimaryAnalysis] = mapped_column(
        enum_column(PrimaryAnalysis, name="primaryanalysis"),
        default=PrimaryAnalysis.ANCOVA,
        server_default=PrimaryAnalysis.ANCOVA.value,
    )
    # The arm compared with the control in the primary contrast; empty: the second arm listed (migration primaryarm).
    primary_arm: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # The timepoint of the primary contrast; empty: the last timepoint measuring the primary variable (migration
    # primarytp).
    primary_timepoint: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # How the secondary families' p values are adjusted (issue 13): Holm unless the protocol chose Benjamini–Hochberg.
    secondary_adjustment: Mapped[SecondaryAdjustment] = mapped_column(
        enum_column(SecondaryAdjustment, name="secondaryadjustment"),
        default=SecondaryAdjustment.HOLM,
        server_default=SecondaryAdjustment.HOLM.value,
    )
    # Days after enrolment before each timepoint's survey opens: {timepoint: days}; absent means 0.
    timepoint_delays: Mapped[dict] = mapped_column(JSON, default=dict)
    # The day after enrolment each timepoint's surveys close: {timepoint: days}; absent means 14 days after
    # they open (participants/schedule.py). Reminders: days after a survey opens (sent only while it is open).
    timepoint_closes: Mapped[dict] = mapped_column(JSON, default=dict)
    reminder_days: Mapped[list] = mapped_column(JSON, default=lambda: [3, 7])
    # What the founder calls the arms and timepoints, by key: {"arms": {key: label}, "timepoints": {...}}.
    labels: Mapped[dict] = mapped_column(JSON, default=lambda: {"arms": {}, "timepoints": {}})
    enrolled_count: Mapped[int] = mapped_column(default=0)
    data_version: Mapped[int] = mapped_column(default=0)  # bumped by every answer or withdrawal

    # What a review needs in practice
    intervention: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    data_collected: Mapped[str] = mapped_column(Text, default="")
    duration: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    compensation: Mapped[str] = mapped_column(Text, default="")

    # The French regulatory frame
    research_category: Mapped[ResearchCategory | None] = mapped_column(
        enum_column(ResearchCategory, name="research_category")
    )
    cnil_framework: Mapped[CnilFramework | None] = mapped_column(enum_column(CnilFramework, name="cnil_framework"))
    cnil_reference: Mapped[str] = mapped_column(String(200), default="")
    ethics_opinion: Mapped[str] = mapped_column(String(200), default="")
    dpia_done: Mapped[bool] = mapped_column(default=False)
    # The qualification questionnaire's answers, {question: answer} (studies/regulatory.py); {}: not answered.
    qualification: Mapped[dict] = mapped_column(JSON, default=dict)
    # How the target enrolment was planned (studies/sample_size.py); null: not stated.
    sample_size: Mapped[dict | None] = mapped_column(JSON)
    # The arms' ratio and the age strata of the randomisation (studies/allocation.py); {}: 1:1, no strata.
    allocation: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    # Where the pilot runs: [{"key", "name"}] (studies/sites.py); []: one place, not asked.
    sites: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # The languages participants may read it in, the first its own (studies/pilot_languages.py); []: not declared.
    languages: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Its texts in the other declared languages: {language: {path: {"text", "source"}}} (pilot_languages.py).
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    retention_months: Mapped[int | None] = mapped_column()  # the active period after the end (retention.py)
    retention_archive_months: Mapped[int | None] = mapped_column()  # the archive period after it; null: none

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The last change of the protocol, consent, surveys or status; never participants' activity
    # (set by studies.timestamps, not by an onupdate that any counter update would fire).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    registration_hash: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Retention (studies/retention.py): a coordinator may postpone the purge to a later day, with a reason;
    # the purge sets `anonymised_at` once the participants' personal data are erased or anonymised.
    purge_postponed_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    purge_postponed_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()
    owner: Mapped[User] = relationship()
    consent_versions: Mapped[list["ConsentVersion"]] = relationship(
        back_populates="study", order_by="ConsentVersion.version", cascade="all, delete-orphan"
    )
    comments: Mapped[list["ReviewComment"]] = relationship(
        back_populates="study", order_by="ReviewComment.id", cascade="all, delete-orphan"
    )
    surveys: Mapped[list["Survey"]] = relationship(
        back_populates="study", order_by="Survey.id", cascade="all, delete-orphan"
    )
    registrations: Mapped[list["Registration"]] = relationship(
        order_by="Registration.version", cascade="all, delete-orphan"
    )

    @property
    def current_consent(self) -> "ConsentVersion | None":
        return self.consent_versions[-1] if self.consent_versions else None


declare_columns(Study)  # the protocol's fields declared in `protocol` that the class above does not spell out


class ConsentVersion(Model):
    __table_args__ = (
        UniqueConstraint("study_id", "version", name="uq_consent_version_study_version"),
        CheckConstraint("on_erasure IN ('erase', 'anonymise')", name="on_erasure_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    clauses: Mapped[list] = mapped_column(JSON, default=list)  # [{key, text, required}]
    # What happens to a participant's answers when they erase their account: "erase" | "anonymise".
    # Also what the end of the pilot's retention does to everyone's answers (studies/retention.py).
    on_erasure: Mapped[str] = mapped_column(String(16), default="erase")
    # The mandatory GDPR information items, {item: text} (studies/consent.py `GDPR_ITEMS`); null: not structured
    gdpr: Mapped[dict | None] = mapped_column(JSON)
    # Anonymised answers keep their free text (a "text" question's answers) only when this says so.
    keep_free_text: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    study: Mapped[Study] = relationship(back_populates="consent_versions")


class ReviewRound(Model):
    """One submission for review, frozen: the protocol's first review (`amendment_version` 0) or an
    amendment's (its version). The next round's diff is taken against it (studies/rounds.py)."""

    __table_args__ = (
        UniqueConstraint("study_id", "amendment_version", "number", name="uq_review_round_study_amendment_number"),
        CheckConstraint("number >= 1", name="round_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    amendment_version: Mapped[int] = mapped_column(default=0)  # 0: the protocol itself, before approval
    number: Mapped[int] = mapped_column()  # 1, 2, ... per study and amendment
    record: Mapped[dict] = mapped_column(JSON)  # services.frozen_record, as submitted
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewComment(Model):
    """A coordinator's decision comment, or a remark on one section of the protocol (studies/sections.py);
    the startup's reply to it, the response letter, goes with its next submission."""

    __table_args__ = (CheckConstraint(sections.CHECK_SQL, name="review_section"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    # The round decided; null for comments made before rounds were kept
    round_id: Mapped[int | None] = mapped_column(ForeignKey("review_round.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    section: Mapped[str] = mapped_column(String(sections.MAX_LEN))
    decision: Mapped[str | None] = mapped_column(String(32))
    study_version: Mapped[int] = mapped_column()  # the protocol version, or the amendment's
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    study: Mapped[Study] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    round: Mapped[ReviewRound | None] = relationship()


# --- Amendments and registrations (studies/amendments.py holds the rules) -----------------------------


class AmendmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_AMENDMENT = ("draft", "submitted", "changes_requested")  # at most one of these per study (the index below)


class Amendment(Model):
    """A proposed new version of an approved protocol: a snapshot shaped like `services.frozen_record`."""

    __table_args__ = (
        UniqueConstraint("study_id", "version", name="uq_amendment_study_version"),
        CheckConstraint("version >= 2", name="amendment_version"),
        # One open amendment per study, held by the database (a partial unique index, on both databases).
        Index(
            "uq_amendment_one_open",
            "study_id",
            unique=True,
            sqlite_where=text("status IN ('draft', 'submitted', 'changes_requested')"),
            postgresql_where=text("status IN ('draft', 'submitted', 'changes_requested')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()  # the protocol version it becomes once approved
    status: Mapped[AmendmentStatus] = mapped_column(
        enum_column(AmendmentStatus, name="amendment_status"), default=AmendmentStatus.DRAFT
    )
    reason: Mapped[str] = mapped_column(Text)
    record: Mapped[dict] = mapped_column(JSON)  # {"protocol", "consent", "surveys"}, as proposed
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    study: Mapped[Study] = relationship()


class Registration(Model):
    """One approved version of a study: its hash chains to the previous registration's."""

    __table_args__ = (UniqueConstraint("study_id", "version", name="uq_registration_study_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    registration_hash: Mapped[str] = mapped_column(String(64))
    previous_hash: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The frozen record the hash covers (without "previous_hash"); null only for rows the migration backfilled
    # until the study's first amendment is approved, which fills it from the study as it then still stands.
    record: Mapped[dict | None] = mapped_column(JSON)
    # Why the primary outcome or design changed at this version ("outcome switched after registration").
    outcome_change: Mapped[str] = mapped_column(Text, default="")
