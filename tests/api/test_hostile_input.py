"""Bad input answers cleanly (issue 8, item 16): 400 with the API's error body where the server used
to answer 500, 415 for bodies that are not JSON, bounded error bodies, a rate limit on answers.

Each attack is sent where it hurts: registration (stored in accounts), enrolment (signature),
answers (free text), study creation and editing (JSON columns). Nothing may be stored."""

import json

import pytest
from sqlalchemy import func, select

from livinglab import create_app
from livinglab.errors import error_body
from livinglab.extensions import db, limiter
from tests.conftest import AUDIT_KEY, PASSWORD


def row_counts() -> dict[str, int]:
    db.session.rollback()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture
def targets(make_study, participant, startup, api_headers):
    """(path, headers) of the calls that store what they are sent."""
    study = make_study("recruiting")
    draft = make_study("draft")
    from livinglab.participants import services

    enrolled = make_study("recruiting")
    services.enrol(
        participant,
        enrolled,
        consent_version=enrolled.current_consent.version,
        clauses={c["key"]: True for c in enrolled.current_consent.clauses},
        signature="P",
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    other = __import__("livinglab.auth.services", fromlist=["x"]).create_user(
        "hostile@example.org", PASSWORD, "Hostile", "participant"
    )
    db.session.commit()
    return {
        "register": ("POST", "/api/v1/auth/register", {}),
        "enrol": ("POST", f"/api/v1/studies/{study.id}/enrolment", api_headers(other)),
        "answer": ("POST", f"/api/v1/studies/{enrolled.id}/surveys/baseline/responses", api_headers(participant)),
        "create study": ("POST", "/api/v1/studies", api_headers(startup)),
        "edit study": ("PATCH", f"/api/v1/studies/{draft.id}", api_headers(startup)),
        "consent": ("PUT", f"/api/v1/studies/{draft.id}/consent", api_headers(startup)),
        "token": ("POST", "/api/v1/auth/tokens", {}),
    }


def send(client, target, body: bytes | str, content_type="application/json"):
    method, path, headers = target
    return client.open(path, method=method, headers=headers, data=body, content_type=content_type)


NESTED = [
    ("100,000 nested arrays", "[" * 100_000 + "]" * 100_000),
    ("100,000 nested objects", '{"a":' * 100_000 + "1" + "}" * 100_000),
    ("33 levels inside a body", '{"answers": ' + '{"a": ' * 32 + "1" + "}" * 32 + "}"),
    ("nested arrays in a value", '{"name": ' + "[" * 5000 + "]" * 5000 + "}"),
]
SURROGATES = [
    ("a lone high surrogate in a value", '{"email": "\\ud800@example.org", "password": "x", "name": "n"}'),
    ("a lone low surrogate in a key", '{"\\udfff": 1}'),
    ("a lone surrogate deep inside", '{"answers": {"note": ["ok", {"x": "a\\ud83db"}]}}'),
    ("a reversed pair", '{"name": "\\ude00\\ud83d", "title": "\\ude00\\ud83d"}'),
    ("a lone surrogate in a signature", '{"signature": "\\udbff", "title": "x", "text": "\\udbff"}'),
]
OTHER_MALFORMED = [
    ("NaN", '{"age": NaN, "answers": {"sleep_hours": NaN}, "title": NaN}'),
    ("Infinity", '{"answers": {"sleep_hours": Infinity}, "title": -Infinity}'),
    ("not UTF-8", '{"name": "caf\xe9"}'.encode("latin-1")),
    ("2,001 keys", json.dumps({f"k{i}": i for i in range(2001)})),
]


@pytest.mark.parametrize("what, body", NESTED + SURROGATES + OTHER_MALFORMED, ids=lambda x: str(x)[:40])
@pytest.mark.parametrize("target", ["register", "enrol", "answer", "create study", "edit study", "consent", "token"])
def test_hostile_json_is_a_400_with_the_error_body_and_stores_nothing(client, targets, target, what, body):
    before = row_counts()
    error = assert_error(send(client, targets[target], body), 400, "malformed_json")
    assert len(json.dumps(error)) < 1000
    assert row_counts() == before


def test_a_surrogate_pair_is_text_and_is_accepted(client):
    body = (
        '{"email": "pair@example.org", "password": "%s", "name": "Zo\\u00eb \\ud83d\\ude00", '
        '"role": "participant"}' % PASSWORD
    )
    response = client.post("/api/v1/auth/register", data=body, content_type="application/json")
    assert response.status_code == 201 and response.get_json()["name"] == "Zoë 😀"


# --- Only JSON ------------------------------------------------------------------------------------

NOT_JSON = [
    ("text/plain", '{"decision": "approve"}'),  # what a cross-site <form enctype="text/plain"> sends
    ("application/x-www-form-urlencoded", "decision=approve"),
    ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n'),
    ("", '{"decision": "approve"}'),
    ("application/jsonp", '{"decision": "approve"}'),
]


def api_calls_with_bodies(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                yield method, rule


@pytest.mark.parametrize("content_type, body", NOT_JSON)
def test_every_api_call_refuses_a_body_that_is_not_json(
    app, client, make_study, startup, coordinator, api_headers, content_type, body
):
    submitted = make_study("submitted")
    values = {
        "study_id": submitted.id,
        "key": "baseline",
        "item_key": "sleep_hours",
        "token_id": 1,
        "invitation_id": 1,
        "webhook_id": 1,
        "code": "P-AAAAAAAA",
        "version": 2,
        "comment_id": 1,
        "exclusion_id": 1,
    }
    callers = ({}, api_headers(coordinator), api_headers(startup))
    before = row_counts()
    for headers in callers:
        for method, rule in api_calls_with_bodies(app):
            path = rule.build({k: values[k] for k in rule.arguments})[1]
            response = client.open(path, method=method, headers={**headers, "Content-Type": content_type}, data=body)
            assert_error(response, 415, "unsupported_media_type")
    assert row_counts() == before


def test_json_with_a_charset_and_empty_bodies_are_fine(api_headers, client, make_study, startup):
    study = make_study("draft")
    headers = api_headers(startup)
    response = client.patch(
        f"/api/v1/studies/{study.id}",
        headers=headers,
        data='{"title": "Renamed"}',
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 200 and response.get_json()["title"] == "Renamed"
    assert client.post(f"/api/v1/studies/{study.id}/submit", headers=headers).status_code == 200


# --- Bounded error bodies ------------------------------------------------------------------------------


def test_a_body_of_unknown_keys_gets_a_small_error_body(client, api_headers, startup):
    """Before: a 2 MB body of unknown keys was answered with a 3 MB error body."""
    body = json.dumps({str(i) + ("x" * 1000): 1 for i in range(1990)})
    assert len(body) > 1_900_000
    response = client.post("/api/v1/studies", headers=api_headers(startup), data=body, content_type="application/json")
    error = assert_error(response, 422)
    assert len(response.get_data()) < 100_000
    assert len(error["fields"]) == 100 and all(len(k) <= 200 and len(v) <= 500 for k, v in error["fields"].items())


def test_many_small_unknown_keys_are_refused_before_validation(client, api_headers, startup):
    body = json.dumps({f"k{i}": i for i in range(100_000)})
    assert len(body) < 2 * 1024 * 1024
    response = client.post("/api/v1/studies", headers=api_headers(startup), data=body, content_type="application/json")
    assert_error(response, 400, "malformed_json")
    assert len(response.get_data()) < 1_000


def test_error_bodies_are_bounded_in_the_one_place_they_are_made():
    body = error_body("invalid", "m" * 10_000, {f"f{i}" * 300: "e" * 10_000 for i in range(1_000)})
    fields = body["error"]["fields"]
    assert len(fields) == 100 and len(body["error"]["message"]) == 500
    assert all(len(name) <= 200 and len(message) == 500 for name, message in fields.items())


# --- CR/LF in redirect targets --------------------------------------------------------------------------

CRLF = ["/dashboard\r\nSet-Cookie: evil=1", "/\r\nLocation: https://evil.example", "/x\nX: y", "/x\ty", "/\x00"]


@pytest.mark.parametrize("target", CRLF)
def test_crlf_in_the_language_switchs_next_is_refused(client, target):
    response = client.post("/language", data={"lang": "fr", "next": target})
    assert response.status_code == 302 and response.location == "/"
    assert "evil" not in str(response.headers)


@pytest.mark.parametrize("target", CRLF)
def test_crlf_in_the_sign_in_next_is_refused(client, participant, target):
    response = client.post(
        "/account/signin", query_string={"next": target}, data={"email": participant.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.location == "/dashboard"
    assert "evil" not in str(response.headers)


# --- The answers endpoint is rate limited -----------------------------------------------------------------


@pytest.fixture
def limited(app, monkeypatch):
    """The same database behind an app with rate limits on, as in production."""
    for name in ("enabled", "initialized"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "AUDIT_KEY": AUDIT_KEY,
            "AUDIT_CHECKPOINTS": app.config["AUDIT_CHECKPOINTS"],
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "ANSWER_RATE_LIMIT": "3 per minute",
            "ANSWER_ADDRESS_RATE_LIMIT": "5 per minute",
        }
    )
    limiter.reset()
    yield limited.test_client()
    limiter.reset()
    limiter.init_app(app)
    with limited.app_context():
        db.engine.dispose()


def test_answers_are_rate_limited_per_token_then_per_address(limited, api_headers, make_user, make_study):
    study = make_study("recruiting")
    first, second = make_user("participant"), make_user("participant")
    path = f"/api/v1/studies/{study.id}/surveys/baseline/responses"
    mine, theirs = api_headers(first), api_headers(second)
    statuses = [limited.post(path, headers=mine, json={"answers": {}}).status_code for _ in range(3)]
    assert 429 not in statuses  # 403: not enrolled; still counted
    response = limited.post(path, headers=mine, json={"answers": {}})
    assert_error(response, 429, "too_many_requests")
    assert "Retry-After" in response.headers
    assert limited.post(path, headers=theirs, json={"answers": {}}).status_code != 429  # another token
    assert limited.post(path, headers=theirs, json={"answers": {}}).status_code == 429  # the address: 5 a minute
