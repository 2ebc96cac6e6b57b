"""Passwords as NIST SP 800-63B says: at least 10 characters, not only white space, not a commonly used
one, no composition rules, a clear message; wherever a password is chosen (issue 8, item 4)."""

import pytest
from sqlalchemy import func, select

from livinglab.auth.models import User
from livinglab.extensions import db

COMMON = ["password1234", "qwertyuiop", "1234567890", "iloveyou12", "azertyuiop", "Password123"]
TOO_SHORT = ["short", "nine char"]
BLANK = [" " * 10, "\t" * 12, "\u3000" * 10]
# No composition rules: lower case only, digits only or spaces inside are all fine when not common.
ACCEPTED = ["zebra lamp kettle", "violettes-de-toulouse", "8174 2290 5531", "ça me plaît bien", "kiwipapayamango"]


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def api_register(client, password, **extra):
    return client.post(
        "/api/v1/auth/register",
        json={"email": "p@example.org", "password": password, "name": "P", "role": "participant", **extra},
    )


@pytest.mark.parametrize("password", COMMON)
def test_a_common_password_is_refused_at_registration(client, password):
    response = api_register(client, password)
    assert response.status_code == 422
    assert "too common" in response.get_json()["error"]["fields"]["password"]
    assert count_users() == 0


@pytest.mark.parametrize(
    "password, message",
    [*((p, "Use at least 10 characters.") for p in TOO_SHORT), *((p, "cannot be only spaces") for p in BLANK)],
)
def test_a_short_or_blank_password_is_refused_with_a_clear_message(client, password, message):
    response = api_register(client, password)
    assert response.status_code == 422 and message in response.get_json()["error"]["fields"]["password"]
    page = client.post(
        "/account/register", data={"role": "participant", "name": "P", "email": "p@example.org", "password": password}
    )
    assert message in page.get_data(as_text=True)
    assert count_users() == 0


@pytest.mark.parametrize("password", ACCEPTED)
def test_no_composition_rules(client, password):
    assert api_register(client, password).status_code == 201


def test_ten_characters_are_enough_and_129_too_many(client):
    response = api_register(client, "kettle-129" + "k" * 119)
    assert response.status_code == 422 and "at most 128" in response.get_json()["error"]["fields"]["password"]
    assert api_register(client, "tulip-lamp").status_code == 201


def test_the_email_or_the_name_as_password_is_refused(client):
    response = api_register(client, "p@example.org")
    assert response.status_code == 422
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": "jeanne.dupont@example.org",
            "name": "Jeanne",
            "password": "Jeanne.Dupont",
            "role": "participant",
        },
    )
    assert response.status_code == 422 and "too common" in response.get_json()["error"]["fields"]["password"]


def test_a_password_typed_with_decomposed_accents_still_signs_in(client):
    composed, decomposed = "ma clé à molette", "ma cle\u0301 a\u0300 molette"
    assert api_register(client, composed).status_code == 201
    response = client.post("/api/v1/auth/tokens", json={"email": "p@example.org", "password": decomposed})
    assert response.status_code == 201


def test_a_coordinator_cannot_be_given_a_common_password(client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/account/coordinators", data={"name": "N", "email": "n@example.org", "password": "password1234"}
    )
    assert "too common" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "n@example.org")) is None


def test_the_cli_refuses_a_common_password(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "c@example.org", "--password", "qwertyuiop", "--role", "coordinator"]
    )
    assert result.exit_code != 0 and "too common" in result.output
    assert count_users() == 0


def test_a_password_change_refuses_a_common_password(client, login, startup):
    from tests.conftest import PASSWORD

    login(startup)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "1234567890"})
    assert response.status_code == 422 and "too common" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["pbkdf2:sha256:1000", "pbkdf2:sha256:2000", "scrypt:16384:8:1"])
def test_a_wrong_email_is_compared_with_the_method_of_a_real_password(app, client, make_user, monkeypatch, method):
    """A sign-in with an unknown email is compared against a stand-in hash made with the configured method,
    so that it costs what a wrong password costs (no account enumeration by timing). It once used werkzeug's
    default (scrypt) whatever the configuration."""
    from werkzeug import security

    from livinglab.auth import passwords

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", method)
    make_user("participant", email="real@example.org")  # hashed with the method configured now
    compared = []
    real_check = security.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: compared.append(h) or real_check(h, p))
    for email in ("real@example.org", "nobody@example.org"):
        answer = client.post("/api/v1/auth/tokens", json={"email": email, "password": "wrong password 123"})
        assert answer.status_code == 401, answer.get_json()
    assert [h.split("$")[0] for h in compared] == [method, method]


def test_the_stand_in_hash_is_made_when_the_app_starts_not_at_the_first_unknown_email(tmp_path, monkeypatch):
    """The first sign-in with an unknown email a process sees would otherwise cost one hash more than a
    wrong password (the stand-in made on the spot), which tells that the email has no account."""
    from livinglab import create_app
    from livinglab.auth import passwords

    passwords._stand_in.cache_clear()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1500",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    made = []
    monkeypatch.setattr(passwords, "generate_password_hash", lambda *a, **k: made.append(k) or "x")
    with app.app_context():
        assert passwords.check_password(None, "wrong password 123") is False
    assert made == []
