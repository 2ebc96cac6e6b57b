"""Fixtures: one app per test session on SQLite (or on DATABASE_URL), rows wiped after each test."""

import functools
import os

import flask_babel
import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import event

from livinglab import create_app, normalise_database_url
from livinglab.auth.services import create_token, create_user
from livinglab.demo import build_study
from livinglab.extensions import db

PASSWORD = "correct-horse-battery"
AUDIT_KEY = "test-audit-key-for-the-suite-only-0123456789"  # the gunicorn servers of tests/servers.py too


# The quick loop (`./test.sh -m "not slow"`) leaves out what starts servers or fuzzes; CI runs all.
SLOW_MODULES = {
    "test_crash_safety",
    "test_enrolment_concurrency",
    "test_fuzz_api",
    "test_fuzz_forms",
    "test_proxy_limits",
    "test_quota_concurrency",
    "test_worker",
    "test_sending",
}
SLOW_FIXTURES = {"smtp_server", "run_worker"}


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items):
    for item in items:
        if (
            item.path.stem in SLOW_MODULES
            or "browser" in item.path.parts
            or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
        ):
            item.add_marker(pytest.mark.slow)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_database_url(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": AUDIT_KEY,
            "AUDIT_CHECKPOINTS": str(tmp_path_factory.mktemp("audit-checkpoints")),
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production keeps scrypt
            "SESSION_COOKIE_SECURE": False,  # the test client and the live server speak plain HTTP
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@functools.cache
def empty_tables() -> tuple[str, ...]:
    """One DELETE per table, children before parents (sorting the tables is done once, not per test)."""
    return tuple(f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables))


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Each test starts from empty tables, emptied through the driver: building each DELETE through
    SQLAlchemy's statement cache cost four times as much as running it, after every test."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # one round trip, not one per table
                connection.exec_driver_sql("; ".join(empty_tables()))
            else:  # SQLite's driver runs one statement per call
                cursor = connection.connection.driver_connection.cursor()
                for statement in empty_tables():
                    cursor.execute(statement)
                cursor.close()


class IsolatedClient(FlaskClient):
    """Tests hold one app context open, which each request would reuse: clear what Flask-Login and
    Flask-Babel cache there, so that every request starts as fresh as in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
            flask_babel.refresh()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user():
    counter = iter(range(1, 10_000))

    def make(role="startup", organisation=None, email=None, name=None):
        n = next(counter)
        if role == "startup" and organisation is None:
            organisation = f"Startup {n}"
        user = create_user(
            email or f"{role}{n}@example.org", PASSWORD, name or f"{role.title()} {n}", role, organisation
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def startup(make_user):
    return make_user("startup", organisation="Sommeil+")


def join_organisation(member, newcomer):
    """`newcomer` leaves its own organisation and joins `member`'s, by invitation, as a person would."""
    from livinglab.auth import organisations

    if newcomer.organisation is not None:
        organisations.leave(newcomer)
    raw, _invitation = organisations.invite(member, newcomer.email)
    organisations.accept_invitation(newcomer, raw)
    db.session.commit()
    return newcomer


def signed_in_session(session, user) -> None:
    """Fill a test client's session as signing in does (for tests that skip the sign-in page)."""
    import time

    session.clear()
    if user is not None:
        session["_user_id"], session["_fresh"] = user.session_token, True
        session["signed_in_at"] = int(time.time())


@pytest.fixture
def colleague(make_user, startup):
    """A second member of the startup's organisation, who came from an organisation of their own."""
    return join_organisation(startup, make_user("startup", organisation="Colleague's old startup"))


@pytest.fixture
def other_startup(make_user):
    return make_user("startup", organisation="Another startup")


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator")


@pytest.fixture
def participant(make_user):
    return make_user("participant")


@pytest.fixture
def make_study(startup, coordinator):
    """A complete study of `startup`'s organisation, walked to the given status."""

    def make(status="draft", owner=None, **kwargs):
        study = build_study(owner or startup, coordinator, status, **kwargs)
        db.session.commit()
        return study

    return make


@pytest.fixture
def take_part(make_user):
    """A participant who enrols, answers the given surveys ({survey key: answers}), and may withdraw
    (`withdraw=True` erases their answers, False keeps them); returns (participant code, user)."""
    from livinglab.participants import services as participation

    def take(study, answers: dict, withdraw=None):
        user = make_user("participant")
        consent = study.current_consent
        enrolment = participation.enrol(
            user,
            study,
            consent_version=consent.version,
            clauses={c["key"]: True for c in consent.clauses},
            signature=user.name,
            age=30,
            criteria_confirmed=True,
        )
        for key, given in answers.items():
            participation.submit_response(user, study, key, given)
        if withdraw is not None:
            participation.withdraw(user, study, erase_data=withdraw)
        db.session.commit()
        return enrolment.participant_code, user

    return take


@pytest.fixture
def login(client):
    """Sign a user in through the real sign-in page."""

    def do(user, password=PASSWORD):
        response = client.post("/account/signin", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.data
        return user

    return do


@pytest.fixture
def api_headers():
    """Authorization headers with a fresh bearer token for a user (or none for anonymous)."""

    def headers(user=None):
        if user is None:
            return {}
        raw, _token = create_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return headers


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a block: `with count_queries() as counter: ...`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


# Protocols of each research category (the sleep pilot is RIPH 3), for the consent modes
QUALIFIED = {
    "riph1": ({"beyond_usual_practice": True, "minimal_risk": False}, "mr001", {"insurance": "Assur Santé, 123"}),
    "riph2": ({"beyond_usual_practice": True, "minimal_risk": True}, "mr001", {"insurance": "Assur Santé, 123"}),
    "riph3": ({}, "mr003", {}),
    "not_riph": ({"existing_data_only": True}, "mr004", {}),
    "outside_jarde": ({"purpose": "satisfaction"}, "none", {}),
}


def protocol_of_category(category: str, **overrides) -> dict:
    """The sleep protocol, qualified as `category` by its questionnaire (so with no justification needed)."""
    from livinglab.demo import sleep_protocol

    answers, route, extra = QUALIFIED[category]
    base = sleep_protocol()
    return sleep_protocol(
        qualification={**base["qualification"], **answers},
        research_category=category,
        cnil_framework=route,
        **extra,
        **overrides,
    )
