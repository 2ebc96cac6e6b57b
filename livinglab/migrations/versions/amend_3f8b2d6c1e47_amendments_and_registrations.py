"""amendments and registrations: proposed new versions of an approved protocol (one open per study, a
partial unique index), and the chain of registrations; every study already approved gets its first
registration (its current hash, no previous hash, approved when it was decided; its record is filled from
the study when its first amendment is approved, see studies/amendments.py)

Revision ID: amend_3f8b2d6c1e47
Revises: regulatory_3f2a7c9e1b64
Create Date: 2026-11-30 12:49:41.926628

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'amend_3f8b2d6c1e47'
down_revision = 'regulatory_3f2a7c9e1b64'
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('draft', 'submitted', 'changes_requested')")  # at most one such amendment per study


def upgrade():
    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'changes_requested', 'approved', 'rejected', name='amendment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=False),
    sa.CheckConstraint('version >= 2', name=op.f('ck_amendment_amendment_version')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_amendment_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_amendment_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment')),
    sa.UniqueConstraint('study_id', 'version', name='uq_amendment_study_version')
    )
    op.create_index(op.f('ix_amendment_study_id'), 'amendment', ['study_id'], unique=False)
    op.create_index('uq_amendment_one_open', 'amendment', ['study_id'], unique=True, sqlite_where=OPEN, postgresql_where=OPEN)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('registration_hash', sa.String(length=64), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('record', sa.JSON(), nullable=True),
    sa.Column('outcome_change', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_registration_study_id_study'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('study_id', 'version', name='uq_registration_study_version')
    )
    op.create_index(op.f('ix_registration_study_id'), 'registration', ['study_id'], unique=False)
    op.execute(
        "INSERT INTO registration (study_id, version, registration_hash, previous_hash, approved_at, record, "
        "outcome_change) SELECT id, version, registration_hash, NULL, COALESCE(decided_at, updated_at), NULL, '' "
        "FROM study WHERE registration_hash IS NOT NULL "
        "AND status IN ('approved', 'recruiting', 'paused', 'closed', 'ended')"
    )


def downgrade():
    op.drop_index(op.f('ix_registration_study_id'), table_name='registration')
    op.drop_table('registration')
    op.drop_index('uq_amendment_one_open', table_name='amendment')
    op.drop_index(op.f('ix_amendment_study_id'), table_name='amendment')

    op.drop_table('amendment')
