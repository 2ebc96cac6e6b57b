"""The protocol declares the survey calendar (issue 11, items 7 and 11): the day each timepoint's surveys
close and the reminder days, through the API and the editor, checked against each other, in the
registration hash."""

import html

import pytest

from livinglab.extensions import db
from livinglab.studies.models import Study
from livinglab.studies.services import frozen_record
from tests.studies.test_study_pages import protocol_form

API = "/api/v1"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reload(study_id: int) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study_id)


@pytest.fixture
def draft(make_study):
    study = make_study("draft")
    study.timepoint_delays = {"follow_up": 28}
    db.session.commit()
    return study


def patch(client, api_headers, user, study, body):
    return client.patch(f"{API}/studies/{study.id}", json=body, headers=api_headers(user))


def test_the_api_stores_and_serves_the_windows_and_reminders(client, api_headers, startup, draft):
    response = patch(
        client, api_headers, startup, draft, {"timepoint_closes": {"follow_up": 42}, "reminder_days": [7, 3, 3]}
    )
    assert response.status_code == 200, response.json
    served = client.get(f"{API}/studies/{draft.id}", headers=api_headers(startup)).json
    assert served["timepoint_closes"] == {"follow_up": 42} and served["reminder_days"] == [3, 7]
    assert reload(draft.id).reminder_days == [3, 7]


def test_a_new_study_reminds_on_days_3_and_7(client, api_headers, startup):
    created = client.post(
        f"{API}/studies", json={"title": "Calendar", "domain": "e-health"}, headers=api_headers(startup)
    )
    assert created.status_code == 201 and created.json["reminder_days"] == [3, 7]
    assert created.json["timepoint_closes"] == {}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"timepoint_closes": {"follow_up": 28}}, "timepoint_closes"),  # closes the day it opens
        ({"timepoint_closes": {"follow_up": 10}}, "timepoint_closes"),  # before it opens
        ({"timepoint_closes": {"baseline": 0}}, "timepoint_closes"),
        ({"timepoint_closes": {"week_99": 40}}, "timepoint_closes"),  # not a timepoint of the study
        ({"timepoint_closes": ["follow_up", 40]}, "timepoint_closes"),
        ({"timepoint_delays": {"follow_up": 50}, "timepoint_closes": {"follow_up": 42}}, "timepoint_closes"),
        ({"reminder_days": [0]}, "reminder_days"),
        ({"reminder_days": [1, 2, 3, 4, 5, 6]}, "reminder_days"),
        ({"reminder_days": "3,7"}, "reminder_days"),
        ({"reminder_days": [3.5]}, "reminder_days"),
        ({"reminder_days": [366]}, "reminder_days"),
    ],
)
def test_an_impossible_calendar_is_refused_and_nothing_changes(client, api_headers, startup, draft, body, field):
    before = (dict(draft.timepoint_delays), dict(draft.timepoint_closes), list(draft.reminder_days))
    response = patch(client, api_headers, startup, draft, body)
    assert response.status_code in (400, 422) and field in response.json["error"]["fields"]
    saved = reload(draft.id)
    assert (saved.timepoint_delays, saved.timepoint_closes, saved.reminder_days) == before


def test_renaming_the_timepoints_takes_their_close_days_along(client, api_headers, startup, make_study):
    study = make_study("draft", survey_defs=[])
    assert patch(client, api_headers, startup, study, {"timepoint_closes": {"follow_up": 30}}).status_code == 200
    assert patch(client, api_headers, startup, study, {"timepoints": ["before", "after"]}).status_code == 200
    assert reload(study.id).timepoint_closes == {}


def test_the_editor_saves_the_close_days_and_reminders_and_shows_them(client, login, startup, draft):
    login(startup)
    data = protocol_form(
        **{"timepoints-0-closes": "7", "timepoints-1-days": "28", "timepoints-1-closes": "40", "reminder_days": "2; 9"}
    )
    response = client.post(f"/studies/{draft.id}/edit", data=data)
    assert response.status_code == 302, text(response)
    saved = reload(draft.id)
    assert saved.timepoint_closes == {"baseline": 7, "follow_up": 40} and saved.reminder_days == [2, 9]
    page = text(client.get(f"/studies/{draft.id}/edit"))
    assert 'value="2, 9"' in page and 'name="timepoints-1-closes"' in page
    shown = text(client.get(f"/studies/{draft.id}"))
    assert "open from day 28 to day 40" in shown and "On days 2, 9 after a survey opens" in shown
    french = text(client.get(f"/studies/{draft.id}", headers={"Accept-Language": "fr"}))
    assert "ouvert du jour 28 au jour 40" in french


def test_the_editor_says_what_is_wrong_with_the_calendar(client, login, startup, draft):
    login(startup)
    response = client.post(
        f"/studies/{draft.id}/edit",
        data=protocol_form(**{"timepoints-1-days": "28", "timepoints-1-closes": "20", "reminder_days": "soon"}),
    )
    assert response.status_code == 422
    page = text(response)
    assert "A survey must close after the day it opens: follow_up." in page
    assert "Give at most 5 whole numbers of days" in page
    assert reload(draft.id).reminder_days == [3, 7]


def test_the_calendar_is_part_of_the_registration_record(draft):
    before = frozen_record(draft)["protocol"]
    assert before["reminder_days"] == [3, 7] and before["timepoint_closes"] == {}
    draft.timepoint_closes = {"follow_up": 40}
    assert frozen_record(draft)["protocol"]["timepoint_closes"] == {"follow_up": 40}
