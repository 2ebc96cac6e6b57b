"""the planned sample size: study.sample_size, the assumptions of a power calculation or a feasibility
justification (SPIRIT item 14; studies/sample_size.py); null for the studies that exist (not stated).

Revision ID: sample_size_5b1d7e3a9c20
Revises: amend_3f8b2d6c1e47
Create Date: 2026-11-30 15:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "sample_size_5b1d7e3a9c20"
down_revision = "amend_3f8b2d6c1e47"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("study") as batch:
        batch.add_column(sa.Column("sample_size", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("study") as batch:
        batch.drop_column("sample_size")
