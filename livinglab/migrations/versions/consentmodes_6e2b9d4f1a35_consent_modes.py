"""consent modes and the consent's GDPR information

- consent_signature.mode: how the participant agreed (`written`, `express`, `information`), with its CHECK;
  the signatures that exist were all written ones (the only mode until now);
- consent_version.gdpr: the mandatory GDPR information items of the consent, {item: text}; null for the
  versions that exist (written before the items were structured).

Revision ID: consentmodes_6e2b9d4f1a35
Revises: sample_size_5b1d7e3a9c20
Create Date: 2026-11-30 15:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "consentmodes_6e2b9d4f1a35"
down_revision = "sample_size_5b1d7e3a9c20"
branch_labels = None
depends_on = None

MODES = ("written", "express", "information")


def mode_type():
    return sa.Enum(*MODES, name="consent_mode", native_enum=False, create_constraint=True, length=32)


# Plain ALTER TABLE for the columns; the CHECK on SQLite by rebuilding consent_signature (a batch: nothing
# refers to that table, and foreign keys are off during migrations, migrations/env.py).
def upgrade():
    op.add_column("consent_version", sa.Column("gdpr", sa.JSON(), nullable=True))
    op.add_column(
        "consent_signature", sa.Column("mode", sa.String(length=32), nullable=False, server_default="written")
    )
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "consent_signature", schema=None, table_kwargs={"sqlite_autoincrement": True}  # ids never reused
        ) as batch_op:
            batch_op.alter_column(
                "mode", existing_type=sa.String(length=32), type_=mode_type(), existing_nullable=False,
                existing_server_default="written",
            )
    else:
        op.create_check_constraint(
            op.f("ck_consent_signature_consent_mode"), "consent_signature", "mode IN ('written', 'express', 'information')"
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "consent_signature", schema=None, table_kwargs={"sqlite_autoincrement": True}  # ids never reused
        ) as batch_op:
            batch_op.drop_constraint(op.f("ck_consent_signature_consent_mode"), type_="check")
            batch_op.drop_column("mode")
    else:
        op.drop_constraint(op.f("ck_consent_signature_consent_mode"), "consent_signature", type_="check")
        op.drop_column("consent_signature", "mode")
    op.drop_column("consent_version", "gdpr")
