"""results that are never cold: how many completed surveys the cached results include, and the worker's
bookkeeping of the pilots whose results it recomputes

Revision ID: results_8d2f4a6c1e90
Revises: schema_9c2e4a7b1d63
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'results_8d2f4a6c1e90'
down_revision = 'schema_9c2e4a7b1d63'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch (see schema_7a3c9e1d5b20). Results cached before carry format 2 and are
# computed again before they are served (FORMAT 3), so the 0 given to their old rows is never shown.
def upgrade():
    op.add_column('results_cache', sa.Column('responses_included', sa.Integer(), nullable=False, server_default='0'))
    op.create_table('results_refresh',
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_results_refresh_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('study_id', name=op.f('pk_results_refresh'))
    )


def downgrade():
    op.drop_table('results_refresh')
    op.drop_column('results_cache', 'responses_included')
