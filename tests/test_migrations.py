"""`flask db upgrade` on an empty database builds exactly the schema the models declare."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

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
    """A database filled with a whole pilot keeps every row when taken down to the first revision and
    upgraded again to the latest. The pilot is written by today's models (so it is seeded at the latest
    revision): every later migration then runs on real rows, down and up, and a table rebuilt on SQLite
    must not cascade-delete its children."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import func, select

    from livinglab.demo import seed

    config = app.extensions["migrate"].migrate.get_config(directory=None)
    first = ScriptDirectory.from_config(config).get_base()
    _reset_to_empty()

    def counts() -> dict[str, int]:
        present = set(inspect(db.engine).get_table_names())
        return {table.name: db.session.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables if table.name in present}

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
        after = counts()
        assert {name: after[name] for name in at_first} == at_first
        assert at_head["answer"] > 0 and at_head["study"] == 8
        from livinglab.audit import verify

        assert verify()[1] is None
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()
