"""Answers are never lost (issue 9, item 10): "Save and finish later" keeps a draft on the server, and a
survey sent from an expired page or after the session ended keeps its answers."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Response, SurveyDraft
from tests.conftest import PASSWORD, IsolatedClient

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
HALF = {"sleep_hours": "6.5", "who_1": "3", "who_2": "4"}
BASELINE = {"sleep_hours": "6.5", **{f"who_{i}": "3" for i in range(1, 6)}}


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def enrol(user, study):
    enrolment = services.enrol(
        user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=40, criteria_confirmed=True
    )
    db.session.commit()
    return enrolment


@pytest.fixture
def pilot(make_study, participant):
    study = make_study("recruiting")
    enrol(participant, study)
    return study


def checked(page: str, name: str, value: str) -> bool:
    return bool(re.search(rf'name="{name}" value="{re.escape(value)}"\s+checked', page))


# --- Save and finish later, on the pages -----------------------------------------------------------------


def test_save_and_finish_later_keeps_the_answers_until_they_are_sent(client, login, pilot, participant):
    login(participant)
    saved = client.post(f"/pilots/{pilot.id}/surveys/baseline", data={**HALF, "action": "draft"})
    assert saved.location == "/dashboard" and rows(Response) == 0 and rows(SurveyDraft) == 1
    dashboard = text(client.get("/dashboard"))
    assert "Draft saved on" in dashboard and "Continue" in dashboard and "saved as a draft" in dashboard
    page = text(client.get(f"/pilots/{pilot.id}/surveys/baseline"))
    assert 'value="6.5"' in page and checked(page, "who_1", "3") and checked(page, "who_2", "4")
    assert "Your draft of" in page
    sent = client.post(f"/pilots/{pilot.id}/surveys/baseline", data=BASELINE)
    assert sent.location == "/dashboard" and rows(Response) == 1 and rows(SurveyDraft) == 0


def test_a_draft_is_saved_again_over_the_last_one_and_needs_nothing_complete(client, login, pilot, participant):
    login(participant)
    client.post(f"/pilots/{pilot.id}/surveys/baseline", data={"who_1": "3", "action": "draft"})
    client.post(f"/pilots/{pilot.id}/surveys/baseline", data={"who_5": "9", "action": "draft"})  # out of range: kept
    assert rows(SurveyDraft) == 1
    assert db.session.scalar(select(SurveyDraft.answers)) == {"who_5": "9"}


def test_a_draft_too_long_is_refused_beside_its_question(client, login, pilot, participant):
    login(participant)
    services.submit_response(participant, pilot, "baseline", {k: float(v) for k, v in BASELINE.items()})
    db.session.commit()
    response = client.post(f"/pilots/{pilot.id}/surveys/follow_up", data={"comments": "x" * 2001, "action": "draft"})
    assert response.status_code == 422 and 'id="a-comments-error"' in text(response)
    assert rows(SurveyDraft) == 0


def test_drafts_are_never_analysed_nor_exported(client, api_headers, login, pilot, participant, startup):
    login(participant)
    client.post(f"/pilots/{pilot.id}/surveys/baseline", data={**BASELINE, "action": "draft"})
    results = client.get(f"{API}/studies/{pilot.id}/results", headers=api_headers(startup)).get_json()
    assert results["flow"]["completed"] == {"baseline": 0, "follow_up": 0}
    assert results["variables"]["sleep_hours"]["by_timepoint"]["baseline"]["n"] == 0
    export = client.get(f"{API}/studies/{pilot.id}/export.csv", headers=api_headers(startup))
    assert len(list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))) == 1  # header only


def test_leaving_the_pilot_or_erasing_the_account_deletes_the_drafts(client, login, pilot, participant, make_user):
    login(participant)
    client.post(f"/pilots/{pilot.id}/surveys/baseline", data={**HALF, "action": "draft"})
    assert "sleep_hours" in text(client.get("/pilots/my-data.json"))  # the draft is part of my data
    client.post(f"/pilots/{pilot.id}/withdraw", data={"erase": "keep"})
    assert rows(SurveyDraft) == 0
    other = make_user("participant")
    enrol(other, pilot)
    client.post("/account/signout")
    login(other)
    client.post(f"/pilots/{pilot.id}/surveys/baseline", data={**HALF, "action": "draft"})
    assert rows(SurveyDraft) == 1
    client.post("/pilots/my-data/erase", data={"confirm": "y"})
    assert rows(SurveyDraft) == 0


# --- Drafts through the API ------------------------------------------------------------------------------


def test_the_api_saves_reads_and_deletes_a_draft(client, api_headers, pilot, participant):
    headers = api_headers(participant)
    url = f"{API}/studies/{pilot.id}/surveys/baseline/draft"
    assert client.get(url, headers=headers).status_code == 404
    saved = client.put(url, json={"answers": {"sleep_hours": 6.5, "who_1": 3, "who_2": None}}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["answers"] == {"sleep_hours": 6.5, "who_1": 3}
    assert client.get(url, headers=headers).get_json()["answers"] == {"sleep_hours": 6.5, "who_1": 3}
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404 and rows(SurveyDraft) == 0


@pytest.mark.parametrize(
    "raw, status",
    [
        ('{"answers": {"nope": 1}}', 422),
        ('{"answers": {"comments": "%s"}}' % ("x" * 2001), 422),
        ('{"answers": {"sleep_hours": {"a": 1}}}', 400),
        ('{"answers": "text"}', 400),
        ('{"answers": {"sleep_hours": Infinity}}', 400),
        ('{"answers": {"who_1": [%s]}}' % ",".join(['"a"'] * 31), 422),
        ('{"answers": {"%s": 1}}' % ("x" * 100_000), 422),
        ('{"answers": {"sleep_hours": 1e400}}', 422),
    ],
)
def test_a_hostile_draft_is_refused_and_nothing_is_kept(client, api_headers, pilot, participant, raw, status):
    response = client.put(
        f"{API}/studies/{pilot.id}/surveys/baseline/draft",
        data=raw,
        headers=api_headers(participant),
        content_type="application/json",
    )
    assert response.status_code == status, response.get_json()
    assert len(response.get_data()) < 20_000
    assert rows(SurveyDraft) == 0


def test_nobody_reads_or_writes_another_participants_draft(
    client, api_headers, pilot, participant, make_user, make_study
):
    client.put(
        f"{API}/studies/{pilot.id}/surveys/baseline/draft",
        json={"answers": {"sleep_hours": 6.5}},
        headers=api_headers(participant),
    )
    other = make_user("participant")
    enrol(other, pilot)
    theirs = client.get(f"{API}/studies/{pilot.id}/surveys/baseline/draft", headers=api_headers(other))
    assert theirs.status_code == 404  # their own draft: none; mine is not theirs
    stranger = make_user("participant")
    response = client.get(f"{API}/studies/{pilot.id}/surveys/baseline/draft", headers=api_headers(stranger))
    assert response.status_code == 403
    another_pilot = make_study("recruiting")
    response = client.put(
        f"{API}/studies/{another_pilot.id}/surveys/baseline/draft",
        json={"answers": {"sleep_hours": 1}},
        headers=api_headers(participant),
    )
    assert response.status_code == 403  # not taking part there
    response = client.put(
        f"{API}/studies/{pilot.id}/surveys/week_4/draft", json={"answers": {}}, headers=api_headers(participant)
    )
    assert response.status_code == 404  # no such survey in this pilot
    assert db.session.scalar(select(SurveyDraft.answers)) == {"sleep_hours": 6.5}


def test_a_survey_not_open_yet_takes_no_draft(client, api_headers, pilot, participant):
    response = client.put(
        f"{API}/studies/{pilot.id}/surveys/follow_up/draft",
        json={"answers": {"sleep_hours": 7}},
        headers=api_headers(participant),
    )
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_open"


# --- An expired form, a session that ended ---------------------------------------------------------------


@pytest.fixture
def csrf_on(app):
    """CSRF tokens checked, as in production (the test app switches them off), from the call on."""
    yield lambda: app.config.update(WTF_CSRF_ENABLED=True)
    app.config["WTF_CSRF_ENABLED"] = False


def test_an_expired_page_is_shown_again_with_the_answers_and_a_fresh_token(client, login, pilot, participant, csrf_on):
    login(participant)
    csrf_on()
    response = client.post(f"/pilots/{pilot.id}/surveys/baseline", data={**BASELINE, "csrf_token": "expired"})
    assert response.status_code == 400
    page = text(response)
    assert "This page had expired" in page and 'value="6.5"' in page and checked(page, "who_5", "3")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert rows(Response) == 0 and rows(SurveyDraft) == 0
    sent = client.post(f"/pilots/{pilot.id}/surveys/baseline", data={**BASELINE, "csrf_token": token})
    assert sent.location == "/dashboard" and rows(Response) == 1


def test_a_survey_sent_after_the_session_ended_comes_back_after_signing_in(app, pilot, participant, csrf_on):
    app.test_client_class = IsolatedClient
    browser = app.test_client()  # the session expired: the browser holds no session any more
    csrf_on()
    browser.get("/")
    response = browser.post(f"/pilots/{pilot.id}/surveys/baseline", data={**HALF, "csrf_token": "from-before"})
    assert response.status_code == 401
    page = text(response)
    assert "Sign in again to keep your answers" in page and 'name="answer-sleep_hours" value="6.5"' in page
    assert "On average, how many hours" not in page  # the survey's questions are not shown to whoever this is
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    kept = dict(re.findall(r'name="(answer-[a-z0-9_]+)" value="([^"]*)"', page))
    wrong = browser.post(
        f"/pilots/{pilot.id}/surveys/baseline/resume",
        data={**kept, "csrf_token": token, "email": participant.email, "password": "wrong-one"},
    )
    assert wrong.status_code == 401 and 'name="answer-who_2" value="4"' in text(wrong)
    assert rows(SurveyDraft) == 0
    back = browser.post(
        f"/pilots/{pilot.id}/surveys/baseline/resume",
        data={**kept, "csrf_token": token, "email": participant.email, "password": PASSWORD},
    )
    assert back.location == f"/pilots/{pilot.id}/surveys/baseline"
    restored = text(browser.get(back.location))
    assert "your answers are back" in restored and 'value="6.5"' in restored and checked(restored, "who_2", "4")
    assert rows(Response) == 0 and rows(SurveyDraft) == 1


def test_signing_in_again_as_someone_who_does_not_take_part_keeps_nothing(app, pilot, make_user):
    stranger = make_user("participant")
    app.test_client_class = IsolatedClient
    browser = app.test_client()
    browser.post(f"/pilots/{pilot.id}/surveys/baseline", data=HALF)
    back = browser.post(
        f"/pilots/{pilot.id}/surveys/baseline/resume",
        data={"answer-sleep_hours": "6.5", "email": stranger.email, "password": PASSWORD},
    )
    assert back.location == "/dashboard" and rows(SurveyDraft) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"<script>": "x", "answer-../x": "y"},
        {f"k{i}": "v" for i in range(900)},
        {"sleep_hours": "x" * 5000},
    ],
)
def test_hostile_values_sent_signed_out_are_bounded_and_escaped(client, pilot, data):
    response = client.post(f"/pilots/{pilot.id}/surveys/baseline", data=data)
    assert response.status_code == 401
    page = text(response)
    assert "<script>" not in page.split("<main")[-1] and page.count('name="answer-') <= 300
    assert "x" * 5000 not in page
    assert client.post("/pilots/99999/surveys/baseline", data=data).status_code == 404


def test_another_site_cannot_have_answers_kept_for_someone_to_sign_in_beside(client, pilot):
    forged = client.post(f"/pilots/{pilot.id}/surveys/baseline", data=HALF, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 302 and forged.location.startswith("/account/signin")
    referred = client.post(
        f"/pilots/{pilot.id}/surveys/baseline", data=HALF, headers={"Referer": "https://evil.example/page"}
    )
    assert referred.status_code == 302
    ours = client.post(f"/pilots/{pilot.id}/surveys/baseline", data=HALF, headers={"Origin": "http://localhost"})
    assert ours.status_code == 401 and 'name="answer-sleep_hours" value="6.5"' in text(ours)
