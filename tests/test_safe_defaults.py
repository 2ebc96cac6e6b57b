"""Safe defaults (issue 8, item 19): `setup` seeds no demo accounts unless asked; the session cookie is
Secure unless the app says it runs on plain HTTP; no flag keeps a public secret key."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from livinglab import create_app
from livinglab.auth.models import User
from livinglab.extensions import db, limiter
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _limiter_back_to_the_test_app(app):
    """Each app made here binds the shared rate limiter to its settings: give it back afterwards."""
    yield
    limiter.init_app(app)


def fresh_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            **config,
        }
    )


def accounts_after_setup(app, *args) -> int:
    with app.app_context():  # the command runs in the app context it finds: this app's, not the tests'
        result = app.test_cli_runner().invoke(args=["setup", *args])
        assert result.exit_code == 0, result.output
        try:
            return db.session.scalar(select(func.count()).select_from(User))
        finally:
            db.session.remove()
            db.engine.dispose()


def test_setup_creates_no_demo_accounts_unless_asked(tmp_path):
    assert accounts_after_setup(fresh_app(tmp_path)) == 0


def test_setup_with_demo_creates_them(tmp_path):
    assert accounts_after_setup(fresh_app(tmp_path), "--demo") > 0


def test_run_sh_asks_for_the_demo():
    assert "setup --demo" in (ROOT / "run.sh").read_text()


@pytest.mark.parametrize(
    "config, secure",
    [
        ({}, True),
        ({"BASE_URL": "https://livinglab.example"}, True),
        ({"BASE_URL": "http://127.0.0.1:5000"}, False),
        ({"SESSION_COOKIE_SECURE": False}, False),
        ({"SESSION_COOKIE_SECURE": "false"}, False),
        ({"SESSION_COOKIE_SECURE": True, "BASE_URL": "http://127.0.0.1:5000"}, True),
        ({"DEBUG": True}, False),
    ],
    ids=[
        "default",
        "https base url",
        "http base url",
        "explicitly off",
        "off from the environment",
        "explicit wins",
        "flask run --debug",
    ],
)
def test_the_session_cookie_is_secure_unless_the_app_runs_on_plain_http(tmp_path, config, secure):
    assert fresh_app(tmp_path, **config).config["SESSION_COOKIE_SECURE"] is secure


def test_the_default_sign_in_cookie_says_secure(app, tmp_path, startup):
    production_like = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": False,
        }
    )
    try:
        response = production_like.test_client().post(
            "https://localhost/account/signin", data={"email": startup.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        with production_like.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(
    "config",
    [{"TESTING": True}, {"TESTING": True, "SECRET_KEY": "dev-only-change-me"}, {"TESTING": False, "SECRET_KEY": ""}],
)
def test_no_flag_keeps_a_public_secret_key(tmp_path, config):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite3'}", "RATELIMIT_ENABLED": False, **config}
    )
    assert app.config["SECRET_KEY"] not in (None, "", "dev-only-change-me")
    assert len(app.config["SECRET_KEY"]) >= 32


def test_the_testing_flag_from_the_environment_keeps_no_public_key(tmp_path, monkeypatch):
    monkeypatch.setenv("LIVINGLAB_TESTING", "true")
    monkeypatch.delenv("LIVINGLAB_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite3'}", "RATELIMIT_ENABLED": False})
    assert app.testing
    assert app.config["SECRET_KEY"] not in (None, "", "dev-only-change-me")


def test_a_key_made_by_another_worker_a_moment_before_is_kept_not_replaced(tmp_path, monkeypatch):
    """Two workers start on a fresh instance: both see no key file, one writes it first. The second must
    use that key, not write its own over it (the old code did: sessions and audit chains split)."""
    from livinglab import kept_secret

    path = tmp_path / "secret_key"
    path.write_text("a" * 64)  # the first worker's key, written just after this one looked
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: False if self == path else real_exists(self))
    assert kept_secret(path) == "a" * 64
    assert path.read_text() == "a" * 64 and sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]


def test_a_fresh_instance_gets_one_key_that_stays(tmp_path):
    from livinglab import kept_secret

    first = kept_secret(tmp_path / "audit_key")
    assert len(first) == 64 and kept_secret(tmp_path / "audit_key") == first
    assert oct((tmp_path / "audit_key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("raw", ["²", "١٢", "12\n", "-3", "1e3", " 4", "", None, ["1"], "9" * 12])
def test_a_posted_whole_number_is_ascii_digits_only(raw):
    """`str.isdigit` accepts "²" and Arabic-Indic digits, which `int` refuses (a 500 the form fuzzing found on
    the library's "Add to this survey")."""
    from livinglab.validation import digits

    assert digits(raw, max_len=11) is None


def test_a_posted_whole_number_within_its_length_is_read():
    from livinglab.validation import digits

    assert digits("0042", max_len=4) == 42 and digits("12345", max_len=4) is None


@pytest.mark.parametrize(
    "path, zero", [("/studies/{}", 0xFF10), ("/api/v1/studies/{}", 0xFF10), ("/studies/{}/results", 0x0660)]
)
def test_an_id_in_the_path_is_ascii_digits_only(client, login, make_study, startup, api_headers, path, zero):
    """The router's `\\d+` matches any Unicode digit, and `int` reads "１" (full width) or "١" (Arabic-Indic) as 1:
    such a path reached the study of that id. It names nothing: 404, as an id beyond the database's range."""
    study = make_study("recruiting")
    written = "".join(chr(zero + int(digit)) for digit in str(study.id))  # its id in those digits
    login(startup)
    headers = api_headers(startup) if path.startswith("/api/") else {}
    assert client.get(path.format(written), headers=headers).status_code == 404
    assert client.get(path.format(study.id), headers=headers).status_code == 200
