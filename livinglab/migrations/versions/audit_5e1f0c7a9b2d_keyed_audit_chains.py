"""Keyed audit chains, one per pilot; checkpoints' database identity; participants' pseudonyms

The existing records are carried over and re-chained under the key (LIVINGLAB_AUDIT_KEY, or the
instance key outside production), each into its pilot's chain or `main`, in their original order.
Before that, the old unkeyed chain is verified, and what was found is written in a last record
(`audit.rekey`: how many records, the old head, intact or the first broken id), so the old
evidence is not lost. Participants are pseudonymised on the way: a record about a participant
carries their participant code (pilot events) or a random pseudonym of their account (account
events), never the account id. Downgrading recomputes the old unkeyed chain over the records as
they are then (pseudonymised).

The algorithms are copied here as they were at this revision, so later changes to livinglab/audit.py
cannot change what this migration does.

Revision ID: 5e1f0c7a9b2d
Revises: mail_outbox
Create Date: 2026-05-04 10:00:00
"""
import hashlib
import hmac
import json
import secrets
import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "5e1f0c7a9b2d"
down_revision = 'mail_outbox'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

records = sa.table(
    "audit_record", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("chain", sa.String), sa.column("seq", sa.Integer), sa.column("actor_id", sa.Integer),
    sa.column("actor_role", sa.String), sa.column("participant_key", sa.String), sa.column("action", sa.String),
    sa.column("study_id", sa.Integer), sa.column("from_state", sa.String), sa.column("to_state", sa.String),
    sa.column("comment", sa.Text), sa.column("details", sa.JSON), sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String))
old_head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_hash", sa.String))
chains = sa.table("audit_chain", sa.column("chain", sa.String), sa.column("seq", sa.Integer),
                  sa.column("last_hash", sa.String))
identity = sa.table("database_identity", sa.column("id", sa.Integer), sa.column("uuid", sa.String),
                    sa.column("created_at", sa.DateTime(timezone=True)))
pseudonyms = sa.table("audit_pseudonym", sa.column("user_id", sa.Integer), sa.column("key", sa.String))
accounts = sa.table("user_account", sa.column("id", sa.Integer), sa.column("role", sa.String))
enrolments = sa.table("enrolment", sa.column("study_id", sa.Integer), sa.column("user_id", sa.Integer),
                      sa.column("participant_code", sa.String))


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def legacy_hash(prev_hash: str, row) -> str:
    """The unkeyed SHA-256 chain of revision 432ef630e21e."""
    content = {"at": aware(row.at).isoformat(), "actor_id": row.actor_id, "actor_role": row.actor_role,
               "action": row.action, "study_id": row.study_id, "from_state": row.from_state,
               "to_state": row.to_state, "comment": row.comment, "details": row.details or {}}
    return hashlib.sha256(prev_hash.encode() + canonical(content)).hexdigest()


def keyed_content(row: dict) -> dict:
    return {"chain": row["chain"], "seq": row["seq"], "at": aware(row["at"]).isoformat(), "actor_id": row["actor_id"],
            "actor_role": row["actor_role"], "participant_key": row["participant_key"], "action": row["action"],
            "study_id": row["study_id"], "from_state": row["from_state"], "to_state": row["to_state"],
            "comment": row["comment"], "details": row["details"] or {}}


def chain_key(database: str) -> bytes:
    secret = str(current_app.config["AUDIT_KEY"]).encode()
    return hmac.new(secret, f"livinglab audit chain\x00{database}".encode(), hashlib.sha256).digest()


def pseudonym() -> str:
    return "A-" + "".join(secrets.choice(ALPHABET) for _ in range(10))


def upgrade():
    op.create_table(
        "audit_chain",
        sa.Column("chain", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chain")))
    op.create_table(
        "database_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_identity")),
        sa.UniqueConstraint("uuid", name=op.f("uq_database_identity_uuid")))
    op.create_table(
        "audit_pseudonym",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_audit_pseudonym_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_audit_pseudonym")),
        sa.UniqueConstraint("key", name=op.f("uq_audit_pseudonym_key")))
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("participant_key", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_record_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_record_participant_key"), ["participant_key"], unique=False)

    rechain(op.get_bind())

    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.alter_column("chain", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_record_chain_seq", ["chain", "seq"])
    op.drop_table("audit_head")


def rechain(connection) -> None:
    """Verify the old chain, pseudonymise participants, and chain every record under the key."""
    database = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    connection.execute(identity.insert().values(id=1, uuid=database, created_at=now))
    rows = connection.execute(sa.select(records).order_by(records.c.id)).all()

    # 1. What the old chain says, before anything changes.
    last, broken = GENESIS, None
    for row in rows:
        if broken is None and (row.prev_hash != last or row.hash != legacy_hash(row.prev_hash, row)):
            broken = row.id
        last = row.hash
    head = connection.execute(sa.select(old_head.c.last_hash).where(old_head.c.id == 1)).scalar()
    if broken is None and rows and head is not None and head != last:
        broken = "missing records at the end"

    # 2. Who was a participant: accounts of that role, and any id the trail itself shows as one.
    roles = dict(connection.execute(sa.select(accounts.c.id, accounts.c.role)).all())
    participants = {uid for uid, role in roles.items() if role == "participant"}
    for row in rows:
        details = row.details or {}
        if row.actor_role == "participant" and row.actor_id is not None:
            participants.add(row.actor_id)
        created = row.action == "account.create" and details.get("role") == "participant"
        if isinstance(details.get("user_id"), int) and (row.action == "account.erase" or created):
            participants.add(details["user_id"])
    names = {}  # account id -> pseudonym, made on first use; stored for existing accounts, not for erased ones

    def name(uid: int) -> str:
        if uid not in names:
            names[uid] = pseudonym()
            if uid in roles:
                connection.execute(pseudonyms.insert().values(user_id=uid, key=names[uid]))
        return names[uid]

    codes = {(study, user): code for study, user, code in connection.execute(
        sa.select(enrolments.c.study_id, enrolments.c.user_id, enrolments.c.participant_code)
        .where(enrolments.c.user_id.is_not(None))).all()}

    # 3. Each record, pseudonymised, into its chain; then the record of this migration.
    updated = []
    for row in rows:
        entry = dict(row._mapping)
        details = dict(entry["details"] or {})
        key = details.pop("participant_code", None)
        if entry["actor_id"] in participants:
            if entry["study_id"] is None:
                key = key or name(entry["actor_id"])
            else:
                key = key or codes.get((entry["study_id"], entry["actor_id"]))  # unknown once erased: none
            entry["actor_id"] = None
        subject = details.get("user_id")
        if isinstance(subject, int) and subject in participants:
            del details["user_id"]
            key = key or name(subject)
        entry.update(details=details, participant_key=key,
                     chain="main" if entry["study_id"] is None else f"study:{entry['study_id']}")
        updated.append(entry)
    if rows:
        connection.execute(records.insert().values(
            at=now, chain="main", actor_id=None, actor_role=None, participant_key=None, action="audit.rekey",
            study_id=None, from_state=None, to_state=None, comment=None, prev_hash="", hash=f"pending-{database}",
            details={"legacy_records": len(rows), "legacy_head": last, "legacy_intact": broken is None,
                     "legacy_first_broken": broken}))
        updated.append(dict(connection.execute(sa.select(records).where(records.c.hash == f"pending-{database}"))
                            .one()._mapping))

    key = chain_key(database)
    heads: dict[str, tuple[int, str]] = {}
    for entry in updated:
        seq, prev = heads.get(entry["chain"], (0, GENESIS))
        entry["seq"], entry["prev_hash"] = seq + 1, prev
        entry["hash"] = hmac.new(key, prev.encode() + canonical(keyed_content(entry)), hashlib.sha256).hexdigest()
        heads[entry["chain"]] = (entry["seq"], entry["hash"])
        connection.execute(records.update().where(records.c.id == entry["id"]).values(
            chain=entry["chain"], seq=entry["seq"], actor_id=entry["actor_id"],
            participant_key=entry["participant_key"], details=entry["details"], prev_hash=entry["prev_hash"],
            hash=entry["hash"]))
    for chain, (seq, last_hash) in heads.items():
        connection.execute(chains.insert().values(chain=chain, seq=seq, last_hash=last_hash))


def downgrade():
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")))
    connection = op.get_bind()
    last = GENESIS
    for row in connection.execute(sa.select(records).order_by(records.c.id)).all():
        digest = legacy_hash(last, row)
        connection.execute(records.update().where(records.c.id == row.id).values(prev_hash=last, hash=digest))
        last = digest
    connection.execute(old_head.insert().values(id=1, last_hash=last))
    with op.batch_alter_table("audit_record", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_record_chain_seq", type_="unique")
        batch_op.drop_index(batch_op.f("ix_audit_record_participant_key"))
        batch_op.drop_index(batch_op.f("ix_audit_record_at"))
        batch_op.drop_column("participant_key")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain")
    op.drop_table("audit_pseudonym")
    op.drop_table("database_identity")
    op.drop_table("audit_chain")
