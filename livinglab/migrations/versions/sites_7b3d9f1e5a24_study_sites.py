"""sites: where a pilot runs (studies/sites.py), the site of each screening and enrolment

`study.sites` ([] for every study until now: one place, not asked); `screening.site` and `enrolment.site` ("" until
now: not recorded); `allocation_slot.stratum` widened to 48 characters for the lists of a pilot stratified by site
("<site>/<age band>").

Revision ID: sites_7b3d9f1e5a24
Revises: intervals_4e7a1c9d2b58
Create Date: 2026-11-30 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "sites_7b3d9f1e5a24"
down_revision = "intervals_4e7a1c9d2b58"
branch_labels = None
depends_on = None


# Plain ADD COLUMN on study, screening and enrolment (a batch would copy them and, on SQLite, cascade the drop of
# the old copy to their children); allocation_slot is a leaf, so its column is widened by a batch copy.
def upgrade():
    op.add_column("study", sa.Column("sites", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("screening", sa.Column("site", sa.String(32), server_default="", nullable=False))
    op.add_column("enrolment", sa.Column("site", sa.String(32), server_default="", nullable=False))
    with op.batch_alter_table("allocation_slot") as batch:
        batch.alter_column(
            "stratum",
            existing_type=sa.String(16),
            type_=sa.String(48),
            existing_nullable=False,
            existing_server_default="",
        )


def downgrade():
    # A pilot randomised within sites holds its concealed lists (and the places they gave) under "site/band"
    # strata: dropping them would lose who was allocated where. Refuse, rather than delete them.
    by_site = op.get_bind().execute(sa.text("SELECT count(*) FROM allocation_slot WHERE stratum LIKE '%/%'")).scalar()
    if by_site:
        raise RuntimeError(
            f"{by_site} allocation slots belong to pilots randomised within sites: downgrading would lose them."
        )
    with op.batch_alter_table("allocation_slot") as batch:
        batch.alter_column(
            "stratum",
            existing_type=sa.String(48),
            type_=sa.String(16),
            existing_nullable=False,
            existing_server_default="",
        )
    op.drop_column("enrolment", "site")
    op.drop_column("screening", "site")
    op.drop_column("study", "sites")
