"""Survey windows (issue 11, items 11 and 12): each timepoint's surveys open on a day after enrolment and
close on another; a survey unanswered when its window closes is missed: no answer, no draft, counted in
the flow; the next timepoint opens as planned."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Enrolment, Response, SurveyDraft
from livinglab.results.cache import results_for
from livinglab.studies.models import Study
from livinglab.timeutil import utcnow

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
BASELINE = {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
FOLLOW_UP = {"sleep_hours": 7.5, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}}


def text(response) -> str:
    return response.get_data(as_text=True)


def enrol(user, study, days_ago: float = 0):
    enrolment = services.enrol(
        user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=40, criteria_confirmed=True
    )
    db.session.commit()
    if days_ago:
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.id == enrolment.id)
            .values(enrolled_at=utcnow() - timedelta(days=days_ago))
        )
        db.session.commit()
        db.session.expire_all()
    return enrolment


@pytest.fixture
def pilot(make_study):
    """Baseline open from day 0 to day 7; follow-up from day 28 to day 35."""
    study = make_study("recruiting")
    study.timepoint_delays = {"follow_up": 28}
    study.timepoint_closes = {"baseline": 7, "follow_up": 35}
    db.session.commit()
    return study


def states(user, study) -> dict[str, str]:
    enrolment = services.enrolment_of(user, study)
    return {d.survey.key: d.state for d in services.states_for(enrolment)}


def test_a_survey_is_open_in_its_window_and_missed_after_it(pilot, participant, make_user):
    enrol(participant, pilot, days_ago=6.9)
    assert states(participant, pilot) == {"baseline": "open", "follow_up": "waiting"}
    late = make_user("participant")
    enrol(late, pilot, days_ago=7.1)
    # The baseline closed unanswered: missed; the follow-up does not wait for it, it opens on its day.
    assert states(late, pilot) == {"baseline": "missed", "follow_up": "scheduled"}
    gone = make_user("participant")
    enrol(gone, pilot, days_ago=29)
    assert states(gone, pilot) == {"baseline": "missed", "follow_up": "open"}
    over = make_user("participant")
    enrol(over, pilot, days_ago=36)
    assert states(over, pilot) == {"baseline": "missed", "follow_up": "missed"}


def test_a_missed_survey_takes_no_answer_and_no_draft_by_page_or_api(client, login, api_headers, pilot, participant):
    enrol(participant, pilot, days_ago=8)
    headers = api_headers(participant)
    answered = client.post(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses", json={"answers": BASELINE}, headers=headers
    )
    assert answered.status_code == 409 and answered.get_json()["error"]["code"] == "window_closed"
    drafted = client.put(
        f"{API}/studies/{pilot.id}/surveys/baseline/draft", json={"answers": {"sleep_hours": 6}}, headers=headers
    )
    assert drafted.status_code == 409 and drafted.get_json()["error"]["code"] == "window_closed"
    login(participant)
    page = client.get(f"/pilots/{pilot.id}/surveys/baseline")
    assert page.status_code == 200 and "it can no longer be answered" in text(page)
    assert 'name="sleep_hours"' not in text(page)  # no form to fill
    posted = client.post(f"/pilots/{pilot.id}/surveys/baseline", data={"sleep_hours": "6.5"})
    assert posted.status_code in (302, 409)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert db.session.scalar(select(func.count()).select_from(SurveyDraft)) == 0
    assert "Missed: closed on" in text(client.get("/dashboard"))


def test_an_open_survey_says_until_when(client, login, pilot, participant):
    enrol(participant, pilot)
    login(participant)
    assert "Open until" in text(client.get("/dashboard"))
    assert "This survey is open until" in text(client.get(f"/pilots/{pilot.id}/surveys/baseline"))
    french = client.get(f"/pilots/{pilot.id}/surveys/baseline", headers={"Accept-Language": "fr"})
    assert "Ce questionnaire est ouvert jusqu" in text(french)


def test_the_flow_counts_missed_surveys_per_timepoint_and_arm(pilot, participant, make_user):
    answered = participant
    enrol(answered, pilot, days_ago=3)
    services.submit_response(answered, pilot, "baseline", BASELINE)
    db.session.commit()
    for _ in range(2):
        enrol(make_user("participant"), pilot, days_ago=8)  # baseline missed
    enrol(make_user("participant"), pilot, days_ago=2)  # baseline still open
    db.session.execute(update(Study).where(Study.id == pilot.id).values(data_version=Study.data_version + 1))
    db.session.commit()
    flow = results_for(db.session.get(Study, pilot.id))["flow"]
    arm = pilot.arms[0]
    assert flow["missed"] == {"baseline": 2, "follow_up": 0}
    assert flow["missed_by_arm"][arm] == {"baseline": 2, "follow_up": 0}
    assert flow["not_answered"]["baseline"] == 3  # the two who missed it and the one still in its window


def test_the_results_page_says_how_many_missed(client, login, pilot, startup, make_user):
    enrol(make_user("participant"), pilot, days_ago=8)
    login(startup)
    page = text(client.get(f"/studies/{pilot.id}/results"))
    assert "missed (window closed): 1" in page


def test_the_pilot_page_says_when_each_survey_closes(client, pilot):
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "It closes 7 days after you join." in page and "It closes 35 days after you join." in page
    french = text(client.get(f"/pilots/{pilot.id}", headers={"Accept-Language": "fr"}))
    assert "Il ferme 7 jours après votre entrée dans le pilote." in french


def test_the_api_lists_each_survey_with_its_window_and_state(client, api_headers, pilot, participant):
    enrolment = enrol(participant, pilot, days_ago=8)
    items = client.get(f"{API}/studies/{pilot.id}/surveys", headers=api_headers(participant)).json["items"]
    by_key = {item["key"]: item for item in items}
    assert by_key["baseline"]["state"] == "missed" and by_key["follow_up"]["state"] == "scheduled"
    db.session.refresh(enrolment)
    start = enrolment.enrolled_at.replace(tzinfo=None)
    for key, closes in (("baseline", 7), ("follow_up", 35)):
        served = by_key[key]["closes_at"].replace("Z", "").split("+")[0]
        assert served.startswith((start + timedelta(days=closes)).isoformat()[:16])


def test_a_waiting_survey_says_when_it_opens_at_the_latest(client, login, make_study, participant):
    """Follow-up from day 3, baseline open until day 7: the follow-up opens once the baseline is answered,
    or when the baseline closes unanswered (day 7), whichever comes first; not "once you have answered"."""
    study = make_study("recruiting")
    study.timepoint_delays = {"follow_up": 3}
    study.timepoint_closes = {"baseline": 7, "follow_up": 21}
    db.session.commit()
    enrolment = enrol(participant, study, days_ago=4)
    waiting = {d.survey.key: d for d in services.states_for(enrolment)}["follow_up"]
    assert waiting.state == "waiting"
    assert waiting.opens_by == services.enrolment_of(participant, study).enrolled_at.replace(
        tzinfo=waiting.opens_by.tzinfo
    ) + timedelta(days=7)
    login(participant)
    dashboard = text(client.get("/dashboard"))
    assert "Opens once you have answered the survey before it, or on" in dashboard and "at the latest" in dashboard
    page = text(client.get(f"/pilots/{study.id}/surveys/follow_up"))
    assert "or on" in page and "at the latest." in page
    french = text(client.get("/dashboard", headers={"Accept-Language": "fr"}))
    assert "au plus tard" in french
