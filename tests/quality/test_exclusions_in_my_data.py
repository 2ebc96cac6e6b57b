"""A response excluded from a pilot's sensitivity analysis, in the participant's own data (GDPR access and
portability): the fact, the day and the reason given, never who excluded it; in the API's JSON, the downloaded
JSON and the page, in English and French; another participant's exclusions never appear."""

import html
import json
import re

import pytest

from livinglab.demo import sleep_surveys

WHO = {f"who_{i}": 3 for i in range(1, 6)}
SUS = {f"sus_{i}": 3 for i in range(1, 11)}
REASON = "Answered for her partner."


@pytest.fixture
def pilot(make_study, take_part):
    """Two participants who answered both surveys; returns (study, (code, user) of each)."""
    study = make_study("recruiting", survey_defs=sleep_surveys())
    answers = {"baseline": {"sleep_hours": 6, **WHO}, "follow_up": {"sleep_hours": 7, **WHO, **SUS}}
    return study, take_part(study, answers), take_part(study, answers)


@pytest.fixture
def excluded(client, api_headers, coordinator, pilot):
    """The coordinator excludes the first participant's follow-up, with a reason."""
    study, (code, _user), _other = pilot
    answer = client.post(
        f"/api/v1/studies/{study.id}/exclusions",
        json={"participant_code": code, "survey": "follow_up", "reason": REASON},
        headers=api_headers(coordinator),
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def my_data(client, api_headers, user) -> dict:
    answer = client.get("/api/v1/me/export", headers=api_headers(user))
    assert answer.status_code == 200
    return answer.get_json()


def responses_of(data: dict) -> dict:
    [enrolment] = data["enrolments"]
    return {r["survey"]: r for r in enrolment["responses"]}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def test_the_participant_sees_the_exclusion_of_their_response_with_day_and_reason_never_who(
    client, api_headers, coordinator, pilot, excluded
):
    _study, (_code, user), _other = pilot
    data = my_data(client, api_headers, user)
    responses = responses_of(data)
    [entry] = responses["follow_up"]["excluded_from_analysis"]
    assert entry == {
        "excluded_at": excluded["excluded_at"],
        "reason": REASON,
        "active": True,
        "undone_at": None,
    }
    assert responses["baseline"]["excluded_from_analysis"] == []
    whole = json.dumps(data, ensure_ascii=False)
    assert coordinator.name not in whole and coordinator.email not in whole
    assert f'"actor_id": {coordinator.id}' not in whole


def test_another_participants_exclusion_never_appears(client, api_headers, login, pilot, excluded):
    _study, _first, (_code, other) = pilot
    data = my_data(client, api_headers, other)
    assert all(r["excluded_from_analysis"] == [] for r in responses_of(data).values())
    assert REASON not in json.dumps(data, ensure_ascii=False)  # nor in the audit trail about them
    login(other)
    download = client.get("/pilots/my-data.json").get_data(as_text=True)
    page = text(client.get("/pilots/my-data"))
    assert REASON not in download and REASON not in page and "sensitivity analysis" not in page


@pytest.mark.parametrize(
    "locale, before, after",
    [
        (
            "en",
            "Left out of the pilot's sensitivity analysis on ",
            f". Reason given: “{REASON}” The pilot's registered",
        ),
        (
            "fr",
            "Écartées de l’analyse de sensibilité du pilote le ",
            f". Motif donné : « {REASON} » L’analyse enregistrée",
        ),
    ],
)
def test_the_page_and_the_download_say_it_in_english_and_french(client, login, pilot, excluded, locale, before, after):
    _study, (_code, user), _other = pilot
    login(user)
    client.post("/language", data={"lang": locale})
    page = text(client.get("/pilots/my-data"))
    assert re.search(re.escape(before) + r"[^<]{0,30}2026[^<]{0,10}" + re.escape(after), page), page
    assert page.count(REASON) == 1  # the follow-up only
    download = json.loads(client.get("/pilots/my-data.json").data)
    assert responses_of(download)["follow_up"]["excluded_from_analysis"][0]["reason"] == REASON


def test_an_undone_exclusion_is_shown_as_brought_back(client, api_headers, coordinator, login, pilot, excluded):
    study, (_code, user), _other = pilot
    undone = client.delete(f"/api/v1/studies/{study.id}/exclusions/{excluded['id']}", headers=api_headers(coordinator))
    assert undone.status_code == 204
    [entry] = responses_of(my_data(client, api_headers, user))["follow_up"]["excluded_from_analysis"]
    assert entry["active"] is False and entry["undone_at"] is not None
    login(user)
    assert "then brought back on" in text(client.get("/pilots/my-data"))
