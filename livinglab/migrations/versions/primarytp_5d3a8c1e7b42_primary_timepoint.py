"""the declared primary contrast: at which timepoint the primary outcome is compared (empty: the last that measures it)

Every existing study gets the empty value, which means the last timepoint measuring the primary variable: the
contrast they were registered with (API.md: "the first and the last timepoint that measure it").

Revision ID: primarytp_5d3a8c1e7b42
Revises: reports_9e4c2a7d1b53
Create Date: 2026-12-01 21:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = "primarytp_5d3a8c1e7b42"
down_revision = "reports_9e4c2a7d1b53"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would
# cascade (foreign keys are on) to every enrolment, response and answer of every study.
def upgrade():
    op.add_column("study", sa.Column("primary_timepoint", sa.String(length=64), nullable=False, server_default=""))


def downgrade():
    op.drop_column("study", "primary_timepoint")  # SQLite 3.35 and later drop a column in place
