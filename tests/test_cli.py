"""The flask commands: users create, seed-demo, setup."""

from sqlalchemy import func, select

from livinglab.auth.models import Role, User
from livinglab.config import Config
from livinglab.demo import ACCOUNTS, PASSWORD
from livinglab.extensions import db
from livinglab.studies.models import Study, StudyStatus


def test_create_a_coordinator(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Claire@Example.org",
            "--password",
            "a-long-password",
            "--role",
            "coordinator",
            "--name",
            "Claire",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "claire@example.org"))
    assert user.role == Role.COORDINATOR and user.name == "Claire"


def test_create_refuses_bad_input_and_saves_nothing(runner, coordinator):
    for args in (
        ["--email", coordinator.email, "--password", "a-long-password", "--role", "coordinator"],
        ["--email", "x@example.org", "--password", "short", "--role", "coordinator"],
        ["--email", "y@example.org", "--password", "a-long-password", "--role", "startup"],
    ):
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0
        assert "Error" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_seed_demo_creates_every_state_once(runner):
    assert "Demo data created." in runner.invoke(args=["seed-demo"]).output
    assert "already present" in runner.invoke(args=["seed-demo"]).output
    statuses = set(db.session.scalars(select(Study.status)))
    assert statuses == set(StudyStatus)
    domains = {str(d) for d in db.session.scalars(select(Study.domain))}
    assert domains == {"e-health", "foodtech"}
    emails = set(db.session.scalars(select(User.email)))
    assert {email for email, *_ in ACCOUNTS} <= emails


def test_demo_sign_ins_work(runner, client):
    runner.invoke(args=["seed-demo"])
    for email, _name, _role, _org in ACCOUNTS:
        response = client.post("/account/signin", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, email
        client.post("/account/signout")


def test_production_hashes_passwords_with_scrypt(app, make_user):
    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    try:
        assert make_user("participant").password_hash.startswith("scrypt:")
    finally:
        app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
