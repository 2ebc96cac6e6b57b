"""Issue 9, item 16 (and issue 8, item 14): long lists on pages get a search box, a choice of order and
pages, at a cost in queries that does not grow with the list; the participants of a pilot are listed by
code, never in the order they enrolled (which, with their arms, would show the randomisation blocks)."""

import re
from datetime import datetime

import pytest

from livinglab.auth.models import User
from livinglab.demo import food_protocol, food_surveys, sleep_protocol
from livinglab.demo_bulk import bulk_participants
from livinglab.extensions import db
from livinglab.studies import services as studies
from livinglab.studies.models import Study

HOSTILE = [
    "%",
    "_",
    "\\",
    "%_%",
    "\r\nSet-Cookie: x=1",
    '=HYPERLINK("http://evil")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 5000,
    "\x00",
    "Ünïcödé ✓",
]


@pytest.fixture
def drafts(startup):
    startup_id = startup.id

    def make(titles, owner_id=None) -> list[int]:
        owner = db.session.get(User, owner_id or startup_id)
        ids = [studies.create_study(owner, {"title": title, "domain": "e-health"}).id for title in titles]
        db.session.commit()
        return ids

    return make


def titles_on(html: str) -> list[str]:
    return re.findall(r'<td class="title-cell"><a href="/studies/\d+">([^<]*)</a>', html)


def codes_on(html: str) -> list[str]:
    return re.findall(r'<span class="participant-code small">(P-[A-Z0-9]+)</span>', html)


def test_all_studies_come_25_to_a_page(client, login, coordinator, drafts):
    drafts([f"Pilot {n:02d}" for n in range(30)])
    login(coordinator)
    first = client.get("/studies/all?sort=title").get_data(as_text=True)
    assert titles_on(first) == [f"Pilot {n:02d}" for n in range(25)]
    assert "page 1 of 2" in first and "1–25 of 30 studies" in first
    second = client.get("/studies/all?sort=title&page=2").get_data(as_text=True)
    assert titles_on(second) == [f"Pilot {n:02d}" for n in range(25, 30)]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_all_studies_are_searched_by_title_or_organisation(client, login, coordinator, drafts, other_startup):
    drafts(["Sleep coaching", "Step counting", "Breathing"])
    drafts(["Plant-based lunches"], owner_id=other_startup.id)
    login(coordinator)
    assert titles_on(client.get("/studies/all?q=sle").get_data(as_text=True)) == ["Sleep coaching"]
    assert titles_on(client.get("/studies/all?q=ANOTHER").get_data(as_text=True)) == ["Plant-based lunches"]
    assert titles_on(client.get("/studies/all?q=zzz").get_data(as_text=True)) == []


def test_search_wildcards_are_taken_literally(client, login, coordinator, drafts):
    drafts(["100% natural", "Plain", "snake_case"])
    login(coordinator)
    assert titles_on(client.get("/studies/all?q=%25").get_data(as_text=True)) == ["100% natural"]
    assert titles_on(client.get("/studies/all?q=_").get_data(as_text=True)) == ["snake_case"]


def test_the_review_queue_pages_and_searches(client, login, coordinator, drafts, startup):
    ids = drafts([f"Queued {n:02d}" for n in range(27)])
    for study_id in ids:  # submitted in this order: the queue lists the oldest submission first
        study = db.session.get(Study, study_id)
        study.status, study.submitted_at = "submitted", None
        db.session.flush()
    for n, study_id in enumerate(ids):
        db.session.get(Study, study_id).submitted_at = datetime(2026, 1, 1, 0, n)
    db.session.commit()
    login(coordinator)
    page = client.get("/studies/queue").get_data(as_text=True)
    assert titles_on(page) == [f"Queued {n:02d}" for n in range(25)]
    assert titles_on(client.get("/studies/queue?page=2").get_data(as_text=True)) == ["Queued 25", "Queued 26"]
    newest = client.get("/studies/queue?sort=newest_submission").get_data(as_text=True)
    assert titles_on(newest)[0] == "Queued 26"
    assert titles_on(client.get("/studies/queue?q=queued 1").get_data(as_text=True)) == [
        f"Queued {n}" for n in range(10, 20)
    ]


def test_our_studies_page_and_search(client, login, startup, drafts):
    drafts([f"Ours {n:02d}" for n in range(23)])
    login(startup)
    html = client.get("/studies/?sort=title").get_data(as_text=True)
    shown = re.findall(r'<h2><a href="/studies/\d+">([^<]*)</a></h2>', html)
    assert shown == [f"Ours {n:02d}" for n in range(20)] and "page 1 of 2" in html
    found = client.get("/studies/?q=ours 22").get_data(as_text=True)
    assert re.findall(r'<h2><a href="/studies/\d+">([^<]*)</a></h2>', found) == ["Ours 22"]


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e3", "99999999999999999999999", "٣"])
def test_an_odd_page_number_shows_the_first_page(client, login, coordinator, drafts, page):
    drafts(["Only one"])
    login(coordinator)
    response = client.get("/studies/all", query_string={"page": page})
    assert response.status_code == 200
    assert titles_on(response.get_data(as_text=True)) == ["Only one"]


def test_a_page_past_the_end_shows_the_last_one(client, login, coordinator, drafts):
    drafts([f"P{n:02d}" for n in range(30)])
    login(coordinator)
    html = client.get("/studies/all?page=9&sort=title").get_data(as_text=True)
    assert titles_on(html) == [f"P{n:02d}" for n in range(25, 30)] and "There is no page 9" in html


@pytest.mark.parametrize("url", ["/studies/all", "/studies/queue", "/studies/", "/pilots/", "PARTICIPANTS"])
def test_hostile_searches_and_orders_answer_cleanly(client, login, coordinator, startup, make_study, url):
    study = make_study("recruiting")
    url = f"/studies/{study.id}/participants" if url == "PARTICIPANTS" else url
    login(startup if url == "/studies/" else coordinator)
    for q in HOSTILE:
        for extra in ({}, {"sort": q}, {"page": q}, {"status": q}, {"domain": q}):
            response = client.get(url, query_string={"q": q, **extra})
            assert response.status_code == 200, (url, q, extra)
            html = response.get_data(as_text=True)
            assert "<script>alert(1)</script>" not in html and "Set-Cookie: x" not in response.headers.get(
                "Set-Cookie", ""
            )
    for raw in (b"q=%ED%A0%80", b"q=%FF%FE", b"sort=%C0%AF&page=%00", b"q=%0D%0A&page=%E2%80%AE1"):
        assert client.get(url + "?" + raw.decode("ascii")).status_code == 200, raw


def enrol_through_the_api(client, api_headers, make_user, study, count: int) -> list[str]:
    codes = []
    for _ in range(count):
        body = {
            "consent_version": study.current_consent.version,
            "clauses": {"understood": True, "data_use": True},
            "signature": "A B",
            "age": 30,
            "criteria_confirmed": True,
        }
        response = client.post(
            f"/api/v1/studies/{study.id}/enrolment", json=body, headers=api_headers(make_user("participant"))
        )
        assert response.status_code == 201
        codes.append(response.json["participant_code"])
    return codes


def test_participants_are_listed_by_code_not_in_enrolment_order(
    client, login, startup, make_study, make_user, api_headers
):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    in_enrolment_order = enrol_through_the_api(client, api_headers, make_user, study, 8)
    login(startup)
    html = client.get(f"/studies/{study.id}/participants").get_data(as_text=True)
    assert codes_on(html) == sorted(in_enrolment_order)
    # with arms beside them, enrolment dates would give the order away: a randomised pilot hides them
    assert "without their enrolment dates" in html
    assert not re.search(r'data-label="Enrolled"', html)


def test_a_single_group_pilot_still_shows_when_each_participant_enrolled(
    client, login, startup, make_study, make_user, api_headers
):
    study = make_study("recruiting")
    enrol_through_the_api(client, api_headers, make_user, study, 2)
    login(startup)
    html = client.get(f"/studies/{study.id}/participants").get_data(as_text=True)
    assert len(re.findall(r'data-label="Enrolled"', html)) == 2


def test_participants_come_50_to_a_page_and_are_searched_by_code(client, login, startup, make_study):
    study = make_study("recruiting")
    codes = bulk_participants(study, 120, seed=1)
    db.session.commit()
    login(startup)
    html = client.get(f"/studies/{study.id}/participants").get_data(as_text=True)
    assert codes_on(html) == sorted(codes)[:50] and "page 1 of 3" in html
    last = client.get(f"/studies/{study.id}/participants?page=3").get_data(as_text=True)
    assert codes_on(last) == sorted(codes)[100:]
    wanted = sorted(codes)[7]
    found = client.get(f"/studies/{study.id}/participants", query_string={"q": wanted[:6].lower()}).get_data(
        as_text=True
    )
    assert wanted in codes_on(found) and all(code.startswith(wanted[:6]) for code in codes_on(found))


def test_the_participants_page_costs_the_same_queries_and_size_at_60_and_600(
    client, login, startup, make_study, count_queries
):
    study = make_study("recruiting")
    study_id = study.id
    bulk_participants(study, 60, seed=1)
    db.session.commit()
    login(startup)

    def measure() -> tuple[int, int]:
        db.session.remove()
        with count_queries() as statements:
            response = client.get(f"/studies/{study_id}/participants")
        assert response.status_code == 200
        return len(statements), len(response.data)

    small_queries, small_size = measure()
    bulk_participants(db.session.get(Study, study_id), 540, seed=2)
    db.session.commit()
    large_queries, large_size = measure()
    assert large_queries == small_queries
    assert large_size < small_size * 1.1  # one page of 50 either way


def test_the_catalogue_pages_searches_and_shows_places_left(client, make_study):
    for n in range(14):
        make_study("recruiting", protocol=sleep_protocol(title=f"Open pilot {n:02d}", target_enrolment=10 + n))
    html = client.get("/pilots/?sort=title").get_data(as_text=True)
    shown = re.findall(r'<h2><a href="/pilots/\d+">([^<]*)</a></h2>', html)
    assert shown == [f"Open pilot {n:02d}" for n in range(12)]
    assert "10 places left" in html and "page 1 of 2" in html
    by_places = client.get("/pilots/?sort=places").get_data(as_text=True)
    assert re.findall(r'<h2><a href="/pilots/\d+">([^<]*)</a></h2>', by_places)[0] == "Open pilot 13"
    found = client.get("/pilots/?q=pilot 07").get_data(as_text=True)
    assert re.findall(r'<h2><a href="/pilots/\d+">([^<]*)</a></h2>', found) == ["Open pilot 07"]


@pytest.mark.parametrize(
    "path, role",
    [("/studies/all", "coordinator"), ("/studies/queue", "coordinator"), ("/studies/", "startup"), ("/pilots/", None)],
)
def test_list_pages_cost_the_same_queries_with_6_and_30_studies(
    client, login, coordinator, startup, drafts, count_queries, path, role
):
    def grow(n):
        ids = drafts([f"S{n}-{i}" for i in range(n)])
        for study_id in ids:
            study = db.session.get(Study, study_id)
            study.status = {"/studies/queue": "submitted", "/pilots/": "recruiting"}.get(path, "draft")
        db.session.commit()

    if role:
        login({"coordinator": coordinator, "startup": startup}[role])

    def measure() -> int:
        db.session.remove()
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    grow(6)
    small = measure()
    grow(24)
    assert measure() == small
