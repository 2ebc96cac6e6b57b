"""Registration reveals nothing beyond the contract's `409 email_taken`, is rate-limited per client and per
email, and refuses organisation names that look like a registered one (issue 8, item 7)."""

import pytest
from sqlalchemy import func, select

from livinglab import create_app
from livinglab.auth.models import Organisation, User
from livinglab.extensions import db, limiter


def body(**overrides) -> dict:
    data = {
        "email": "new@example.org",
        "password": "a-long-password",
        "name": "N",
        "role": "startup",
        "organisation": "Sommeil+",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Organisation)),
    )


def test_a_taken_organisation_answers_the_same_whether_or_not_the_email_has_an_account(client, startup, participant):
    unknown = client.post("/api/v1/auth/register", json=body(email="nobody@example.org"))
    known = client.post("/api/v1/auth/register", json=body(email=participant.email))
    assert unknown.status_code == known.status_code == 409
    assert unknown.get_json() == known.get_json()
    assert known.get_json()["error"]["code"] == "organisation_taken"


def test_the_page_answers_a_taken_organisation_the_same_whether_or_not_the_email_has_an_account(
    client, startup, participant
):
    form = {"role": "startup", "name": "N", "password": "a-long-password", "organisation": "sommeil+"}
    unknown = client.post("/account/register", data={**form, "email": "nobody@example.org"})
    known = client.post("/account/register", data={**form, "email": participant.email})
    assert unknown.status_code == known.status_code
    for response in (unknown, known):
        html = response.get_data(as_text=True)
        assert "ask one of its members to invite you" in html and "already exists" not in html


def test_the_contract_still_answers_email_taken(client, participant):
    response = client.post("/api/v1/auth/register", json=body(email=participant.email, organisation="Fresh Co"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "email_taken"


LOOK_ALIKES = {
    "case": "SOMMEIL+",
    "Cyrillic о": "S\u043emmeil+",
    "Greek ο and Cyrillic е": "S\u03bfmm\u0435il+",
    "full-width letters": "\uff33\uff4f\uff4d\uff4d\uff45\uff49\uff4c\uff0b",
    "capital I for small l": "SommeiI+",
    "zero for o": "S0mmeil+",
    "spaces": " Som meil + ",
    "rn for m": "Sornrneil+",
}


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_organisation_name_is_refused(client, startup, name):
    before = counts()
    response = client.post("/api/v1/auth/register", json=body(organisation=name))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "organisation_taken"
    assert counts() == before


@pytest.mark.parametrize(
    "name",
    ["Som\u200bmeil+", "\u202eSommeil+", "Sommeil\u00ad+", "Sommeil+\u2060", "Somm\ufeffeil+"],
    ids=["zero-width space", "right-to-left override", "soft hyphen", "word joiner", "byte order mark"],
)
def test_invisible_characters_are_refused_in_an_organisation_name(client, name):
    response = client.post("/api/v1/auth/register", json=body(organisation=name))
    assert response.status_code == 422
    assert "invisible" in response.get_json()["error"]["fields"]["organisation"]
    assert counts() == (0, 0)


@pytest.mark.parametrize("name", ["Sommeil Santé", "Nourrir Foodtech", "Café Santé", "Sommeil", "李雷 Santé"])
def test_different_names_are_accepted(client, startup, name):
    assert client.post("/api/v1/auth/register", json=body(organisation=name)).status_code == 201


@pytest.fixture
def limited(app):
    """The same database behind an app with the registration limits on."""
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": True,
            "REGISTER_RATE_LIMIT": "100 per hour",
            "REGISTER_EMAIL_RATE_LIMIT": "2 per hour",
        }
    )
    limiter.reset()
    yield limited
    limiter.reset()
    limiter.init_app(app)
    with limited.app_context():
        db.engine.dispose()


def test_probing_one_email_is_rate_limited_whatever_the_address(limited, participant):
    client = limited.test_client()
    statuses = [
        client.post(
            "/api/v1/auth/register",
            json=body(email=participant.email, organisation=f"Org {n}"),
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        ).status_code
        for n in range(4)
    ]
    assert statuses == [409, 409, 429, 429]
    page = client.post(
        "/account/register",
        data={"role": "participant", "name": "N", "email": participant.email, "password": "a-long-password"},
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    assert page.status_code == 429
    fresh = client.post(
        "/api/v1/auth/register",
        json=body(email="fresh@example.org", organisation="Fresh"),
        environ_base={"REMOTE_ADDR": "198.51.100.1"},
    )
    assert fresh.status_code == 201  # another email is not held back


def test_failed_registrations_of_a_new_email_do_not_hold_its_owner_back(limited):
    client = limited.test_client()
    for _ in range(5):
        client.post("/api/v1/auth/register", json=body(email="victim@example.org", password="short"))
    assert client.post("/api/v1/auth/register", json=body(email="victim@example.org")).status_code == 201


def test_registration_is_rate_limited_per_client(app):
    limited_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "RATELIMIT_ENABLED": True,
            "REGISTER_RATE_LIMIT": "2 per hour",
        }
    )
    limiter.reset()
    try:
        client = limited_app.test_client()
        statuses = [
            client.post("/api/v1/auth/register", json=body(email=f"u{n}@example.org", organisation=f"O{n}")).status_code
            for n in range(3)
        ]
        assert statuses == [201, 201, 429]
    finally:
        limiter.reset()
        limiter.init_app(app)
        with limited_app.app_context():
            db.engine.dispose()
