"""data quality: when a participant started each survey (the response, and the draft that carries it), and
exclusions of responses from the sensitivity analysis, with a reason (one active per response)

Revision ID: quality_4c7e1a9d2b58
Revises: allocation_4c7e1b9d2f60
Create Date: 2026-11-30 18:39:27.358433

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'quality_4c7e1a9d2b58'
down_revision = 'allocation_4c7e1b9d2f60'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on `response`, not a batch (see corrections_3d8f2b6a1c47): a batch would copy the table and
# dropping the old copy would cascade to every answer.
def upgrade():
    op.add_column('response', sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('survey_draft', sa.Column('started_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('response_exclusion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('excluded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('excluded_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_response_exclusion_reason_given')),
    sa.CheckConstraint('revoked_by_id IS NULL OR revoked_at IS NOT NULL', name=op.f('ck_response_exclusion_revoked_when')),
    sa.ForeignKeyConstraint(['excluded_by_id'], ['user_account.id'], name=op.f('fk_response_exclusion_excluded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_response_exclusion_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_response_exclusion_revoked_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_exclusion')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_response_exclusion_response_id'), 'response_exclusion', ['response_id'], unique=False)
    op.create_index('uq_response_exclusion_active', 'response_exclusion', ['response_id'], unique=True,
                    sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    op.drop_index('uq_response_exclusion_active', table_name='response_exclusion')
    op.drop_index(op.f('ix_response_exclusion_response_id'), table_name='response_exclusion')
    op.drop_table('response_exclusion')
    op.drop_column('survey_draft', 'started_at')
    op.drop_column('response', 'started_at')
