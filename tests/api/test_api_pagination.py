"""Issue 9, item 16 and API.md v1.1: every `{items}` list of the API is paginated with `limit` (default
100, at most 500) and an opaque `cursor`; `next_cursor` is null on the last page; the order is stable."""

import base64
import json

import pytest

from livinglab.auth.models import User
from livinglab.extensions import db
from livinglab.studies import services as studies


@pytest.fixture
def drafts(startup):
    """Create `n` minimal drafts of the startup's organisation; their ids in creation order."""
    startup_id = startup.id

    def make(n: int, owner=None) -> list[int]:
        author = owner or db.session.get(User, startup_id)
        ids = [studies.create_study(author, {"title": f"Pilot {i}", "domain": "e-health"}).id for i in range(n)]
        db.session.commit()
        return ids

    return make


def walk(client, url: str, headers, **params) -> list[list[int]]:
    """Follow next_cursor to the end; the ids of each page."""
    pages, cursor = [], None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = client.get(url, query_string=query, headers=headers)
        assert response.status_code == 200, response.json
        pages.append([item["id"] for item in response.json["items"]])
        cursor = response.json["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100


def test_studies_come_a_page_at_a_time_in_id_order(client, drafts, startup, api_headers):
    ids = drafts(7)
    pages = walk(client, "/api/v1/studies", api_headers(startup), limit=3)
    assert pages == [ids[0:3], ids[3:6], ids[6:7]]


def test_a_full_last_page_still_ends_with_a_null_cursor(client, drafts, startup, api_headers):
    ids = drafts(6)
    assert walk(client, "/api/v1/studies", api_headers(startup), limit=3) == [ids[0:3], ids[3:6]]


def test_the_default_page_holds_100_studies(client, drafts, startup, api_headers):
    ids = drafts(101)
    first = client.get("/api/v1/studies", headers=api_headers(startup)).json
    assert [item["id"] for item in first["items"]] == ids[:100]
    second = client.get(
        "/api/v1/studies", query_string={"cursor": first["next_cursor"]}, headers=api_headers(startup)
    ).json
    assert [item["id"] for item in second["items"]] == ids[100:] and second["next_cursor"] is None


def test_pages_never_show_another_organisations_studies(client, drafts, startup, other_startup, api_headers):
    mine = drafts(4)
    drafts(3, owner=other_startup)
    pages = walk(client, "/api/v1/studies", api_headers(startup), limit=2)
    assert sum(pages, []) == mine


def test_a_study_created_between_two_pages_is_neither_lost_nor_repeated(client, drafts, startup, api_headers):
    ids = drafts(4)
    headers = api_headers(startup)
    first = client.get("/api/v1/studies", query_string={"limit": 2}, headers=headers).json
    later = drafts(1)
    rest = walk(client, "/api/v1/studies", headers, limit=2, cursor=first["next_cursor"])
    assert [i["id"] for i in first["items"]] + sum(rest, []) == ids + later


@pytest.mark.parametrize(
    "limit, status",
    [
        ("0", 422),
        ("501", 422),
        ("99999999999999999999", 422),
        ("-1", 400),
        ("abc", 400),
        ("1.5", 400),
        ("", 400),
        ("1e3", 400),
        ("=1+1", 400),
        ("3\r\nX: y", 400),
    ],
)
def test_a_bad_limit_is_a_clear_error(client, drafts, startup, api_headers, limit, status):
    drafts(1)
    response = client.get("/api/v1/studies", query_string={"limit": limit}, headers=api_headers(startup))
    assert response.status_code == status
    assert "limit" in response.json["error"]["fields"]


def test_500_is_the_largest_page(client, drafts, startup, api_headers):
    drafts(2)
    response = client.get("/api/v1/studies", query_string={"limit": "500"}, headers=api_headers(startup))
    assert response.status_code == 200 and len(response.json["items"]) == 2


def tampered(cursor: str) -> str:
    """The same cursor with its payload changed and the signature kept."""
    payload, _dot, signature = cursor.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["after"] = 0
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{forged}.{signature}"


def test_a_cursor_cannot_be_forged_nor_tampered_with(client, drafts, startup, api_headers):
    drafts(3)
    headers = api_headers(startup)
    cursor = client.get("/api/v1/studies", query_string={"limit": 1}, headers=headers).json["next_cursor"]
    unsigned = base64.urlsafe_b64encode(b'{"after":0}').decode().rstrip("=")
    for bad in [
        tampered(cursor),
        cursor[:-2] + "xx",
        unsigned,
        "abc",
        "x" * 5000,
        cursor + "\r\nX-Evil: 1",
        '=HYPERLINK("http://evil")',
        "%00",
        "null",
        "[]",
        "{}",
    ]:
        response = client.get("/api/v1/studies", query_string={"cursor": bad}, headers=headers)
        assert response.status_code == 400, bad
        assert response.json["error"]["code"] == "invalid_cursor"
        assert len(response.data) < 2000


def test_a_cursor_pages_only_the_list_that_gave_it(client, make_study, api_headers, startup):
    for _ in range(2):
        make_study("recruiting")
    catalogue = client.get("/api/v1/catalogue", query_string={"limit": 1}).json
    response = client.get(
        "/api/v1/studies", query_string={"cursor": catalogue["next_cursor"]}, headers=api_headers(startup)
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_cursor"


def test_the_catalogue_is_paginated_and_shows_places_left(client, make_study, make_user, api_headers):
    first, second = make_study("recruiting"), make_study("recruiting")
    make_study("draft")
    page = client.get("/api/v1/catalogue", query_string={"limit": 1}).json
    assert [i["id"] for i in page["items"]] == [first.id] and page["next_cursor"]
    rest = client.get("/api/v1/catalogue", query_string={"limit": 1, "cursor": page["next_cursor"]}).json
    assert [i["id"] for i in rest["items"]] == [second.id] and rest["next_cursor"] is None
    assert page["items"][0]["places_left"] == first.target_enrolment == 40
    citizen = make_user("participant")
    body = {
        "consent_version": 1,
        "clauses": {"understood": True, "data_use": True},
        "signature": "C C",
        "age": 30,
        "criteria_confirmed": True,
    }
    assert (
        client.post(f"/api/v1/studies/{first.id}/enrolment", json=body, headers=api_headers(citizen)).status_code == 201
    )
    again = client.get("/api/v1/catalogue").json["items"]
    assert {i["id"]: i["places_left"] for i in again} == {first.id: 39, second.id: 40}


def test_the_surveys_list_is_paginated(client, make_study, startup, api_headers):
    study = make_study("draft")
    headers = api_headers(startup)
    page = client.get(f"/api/v1/studies/{study.id}/surveys", query_string={"limit": 1}, headers=headers).json
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(
        f"/api/v1/studies/{study.id}/surveys", query_string={"limit": 1, "cursor": page["next_cursor"]}, headers=headers
    ).json
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert page["items"][0]["id"] < rest["items"][0]["id"]


def test_a_page_costs_as_many_queries_with_40_studies_as_with_8(
    client, drafts, coordinator, api_headers, count_queries
):
    headers = api_headers(coordinator)

    def measure() -> int:
        db.session.remove()
        with count_queries() as statements:
            assert client.get("/api/v1/studies", query_string={"limit": 5}, headers=headers).status_code == 200
        return len(statements)

    drafts(8)
    measure()  # the token's first use in the hour notes it (last_used_at): a write the later calls skip
    small = measure()
    drafts(32)
    assert measure() == small
