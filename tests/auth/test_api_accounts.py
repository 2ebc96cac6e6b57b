"""The accounts API: registration, bearer tokens, the caller's account, and what each refuses."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from livinglab import create_app
from livinglab.auth.models import ApiToken, User
from livinglab.extensions import db, limiter
from livinglab.timeutil import utcnow

PASSWORD = "correct-horse-battery"  # what tests/conftest.py gives every account


def register_body(**overrides) -> dict:
    body = {
        "email": "zoe@sommeil.example",
        "password": PASSWORD,
        "name": "Zoë Ångström",
        "role": "startup",
        "organisation": "Sommeil Santé",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The answer is `status` with the API's error body (never HTML), naming these fields."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    assert set(fields) <= set(error["fields"]), error["fields"]
    return error


def row_counts() -> dict:
    db.session.rollback()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


# Registration


def test_a_startup_registers_with_its_new_organisation(client):
    response = client.post("/api/v1/auth/register", json=register_body(email="  Zoe@Sommeil.Example "))
    assert response.status_code == 201
    account = response.get_json()
    assert account["email"] == "zoe@sommeil.example"
    assert account["name"] == "Zoë Ångström"
    assert account["role"] == "startup"
    assert account["organisation"]["name"] == "Sommeil Santé"
    assert "password" not in response.get_data(as_text=True)


def test_a_participant_registers_without_an_organisation(client):
    response = client.post(
        "/api/v1/auth/register", json=register_body(role="participant", organisation=..., email="p@example.org")
    )
    assert response.status_code == 201
    assert response.get_json()["organisation"] is None


def test_registration_stores_html_and_unicode_verbatim(client, api_headers):
    name = '<script>alert("pwned")</script> 李雷 🧪'
    response = client.post("/api/v1/auth/register", json=register_body(name=name, organisation="<b>Café</b> & Co"))
    assert response.status_code == 201
    assert response.get_json()["name"] == name
    assert response.get_json()["organisation"]["name"] == "<b>Café</b> & Co"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    user = db.session.get(User, response.get_json()["id"])
    assert user.name == name


def test_an_email_registers_once(client, startup):
    before = row_counts()
    response = client.post("/api/v1/auth/register", json=register_body(email=startup.email.upper()))
    assert_error(response, 409, "email_taken", fields=["email"])
    assert row_counts() == before


def test_an_organisation_registers_once_whatever_the_case(client, startup):
    before = row_counts()
    response = client.post("/api/v1/auth/register", json=register_body(organisation="SOMMEIL+"))
    assert_error(response, 409, "organisation_taken", fields=["organisation"])
    assert row_counts() == before


def test_an_organisation_name_with_accents_registers_once_whatever_the_case(client):
    """SQLite's lower() folds ASCII only: "CAFÉ" must still clash with "Café" (it does on PostgreSQL)."""
    assert client.post("/api/v1/auth/register", json=register_body(organisation="CAFÉ SANTÉ")).status_code == 201
    response = client.post(
        "/api/v1/auth/register", json=register_body(email="other@example.org", organisation="Café Santé")
    )
    assert_error(response, 409, "organisation_taken")


BAD_REGISTRATIONS = [
    # (what, body or raw text, status, fields)
    ("malformed JSON", '{"email": "a@example.org",', 400, []),
    ("a JSON array", "[1, 2, 3]", 400, []),
    ("JSON null", "null", 400, []),
    ("an empty body", "", 400, []),
    ("an email of the wrong type", register_body(email=["a@example.org"]), 400, ["email"]),
    ("a password of the wrong type", register_body(password=1234567890123), 400, ["password"]),
    ("a name of the wrong type", register_body(name={"first": "Zoë"}), 400, ["name"]),
    ("an organisation of the wrong type", register_body(organisation=5), 400, ["organisation"]),
    ("nothing at all", {}, 422, ["email", "password", "name", "role"]),
    ("a coordinator role", register_body(role="coordinator"), 422, ["role"]),
    ("an unknown role", register_body(role="admin"), 422, ["role"]),
    ("a startup without organisation", register_body(organisation=...), 422, ["organisation"]),
    ("a startup with a blank organisation", register_body(organisation="   "), 422, ["organisation"]),
    ("an invalid email", register_body(email="not-an-email"), 422, ["email"]),
    ("a 10,000-character email", register_body(email="a" * 9988 + "@example.org"), 422, ["email"]),
    ("a short password", register_body(password="short"), 422, ["password"]),
    ("a 10,000-character password", register_body(password="p" * 10_000), 422, ["password"]),
    ("a 10,000-character name", register_body(name="n" * 10_000), 422, ["name"]),
    ("a 10,000-character organisation", register_body(organisation="o" * 10_000), 422, ["organisation"]),
    ("a name on two lines", register_body(name="Zoë\nÅngström"), 422, ["name"]),
    ("a NUL character", register_body(name="Zoë\x00"), 422, ["name"]),
]


@pytest.mark.parametrize(
    "body, status, fields", [row[1:] for row in BAD_REGISTRATIONS], ids=[row[0] for row in BAD_REGISTRATIONS]
)
def test_registration_refuses_bad_input_and_creates_nothing(client, body, status, fields):
    before = row_counts()
    if isinstance(body, str):
        response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    else:
        response = client.post("/api/v1/auth/register", json=body)
    assert_error(response, status, fields=fields)
    assert row_counts() == before


# Tokens


def test_a_token_is_issued_for_the_right_password_and_opens_the_api(client, startup):
    response = client.post("/api/v1/auth/tokens", json={"email": f"  {startup.email.upper()} ", "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None
    assert timedelta(days=29) < expires_at - utcnow() <= timedelta(days=30)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == startup.email


def test_only_the_hash_of_a_token_is_stored(client, startup):
    raw = client.post("/api/v1/auth/tokens", json={"email": startup.email, "password": PASSWORD}).get_json()["token"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert stored and raw not in stored


@pytest.mark.parametrize(
    "email, password",
    [
        ("{email}", "wrong-password-123"),
        ("nobody@example.org", PASSWORD),
        ("{email}\x00", PASSWORD),
        ("", ""),
    ],
    ids=["wrong password", "unknown email", "NUL in the email", "empty strings"],
)
def test_wrong_credentials_get_401_invalid_credentials(client, startup, email, password):
    before = row_counts()
    credentials = {"email": email.format(email=startup.email), "password": password}
    response = client.post("/api/v1/auth/tokens", json=credentials)
    assert_error(response, 401, "invalid_credentials")
    after = row_counts()
    assert after.pop("signin_throttle") - before.pop("signin_throttle") in (0, 1)  # a failure counts
    assert after == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": 5, "password": PASSWORD},
        {"email": "a@example.org", "password": None},
        "[]",
        "{not json",
    ],
    ids=["nothing", "email not text", "password null", "array", "malformed"],
)
def test_token_requests_of_the_wrong_shape_get_400(client, body):
    if isinstance(body, str):
        response = client.post("/api/v1/auth/tokens", data=body, content_type="application/json")
    else:
        response = client.post("/api/v1/auth/tokens", json=body)
    assert_error(response, 400)


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, startup):
    for _attempt in range(5):
        client.post("/api/v1/auth/tokens", json={"email": startup.email, "password": "wrong-password-123"})
    response = client.post("/api/v1/auth/tokens", json={"email": startup.email, "password": PASSWORD})
    assert_error(response, 401, "invalid_credentials")


# The caller's account


@pytest.mark.parametrize("role", ["startup", "colleague", "participant", "coordinator"])
def test_me_answers_the_callers_own_account(client, api_headers, request, role):
    user = request.getfixturevalue(role)
    response = client.get("/api/v1/me", headers=api_headers(user))
    assert response.status_code == 200
    organisation = {"id": user.organisation.id, "name": user.organisation.name} if user.organisation else None
    assert response.get_json() == {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": str(user.role),
        "organisation": organisation,
    }


def test_a_colleague_belongs_to_the_organisation_that_added_them(client, api_headers, startup, colleague):
    organisation = client.get("/api/v1/me", headers=api_headers(colleague)).get_json()["organisation"]
    assert organisation == {"id": startup.organisation_id, "name": "Sommeil+"}


def expired_token_headers(user, api_headers) -> dict:
    headers = api_headers(user)
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    return headers


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic c3RhcnR1cDpwYXNzd29yZA=="},
        {"Authorization": "not-even-a-scheme"},
        "expired",
    ],
    ids=["no header", "unknown token", "empty token", "basic auth", "no scheme", "expired token"],
)
def test_me_needs_a_valid_token(client, api_headers, startup, headers):
    if headers == "expired":
        headers = expired_token_headers(startup, api_headers)
    assert_error(client.get("/api/v1/me", headers=headers or {}), 401, "unauthorized")


def test_the_bearer_scheme_is_case_insensitive(client, api_headers, startup):
    raw = api_headers(startup)["Authorization"].split(" ", 1)[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_the_api_ignores_the_session_cookie(client, login, startup):
    login(startup)
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


# Rate limits


@pytest.fixture
def limited_client(tmp_path, monkeypatch):
    """A second app with rate limits on; the shared limiter is put back as it was afterwards."""
    for name in ("enabled", "initialized"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "SIGNIN_RATE_LIMIT": "3 per minute",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'limited.sqlite3'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        db.create_all()
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()
    limiter.reset()


def test_too_many_sign_in_attempts_get_429_with_the_error_body(limited_client):
    credentials = {"email": "nobody@example.org", "password": "wrong-password-123"}
    statuses = [limited_client.post("/api/v1/auth/tokens", json=credentials).status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    response = limited_client.post("/api/v1/auth/tokens", json=credentials)
    assert_error(response, 429, "too_many_requests")
    assert "Retry-After" in response.headers


def test_rate_limits_stay_off_in_the_test_app(client):
    credentials = {"email": "nobody@example.org", "password": "wrong-password-123"}
    statuses = {client.post("/api/v1/auth/tokens", json=credentials).status_code for _ in range(12)}
    assert statuses == {401}
