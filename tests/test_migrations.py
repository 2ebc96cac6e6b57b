"""`flask db upgrade` on an empty database builds exactly the schema the models declare."""

from datetime import UTC

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from livinglab.extensions import db


def _reset_to_empty():
    db.session.remove()
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_on_empty_database_matches_models(app):
    _reset_to_empty()
    try:
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert {table.name for table in db.metadata.sorted_tables} <= tables
    finally:
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()


def test_downgrade_to_base_removes_every_table(app):
    _reset_to_empty()
    try:
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    finally:
        _reset_to_empty()
        db.create_all()


def test_data_survive_upgrading_from_the_first_migration_to_the_latest(app):
    """A database built at the first revision and filled with a whole pilot keeps every row when upgraded
    to the latest. The demo is seeded with today's models, then its rows are written into a database at
    the first revision (the columns and tables that revision knows), and that database is upgraded."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import MetaData, func, insert, select

    from livinglab.demo import seed

    config = app.extensions["migrate"].migrate.get_config(directory=None)
    first = ScriptDirectory.from_config(config).get_base()
    _reset_to_empty()
    db.create_all()
    seed()
    db.session.commit()
    rows = {
        table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
        for table in db.metadata.sorted_tables
    }
    for study in rows["study"]:  # the first revision knows no `ended`: the nearest status it knows
        study["status"] = "closed" if study["status"] == "ended" else study["status"]
        # nor research outside the Jardé law, nor the GDPR alone: the nearest values it knows
        study["research_category"] = {"outside_jarde": "not_riph"}.get(
            study["research_category"], study["research_category"]
        )
        study["cnil_framework"] = None if study["cnil_framework"] == "none" else study["cnil_framework"]
    db.session.remove()
    _reset_to_empty()
    try:
        upgrade(revision=first)
        old = MetaData()
        old.reflect(bind=db.engine)
        with db.engine.begin() as connection:
            for table in old.sorted_tables:
                if rows.get(table.name):
                    connection.execute(insert(table), [as_first_revision_row(table, row) for row in rows[table.name]])
                    if connection.dialect.name == "postgresql" and "id" in table.c:
                        # rows copied with their ids leave the sequence behind, as a restore does until setval
                        connection.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"
                            )
                        )
        before = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in old.sorted_tables
            if table.name != "alembic_version"
        }
        db.session.remove()
        upgrade()
        after = {
            name: db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
            for name in before
            if name in db.metadata.tables
        }
        # every row kept, and one more audit record: the re-chaining of the trail under the key says so
        assert after == {name: n + (name == "audit_record") for name, n in before.items() if name in db.metadata.tables}
        assert before["answer"] > 0 and before["study"] >= 8
        # parallel-group pilots registered before the primary analysis was a protocol field were registered with
        # Welch's t test: they keep it; the others (drafts, single groups) take the new default, ANCOVA
        analyses = db.session.execute(
            text("SELECT registration_hash IS NOT NULL AND design = 'parallel_groups', primary_analysis FROM study")
        ).all()
        assert {bool(welch) for welch, _ in analyses} == {True, False}
        assert all(analysis == ("unadjusted" if welch else "ancova") for welch, analysis in analyses)
        # every existing pilot keeps the contrast it was registered with: the second arm listed (empty)
        assert set(db.session.scalars(text("SELECT primary_arm FROM study"))) == {""}
        # ... and the timepoint it was registered with: the last that measures the primary variable (empty)
        assert set(db.session.scalars(text("SELECT primary_timepoint FROM study"))) == {""}
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()


def as_first_revision_row(table, row: dict) -> dict:
    """A row of today's models as the first revision's table holds it: its columns only, and a column that
    today's models dropped (e.g. `failed_signins`, replaced by sign-in throttling) at its neutral value."""
    from sqlalchemy import Boolean, Integer, String

    out = {name: value for name, value in row.items() if name in table.c}
    for column in table.c:
        if column.name not in out and not column.nullable and not column.primary_key:
            out[column.name] = (
                False
                if isinstance(column.type, Boolean)
                else 0
                if isinstance(column.type, Integer)
                else ""
                if isinstance(column.type, String)
                else None
            )
    return out


def test_data_survive_going_down_to_the_first_migration_and_up_again(app):
    """A database filled by today's models keeps every row of the first schema's tables when taken down
    to the first revision and upgraded again: every later migration runs on real rows, down and up, and
    a table rebuilt on SQLite never cascade-deletes its children."""
    from alembic.script import ScriptDirectory

    from livinglab.demo import seed

    config = app.extensions["migrate"].migrate.get_config(directory=None)
    first = ScriptDirectory.from_config(config).get_base()
    _reset_to_empty()

    def counts() -> dict[str, int]:
        present = set(inspect(db.engine).get_table_names())
        return {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
            if table.name in present
        }

    try:
        upgrade()
        seed()
        db.session.commit()
        at_head = counts()
        db.session.remove()
        downgrade(revision=first)
        at_first = counts()
        db.session.remove()
        assert at_first == {name: at_head[name] for name in at_first}
        upgrade()
        after = counts()  # with one more audit record: the re-chaining under the key says so
        assert {name: after[name] for name in at_first} == {
            name: n + (name == "audit_record") for name, n in at_first.items()
        }
        assert at_head["answer"] > 0 and at_head["study"] >= 8
        from livinglab.audit import verify

        assert verify()[1] is None
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()


def legacy_chain_holds() -> bool:
    """The unkeyed SHA-256 chain of the first revision, recomputed from its definition: each record's
    hash is sha256(previous hash + the canonical JSON of at, actor_id, actor_role, action, study_id,
    from_state, to_state, comment, details), and the head row holds the last."""
    import hashlib
    import json

    last = "0" * 64
    rows = db.session.execute(
        text(
            "SELECT at, actor_id, actor_role, action, study_id, from_state, to_state, "
            "comment, details, prev_hash, hash FROM audit_record ORDER BY id"
        )
    ).all()
    for row in rows:
        at = row.at if not isinstance(row.at, str) else __import__("datetime").datetime.fromisoformat(row.at)
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        details = json.loads(row.details) if isinstance(row.details, str) else row.details
        content = {
            "at": at.isoformat(),
            "actor_id": row.actor_id,
            "actor_role": row.actor_role,
            "action": row.action,
            "study_id": row.study_id,
            "from_state": row.from_state,
            "to_state": row.to_state,
            "comment": row.comment,
            "details": details or {},
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if row.prev_hash != last or row.hash != hashlib.sha256((last + canonical).encode()).hexdigest():
            return False
        last = row.hash
    return db.session.scalar(text("SELECT last_hash FROM audit_head WHERE id = 1")) == last


@pytest.fixture
def filled_then_downgraded(app):
    """A database filled with the demo (every state of a pilot, participants, answers, erasures), then
    brought down to the first revision: the data of a deployment made before the later migrations.
    (Filled at the latest revision because the models only know the latest schema.)"""
    from alembic.script import ScriptDirectory
    from sqlalchemy import func, select

    from livinglab.demo import seed

    config = app.extensions["migrate"].migrate.get_config(directory=None)
    first = ScriptDirectory.from_config(config).get_base()
    _reset_to_empty()
    try:
        upgrade()
        seed()
        db.session.commit()
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
        downgrade(revision=first)
        yield counts
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()


def test_the_upgrade_rechains_the_legacy_trail_under_the_key(filled_then_downgraded):
    """The first revision's unkeyed trail is verified, then re-chained under the key, with one record saying
    so; every row of the first schema's tables survives."""
    from sqlalchemy import func, select

    from livinglab.audit import AuditRecord, verify_trail

    before = filled_then_downgraded
    first_schema = set(inspect(db.engine).get_table_names())
    assert legacy_chain_holds()  # the downgrade left a valid trail of the first revision
    db.session.remove()
    upgrade()
    after = {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }
    assert before["answer"] > 0 and before["study"] >= 8
    kept = {name for name in after if name in first_schema}
    assert {name: after[name] for name in kept} == {name: before[name] + (name == "audit_record") for name in kept}
    rekey = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "audit.rekey"))
    assert rekey.details == {
        "legacy_records": before["audit_record"],
        "legacy_head": rekey.details["legacy_head"],
        "legacy_intact": True,
        "legacy_first_broken": None,
    }
    result = verify_trail()
    assert result.ok and result.checked == after["audit_record"] and len(result.chains) > 2


def test_the_upgrade_records_a_broken_legacy_chain(filled_then_downgraded):
    """Re-keying must not launder a trail that was already tampered with: it says where it was broken."""
    from sqlalchemy import select

    from livinglab.audit import AuditRecord

    target = db.session.scalar(text("SELECT id FROM audit_record WHERE action = 'study.approve' ORDER BY id LIMIT 1"))
    db.session.execute(text("UPDATE audit_record SET comment = 'forged' WHERE id = :id"), {"id": target})
    db.session.commit()
    db.session.remove()
    upgrade()
    rekey = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "audit.rekey"))
    assert rekey.details["legacy_intact"] is False and rekey.details["legacy_first_broken"] == target


def append_legacy_records(entries: list[dict]) -> None:
    """Records as the first revision wrote them (participants by account id), chained as it chained them."""
    import hashlib
    import json
    from datetime import datetime

    last = db.session.scalar(text("SELECT last_hash FROM audit_head WHERE id = 1"))
    for entry in entries:
        at = datetime.now(UTC)
        content = {
            "at": at.isoformat(),
            "actor_id": entry["actor_id"],
            "actor_role": "participant",
            "action": entry["action"],
            "study_id": entry.get("study_id"),
            "from_state": None,
            "to_state": None,
            "comment": None,
            "details": entry["details"],
        }
        digest = hashlib.sha256(
            (last + json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))).encode()
        ).hexdigest()
        db.session.execute(
            text(
                "INSERT INTO audit_record (at, actor_id, actor_role, action, study_id, details, prev_hash, hash) "
                "VALUES (:at, :actor_id, 'participant', :action, :study_id, :details, :prev, :hash)"
            ),
            {
                "at": at,
                "actor_id": entry["actor_id"],
                "action": entry["action"],
                "study_id": entry.get("study_id"),
                "details": json.dumps(entry["details"]),
                "prev": last,
                "hash": digest,
            },
        )
        last = digest
    db.session.execute(text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": last})
    db.session.commit()


def test_the_upgrade_pseudonymises_participants(filled_then_downgraded):
    """Records about participants carry a code or a pseudonym, not the account id linked to codes."""
    from sqlalchemy import select

    from livinglab.audit import AuditPseudonym, AuditRecord
    from livinglab.auth.models import Role, User
    from livinglab.participants.models import Enrolment

    # only the columns the first schema has: the model has more since
    uid, study, code = db.session.execute(
        select(Enrolment.user_id, Enrolment.study_id, Enrolment.participant_code).where(Enrolment.user_id.is_not(None))
    ).first()
    append_legacy_records(
        [
            {"actor_id": uid, "action": "account.create", "details": {"role": "participant", "user_id": uid}},
            {
                "actor_id": uid,
                "action": "participant.enrol",
                "study_id": study,
                "details": {"participant_code": code, "consent_version": 1},
            },
            {"actor_id": uid, "action": "participant.answer", "study_id": study, "details": {"survey": "baseline"}},
            {"actor_id": uid, "action": "account.signin", "details": {}},
        ]
    )
    assert legacy_chain_holds()
    participants = set(db.session.scalars(select(User.id).where(User.role == Role.PARTICIPANT)))
    db.session.remove()
    upgrade()
    records = db.session.scalars(select(AuditRecord)).all()
    named = [r for r in records if r.actor_id in participants or (r.details or {}).get("user_id") in participants]
    assert named == []
    pilot = [r for r in records[-5:] if r.action in ("participant.enrol", "participant.answer")]
    assert [r.participant_key for r in pilot] == [code, code]
    account = [r for r in records[-5:] if r.action in ("account.create", "account.signin")]
    key = db.session.scalar(select(AuditPseudonym.key).where(AuditPseudonym.user_id == uid))
    assert [r.participant_key for r in account] == [key, key] and key.startswith("A-")
    assert all("participant_code" not in (r.details or {}) for r in records)


def test_migrations_give_no_connection_back_with_its_foreign_keys_off(app):
    """Migrations turn SQLite's foreign keys off on their connection; it went back to the pool that way,
    and later requests on it deleted parents without their ON DELETE CASCADE children (a webhook's
    deliveries survived it now and then). Every pooled connection must enforce foreign keys afterwards."""
    _reset_to_empty()
    try:
        upgrade()
        downgrade(revision="base")
        upgrade()
    finally:
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()
    connections = [db.engine.connect() for _ in range(db.engine.pool.size())]
    try:
        survivors = []
        for connection in connections:  # on each pooled connection: does deleting a parent cascade?
            with connection.begin():
                connection.exec_driver_sql("CREATE TEMPORARY TABLE parent_probe (id INTEGER PRIMARY KEY)")
                connection.exec_driver_sql(
                    "CREATE TEMPORARY TABLE child_probe (id INTEGER PRIMARY KEY, "
                    "parent_id INTEGER REFERENCES parent_probe (id) ON DELETE CASCADE)"
                )
                connection.exec_driver_sql("INSERT INTO parent_probe (id) VALUES (1)")
                connection.exec_driver_sql("INSERT INTO child_probe (id, parent_id) VALUES (1, 1)")
                connection.exec_driver_sql("DELETE FROM parent_probe")
                survivors.append(connection.exec_driver_sql("SELECT count(*) FROM child_probe").scalar())
                connection.exec_driver_sql("DROP TABLE child_probe")
                connection.exec_driver_sql("DROP TABLE parent_probe")
        assert survivors == [0] * len(connections)
    finally:
        for connection in connections:
            connection.close()
