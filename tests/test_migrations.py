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
    rows = {table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
            for table in db.metadata.sorted_tables}
    for study in rows["study"]:  # the first revision knows no `ended`: the nearest status it knows
        study["status"] = "closed" if study["status"] == "ended" else study["status"]
    db.session.remove()
    _reset_to_empty()
    try:
        upgrade(revision=first)
        old = MetaData()
        old.reflect(bind=db.engine)
        with db.engine.begin() as connection:
            for table in old.sorted_tables:
                if rows.get(table.name):
                    connection.execute(insert(table), [{k: v for k, v in row.items() if k in table.c}
                                                       for row in rows[table.name]])
        before = {table.name: db.session.scalar(select(func.count()).select_from(table))
                  for table in old.sorted_tables if table.name != "alembic_version"}
        db.session.remove()
        upgrade()
        after = {name: db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                 for name in before if name in db.metadata.tables}
        assert after == {name: n for name, n in before.items() if name in db.metadata.tables}
        assert before["answer"] > 0 and before["study"] >= 8
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()


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
        assert at_head["answer"] > 0 and at_head["study"] >= 8
        from livinglab.audit import verify

        assert verify()[1] is None
    finally:
        db.session.remove()
        downgrade(revision="base")
        _reset_to_empty()
        db.create_all()
