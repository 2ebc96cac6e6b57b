"""Issue 13, item 7, what the flags read: when a participant started a survey (the page's first display, a draft's
first save, or the API's `started_at`) and a number question's declared plausible range (API and builder)."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import Response, SurveyDraft
from livinglab.timeutil import aware, utcnow
from tests.surveys.test_api_surveys import assert_error, question, survey
from tests.surveys.test_survey_pages import follow_up, stored, url
from tests.surveys.test_survey_pages import question as form_question

WHO = {f"who_{i}": 3 for i in range(1, 6)}
TOKEN = re.compile(r'name="started-token" value="([^"]+)"')


@pytest.fixture
def enrolled(make_study, make_user):
    study = make_study("recruiting")
    user = make_user("participant")
    consent = study.current_consent
    participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=user.name,
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    return study, user


def started_of() -> datetime | None:
    db.session.expire_all()
    return aware(db.session.scalar(select(Response.started_at)))


def test_the_survey_page_records_its_first_display_as_the_start(client, login, enrolled):
    study, user = enrolled
    login(user)
    shown_at = utcnow().replace(microsecond=0)
    page = client.get(f"/pilots/{study.id}/surveys/baseline").get_data(as_text=True)
    token = html.unescape(TOKEN.search(page).group(1))
    assert db.session.scalar(select(Response.id)) is None  # showing the page writes nothing
    sent = client.post(f"/pilots/{study.id}/surveys/baseline", data={"sleep_hours": "7", **WHO, "started-token": token})
    assert sent.status_code == 302
    started = started_of()
    assert started is not None and shown_at - timedelta(seconds=1) <= started <= utcnow()


def test_a_forged_or_foreign_start_is_no_start(client, login, enrolled):
    study, user = enrolled
    login(user)
    forged = "eyJlIjoxLCJzIjoxLCJ0IjoxfQ.forged"
    sent = client.post(
        f"/pilots/{study.id}/surveys/baseline", data={"sleep_hours": "7", **WHO, "started-token": forged}
    )
    assert sent.status_code == 302
    assert started_of() is None  # never flagged as too fast


def test_a_draft_keeps_its_first_save_and_hands_it_to_the_response(client, api_headers, enrolled):
    study, user = enrolled
    headers = api_headers(user)
    base = f"/api/v1/studies/{study.id}/surveys/baseline"
    first = client.put(f"{base}/draft", json={"answers": {"sleep_hours": 7}}, headers=headers).get_json()
    assert first["started_at"] is not None
    draft = db.session.scalar(select(SurveyDraft))
    draft.started_at = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)  # as if saved long ago
    db.session.commit()
    again = client.put(f"{base}/draft", json={"answers": {"sleep_hours": 8}}, headers=headers).get_json()
    assert again["started_at"].startswith("2026-01-01T08:00")  # a later save keeps the first
    sent = client.post(f"{base}/responses", json={"answers": {"sleep_hours": 8, **WHO}}, headers=headers)
    assert sent.status_code == 201 and sent.get_json()["started_at"].startswith("2026-01-01T08:00")


def test_an_api_answer_without_a_start_has_none(client, api_headers, enrolled):
    study, user = enrolled
    sent = client.post(
        f"/api/v1/studies/{study.id}/surveys/baseline/responses",
        json={"answers": {"sleep_hours": 7, **WHO}},
        headers=api_headers(user),
    )
    assert sent.status_code == 201 and sent.get_json()["started_at"] is None
    assert started_of() is None


@pytest.mark.parametrize(
    "value, status",
    [
        (5, 400),
        (["2026-01-01T00:00:00+00:00"], 400),
        ("yesterday", 422),
        ("2026-01-01T08:00:00", 422),  # no time zone
        ("9999-12-31T23:59:59+00:00", 422),  # the future
        ("0001-01-01T00:00:00+05:00", 422),  # before the calendar starts, in UTC
        ("2026-01-01T08:00:00+00:00\r\nX-Evil: 1", 422),
        ("x" * 10_000, 422),
    ],
)
def test_a_bad_started_at_is_refused_and_nothing_is_saved(client, api_headers, enrolled, value, status):
    study, user = enrolled
    sent = client.post(
        f"/api/v1/studies/{study.id}/surveys/baseline/responses",
        json={"answers": {"sleep_hours": 7, **WHO}, "started_at": value},
        headers=api_headers(user),
    )
    error = assert_error(sent, status, fields=["started_at"])
    assert error
    assert db.session.scalar(select(Response.id)) is None


# --- Plausible ranges ----------------------------------------------------------------------------------


@pytest.fixture
def post_item(client, api_headers, startup, make_study):
    study = make_study("draft")
    headers = api_headers(startup)

    def post(item, key="extra"):
        return client.post(f"/api/v1/studies/{study.id}/surveys", json=survey(item, key=key), headers=headers), study

    return post


def test_a_number_declares_its_plausible_range_and_gets_it_back(post_item):
    answer, _study = post_item(
        question("weight", "number", "Weight?", min=0, max=500, plausible_min=30, plausible_max=250)
    )
    assert answer.status_code == 201, answer.get_json()
    item = answer.get_json()["items"][0]
    assert (item["plausible_min"], item["plausible_max"]) == (30, 250)
    open_ended, _study = post_item(question("steps", "number", "Steps?", plausible_max=60000), key="other")
    assert "plausible_min" not in open_ended.get_json()["items"][0]


def test_without_a_plausible_range_the_item_is_as_before(post_item):
    answer, _study = post_item(question("weight", "number", "Weight?"))
    assert answer.get_json()["items"][0] == {
        "key": "weight",
        "text": "Weight?",
        "type": "number",
        "required": True,
        "min": None,
        "max": None,
        "unit": "",
    }


@pytest.mark.parametrize(
    "extra, status, field",
    [
        ({"plausible_min": 10, "plausible_max": 5}, 422, "plausible_max"),
        ({"plausible_min": 5, "plausible_max": 5}, 422, "plausible_max"),
        ({"min": 0, "max": 24, "plausible_max": 30}, 422, "plausible_max"),
        ({"min": 0, "plausible_min": -1}, 422, "plausible_min"),
        ({"plausible_min": "3"}, 400, "plausible_min"),
        ({"plausible_max": 1e12}, 422, "plausible_max"),
    ],
)
def test_a_plausible_range_that_does_not_fit_is_refused(post_item, extra, status, field):
    answer, study = post_item(question("weight", "number", "Weight?", **extra))
    error = assert_error(answer, status)
    assert field in error["fields"]["items"], error
    assert not any(s.key == "extra" for s in study.surveys)


def test_the_builder_takes_a_plausible_range_and_shows_it_again(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    survey_ = follow_up(study)
    data = form_question(key="weight", type="number", text="Weight?", plausible_min="30", plausible_max="250,5")
    assert client.post(url(study, survey_, "/items"), data=data).status_code == 302
    item = next(i for i in stored(survey_.id) if i["key"] == "weight")
    assert (item["plausible_min"], item["plausible_max"]) == (30, 250.5)
    index = stored(survey_.id).index(item)
    page = client.get(url(study, survey_, f"/items/{index}/edit")).get_data(as_text=True)
    assert 'value="250.5"' in page and "Highest plausible value" in page
    refused = client.post(
        url(study, survey_, "/items"),
        data=form_question(key="height", type="number", plausible_min="9", plausible_max="2"),
    )
    assert refused.status_code == 422 and "The plausible maximum must be above" in html.unescape(
        refused.get_data(as_text=True)
    )
