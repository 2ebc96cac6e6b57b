"""Accounts, organisations, invitations, API tokens and the sign-in throttle."""

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow

# SQLite reuses the id of the newest row once it is deleted unless the table says AUTOINCREMENT; an id
# that once named a person, or was handed out in a URL or an answer, must never name another.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


class Role(enum.StrEnum):
    STARTUP = "startup"
    PARTICIPANT = "participant"
    COORDINATOR = "coordinator"


def enum_column(enum_cls, **kw):
    """Enums stored as their values, as readable strings, the same on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        **kw,
    )


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Organisation(Model):
    __table_args__ = {**NEVER_REUSE_IDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Look-alike names clash on these (auth/names.py): case-folded skeleton, and the skeleton as written.
    name_key: Mapped[str] = mapped_column(String(800), unique=True)
    glyph_key: Mapped[str] = mapped_column(String(800), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="organisation", order_by="User.name")


class User(UserMixin, Model):
    __tablename__ = "user_account"
    __table_args__ = {**NEVER_REUSE_IDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, name="role"))
    # A startup account belongs to one organisation at a time; between leaving one and joining
    # another it belongs to none (and can create no study).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What a session cookie names (Flask-Login's alternative id), never the row id: a new value
    # ends every session of the account, and it dies with the account.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_secret)
    # Null until the owner of the address follows the verification link: until then the outbox
    # holds every message to it but the verification itself (livinglab/notifications/outbox.py).
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_startup(self) -> bool:
        return self.role == Role.STARTUP

    @property
    def is_participant(self) -> bool:
        return self.role == Role.PARTICIPANT


class ApiToken(Model):
    __table_args__ = {**NEVER_REUSE_IDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class Invitation(Model):
    """An email invited into an organisation. Only the hash of its secret is kept: the link holding the
    secret is shown once to the inviter (and, once mail exists, written into the outbox message in the
    same transaction)."""

    __table_args__ = {**NEVER_REUSE_IDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, name="invitation_status"), default=InvitationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()


class SigninThrottle(Model):
    """Consecutive failed sign-ins of one account from one client address, and until when that address
    must wait before trying that account again. Other addresses are not affected."""

    __table_args__ = (UniqueConstraint("user_id", "client", name="uq_signin_throttle_user_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
