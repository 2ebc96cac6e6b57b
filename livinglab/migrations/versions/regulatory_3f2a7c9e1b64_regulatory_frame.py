"""the regulatory frame: the qualification questionnaire, research outside the Jardé law, the GDPR only

- study.research_category may be `outside_jarde`, study.cnil_framework `none` (their CHECK constraints);
- study.qualification: the questionnaire's answers ({} for the studies that exist: not answered);
- study.qualification_justification: why the category or route differs from its proposal ('' for all);
- the fields a coordinator asks for: principal investigator, ID-RCB, ANSM, insurance, the CPP's name, date
  and decision, the medical device and its CE status, the GDPR legal basis and art. 9 exception, the DPO,
  the data host and its HDS certification, the DPIA's reference and date or why none is required (empty or
  null for existing studies: what submission asks of each depends on the category, studies/protocol.py).

Existing studies keep their category and route, consistent or not: the consistency rules refuse a new
unfitting pair, and the checklist of a draft names one; an approved study is not edited.

Revision ID: regulatory_3f2a7c9e1b64
Revises: corrections_3d8f2b6a1c47
Create Date: 2026-12-06 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "regulatory_3f2a7c9e1b64"
down_revision = "corrections_3d8f2b6a1c47"
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


# The new choices: each a string with its CHECK, named after its enum (schema.ChoiceKind.column)
CHOICES = {
    "cpp_decision": ("cppdecision", ("favourable", "unfavourable", "pending")),
    "medical_device": ("medicaldevice", ("none", "ce_within_purpose", "ce_outside_purpose", "not_ce_marked")),
    "legal_basis": ("legalbasis", ("consent", "contract", "legal_obligation", "vital_interests", "public_task",
                                   "legitimate_interests")),
    "health_data_exception": ("healthdataexception", ("no_health_data", "explicit_consent", "public_interest_health",
                                                      "scientific_research")),
}
TEXTS = {  # column: length (None: long text)
    "principal_investigator": 200,
    "id_rcb": 64,
    "ansm_reference": 200,
    "insurance": 200,
    "cpp_name": 200,
    "dpo_contact": 200,
    "data_host": 200,
    "dpia_reference": 200,
    "dpia_not_required": None,
}
DATES = ("cpp_date", "dpia_date")


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
    for name, length in TEXTS.items():
        op.add_column("study", sa.Column(name, sa.String(length) if length else sa.Text(), nullable=False,
                                         server_default=""))
    for name in DATES:
        op.add_column("study", sa.Column(name, sa.Date(), nullable=True))
    op.add_column("study", sa.Column("hds_certified", sa.Boolean(), nullable=False, server_default="0"))
    for name, (enum_name, values) in CHOICES.items():
        op.add_column("study", sa.Column(name, sa.String(32), nullable=True))
    add_choice_checks()


def add_choice_checks() -> None:
    """The CHECK of each new choice column: on SQLite by rebuilding the table (a batch), elsewhere in place."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("study", schema=None) as batch_op:
            for name, (enum_name, values) in CHOICES.items():
                batch_op.alter_column(name, existing_type=sa.String(32), type_=enum_type(enum_name, values),
                                      existing_nullable=True)
        return
    for name, (enum_name, values) in CHOICES.items():
        op.create_check_constraint(op.f(f"ck_study_{enum_name}"), "study", in_list(name, values))


def downgrade():
    for name, (enum_name, values) in CHOICES.items():
        if op.get_bind().dialect.name != "sqlite":
            op.drop_constraint(op.f(f"ck_study_{enum_name}"), "study", type_="check")
    if op.get_bind().dialect.name == "sqlite":  # a column with a CHECK is dropped by rebuilding the table
        with op.batch_alter_table("study", schema=None) as batch_op:
            for name, (enum_name, values) in CHOICES.items():
                batch_op.drop_constraint(op.f(f"ck_study_{enum_name}"), type_="check")
                batch_op.drop_column(name)
    else:
        for name in CHOICES:
            op.drop_column("study", name)
    for name in (*TEXTS, *DATES, "hds_certified"):
        op.drop_column("study", name)  # SQLite 3.35 and later drop a column in place
    op.drop_column("study", "qualification_justification")
    op.drop_column("study", "qualification")
    for name, (value, nearest) in DOWN.items():
        op.execute(f"UPDATE study SET {name} = {nearest} WHERE {name} = '{value}'")
    change_values(NEW, OLD)
