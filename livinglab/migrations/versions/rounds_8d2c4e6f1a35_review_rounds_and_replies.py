"""review rounds and the response letter: each submission for review (of the protocol or of an amendment)
is frozen in `review_round`; a review comment belongs to the round decided, takes any section of the protocol
(its page's sections, the consent, the surveys, one survey by key: a string checked by the database instead of
five enum values) and the startup's reply

Revision ID: rounds_8d2c4e6f1a35
Revises: retention_6d4b8e2a1f35
Create Date: 2026-11-30 15:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'rounds_8d2c4e6f1a35'
down_revision = 'retention_6d4b8e2a1f35'
branch_labels = None
depends_on = None

OLD_SECTIONS = ('general', 'design', 'consent', 'surveys', 'data_protection')
NEW_SECTIONS = ('general', 'protocol', 'design', 'outcome', 'regulatory', 'data_protection', 'consent', 'surveys')
CHECK = "section IN ({}) OR section LIKE 'survey:%'".format(", ".join(f"'{name}'" for name in NEW_SECTIONS))


def old_type():
    return sa.Enum(*OLD_SECTIONS, name='review_section', native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table('review_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('study_id', sa.Integer(), nullable=False),
    sa.Column('amendment_version', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_review_round_round_number')),
    sa.ForeignKeyConstraint(['study_id'], ['study.id'], name=op.f('fk_review_round_study_id_study'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_review_round_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_round')),
    sa.UniqueConstraint('study_id', 'amendment_version', 'number', name='uq_review_round_study_amendment_number')
    )
    op.create_index(op.f('ix_review_round_study_id'), 'review_round', ['study_id'], unique=False)

    # changing the type drops the enum's CHECK (ck_review_comment_review_section), on both databases
    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        batch_op.alter_column('section', existing_type=old_type(), type_=sa.String(length=64), existing_nullable=False)
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reply', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replied_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_comment_round_id_review_round'), 'review_round', ['round_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_review_comment_replied_by_id_user_account'), 'user_account', ['replied_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_review_comment_round_id'), ['round_id'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_review_comment_review_section'), CHECK)
    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        batch_op.alter_column('reply', server_default=None)


def downgrade():
    # sections the old schema does not know fall back to the nearest of its five
    op.execute("UPDATE review_comment SET section = 'design' WHERE section IN ('protocol', 'outcome')")
    op.execute("UPDATE review_comment SET section = 'data_protection' WHERE section = 'regulatory'")
    op.execute("UPDATE review_comment SET section = 'surveys' WHERE section LIKE 'survey:%'")
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_review_comment_review_section'), 'review_comment', type_='check')
    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        if op.get_bind().dialect.name == 'sqlite':
            batch_op.drop_constraint(batch_op.f('ck_review_comment_review_section'), type_='check')
        batch_op.drop_index(batch_op.f('ix_review_comment_round_id'))
        batch_op.drop_constraint(batch_op.f('fk_review_comment_replied_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_review_comment_round_id_review_round'), type_='foreignkey')
        batch_op.drop_column('replied_by_id')
        batch_op.drop_column('replied_at')
        batch_op.drop_column('reply')
        batch_op.drop_column('round_id')
        batch_op.alter_column('section', existing_type=sa.String(length=64), type_=old_type(), existing_nullable=False)

    op.drop_index(op.f('ix_review_round_study_id'), table_name='review_round')
    op.drop_table('review_round')
