"""retention runs: an archive period after the active one, a coordinator's postponement of the purge (day
and reason), the day a pilot's personal data were purged, and the consent's choice to keep free text.
Pilots that already ended and whose purge would fall within 60 days of this upgrade are postponed to 60
days after it, so that their participants get the 30 days' notice first.

Revision ID: retention_6d4b8e2a1f35
Revises: stats_6c1d9e4b2a70
Create Date: 2026-11-30 15:40:00

"""
import calendar
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'retention_6d4b8e2a1f35'
down_revision = 'stats_6c1d9e4b2a70'
branch_labels = None
depends_on = None

GRACE = timedelta(days=60)
REASON = "Retention began to run with this version of LivingLab: participants are told 30 days before the purge."


def add_months(moment, months):
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


# Plain ALTER TABLE, not a batch: on SQLite a batch copies the table, and dropping the old copy would cascade.
def upgrade():
    op.add_column('study', sa.Column('retention_archive_months', sa.Integer(), nullable=True))
    op.add_column('study', sa.Column('purge_postponed_to', sa.DateTime(timezone=True), nullable=True))
    op.add_column('study', sa.Column('purge_postponed_reason', sa.Text(), nullable=False, server_default=''))
    op.add_column('study', sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        'consent_version', sa.Column('keep_free_text', sa.Boolean(), nullable=False, server_default=sa.false())
    )
    if op.get_bind().dialect.name == 'postgresql':  # SQLite adds a CHECK only by copying the table
        op.create_check_constraint(
            op.f('ck_consent_version_on_erasure_choice'), 'consent_version', "on_erasure IN ('erase', 'anonymise')"
        )
    connection = op.get_bind()
    study = sa.table(
        'study',
        sa.column('id', sa.Integer()),
        sa.column('status', sa.String()),
        sa.column('ended_at', sa.DateTime(timezone=True)),
        sa.column('retention_months', sa.Integer()),
        sa.column('purge_postponed_to', sa.DateTime(timezone=True)),
        sa.column('purge_postponed_reason', sa.Text()),
    )
    earliest = datetime.now(UTC) + GRACE
    rows = connection.execute(
        sa.select(study.c.id, study.c.ended_at, study.c.retention_months).where(
            study.c.status == 'ended', study.c.ended_at.is_not(None), study.c.retention_months.is_not(None)
        )
    ).all()
    for row in rows:
        ended = row.ended_at if row.ended_at.tzinfo else row.ended_at.replace(tzinfo=UTC)
        if add_months(ended, row.retention_months) < earliest:
            connection.execute(
                study.update()
                .where(study.c.id == row.id)
                .values(purge_postponed_to=earliest, purge_postponed_reason=REASON)
            )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_consent_version_on_erasure_choice'), 'consent_version', type_='check')
    op.drop_column('consent_version', 'keep_free_text')
    op.drop_column('study', 'anonymised_at')
    op.drop_column('study', 'purge_postponed_reason')
    op.drop_column('study', 'purge_postponed_to')
    op.drop_column('study', 'retention_archive_months')
