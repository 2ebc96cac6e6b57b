"""allocation: the arms' ratio and the age strata of the randomisation (studies/allocation.py)

`study.allocation` ({} for every study until now: 1:1, no strata); each stratum's own concealed list
(`allocation_slot.stratum`, "" for the one list of a study that does not stratify) whose slots say whether they
were given (`used`: the first `enrolled_count` slots of every study so far, the ones its enrolments took);
the stratum a screening's age fell in and the one each enrolment was randomised in ("" until now).

Revision ID: allocation_4c7e1b9d2f60
Revises: rounds_8d2c4e6f1a35
Create Date: 2026-11-30 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "allocation_4c7e1b9d2f60"
down_revision = "rounds_8d2c4e6f1a35"
branch_labels = None
depends_on = None


# Plain ADD COLUMN on study, screening and enrolment (a batch would copy them and, on SQLite, cascade the drop of
# the old copy to their children); allocation_slot is a leaf, so its unique key is changed by a batch copy.
def upgrade():
    op.add_column("study", sa.Column("allocation", sa.JSON(), server_default="{}", nullable=False))
    op.add_column("screening", sa.Column("stratum", sa.String(16), server_default="", nullable=False))
    op.add_column("enrolment", sa.Column("stratum", sa.String(16), server_default="", nullable=False))
    with op.batch_alter_table("allocation_slot") as batch:
        batch.add_column(sa.Column("stratum", sa.String(16), server_default="", nullable=False))
        batch.add_column(sa.Column("used", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.drop_constraint("uq_allocation_slot_study_position", type_="unique")
        batch.create_unique_constraint(
            "uq_allocation_slot_study_stratum_position", ["study_id", "stratum", "position"]
        )
    op.execute(
        "UPDATE allocation_slot SET used = (position <= "
        "(SELECT enrolled_count FROM study WHERE study.id = allocation_slot.study_id))"
    )


def downgrade():
    op.execute("DELETE FROM allocation_slot WHERE stratum <> ''")
    with op.batch_alter_table("allocation_slot") as batch:
        batch.drop_constraint("uq_allocation_slot_study_stratum_position", type_="unique")
        batch.create_unique_constraint("uq_allocation_slot_study_position", ["study_id", "position"])
        batch.drop_column("used")
        batch.drop_column("stratum")
    op.drop_column("enrolment", "stratum")
    op.drop_column("screening", "stratum")
    op.drop_column("study", "allocation")
