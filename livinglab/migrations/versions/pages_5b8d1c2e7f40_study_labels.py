"""study labels: what the founder calls each arm and timepoint

Revision ID: pages_5b8d1c2e7f40
Revises: 432ef630e21e
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'pages_5b8d1c2e7f40'
down_revision = '432ef630e21e'
branch_labels = None
depends_on = None

EMPTY = '{"arms": {}, "timepoints": {}}'


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would
# cascade (foreign keys are on) to every enrolment, response and answer of every study.
def upgrade():
    op.add_column('study', sa.Column('labels', sa.JSON(), nullable=False, server_default=sa.text(f"'{EMPTY}'")))


def downgrade():
    op.drop_column('study', 'labels')  # SQLite 3.35 and later drop a column in place
