"""Repeated reports: survey.repeat (a diary, a problem report) and response.instance

A repeatable survey is answered any number of times; its responses are numbered 1, 2... The unique constraint on
(enrolment, survey) becomes (enrolment, survey, instance). Every response before this revision is instance 1, and
every survey is answered once (repeat null).

Revision ID: reports_9e4c2a7d1b53
Revises: languages_8e2c4a6f1b93
Create Date: 2026-12-01 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "reports_9e4c2a7d1b53"
down_revision = "languages_8e2c4a6f1b93"
branch_labels = None
depends_on = None

NEVER_REUSE_IDS = {"sqlite_autoincrement": True}  # both tables keep AUTOINCREMENT when SQLite rebuilds them


# On SQLite the batches rebuild the tables; env.py turns foreign keys off first, so no answer is cascaded away.
def upgrade():
    with op.batch_alter_table("survey", table_kwargs=NEVER_REUSE_IDS) as batch_op:
        batch_op.add_column(sa.Column("repeat", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint("ck_survey_repeat_kind", "repeat IN ('diary', 'problem_report')")
    with op.batch_alter_table("response", table_kwargs=NEVER_REUSE_IDS) as batch_op:
        batch_op.add_column(sa.Column("instance", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_check_constraint("ck_response_instance_positive", "instance >= 1")
        batch_op.drop_constraint("uq_response_enrolment_survey", type_="unique")
        batch_op.create_unique_constraint("uq_response_enrolment_survey", ["enrolment_id", "survey_id", "instance"])


def downgrade():
    # the second and later reports have no place in the older schema: refuse rather than delete them
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM response WHERE instance > 1")).scalar():
        raise RuntimeError("repeated reports exist (response.instance > 1): export and delete them first")
    with op.batch_alter_table("response", table_kwargs=NEVER_REUSE_IDS) as batch_op:
        batch_op.drop_constraint("uq_response_enrolment_survey", type_="unique")
        batch_op.create_unique_constraint("uq_response_enrolment_survey", ["enrolment_id", "survey_id"])
        batch_op.drop_constraint("ck_response_instance_positive", type_="check")
        batch_op.drop_column("instance")
    with op.batch_alter_table("survey", table_kwargs=NEVER_REUSE_IDS) as batch_op:
        batch_op.drop_constraint("ck_survey_repeat_kind", type_="check")
        batch_op.drop_column("repeat")
