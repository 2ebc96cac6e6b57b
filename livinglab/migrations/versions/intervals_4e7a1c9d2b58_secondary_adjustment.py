"""the adjustment of a protocol's secondary families: `holm` or `benjamini_hochberg`

Every study before this revision had its secondary outcomes adjusted by Holm, and registered ones were
registered so: all get `holm`, the default of new studies too.

Revision ID: intervals_4e7a1c9d2b58
Revises: primaryarm_2e7c5a9d4b61
Create Date: 2026-11-30 18:45:00
"""
from alembic import op

revision = "intervals_4e7a1c9d2b58"
down_revision = "primaryarm_2e7c5a9d4b61"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would
# cascade (foreign keys are on) to every enrolment, response and answer of every study.
def upgrade():
    # The column with its CHECK (schema.ChoiceKind.column), written out: Alembic cannot add the CHECK on SQLite
    op.execute(
        "ALTER TABLE study ADD COLUMN secondary_adjustment VARCHAR(32) DEFAULT 'holm' NOT NULL "
        "CONSTRAINT ck_study_secondaryadjustment CHECK (secondary_adjustment IN ('holm', 'benjamini_hochberg'))"
    )


def downgrade():
    op.drop_column("study", "secondary_adjustment")  # SQLite 3.35 and later drop a column in place
