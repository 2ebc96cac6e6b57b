"""the primary analysis of a protocol: `ancova` (adjusted for the baseline value) or `unadjusted` (Welch)

Parallel-group studies registered before this revision were registered with Welch's t test as their primary
analysis: they get `unadjusted`, so that their registration keeps its meaning; the others (drafts never
approved, and single-group studies, for which the field means nothing) get the new default, `ancova`.

Revision ID: stats_6c1d9e4b2a70
Revises: consentmodes_6e2b9d4f1a35
Create Date: 2026-11-30 15:30:00
"""
from alembic import op

revision = "stats_6c1d9e4b2a70"
down_revision = "consentmodes_6e2b9d4f1a35"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would
# cascade (foreign keys are on) to every enrolment, response and answer of every study.
def upgrade():
    # The column with its CHECK (schema.ChoiceKind.column), written out: Alembic cannot add the CHECK on SQLite
    op.execute(
        "ALTER TABLE study ADD COLUMN primary_analysis VARCHAR(32) DEFAULT 'ancova' NOT NULL "
        "CONSTRAINT ck_study_primaryanalysis CHECK (primary_analysis IN ('ancova', 'unadjusted'))"
    )
    op.execute(
        "UPDATE study SET primary_analysis = 'unadjusted' "
        "WHERE registration_hash IS NOT NULL AND design = 'parallel_groups'"
    )


def downgrade():
    op.drop_column("study", "primary_analysis")  # SQLite 3.35 and later drop a column in place
