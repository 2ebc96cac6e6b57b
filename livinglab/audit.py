"""The append-only, tamper-evident audit trail.

Every state change adds one record in the same transaction. Records are chained per pilot: one
chain per study (`study:<id>`) and one for the rest (`main`), so that writers in two pilots never
wait for each other. Each record holds its position in its chain (`seq`), the MAC of the record
before it and its own MAC: HMAC-SHA256 under the audit key (`LIVINGLAB_AUDIT_KEY`, never stored in
the database) bound to this database's identity. Whoever can write the database but lacks the key
cannot change, insert or remove a record, or move one between chains or databases, without
`verify` naming it. Removing the newest records of a chain is caught by the head rows and, against
a writer who rewinds those too, by the signed checkpoints kept outside the database
(`audit_checkpoints`, `flask --app livinglab audit checkpoint`). The application never updates or
deletes a record.

The trail does not re-identify participants: a record about a participant carries their code in
the pilot (`P-…`) or, for account events, a random pseudonym of the account (`A-…`) that is deleted
with the account, never the account id, and never both in one record. Staff accounts are named by
id: who decided what on a study is the trail's purpose."""

import hashlib
import hmac
import itertools
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from .extensions import Model, db
from .timeutil import aware, utcnow

GENESIS = "0" * 64
MAIN_CHAIN = "main"
PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_order = itertools.count()  # the order records were made in, within one flush


class AuditRecord(Model):
    __table_args__ = (UniqueConstraint("chain", "seq", name="uq_audit_record_chain_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column()
    # Plain integers, not foreign keys: the trail outlives what it speaks of. Staff accounts only:
    # a participant's records carry `participant_key` instead.
    actor_id: Mapped[int | None] = mapped_column()
    actor_role: Mapped[str | None] = mapped_column(String(32))
    participant_key: Mapped[str | None] = mapped_column(String(16), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    study_id: Mapped[int | None] = mapped_column(index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def content(self) -> dict:
        """What the MAC covers: every column but the id and the MACs themselves."""
        return {
            "chain": self.chain,
            "seq": self.seq,
            "at": aware(self.at).isoformat(),
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "participant_key": self.participant_key,
            "action": self.action,
            "study_id": self.study_id,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "comment": self.comment,
            "details": self.details or {},
        }


class AuditChain(Model):
    """The head of one chain. Writers of that chain lock it, so the chain never forks; writers of
    other chains (other pilots) do not wait for it."""

    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class DatabaseIdentity(Model):
    """One row, written with the database: the identifier its checkpoints name. The chain's MAC key is
    bound to it, so changing it breaks every record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditPseudonym(Model):
    """A participant account's random name in the trail. Deleted with the account (erasure), after
    which nothing links that name to anyone."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(16), unique=True)


# --- Keys ------------------------------------------------------------------------------------------


def canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def derived_key(purpose: str, database: str) -> bytes:
    """A key for one purpose ("chain", "checkpoint") and one database, from the audit key."""
    secret = str(current_app.config["AUDIT_KEY"]).encode()
    return hmac.new(secret, f"livinglab audit {purpose}\x00{database}".encode(), hashlib.sha256).digest()


def chain_mac(key: bytes, prev_hash: str, content: dict) -> str:
    return hmac.new(key, prev_hash.encode() + canonical(content), hashlib.sha256).hexdigest()


def _insert_ignoring_conflicts(model, **values):
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing()


def current_database_id(session: Session | scoped_session | None = None) -> str | None:
    return (session or db.session).scalar(select(DatabaseIdentity.uuid).where(DatabaseIdentity.id == 1))


def database_id(session: Session | scoped_session | None = None) -> str:
    """This database's identifier, made on first use when the migrations did not make it (create_all)."""
    session = session or db.session
    found = current_database_id(session)
    if found is None:
        session.execute(_insert_ignoring_conflicts(DatabaseIdentity, id=1, uuid=str(uuid.uuid4()), created_at=utcnow()))
        found = session.execute(select(DatabaseIdentity.uuid).where(DatabaseIdentity.id == 1)).scalar_one()
    return found


# --- Writing -----------------------------------------------------------------------------------------


def chain_of(study_id: int | None) -> str:
    return MAIN_CHAIN if study_id is None else f"study:{study_id}"


def pseudonym(user_id: int) -> str:
    """The account's pseudonym in the trail, made on first use."""
    session = db.session
    key = session.scalar(select(AuditPseudonym.key).where(AuditPseudonym.user_id == user_id))
    if key is None:
        fresh = "A-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(10))
        session.execute(_insert_ignoring_conflicts(AuditPseudonym, user_id=user_id, key=fresh))
        key = session.execute(select(AuditPseudonym.key).where(AuditPseudonym.user_id == user_id)).scalar_one()
    return key


def _is_participant(user) -> bool:
    from .auth.models import Role

    return user is not None and getattr(user, "role", None) == Role.PARTICIPANT


def record(actor, action: str, *, study=None, from_state=None, to_state=None, comment=None, **details):
    """Add an audit record to the current transaction (the caller commits).

    A participant is never named by account: pass `participant_code=` for what they do in a pilot
    (the record carries the code); for what they do with their account (no study), the account's
    pseudonym is used. A pilot's record without a code names nobody: the pseudonym never goes beside
    a pilot, where it could be matched with a code. An account id in `user_id` that names a
    participant becomes that account's pseudonym."""
    participant_key = details.pop("participant_code", None)
    actor_id = getattr(actor, "id", None)
    if _is_participant(actor):
        actor_id = None
        if participant_key is None and study is None:
            participant_key = pseudonym(actor.id)
    subject_id = details.get("user_id")
    if isinstance(subject_id, int):
        from .auth.models import User

        if _is_participant(db.session.get(User, subject_id)):
            del details["user_id"]  # never the account id of a participant, never beside a code or a pilot
            if participant_key is None and study is None:
                participant_key = pseudonym(subject_id)
    entry = AuditRecord(
        at=utcnow(),
        chain=chain_of(study.id if study is not None else None),
        actor_id=actor_id,
        actor_role=str(actor.role) if actor is not None and getattr(actor, "role", None) else None,
        participant_key=participant_key,
        action=action,
        study_id=study.id if study is not None else None,
        from_state=str(from_state) if from_state is not None else None,
        to_state=str(to_state) if to_state is not None else None,
        comment=comment or None,
        details=details,
    )
    entry._order = next(_order)  # type: ignore[attr-defined]  # a plain attribute, no column: the order in one flush
    db.session.add(entry)
    return entry


def _lock_head(session: Session, chain: str) -> AuditChain:
    """The chain's head, locked until commit (created on the chain's first record)."""
    query = select(AuditChain).where(AuditChain.chain == chain).with_for_update()
    head = session.execute(query).scalar_one_or_none()
    if head is None:
        session.execute(_insert_ignoring_conflicts(AuditChain, chain=chain, seq=0, last_hash=GENESIS))
        head = session.execute(query.execution_options(populate_existing=True)).scalar_one()
    return head


@event.listens_for(Session, "before_flush")
def _link_new_records(session: Session, _context, _instances) -> None:
    """Chain the records this flush inserts, holding their chains' head rows until commit."""
    new = [obj for obj in session.new if isinstance(obj, AuditRecord) and obj.hash is None]
    if not new:
        return
    key = derived_key("chain", database_id(session))
    chains: dict[str, list[AuditRecord]] = {}
    for entry in new:
        chains.setdefault(entry.chain, []).append(entry)
    for chain in sorted(chains):  # always the same order: two transactions never lock heads crosswise
        head = _lock_head(session, chain)
        for entry in sorted(chains[chain], key=lambda e: getattr(e, "_order", 0)):
            head.seq += 1
            entry.seq, entry.prev_hash = head.seq, head.last_hash
            entry.hash = head.last_hash = chain_mac(key, entry.prev_hash, entry.content())


# --- Verifying ---------------------------------------------------------------------------------------


@dataclass
class Problem:
    """What is wrong, where: a record that fails its link or MAC, or records missing at a chain's end."""

    kind: str  # "changed" | "missing" | "diverged" | "identity"
    chain: str | None = None
    record: AuditRecord | None = None
    have: int = 0  # records found in the chain
    want: int = 0  # records the head row or the checkpoint vouches for
    source: str = ""  # "head" | "checkpoint"

    def describe(self) -> str:
        if self.kind == "changed":
            assert self.record is not None  # a changed record is named
            return (
                f"record #{self.record.id} ({self.chain}, position {self.record.seq}) was changed, or a record "
                f"before it in its chain was removed or inserted"
            )
        if self.kind == "missing":
            where = "the database's own head row" if self.source == "head" else "the checkpoint"
            return f"records are missing at the end of {self.chain}: {self.have} found, {where} vouches for {self.want}"
        if self.kind == "diverged":
            where = "the database's own head row" if self.source == "head" else "the checkpoint"
            return f"{self.chain} differs from {where} at position {self.want}: its records were rewritten"
        return "the database identity is missing, while the trail or its checkpoints exist"


@dataclass
class Verification:
    checked: int = 0
    chains: dict[str, tuple[int, str]] = field(default_factory=dict)  # chain -> (records verified, last MAC)
    problems: list[Problem] = field(default_factory=list)
    checkpoint: object = None  # the checkpoint verified against (audit_checkpoints.Checkpoint), if any
    database: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The first problem: the lowest record id among changed records, else the first missing tail."""
        changed = [p for p in self.problems if p.kind == "changed"]
        if changed:
            return min(changed, key=lambda p: p.record.id)  # type: ignore[union-attr]  # a changed record is named
        return self.problems[0] if self.problems else None


def _walk(key: bytes, chain: str, batch: int, wanted: set[int]) -> tuple[int, str, Problem | None, dict[int, str]]:
    """Walk one chain in order: (records verified, last MAC, the first bad record as a problem or None,
    {position: MAC} for the positions `wanted`)."""
    found: dict[int, str]
    last, checked, after, found = GENESIS, 0, 0, {}
    while True:
        entries = db.session.scalars(
            select(AuditRecord)
            .where(AuditRecord.chain == chain, AuditRecord.seq > after)
            .order_by(AuditRecord.seq)
            .limit(batch)
        ).all()
        if not entries:
            return checked, last, None, found
        for entry in entries:
            if (
                entry.seq != checked + 1
                or entry.prev_hash != last
                or entry.chain != chain_of(entry.study_id)
                or not hmac.compare_digest(entry.hash, chain_mac(key, entry.prev_hash, entry.content()))
            ):
                return checked, last, Problem("changed", chain, entry), found
            last, checked = entry.hash, checked + 1
            if checked in wanted:
                found[checked] = last
        after = entries[-1].seq
        for entry in entries:
            db.session.expunge(entry)  # keep memory flat on long trails


def verify_trail(batch: int = 1000, checkpoint=None, use_checkpoint: bool = True) -> Verification:
    """Walk every chain against the key, its head row and the latest checkpoint of this database."""
    from . import audit_checkpoints

    result = Verification(database=current_database_id())
    heads = {h.chain: (h.seq, h.last_hash) for h in db.session.scalars(select(AuditChain))}  # read first
    chains = set(heads) | set(db.session.scalars(select(AuditRecord.chain).distinct()))
    if use_checkpoint and checkpoint is None:
        checkpoint = audit_checkpoints.latest(result.database)
    result.checkpoint = checkpoint
    if result.database is None:
        if chains or (use_checkpoint and audit_checkpoints.any_checkpoint()):
            result.problems.append(Problem("identity"))
        return result
    key = derived_key("chain", result.database)
    vouched = dict(checkpoint.chains) if checkpoint is not None else {}
    for chain in sorted(chains | set(vouched)):
        expected = [("head", *heads.get(chain, (0, GENESIS)))]
        if chain in vouched:
            expected.append(("checkpoint", *vouched[chain]))
        checked, last, problem, found = _walk(key, chain, batch, {count for _s, count, _m in expected})
        result.checked += checked
        result.chains[chain] = (checked, last)
        if problem is not None:
            result.problems.append(problem)
            continue
        for source, count, mac in expected:
            # Records appended since the head was read are fine; fewer, or another MAC at that position, are not.
            if count > checked:
                result.problems.append(Problem("missing", chain, have=checked, want=count, source=source))
                break
            if count and found.get(count) != mac:
                result.problems.append(Problem("diverged", chain, have=checked, want=count, source=source))
                break
    return result


def verify(batch: int = 1000) -> tuple[int, AuditRecord | None]:
    """(records verified, the first bad record or None): a placeholder record without id stands for
    records missing at the end of a chain, or a missing database identity."""
    result = verify_trail(batch)
    problem = result.first
    if problem is None:
        return result.checked, None
    if problem.kind == "changed":
        return result.checked, problem.record
    return result.checked, AuditRecord(id=None, action=f"({problem.describe()})", prev_hash="", hash="")


def study_history(study_id: int) -> list[AuditRecord]:
    return list(
        db.session.scalars(select(AuditRecord).where(AuditRecord.study_id == study_id).order_by(AuditRecord.id))
    )
