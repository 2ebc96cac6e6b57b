"""accounts: session tokens, invitations, sign-in throttle, token names, look-alike organisation names,
ids never reused on SQLite

Revision ID: accounts_7c1e2a9b4d10
Revises: pages_5b8d1c2e7f40
Create Date: 2026-11-30 06:30:00

On SQLite, tables whose ids name people or are handed out (accounts, organisations, API tokens,
invitations, enrolments, consent signatures, responses, surveys) are rebuilt with AUTOINCREMENT, so
that a deleted row's id is never given to a new one. PostgreSQL sequences never reuse ids: nothing to do
there. The rebuild needs SQLite's foreign keys off, which migrations/env.py arranges.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = "accounts_7c1e2a9b4d10"
down_revision = "pages_5b8d1c2e7f40"
branch_labels = None
depends_on = None

NEVER_REUSED = ("user_account", "organisation", "api_token", "enrolment", "consent_signature", "response", "survey")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _recreate(table: str, autoincrement: bool):
    """A batch block that rebuilds the table on SQLite, with or without AUTOINCREMENT."""
    if _sqlite():
        return op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement})
    return op.batch_alter_table(table)


def _organisation_keys(bind) -> None:
    """Fill the look-alike keys of existing names; a pair that already clashes keeps both names, the
    later one's keys marked with its id."""
    from livinglab.auth.names import glyph_key, name_key

    organisation = sa.table("organisation", sa.column("id", sa.Integer), sa.column("name", sa.String),
                            sa.column("name_key", sa.String), sa.column("glyph_key", sa.String))
    seen_names, seen_glyphs = set(), set()
    for row_id, name in bind.execute(sa.select(organisation.c.id, organisation.c.name)
                                     .order_by(organisation.c.id)).all():
        key, glyph = name_key(name), glyph_key(name)
        if key in seen_names or glyph in seen_glyphs:
            key, glyph = f"{key}#{row_id}", f"{glyph}#{row_id}"
        seen_names.add(key)
        seen_glyphs.add(glyph)
        bind.execute(organisation.update().where(organisation.c.id == row_id)
                     .values(name_key=key, glyph_key=glyph))


def _session_tokens(bind) -> None:
    user = sa.table("user_account", sa.column("id", sa.Integer), sa.column("session_token", sa.String))
    for (row_id,) in bind.execute(sa.select(user.c.id)).all():
        bind.execute(user.update().where(user.c.id == row_id).values(session_token=secrets.token_urlsafe(32)))


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=800), nullable=True))
        batch_op.add_column(sa.Column("glyph_key", sa.String(length=800), nullable=True))
    _organisation_keys(bind)
    with _recreate("organisation", True) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=800), nullable=False)
        batch_op.alter_column("glyph_key", existing_type=sa.String(length=800), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_organisation_name_key"), ["name_key"])
        batch_op.create_unique_constraint(batch_op.f("uq_organisation_glyph_key"), ["glyph_key"])

    with op.batch_alter_table("user_account") as batch_op:
        batch_op.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
    _session_tokens(bind)
    with _recreate("user_account", True) as batch_op:
        batch_op.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_session_token"), ["session_token"])
        batch_op.drop_constraint(batch_op.f("ck_user_account_startup_has_organisation"), type_="check")
        batch_op.drop_column("failed_signins")
        batch_op.drop_column("locked_until")

    with _recreate("api_token", True) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))

    if _sqlite():
        for table in ("enrolment", "consent_signature", "response", "survey"):
            with _recreate(table, True):
                pass

    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum("pending", "accepted", "revoked", name="invitation_status", native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["invited_by_id"], ["user_account.id"],
                                name=op.f("fk_invitation_invited_by_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"],
                                name=op.f("fk_invitation_organisation_id_organisation"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitation_token_hash")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("invitation") as batch_op:
        batch_op.create_index(batch_op.f("ix_invitation_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitation_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "signin_throttle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_signin_throttle_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signin_throttle")),
        sa.UniqueConstraint("user_id", "client", name="uq_signin_throttle_user_client"),
    )
    with op.batch_alter_table("signin_throttle") as batch_op:
        batch_op.create_index(batch_op.f("ix_signin_throttle_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("signin_throttle") as batch_op:
        batch_op.drop_index(batch_op.f("ix_signin_throttle_user_id"))
    op.drop_table("signin_throttle")
    with op.batch_alter_table("invitation") as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_invitation_email"))
    op.drop_table("invitation")

    if _sqlite():
        for table in ("enrolment", "consent_signature", "response", "survey"):
            with _recreate(table, False):
                pass
    with _recreate("api_token", False) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("name")
    # Startups that left an organisation get one of their own again, for the restored CHECK constraint.
    bind = op.get_bind()
    user = sa.table("user_account", sa.column("id", sa.Integer), sa.column("role", sa.String),
                    sa.column("organisation_id", sa.Integer))
    organisation = sa.table("organisation", sa.column("id", sa.Integer), sa.column("name", sa.String),
                            sa.column("name_key", sa.String), sa.column("glyph_key", sa.String),
                            sa.column("created_at", sa.DateTime))
    from datetime import datetime, timezone

    for (row_id,) in bind.execute(sa.select(user.c.id).where(user.c.role == "startup",
                                                            user.c.organisation_id.is_(None))).all():
        marker = f"(organisation of account {row_id})"
        new_id = bind.execute(organisation.insert().values(name=marker, name_key=marker, glyph_key=marker,
                                                           created_at=datetime.now(timezone.utc))
                              .returning(organisation.c.id)).scalar_one()
        bind.execute(user.update().where(user.c.id == row_id).values(organisation_id=new_id))
    with _recreate("user_account", False) as batch_op:
        batch_op.add_column(sa.Column("failed_signins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_user_account_startup_has_organisation"),
                                         "role != 'startup' OR organisation_id IS NOT NULL")
        batch_op.drop_constraint(batch_op.f("uq_user_account_session_token"), type_="unique")
        batch_op.drop_column("session_token")
    with _recreate("organisation", False) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisation_glyph_key"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_organisation_name_key"), type_="unique")
        batch_op.drop_column("glyph_key")
        batch_op.drop_column("name_key")
