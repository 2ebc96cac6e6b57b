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
    """A database at the first revision, filled with a whole pilot, keeps every row when upgraded to
    the latest. The models describe the latest schema only, so the pilot is seeded at the latest
    revision and the database taken down to the first one (which must keep the rows too), then
    upgraded again."""
    from alembic.script import ScriptDirectory

    from livinglab.demo import seed

    config = app.extensions["migrate"].migrate.get_config(directory=None)
    first = ScriptDirectory.from_config(config).get_base()
    _reset_to_empty()
    try:
        upgrade()
        seed()
        db.session.commit()
        db.session.remove()
        downgrade(revision=first)
        tables = sorted(set(inspect(db.engine).get_table_names()) - {"alembic_version"})

        def counts():
            with db.engine.connect() as connection:
                return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in tables}

        before = counts()
        upgrade()
        after = counts()
        assert after == before and before["answer"] > 0 and before["study"] == 8
        from livinglab.audit import verify

        assert verify()[1] is None
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()
