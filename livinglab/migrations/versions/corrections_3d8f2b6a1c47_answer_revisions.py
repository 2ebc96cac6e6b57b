"""corrections: the history of corrected answers, and each response's revision

Revision ID: corrections_3d8f2b6a1c47
Revises: results_8d2f4a6c1e90
Create Date: 2026-11-30 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'corrections_3d8f2b6a1c47'
down_revision = 'results_8d2f4a6c1e90'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on `response`, not a batch (see schema_7a3c9e1d5b20): a batch would copy the table and
# dropping the old copy would cascade to every answer.
def upgrade():
    op.add_column('response', sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('response', sa.Column('revised_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('answer_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=64), nullable=False),
    sa.Column('previous_number', sa.Float(), nullable=True),
    sa.Column('previous_text', sa.Text(), nullable=True),
    sa.Column('new_number', sa.Float(), nullable=True),
    sa.Column('new_text', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_role', sa.String(length=16), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint('revision >= 1', name=op.f('ck_answer_revision_revision_positive')),
    sa.CheckConstraint("changed_by_role IN ('participant', 'coordinator')", name=op.f('ck_answer_revision_changed_by_role')),
    sa.CheckConstraint("changed_by_role = 'participant' OR (reason IS NOT NULL AND reason != '' AND changed_by_id IS NOT NULL)", name=op.f('ck_answer_revision_coordinator_reason')),
    sa.CheckConstraint("changed_by_role = 'coordinator' OR changed_by_id IS NULL", name=op.f('ck_answer_revision_participant_unnamed')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_revision_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_revision')),
    sa.UniqueConstraint('response_id', 'revision', 'item_key', name=op.f('uq_answer_revision_response_id')),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_answer_revision_response_id'), 'answer_revision', ['response_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_answer_revision_response_id'), table_name='answer_revision')
    op.drop_table('answer_revision')
    op.drop_column('response', 'revised_at')
    op.drop_column('response', 'revision')
