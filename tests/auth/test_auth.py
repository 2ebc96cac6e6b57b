"""Accounts in the browser: register, sign in and out, rate limits, sessions, the organisation page.

Throttling, sessions, passwords and invitations have files of their own (test_throttle.py,
test_sessions.py, test_passwords.py, test_invitations.py)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from livinglab import create_app
from livinglab.audit import AuditRecord
from livinglab.auth.models import Organisation, Role, User
from livinglab.extensions import db, limiter
from tests.conftest import PASSWORD


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def page(response) -> str:
    return response.get_data(as_text=True)


def register(client, **overrides):
    data = {
        "role": "participant",
        "name": "Zoé Ørsted-Łukasz",
        "email": "zoe@example.org",
        "password": "a-long-password",
        "organisation": "",
    }
    data.update(overrides)
    return client.post("/account/register", data=data)


def test_participant_registers_and_lands_signed_in(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "zoe@example.org"))
    assert user.role == Role.PARTICIPANT and user.name == "Zoé Ørsted-Łukasz"
    assert user.password_hash != "a-long-password" and "a-long-password" not in user.password_hash
    assert "Zoé Ørsted-Łukasz" not in page(client.get("/account/signin"))  # already signed in: redirected
    assert client.get("/dashboard").status_code == 200


def test_startup_registers_with_its_new_organisation(client):
    register(client, role="startup", email="founder@example.org", organisation="Acme Santé")
    user = db.session.scalar(select(User).where(User.email == "founder@example.org"))
    assert user.organisation.name == "Acme Santé"


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"role": "startup", "organisation": ""}, "A startup account needs its organisation."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"password": "short"}, "Use at least 10 characters."),
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 10_000}, "Field cannot be longer than 200 characters."),
        ({"role": "coordinator"}, "Not a valid choice."),
    ],
)
def test_bad_registration_is_refused_beside_the_field_and_saves_nothing(client, overrides, field_message):
    response = register(client, **overrides)
    assert response.status_code == 200
    assert field_message in page(response)
    assert count(User) == 0 and count(Organisation) == 0


def test_taken_email_is_refused(client, participant):
    response = register(client, email=participant.email.upper())
    assert "An account with this email already exists." in page(response)
    assert count(User) == 1


def test_taken_organisation_name_is_refused_without_joining_it(client, startup):
    response = register(client, role="startup", email="intruder@example.org", organisation="sommeil+")
    assert "ask one of its members to invite you" in page(response)
    assert db.session.scalar(select(User).where(User.email == "intruder@example.org")) is None


def test_html_in_a_name_is_shown_escaped(client, login, make_user):
    user = make_user("startup", name="<script>alert(1)</script>", organisation="<b>Org</b>")
    login(user)
    html = page(client.get("/account/organisation"))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Org&lt;/b&gt;" in html


def test_sign_in_and_out(client, startup):
    response = client.post("/account/signin", data={"email": startup.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account/organisation").status_code == 200
    assert client.get("/account/signout").status_code == 405  # signing out is a POST with CSRF
    client.post("/account/signout")
    assert client.get("/account/organisation").status_code == 302


def test_sign_in_follows_only_local_next(client, startup):
    creds = {"email": startup.email, "password": PASSWORD}
    assert client.post("/account/signin?next=/account/organisation", data=creds).location == "/account/organisation"
    client.post("/account/signout")
    assert client.post("/account/signin?next=https://evil.example/", data=creds).location == "/dashboard"


@pytest.mark.parametrize(
    "email, password",
    [
        ("sam@example.org", "wrong-password"),
        ("nobody@example.org", PASSWORD),
        ("", ""),
        ("x" * 10_000, "y"),
    ],
)
def test_wrong_credentials_are_refused_without_saying_which(client, make_user, email, password):
    make_user("startup", email="sam@example.org")
    response = client.post("/account/signin", data={"email": email, "password": password})
    assert response.status_code == 200
    assert client.get("/account/organisation").status_code == 302
    if email and len(email) < 300:
        assert "The email or the password is wrong" in page(response)


@pytest.fixture
def rate_limited(app):
    """The same database behind an app with rate limits on (as in production)."""
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True,
            "SIGNIN_RATE_LIMIT": "3 per minute",
        }
    )
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.init_app(app)  # the shared limiter goes back to the test app's setting (off)
    with limited.app_context():
        db.engine.dispose()


def test_sign_in_is_rate_limited(rate_limited):
    client = rate_limited.test_client()
    statuses = [
        client.post("/account/signin", data={"email": "a@example.org", "password": "x"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert "Too many attempts" in client.post("/account/signin", data={}).get_data(as_text=True)


def test_token_creation_is_rate_limited_with_the_error_body(rate_limited):
    client = rate_limited.test_client()
    for _ in range(3):
        client.post("/api/v1/auth/tokens", json={"email": "a@example.org", "password": "x"})
    response = client.post("/api/v1/auth/tokens", json={"email": "a@example.org", "password": "x"})
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_requests"


def test_session_expires(app, client, login, startup):
    login(startup)
    assert client.get("/account/organisation").status_code == 200
    lifetime = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(seconds=-1)
    try:
        assert client.get("/account/organisation").status_code == 302
    finally:
        app.permanent_session_lifetime = lifetime


def test_session_cookie_is_http_only_and_same_site(client, startup):
    response = client.post("/account/signin", data={"email": startup.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_forms_require_a_csrf_token(app, client, startup):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/account/signin", data={"email": startup.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "Your form expired" in page(response)
        assert client.get("/account/organisation").status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_security_headers_on_every_page(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("role, expected", [("participant", 403), ("coordinator", 403), ("startup", 200)])
def test_only_startups_have_an_organisation_page(client, login, make_user, role, expected):
    login(make_user(role))
    assert client.get("/account/organisation").status_code == expected


def test_anonymous_is_sent_to_sign_in_from_the_organisation_page(client):
    response = client.get("/account/organisation")
    assert response.status_code == 302 and "/account/signin" in response.location


def test_error_pages_use_the_site_look(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "LivingLab" in page(response) and "Not found" in page(response)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["error"]["code"] == "not_found"


def test_a_coordinator_creates_another_coordinator(client, login, coordinator):
    login(coordinator)
    response = client.post(
        "/account/coordinators", data={"name": "Nadia", "email": "nadia@example.org", "password": "a-long-password"}
    )
    assert response.status_code == 302
    created = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
    assert created.role == Role.COORDINATOR
    assert (
        db.session.scalar(
            select(AuditRecord.actor_id)
            .where(AuditRecord.action == "account.create")
            .order_by(AuditRecord.id.desc())
            .limit(1)
        )
        == coordinator.id
    )


def test_a_taken_email_cannot_become_a_coordinator(client, login, coordinator, participant):
    login(coordinator)
    response = client.post(
        "/account/coordinators", data={"name": "X", "email": participant.email, "password": "a-long-password"}
    )
    assert "An account with this email already exists." in page(response)
    db.session.refresh(participant)
    assert participant.role == Role.PARTICIPANT


@pytest.mark.parametrize("role", ["participant", "startup"])
def test_only_coordinators_create_coordinators(client, login, make_user, role):
    login(make_user(role))
    assert client.get("/account/coordinators").status_code == 403
    response = client.post(
        "/account/coordinators", data={"name": "X", "email": "x@example.org", "password": "a-long-password"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_registration_returns_to_the_page_that_asked_for_an_account(client):
    signin = client.get("/account/signin?next=/pilots/1/eligibility").get_data(as_text=True)
    assert "/account/register?next=/pilots/1/eligibility" in signin
    response = client.post(
        "/account/register?next=/pilots/1/eligibility",
        data={"role": "participant", "name": "Zoé", "email": "zoe@example.org", "password": "a-long-password"},
    )
    assert response.location == "/pilots/1/eligibility"


def test_ids_beyond_the_database_range_are_not_found(client, login, startup, api_headers):
    login(startup)
    assert client.get(f"/studies/{2**31}").status_code == 404
    assert client.get(f"/studies/{2**31}/surveys/{2**70}").status_code == 404
    assert client.get(f"/api/v1/studies/{2**63}", headers=api_headers(startup)).status_code == 404
