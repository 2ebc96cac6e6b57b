"""the participant's journey: ended studies, one screening per person, survey drafts

- study.status may be `ended` (its CHECK constraint), and study.ended_at records when;
- screening: one row per person and pilot (the outcome of their latest step, never their answers) replaces
  the screening_tally counters; existing counts become anonymous rows with the same totals;
- survey_draft: answers saved to finish later.

Revision ID: 5b1e2c7d9a30
Revises: accounts_7c1e2a9b4d10
Create Date: 2026-12-02 10:00:00
"""
import secrets
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "5b1e2c7d9a30"
down_revision = "accounts_7c1e2a9b4d10"
branch_labels = None
depends_on = None

OLD_STATUSES = ("draft", "submitted", "changes_requested", "approved", "rejected", "recruiting", "paused", "closed")
NEW_STATUSES = OLD_STATUSES + ("ended",)
OUTCOMES = ("not_eligible", "eligible", "declined_consent", "turned_away_full", "enrolled")


def status_type(values):
    return sa.Enum(*values, name="study_status", native_enum=False, create_constraint=True, length=32)


def in_list(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("study", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        if op.get_bind().dialect.name == "sqlite":  # the table is rebuilt with the new CHECK
            batch_op.alter_column("status", existing_type=status_type(OLD_STATUSES),
                                  type_=status_type(NEW_STATUSES), existing_nullable=False)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_study_study_status"), "study", type_="check")
        op.create_check_constraint(op.f("ck_study_study_status"), "study",
                                   in_list("status", NEW_STATUSES))

    screening = op.create_table(
        "screening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("screener_key", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.Enum(*OUTCOMES, name="screening_outcome", native_enum=False,
                                     create_constraint=True, length=32), nullable=False),
        sa.Column("reasons", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_screening_study_id_study"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
        sa.UniqueConstraint("study_id", "screener_key", name="uq_screening_study_screener_key"),
    )
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_study_id"), ["study_id"], unique=False)
    copy_tallies_to_rows(screening)
    with op.batch_alter_table("screening_tally", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_tally_study_id"))
    op.drop_table("screening_tally")

    op.create_table(
        "survey_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolment.id"], name=op.f("fk_survey_draft_enrolment_id_enrolment"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["survey.id"], name=op.f("fk_survey_draft_survey_id_survey"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_draft")),
        sa.UniqueConstraint("enrolment_id", "survey_id", name="uq_survey_draft_enrolment_survey"),
    )
    with op.batch_alter_table("survey_draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_draft_enrolment_id"), ["enrolment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_draft_survey_id"), ["survey_id"], unique=False)

    # cached results lack the new flow figures: a new data version makes them recompute
    op.execute("UPDATE study SET data_version = data_version + 1")


def copy_tallies_to_rows(screening) -> None:
    """The counters knew totals, not people: make anonymous rows with the same totals (screened, eligible,
    each exclusion reason, enrolled among the eligible)."""
    bind = op.get_bind()
    tallies = {}
    for study_id, reason, count in bind.execute(sa.text("SELECT study_id, reason, count FROM screening_tally")):
        tallies.setdefault(study_id, {})[reason] = count
    enrolled = dict(bind.execute(sa.text("SELECT study_id, count(*) FROM enrolment GROUP BY study_id")).all())
    now = datetime.now(timezone.utc)
    for study_id, counts in tallies.items():
        screened, eligible = counts.get("screened", 0), counts.get("eligible", 0)
        reasons = {r: n for r, n in counts.items() if r not in ("screened", "eligible")}
        ineligible = max(screened - eligible, max(reasons.values(), default=0))
        rows = []
        for n in range(eligible):
            outcome = "enrolled" if n < enrolled.get(study_id, 0) else "eligible"
            rows.append({"outcome": outcome, "reasons": ""})
        for n in range(ineligible):
            rows.append({"outcome": "not_eligible",
                         "reasons": " ".join(sorted(r for r, count in reasons.items() if n < count))})
        for row in rows:
            bind.execute(screening.insert().values(study_id=study_id, screener_key="legacy-" + secrets.token_hex(24),
                                                   updated_at=now, **row))


def downgrade():
    op.drop_table("survey_draft")
    tally = op.create_table(
        "screening_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_screening_tally_count_positive")),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_screening_tally_study_id_study"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_tally")),
        sa.UniqueConstraint("study_id", "reason", name="uq_screening_tally_study_reason"),
    )
    with op.batch_alter_table("screening_tally", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_tally_study_id"), ["study_id"], unique=False)
    bind = op.get_bind()
    counts = {}
    for study_id, outcome, reasons, n in bind.execute(sa.text(
            "SELECT study_id, outcome, reasons, count(*) FROM screening GROUP BY study_id, outcome, reasons")):
        mine = counts.setdefault(study_id, {})
        mine["screened"] = mine.get("screened", 0) + n
        for reason in (reasons or "").split() if outcome == "not_eligible" else ["eligible"]:
            mine[reason] = mine.get(reason, 0) + n
    for study_id, mine in counts.items():
        for reason, n in mine.items():
            bind.execute(tally.insert().values(study_id=study_id, reason=reason, count=n))
    with op.batch_alter_table("screening", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_study_id"))
    op.drop_table("screening")

    # an ended study goes back to closed, the nearest status the old schema knows
    op.execute("UPDATE study SET status = 'closed' WHERE status = 'ended'")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_study_study_status"), "study", type_="check")
        op.create_check_constraint(op.f("ck_study_study_status"), "study",
                                   in_list("status", OLD_STATUSES))
    with op.batch_alter_table("study", schema=None) as batch_op:
        if op.get_bind().dialect.name == "sqlite":
            batch_op.alter_column("status", existing_type=status_type(NEW_STATUSES),
                                  type_=status_type(OLD_STATUSES), existing_nullable=False)
        batch_op.drop_column("ended_at")
