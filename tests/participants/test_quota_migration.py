"""The quota_place migration: pilots that already had age quotas and enrolments get their rows, `taken` counting
every enrolment of the group (an erased one too), on SQLite and PostgreSQL; the downgrade drops the table."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, insert, inspect, select

from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from tests.participants.test_quota_places import enrol
from tests.test_migrations import _reset_to_empty

REVISION = "quotas_8e2c4a6f1d93"
PREVIOUS = "branching_3f8a2d6c1e47"
QUOTAS = {"ratio": None, "age_strata": [65], "quotas": {"65+": 3, "<65": 1}}


@pytest.fixture
def before_quota_places(app, make_study, client, api_headers, make_user):
    """Two recruiting pilots (one with quotas and enrolments, one without), copied into a database at the
    revision before this one."""
    quoted = make_study("recruiting", protocol=food_protocol(allocation=QUOTAS), survey_defs=food_surveys())
    plain = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    quoted.allocation = QUOTAS | {"quotas": {**QUOTAS["quotas"], "90+": 4}}  # a key of no group: no row
    db.session.commit()
    for age in (70, 80, 30):
        assert enrol(client, api_headers, make_user("participant"), quoted, age).status_code == 201
    assert enrol(client, api_headers, make_user("participant"), plain, 70).status_code == 201
    ids = quoted.id, plain.id
    rows = {
        table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
        for table in db.metadata.sorted_tables
    }
    db.session.remove()
    _reset_to_empty()
    upgrade(revision=PREVIOUS)
    old = MetaData()
    old.reflect(bind=db.engine)
    assert "quota_place" not in old.tables
    with db.engine.begin() as connection:
        for table in old.sorted_tables:
            if rows.get(table.name) and table.name != "database_identity":  # the upgrade made its own
                connection.execute(
                    insert(table), [{k: v for k, v in row.items() if k in table.c} for row in rows[table.name]]
                )
    yield ids
    db.session.remove()
    downgrade(revision="base")
    _reset_to_empty()
    db.create_all()


def test_the_upgrade_backfills_the_quotas_of_pilots_with_enrolments_and_the_downgrade_drops_them(
    before_quota_places,
):
    quoted, plain = before_quota_places
    upgrade(revision=REVISION)
    with db.engine.connect() as connection:
        found = connection.exec_driver_sql(
            "SELECT study_id, kind, subgroup, places, taken FROM quota_place ORDER BY subgroup"
        ).all()
    # "90+" is no group of the strata: no row; "<65" already had its one place taken
    assert [tuple(row) for row in found] == [(quoted, "age", "65+", 3, 2), (quoted, "age", "<65", 1, 1)]
    downgrade(revision=PREVIOUS)
    assert "quota_place" not in inspect(db.engine).get_table_names()
    upgrade(revision=REVISION)  # and up again, the same rows
    with db.engine.connect() as connection:
        again = connection.exec_driver_sql("SELECT count(*), sum(taken) FROM quota_place").one()
    assert tuple(again) == (2, 3)
