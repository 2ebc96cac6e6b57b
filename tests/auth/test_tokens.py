"""API tokens: named, listed without their secret, revoked one by one (API.md "Lifecycle, tokens and
amendments"); and the personal data export lists them with the sign-in throttling (issue 8, items 3, 12)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from livinglab.auth.models import ApiToken
from livinglab.extensions import db
from livinglab.timeutil import utcnow
from tests.conftest import PASSWORD


def new_token(client, user, **extra) -> dict:
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}


def test_tokens_are_listed_with_their_name_and_dates_never_their_secret(client, startup):
    first = new_token(client, startup, name="Mobile app")
    second = new_token(client, startup)
    assert set(second) >= {"token", "expires_at"}
    response = client.get("/api/v1/auth/tokens", headers=bearer(first["token"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["next_cursor"] is None
    items = body["items"]
    assert [set(item) for item in items] == [{"id", "name", "created_at", "last_used_at", "expires_at"}] * 2
    assert [item["name"] for item in items] == ["Mobile app", None]  # by ascending id, as every list of the API
    text = response.get_data(as_text=True)
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert first["token"] not in text and second["token"] not in text
    assert not any(digest in text for digest in stored)
    used = next(item for item in items if item["name"] == "Mobile app")
    assert used["last_used_at"] is not None  # the listing itself used it


def test_a_caller_sees_only_its_own_tokens(client, startup, other_startup):
    mine = new_token(client, startup)
    new_token(client, other_startup, name="theirs")
    items = client.get("/api/v1/auth/tokens", headers=bearer(mine["token"])).get_json()["items"]
    assert [item["id"] for item in items] == [mine["id"]]


def test_a_revoked_token_answers_401_at_once(client, startup):
    keep, drop = new_token(client, startup, name="keep"), new_token(client, startup, name="drop")
    assert client.delete(f"/api/v1/auth/tokens/{drop['id']}", headers=bearer(keep["token"])).status_code == 204
    response = client.get("/api/v1/me", headers=bearer(drop["token"]))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert client.delete(f"/api/v1/auth/tokens/{drop['id']}", headers=bearer(keep["token"])).status_code == 404
    assert client.get("/api/v1/me", headers=bearer(keep["token"])).status_code == 200


def test_a_token_may_revoke_itself(client, startup):
    token = new_token(client, startup)
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=bearer(token["token"])).status_code == 204
    assert client.get("/api/v1/auth/tokens", headers=bearer(token["token"])).status_code == 401


@pytest.mark.parametrize("token_id", ["{theirs}", "999999", "0", "99999999999999999999"])
def test_another_accounts_token_cannot_be_revoked(client, startup, other_startup, token_id):
    mine, theirs = new_token(client, startup), new_token(client, other_startup)
    response = client.delete(
        f"/api/v1/auth/tokens/{token_id.format(theirs=theirs['id'])}", headers=bearer(mine["token"])
    )
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/me", headers=bearer(theirs["token"])).status_code == 200


def test_expired_tokens_are_not_listed(client, startup):
    token = new_token(client, startup)
    old = new_token(client, startup, name="old")
    db.session.get(ApiToken, old["id"]).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    items = client.get("/api/v1/auth/tokens", headers=bearer(token["token"])).get_json()["items"]
    assert [item["id"] for item in items] == [token["id"]]


@pytest.mark.parametrize(
    "name, status", [(5, 400), (["a"], 400), ("x" * 101, 422), ("two\nlines", 422), ("a\x00b", 422)]
)
def test_a_bad_token_name_is_refused_and_creates_nothing(client, startup, name, status):
    response = client.post("/api/v1/auth/tokens", json={"email": startup.email, "password": PASSWORD, "name": name})
    assert response.status_code == status and "name" in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(ApiToken.id)) is None


def test_the_token_list_pages(client, startup):
    raw = new_token(client, startup)["token"]
    for _ in range(4):
        new_token(client, startup)
    first = client.get("/api/v1/auth/tokens?limit=2", headers=bearer(raw)).get_json()
    second = client.get(f"/api/v1/auth/tokens?limit=2&cursor={first['next_cursor']}", headers=bearer(raw)).get_json()
    third = client.get(f"/api/v1/auth/tokens?limit=2&cursor={second['next_cursor']}", headers=bearer(raw)).get_json()
    ids = [item["id"] for page in (first, second, third) for item in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None
    # out of range: 422; not a whole number, or a cursor this list never gave: 400 (as every list of the API)
    for query, status in (
        ("limit=0", 422),
        ("limit=501", 422),
        ("limit=x", 400),
        ("cursor=-1", 400),
        ("limit=%D9%A1", 400),
        ("cursor=2", 400),
    ):
        assert client.get(f"/api/v1/auth/tokens?{query}", headers=bearer(raw)).status_code == status, query


def test_the_personal_data_export_lists_tokens_and_sign_in_throttling(client, participant):
    raw = new_token(client, participant, name="Fitness band")["token"]
    for _ in range(5):
        client.post(
            "/api/v1/auth/tokens",
            json={"email": participant.email, "password": "wrong-password-123"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    export = client.get("/api/v1/me/export", headers=bearer(raw)).get_json()
    assert [token["name"] for token in export["api_tokens"]] == ["Fitness band"]
    assert set(export["api_tokens"][0]) == {"id", "name", "created_at", "last_used_at", "expires_at"}
    assert raw not in str(export)
    [throttle] = export["sign_in_throttling"]
    assert throttle["client_address"] == "203.0.113.9" and throttle["consecutive_failures"] == 5
    assert throttle["blocked_until"] is not None
    assert export["invitations"] == []
