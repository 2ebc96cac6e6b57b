"""survey windows: the day each timepoint's surveys close, and the protocol's reminder days

Revision ID: schema_9c2e4a7b1d63
Revises: schema_7a3c9e1d5b20
Create Date: 2026-11-30 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'schema_9c2e4a7b1d63'
down_revision = 'schema_7a3c9e1d5b20'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch (see schema_7a3c9e1d5b20). Existing studies keep what the code did
# before: no close day listed (14 days after opening) and reminders on days 3 and 7.
def upgrade():
    op.add_column('study', sa.Column('timepoint_closes', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('study', sa.Column('reminder_days', sa.JSON(), nullable=False, server_default='[3, 7]'))


def downgrade():
    op.drop_column('study', 'reminder_days')
    op.drop_column('study', 'timepoint_closes')
