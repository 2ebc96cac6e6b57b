"""study sponsor: the organisation legally responsible for the research

Revision ID: schema_7a3c9e1d5b20
Revises: 5e1f0c7a9b2d
Create Date: 2026-11-30 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'schema_7a3c9e1d5b20'
down_revision = '5e1f0c7a9b2d'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would
# cascade (foreign keys are on) to every enrolment, response and answer of every study.
def upgrade():
    op.add_column('study', sa.Column('sponsor', sa.String(length=200), nullable=False, server_default=''))


def downgrade():
    op.drop_column('study', 'sponsor')  # SQLite 3.35 and later drop a column in place
