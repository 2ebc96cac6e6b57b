"""The journey migration: `ended` passes the status CHECK, screening counters become one row per person with
the same totals, and a downgrade gives the counters back."""

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only

from livinglab.extensions import db
from livinglab.participants.services import screening_counts
from livinglab.studies.models import Study
from tests.test_migrations import _reset_to_empty

REVISION = "5b1e2c7d9a30"
TALLIES = {"screened": 5, "eligible": 3, "age": 2, "criterion:0": 1}


@pytest.fixture
def at_first_revision(app, make_study):
    """A recruiting study and its counters, in a database at the revision before this one."""
    study_id = make_study("recruiting").id
    rows = {
        table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
        for table in db.metadata.sorted_tables
    }
    db.session.remove()
    _reset_to_empty()
    config = app.extensions["migrate"].migrate.get_config(directory=None)
    previous = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    upgrade(revision=previous)
    old = MetaData()
    old.reflect(bind=db.engine)
    with db.engine.begin() as connection:
        for table in old.sorted_tables:
            if rows.get(table.name):
                connection.execute(
                    insert(table), [{k: v for k, v in row.items() if k in table.c} for row in rows[table.name]]
                )
        for reason, count in TALLIES.items():
            connection.execute(
                insert(old.tables["screening_tally"]).values(study_id=study_id, reason=reason, count=count)
            )
    yield study_id
    db.session.remove()
    downgrade(revision="base")
    _reset_to_empty()
    db.create_all()


def test_the_counters_become_rows_with_the_same_totals_and_come_back(at_first_revision):
    upgrade(revision=REVISION)
    # the model has columns of later revisions: load only what this revision has
    study = db.session.get(Study, at_first_revision, options=[load_only(Study.id)])
    assert screening_counts(study) == TALLIES
    db.session.remove()
    downgrade(revision=REVISION + "-1")
    with db.engine.connect() as connection:
        back = dict(
            connection.execute(
                text("SELECT reason, count FROM screening_tally WHERE study_id = :id"), {"id": at_first_revision}
            ).all()
        )
    assert back == TALLIES
    upgrade(revision=REVISION)


def test_the_status_check_takes_ended_and_refuses_anything_else(at_first_revision):
    upgrade(revision=REVISION)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE study SET status = 'ended' WHERE id = :id"), {"id": at_first_revision})
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("UPDATE study SET status = 'finished' WHERE id = :id"), {"id": at_first_revision})
    db.session.remove()
    downgrade(revision=REVISION + "-1")  # an ended study goes back to the nearest old status
    with db.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT status FROM study WHERE id = :id"), {"id": at_first_revision}).scalar()
            == "closed"
        )
    upgrade(revision=REVISION)
