"""the regulatory frame: the qualification questionnaire, research outside the Jardé law, the GDPR only

- study.research_category may be `outside_jarde`, study.cnil_framework `none` (their CHECK constraints);
- study.qualification: the questionnaire's answers ({} for the studies that exist: not answered);
- study.qualification_justification: why the category or route differs from its proposal ('' for all).

Existing studies keep their category and route, consistent or not: the consistency rules refuse a new
unfitting pair, and the checklist of a draft names one; an approved study is not edited.

Revision ID: regulatory_3f2a7c9e1b64
Revises: schema_7a3c9e1d5b20
Create Date: 2026-12-06 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "regulatory_3f2a7c9e1b64"
down_revision = "schema_7a3c9e1d5b20"
branch_labels = None
depends_on = None

OLD = {
    "research_category": ("riph1", "riph2", "riph3", "not_riph"),
    "cnil_framework": ("mr001", "mr003", "mr004", "authorisation"),
}
NEW = {
    "research_category": OLD["research_category"] + ("outside_jarde",),
    "cnil_framework": OLD["cnil_framework"] + ("none",),
}
# Going down, the nearest value the old schema knows: outside the Jardé law was filed as not RIPH, and the
# GDPR only as no route chosen.
DOWN = {"research_category": ("outside_jarde", "'not_riph'"), "cnil_framework": ("none", "NULL")}


def enum_type(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def in_list(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def change_values(old: dict, new: dict) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the table is rebuilt with the new CHECKs (foreign keys are off: migrations/env.py)
        with op.batch_alter_table("study", schema=None) as batch_op:
            for name in new:
                batch_op.alter_column(name, existing_type=enum_type(name, old[name]),
                                      type_=enum_type(name, new[name]), existing_nullable=True)
        return
    for name in new:
        op.drop_constraint(op.f(f"ck_study_{name}"), "study", type_="check")
        op.create_check_constraint(op.f(f"ck_study_{name}"), "study", in_list(name, new[name]))


# Plain ALTER TABLE for the columns: on SQLite a batch copies the table.
def upgrade():
    change_values(OLD, NEW)
    op.add_column("study", sa.Column("qualification", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column("study", sa.Column("qualification_justification", sa.Text(), nullable=False, server_default=""))


def downgrade():
    op.drop_column("study", "qualification_justification")  # SQLite 3.35 and later drop a column in place
    op.drop_column("study", "qualification")
    for name, (value, nearest) in DOWN.items():
        op.execute(f"UPDATE study SET {name} = {nearest} WHERE {name} = '{value}'")
    change_values(NEW, OLD)
