"""languages: a pilot's languages and its translations (studies/pilot_languages.py); which language a consent was
read in

`study.languages` ([] for every pilot until now: shown as written to everyone), `study.translations` ({}: none) and
`consent_signature.language` ("" until now: not recorded).

Revision ID: languages_8e2c4a6f1b93
Revises: quotas_8e2c4a6f1d93
Create Date: 2026-12-01 03:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "languages_8e2c4a6f1b93"
down_revision = "quotas_8e2c4a6f1d93"
branch_labels = None
depends_on = None


# Plain ADD COLUMN (a batch would copy study and, on SQLite, cascade the drop of the old copy to its children).
def upgrade():
    op.add_column("study", sa.Column("languages", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("study", sa.Column("translations", sa.JSON(), server_default="{}", nullable=False))
    op.add_column("consent_signature", sa.Column("language", sa.String(8), server_default="", nullable=False))


def downgrade():
    op.drop_column("consent_signature", "language")
    op.drop_column("study", "translations")
    op.drop_column("study", "languages")
