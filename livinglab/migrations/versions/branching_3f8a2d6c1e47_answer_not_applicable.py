"""answer.not_applicable: a question whose condition (`show_if`) was not met, stored as such, apart from missing

A not-applicable row has neither number nor text (a CHECK). Every answer before this revision was given or
missing, never not applicable: all get false.

Revision ID: branching_3f8a2d6c1e47
Revises: sites_7b3d9f1e5a24
Create Date: 2026-11-30 23:10:00
"""
from alembic import op

revision = "branching_3f8a2d6c1e47"
down_revision = "sites_7b3d9f1e5a24"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would cascade
# (foreign keys are on) to the answers' revisions. The CHECK belongs to the new column, so that SQLite (3.35 on)
# drops both in place on the way down.
def upgrade():
    op.execute(
        "ALTER TABLE answer ADD COLUMN not_applicable BOOLEAN DEFAULT false NOT NULL "
        "CONSTRAINT ck_answer_not_applicable_empty CHECK (NOT not_applicable OR (number IS NULL AND text IS NULL))"
    )


def downgrade():
    op.drop_column("answer", "not_applicable")
