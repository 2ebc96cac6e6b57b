"""The hash-chained audit trail, and backup/restore of the whole database."""
from sqlalchemy import func, select, text, update

from livinglab.audit import AuditRecord, verify
from livinglab.extensions import db
from livinglab.studies.models import Study


def test_every_record_links_to_the_one_before(make_study):
    make_study("recruiting")
    checked, broken = verify()
    assert broken is None and checked == db.session.scalar(select(func.count()).select_from(AuditRecord)) > 5


def test_editing_a_record_breaks_the_chain_there(make_study, runner):
    make_study("approved")
    target = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()[3]
    db.session.execute(update(AuditRecord).where(AuditRecord.id == target.id).values(comment="forged"))
    db.session.commit()
    checked, broken = verify()
    assert broken.id == target.id and checked == 3
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"record #{target.id}" in result.output


def test_deleting_a_record_breaks_the_chain(make_study):
    make_study("approved")
    ids = db.session.scalars(select(AuditRecord.id).order_by(AuditRecord.id)).all()
    db.session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": ids[2]})
    db.session.commit()
    assert verify()[1].id == ids[3]


def test_deleting_the_newest_record_is_noticed(make_study):
    make_study("approved")
    newest = db.session.scalar(select(func.max(AuditRecord.id)))
    db.session.execute(text("DELETE FROM audit_record WHERE id = :id"), {"id": newest})
    db.session.commit()
    assert verify()[1] is not None


def test_verify_command_reports_an_intact_trail(make_study, runner):
    make_study("submitted")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "every link verified" in result.output


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
