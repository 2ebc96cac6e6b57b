"""the declared primary contrast: which arm is compared with the control (empty: the second arm listed)

Every existing study gets the empty value, which means the second arm listed: the contrast they were registered
with (API.md: "the intervention arm (the second arm listed)").

Revision ID: primaryarm_2e7c5a9d4b61
Revises: quality_4c7e1a9d2b58
Create Date: 2026-11-30 19:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = "primaryarm_2e7c5a9d4b61"
down_revision = "quality_4c7e1a9d2b58"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would
# cascade (foreign keys are on) to every enrolment, response and answer of every study.
def upgrade():
    op.add_column("study", sa.Column("primary_arm", sa.String(length=64), nullable=False, server_default=""))


def downgrade():
    op.drop_column("study", "primary_arm")  # SQLite 3.35 and later drop a column in place
