"""The keyed, per-pilot audit chains, their checkpoints outside the database, and backup/restore.

The attacks here are those of a database writer who does not hold LIVINGLAB_AUDIT_KEY: rewrite
records and recompute the chain, delete the newest records and rewind the head rows, move a record
to another chain, change the database identity, forge or borrow a checkpoint."""

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text, update

from livinglab import audit, audit_checkpoints, configure_audit
from livinglab.audit import AuditChain, AuditRecord, DatabaseIdentity, canonical, verify, verify_trail
from livinglab.extensions import db
from livinglab.studies.models import Study
from tests.conftest import AUDIT_KEY


@pytest.fixture(autouse=True)
def checkpoints(app, tmp_path):
    """A checkpoint folder of this test's own."""
    before = app.config["AUDIT_CHECKPOINTS"]
    app.config["AUDIT_CHECKPOINTS"] = str(tmp_path / "checkpoints")
    yield tmp_path / "checkpoints"
    app.config["AUDIT_CHECKPOINTS"] = before


def records(chain=None) -> list[AuditRecord]:
    query = select(AuditRecord).order_by(AuditRecord.chain, AuditRecord.seq)
    return list(db.session.scalars(query.where(AuditRecord.chain == chain) if chain else query))


def unkeyed(prev: str, entry: AuditRecord) -> str:
    return hashlib.sha256(prev.encode() + canonical(entry.content())).hexdigest()


def rewrite_chain(chain: str, mac) -> None:
    """What a database writer can do: recompute every link of a chain, and its head, with `mac`."""
    last = audit.GENESIS
    for entry in records(chain):
        digest = mac(last, entry)
        db.session.execute(update(AuditRecord).where(AuditRecord.id == entry.id).values(prev_hash=last, hash=digest))
        last = digest
    db.session.execute(update(AuditChain).where(AuditChain.chain == chain).values(last_hash=last))
    db.session.commit()


# --- The chains ------------------------------------------------------------------------------------


def test_every_record_links_to_the_one_before_in_its_pilots_chain(make_study):
    first, second = make_study("recruiting"), make_study("approved")
    result = verify_trail()
    assert result.ok and result.checked == db.session.scalar(select(func.count()).select_from(AuditRecord)) > 5
    assert {f"study:{first.id}", f"study:{second.id}", "main"} <= set(result.chains)
    for chain in result.chains:
        assert [r.seq for r in records(chain)] == list(range(1, len(records(chain)) + 1))
        assert all(r.chain == audit.chain_of(r.study_id) for r in records(chain))


def test_there_is_no_global_head_row(app, make_study):
    """Each pilot's chain has its own head: writers in two pilots lock two different rows."""
    first, second = make_study("recruiting"), make_study("recruiting")
    heads = {head.chain: head.seq for head in db.session.scalars(select(AuditChain))}
    assert heads[f"study:{first.id}"] == len(records(f"study:{first.id}"))
    assert heads[f"study:{second.id}"] == len(records(f"study:{second.id}"))
    assert "audit_head" not in db.metadata.tables


def test_editing_a_record_breaks_the_chain_there(make_study, runner):
    make_study("approved")
    target = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "study.submit"))
    db.session.execute(update(AuditRecord).where(AuditRecord.id == target.id).values(comment="forged"))
    db.session.commit()
    assert verify()[1].id == target.id
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"record #{target.id}" in result.output


def test_rewriting_records_and_recomputing_an_unkeyed_chain_is_caught(make_study):
    """The attack that passed before issue 8: change a decision and recompute the SHA-256 chain."""
    study = make_study("rejected")
    target = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "study.reject"))
    db.session.execute(
        update(AuditRecord).where(AuditRecord.id == target.id).values(action="study.approve", comment="All fine.")
    )
    db.session.commit()
    rewrite_chain(f"study:{study.id}", unkeyed)
    broken = verify()[1]
    assert broken is not None and broken.id == records(f"study:{study.id}")[0].id  # every link is now wrong


def test_recomputing_with_a_guessed_key_is_caught(make_study):
    study = make_study("approved")
    guess = hashlib.sha256(b"livinglab").digest()
    rewrite_chain(
        f"study:{study.id}",
        lambda prev, e: hmac.new(guess, prev.encode() + canonical(e.content()), hashlib.sha256).hexdigest(),
    )
    assert verify()[1] is not None


def test_deleting_a_record_breaks_the_chain(make_study):
    study = make_study("approved")
    chain = records(f"study:{study.id}")
    db.session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": chain[2].id})
    db.session.commit()
    assert verify()[1].id == chain[3].id


def test_moving_a_record_to_another_chain_is_caught(make_study):
    first, second = make_study("draft"), make_study("draft")
    moved = records(f"study:{first.id}")[-1]
    db.session.execute(update(AuditRecord).where(AuditRecord.id == moved.id).values(study_id=second.id))
    db.session.commit()
    assert verify()[1].id == moved.id


def test_deleting_the_newest_record_is_noticed_by_the_head_row(make_study):
    make_study("approved")
    newest = db.session.scalar(select(func.max(AuditRecord.id)))
    db.session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": newest})
    db.session.commit()
    result = verify_trail()
    assert result.first.kind == "missing" and result.first.source == "head"


def test_deleting_the_last_records_and_rewinding_the_head_is_caught_by_the_checkpoint(make_study, runner):
    study = make_study("recruiting")
    chain = f"study:{study.id}"
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    last = [(r.id, r.seq, r.prev_hash) for r in records(chain)[-2:]]
    db.session.execute(text("DELETE FROM audit_record WHERE id IN (:a, :b)"), {"a": last[0][0], "b": last[1][0]})
    db.session.execute(
        update(AuditChain).where(AuditChain.chain == chain).values(seq=last[0][1] - 1, last_hash=last[0][2])
    )
    db.session.commit()
    assert verify_trail(use_checkpoint=False).ok  # the database alone is consistent again...
    result = verify_trail()  # ...but not with what the checkpoint vouches for
    assert result.first.kind == "missing" and result.first.source == "checkpoint" and result.first.chain == chain
    assert (result.first.have, result.first.want) == (last[0][1] - 1, last[1][1])
    output = runner.invoke(args=["audit", "verify"])
    assert output.exit_code != 0 and f"records are missing at the end of {chain}" in output.output


def test_deleting_a_whole_chain_is_caught_by_the_checkpoint(make_study, runner):
    study = make_study("draft")
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    db.session.execute(text("DELETE FROM audit_record WHERE study_id = :s"), {"s": study.id})
    db.session.execute(text("DELETE FROM audit_chain WHERE chain = :c"), {"c": f"study:{study.id}"})
    db.session.commit()
    assert verify_trail().first.kind == "missing"


def test_changing_the_database_identity_breaks_every_record(make_study):
    make_study("draft")
    db.session.execute(update(DatabaseIdentity).values(uuid="00000000-0000-4000-8000-000000000000"))
    db.session.commit()
    assert verify()[1] is not None


def test_removing_the_database_identity_is_noticed(make_study):
    make_study("draft")
    db.session.execute(text("DELETE FROM database_identity"))
    db.session.commit()
    assert verify_trail().first.kind == "identity"


def test_the_key_is_never_in_the_database(make_study, runner):
    make_study("recruiting")
    runner.invoke(args=["audit", "checkpoint"])
    dump = json.dumps(
        [
            [list(map(str, row)) for row in db.session.execute(table.select()).all()]
            for table in db.metadata.sorted_tables
        ]
    )
    database = audit.current_database_id()
    assert AUDIT_KEY not in dump
    for purpose in ("chain", "checkpoint"):
        assert audit.derived_key(purpose, database).hex() not in dump


# --- Checkpoints -----------------------------------------------------------------------------------


def test_a_checkpoint_names_its_database_and_every_chains_head(make_study, runner, checkpoints):
    study = make_study("recruiting")
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    [path] = list(checkpoints.iterdir())
    body = json.loads(path.read_text())
    database = audit.current_database_id()
    assert body["database"] == database and database in path.name
    chain = records(f"study:{study.id}")
    assert body["chains"][f"study:{study.id}"] == {"count": len(chain), "hash": chain[-1].hash}
    assert body["records"] == db.session.scalar(select(func.count()).select_from(AuditRecord))
    assert set(body) >= {"at", "mac", "format"}
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and path.name in verified.output


def test_the_latest_checkpoint_is_used(make_study, runner, checkpoints):
    make_study("draft")
    runner.invoke(args=["audit", "checkpoint"])
    make_study("submitted")
    runner.invoke(args=["audit", "checkpoint"])
    latest = audit_checkpoints.latest(audit.current_database_id())
    assert latest.records == db.session.scalar(select(func.count()).select_from(AuditRecord))
    assert len(list(checkpoints.iterdir())) == 2


def test_a_checkpoint_of_another_database_is_never_used(make_study, runner, checkpoints):
    """Signed properly, but for another database: it vouches for more records than this one has."""
    make_study("draft")
    runner.invoke(args=["audit", "checkpoint"])
    [path] = list(checkpoints.iterdir())
    body = json.loads(path.read_text())
    other = "11111111-2222-4333-8444-555555555555"
    body.update(
        database=other,
        chains={name: {"count": head["count"] + 5, "hash": "f" * 64} for name, head in body["chains"].items()},
    )
    body.pop("mac")
    body["mac"] = hmac.new(audit.derived_key("checkpoint", other), canonical(body), hashlib.sha256).hexdigest()
    (checkpoints / f"audit-{other}-29991231T235959999999Z.json").write_text(json.dumps(body))
    assert audit_checkpoints.read(checkpoints / f"audit-{other}-29991231T235959999999Z.json") is not None
    assert verify_trail().ok and verify_trail().checkpoint.path == path


def test_a_forged_checkpoint_is_ignored(make_study, runner, checkpoints):
    """Without the key, a checkpoint cannot be signed: renaming another database's file, or editing
    this database's one, gives a file that is never used."""
    make_study("draft")
    runner.invoke(args=["audit", "checkpoint"])
    [path] = list(checkpoints.iterdir())
    body = json.loads(path.read_text())
    body["chains"] = {name: {"count": head["count"] + 1, "hash": head["hash"]} for name, head in body["chains"].items()}
    forged = checkpoints / (path.name[: -len("20260101T000000000000Z.json")] + "29991231T235959999999Z.json")
    forged.write_text(json.dumps(body))
    assert audit_checkpoints.read(forged) is None
    assert verify_trail().ok and verify_trail().checkpoint.path == path
    output = runner.invoke(args=["audit", "verify"]).output
    assert path.name in output and "1 checkpoint file(s) named for this database do not verify" in output


def test_checkpoint_refuses_a_broken_trail(make_study, runner, checkpoints):
    make_study("approved")
    target = records()[0]
    db.session.execute(update(AuditRecord).where(AuditRecord.id == target.id).values(comment="forged"))
    db.session.commit()
    for args in (["audit", "checkpoint"], ["audit", "checkpoint", "--force"]):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "no checkpoint written" in result.output
    assert not checkpoints.exists() or list(checkpoints.iterdir()) == []


def test_after_restoring_an_older_backup_force_starts_again(make_study, runner, tmp_path):
    make_study("draft")
    backup = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    make_study("submitted")
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    db.session.remove()
    assert runner.invoke(args=["restore", str(backup), "--yes"]).exit_code == 0
    assert verify_trail().first.kind == "missing"  # the restored trail is older than the checkpoint
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code != 0
    result = runner.invoke(args=["audit", "checkpoint", "--force"])
    assert result.exit_code == 0, result.output
    assert verify_trail().ok and verify_trail().checkpoint.forced


# --- The key -----------------------------------------------------------------------------------------


def app_stub(tmp_path, **config):
    return SimpleNamespace(
        config={"AUDIT_KEY": None, "AUDIT_CHECKPOINTS": None, "PRODUCTION": False, **config},
        instance_path=str(tmp_path),
    )


def test_outside_production_a_random_key_is_kept_in_the_instance_folder(tmp_path):
    first, second = app_stub(tmp_path), app_stub(tmp_path)
    configure_audit(first)
    configure_audit(second)
    key_file = tmp_path / "audit_key"
    assert first.config["AUDIT_KEY"] == second.config["AUDIT_KEY"] == key_file.read_text().strip()
    assert len(first.config["AUDIT_KEY"]) >= 32 and key_file.stat().st_mode & 0o777 == 0o600
    assert first.config["AUDIT_CHECKPOINTS"] == str(Path(tmp_path) / "audit-checkpoints")


def test_production_refuses_to_start_without_a_key(tmp_path):
    with pytest.raises(RuntimeError, match="LIVINGLAB_AUDIT_KEY"):
        configure_audit(app_stub(tmp_path, PRODUCTION=True))
    assert not (tmp_path / "audit_key").exists()
    with pytest.raises(RuntimeError, match="at least 32"):
        configure_audit(app_stub(tmp_path, AUDIT_KEY="short"))


def test_the_key_comes_from_the_environment_as_written(monkeypatch, tmp_path):
    """A key of digits stays text: it is not parsed as JSON like other LIVINGLAB_ settings."""
    from livinglab import create_app

    monkeypatch.setenv("LIVINGLAB_AUDIT_KEY", "1" * 40)
    monkeypatch.setenv("LIVINGLAB_AUDIT_CHECKPOINTS", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("LIVINGLAB_PRODUCTION", "true")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "RATELIMIT_ENABLED": False})
    assert app.config["AUDIT_KEY"] == "1" * 40 and app.config["AUDIT_CHECKPOINTS"] == str(tmp_path / "elsewhere")


# --- Concurrency ---------------------------------------------------------------------------------------


def test_writers_in_two_pilots_do_not_wait_for_each_other(app, make_study, make_user):
    """One transaction holds the head of pilot A's chain (a submission not yet committed); a record in
    pilot B must go through at once. On PostgreSQL with a lock timeout; SQLite has one writer at a time
    for the whole file anyway, so there the two chains' heads are checked to be distinct rows."""
    first, second = make_study("recruiting"), make_study("recruiting")
    coordinator = make_user("coordinator")
    if db.engine.dialect.name != "postgresql":
        from sqlalchemy import event

        locked = []

        def watch(_conn, _cursor, statement, parameters, *_args):
            if "FROM audit_chain" in statement:
                locked.append(tuple(parameters))

        event.listen(db.engine, "before_cursor_execute", watch)
        try:
            audit.record(coordinator, "study.pause", study=first)
            db.session.flush()
        finally:
            event.remove(db.engine, "before_cursor_execute", watch)
        assert locked and all(params[0] == f"study:{first.id}" for params in locked)
        db.session.rollback()
        return
    from sqlalchemy.orm import Session

    with Session(db.engine) as holder:
        holder.execute(select(AuditChain).where(AuditChain.chain == f"study:{first.id}").with_for_update())
        with app.test_request_context():
            db.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            audit.record(coordinator, "study.pause", study=db.session.get(Study, second.id))
            db.session.commit()  # would fail with a lock timeout if every write queued behind one head
        holder.rollback()
    assert verify()[1] is None


# --- Backups -----------------------------------------------------------------------------------------


def test_backup_change_restore(make_study, runner, tmp_path):
    study = make_study("draft")
    study_id, title = study.id, study.title
    db.session.commit()
    path = tmp_path / "backup.db"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    db.session.execute(update(Study).where(Study.id == study_id).values(title="Changed after the backup"))
    db.session.commit()
    db.session.remove()
    result = runner.invoke(args=["restore", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Study.title).where(Study.id == study_id)) == title
    assert verify()[1] is None


def test_verify_command_reports_an_intact_trail(make_study, runner):
    make_study("submitted")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "every link verified under the key" in result.output
    assert "no checkpoint yet" in result.output


def test_records_made_an_instant_apart_keep_their_order(make_study, monkeypatch):
    """Several records in one flush are chained in the order they were made, whatever their times."""
    from livinglab.timeutil import utcnow

    study = make_study("draft")
    now = utcnow()
    times = iter([now, now - timedelta(seconds=5)])
    monkeypatch.setattr(audit, "utcnow", lambda: next(times))
    owner = db.session.get(Study, study.id).owner
    a = audit.record(owner, "study.update", study=study, fields=["title"])
    b = audit.record(owner, "study.update", study=study, fields=["summary"])
    db.session.commit()
    assert b.seq == a.seq + 1 and verify()[1] is None
