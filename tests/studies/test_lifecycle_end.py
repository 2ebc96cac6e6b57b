"""Closing recruitment, ending the pilot, and what everyone reads in each state (issue 9, items 2, 4, 5, 7, 8)."""

import inspect
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from livinglab.audit import AuditRecord
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Enrolment, Response
from livinglab.participants.standing import State, standing
from livinglab.studies import services as studies
from livinglab.studies import workflow
from livinglab.studies.models import Study, StudyStatus
from livinglab.timeutil import utcnow

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
BASELINE = {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
FOLLOW_UP = {"sleep_hours": 7.5, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}}
PAGE_BASELINE = {"sleep_hours": "6.5", **{f"who_{i}": "3" for i in range(1, 6)}}


def text(response) -> str:
    return response.get_data(as_text=True)


def reload(study) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study.id)


def enrol(user, study):
    enrolment = services.enrol(
        user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=40, criteria_confirmed=True
    )
    db.session.commit()
    return enrolment


@pytest.fixture
def pilot(make_study, participant):
    """A recruiting pilot whose follow-up opens 28 days after enrolment, with our participant enrolled."""
    study = make_study("recruiting", protocol=sleep_protocol(timepoint_delays={"follow_up": 28}))
    enrol(participant, study)
    return study


def end_api(client, api_headers, study, user, reason="Every follow-up is done."):
    return client.post(f"{API}/studies/{study.id}/end", json={"reason": reason}, headers=api_headers(user))


def backdate(study, days: int):
    db.session.execute(
        update(Enrolment).where(Enrolment.study_id == study.id).values(enrolled_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


# --- Closing recruitment only closes recruitment (item 5) ------------------------------------------------


def test_enrolled_participants_finish_their_schedule_after_recruitment_closes(
    client, api_headers, login, pilot, participant, coordinator
):
    studies.set_recruitment(coordinator, pilot, "closed")
    db.session.commit()
    answered = client.post(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses",
        json={"answers": BASELINE},
        headers=api_headers(participant),
    )
    assert answered.status_code == 201
    backdate(pilot, 30)
    login(participant)
    dashboard = text(client.get("/dashboard"))
    assert "Taking part" in dashboard and "Answer now" in dashboard and "you have left" not in dashboard.lower()
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "Recruitment has closed" not in page and "You are taking part in this pilot." in page
    assert client.get(f"/pilots/{pilot.id}/surveys/follow_up").status_code == 200


def test_a_closed_recruitment_never_reopens(client, api_headers, pilot, coordinator, startup):
    studies.set_recruitment(coordinator, pilot, "closed")
    db.session.commit()
    for user in (coordinator, startup):
        response = client.post(
            f"{API}/studies/{pilot.id}/recruitment", json={"state": "recruiting"}, headers=api_headers(user)
        )
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"
    assert reload(pilot).status == StudyStatus.CLOSED


def test_closing_recruitment_asks_for_confirmation_on_a_page(client, login, pilot, coordinator):
    login(coordinator)
    asked = client.post(f"/studies/{pilot.id}/recruitment", data={"state": "closed"})
    assert asked.status_code == 200 and "cannot reopen" in text(asked) and 'name="confirmed" value="yes"' in text(asked)
    assert reload(pilot).status == StudyStatus.RECRUITING
    done = client.post(f"/studies/{pilot.id}/recruitment", data={"state": "closed", "confirmed": "yes"})
    assert done.status_code == 302 and reload(pilot).status == StudyStatus.CLOSED


# --- Ending the pilot ----------------------------------------------------------------------------------


def test_a_coordinator_ends_a_pilot_at_any_time_with_a_reason(client, api_headers, pilot, coordinator):
    response = end_api(client, api_headers, pilot, coordinator, reason="Stopped by the ethics committee.")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "ended" and response.get_json()["ended_at"]
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "study.end"))
    assert (record.from_state, record.to_state, record.comment) == (
        "recruiting",
        "ended",
        "Stopped by the ethics committee.",
    )


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": None}])
def test_ending_needs_a_reason(client, api_headers, pilot, coordinator, body):
    response = client.post(f"{API}/studies/{pilot.id}/end", json=body, headers=api_headers(coordinator))
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    assert reload(pilot).status == StudyStatus.RECRUITING


@pytest.mark.parametrize("body", [{"reason": 5}, {"reason": ["x"]}, {"reason": "x" * 3000}])
def test_a_hostile_reason_is_refused_cleanly(client, api_headers, pilot, coordinator, body):
    response = client.post(f"{API}/studies/{pilot.id}/end", json=body, headers=api_headers(coordinator))
    assert response.status_code in (400, 422)
    assert reload(pilot).status == StudyStatus.RECRUITING


def test_the_owner_ends_the_pilot_once_every_timepoint_window_has_passed(client, api_headers, pilot, startup):
    early = end_api(client, api_headers, pilot, startup)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "follow_up_running"
    backdate(pilot, 28 + 13)  # the follow-up opened 13 days ago: two weeks to answer
    assert end_api(client, api_headers, pilot, startup).status_code == 409
    backdate(pilot, 28 + 14)
    assert end_api(client, api_headers, pilot, startup).status_code == 200
    assert reload(pilot).status == StudyStatus.ENDED


def test_the_owner_ends_at_once_when_everyone_has_answered_or_left(
    client, api_headers, pilot, participant, startup, make_user
):
    other = make_user("participant")
    enrol(other, pilot)
    for person in (participant, other):
        services.submit_response(person, pilot, "baseline", BASELINE)
    db.session.commit()
    backdate(pilot, 28)
    services.submit_response(participant, pilot, "follow_up", FOLLOW_UP)
    db.session.commit()
    assert end_api(client, api_headers, pilot, startup).status_code == 409  # `other` may still answer
    services.withdraw(other, pilot, False)
    db.session.commit()
    assert end_api(client, api_headers, pilot, startup).status_code == 200


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "approved", "rejected", "ended"])
def test_only_a_running_pilot_ends(client, api_headers, make_study, coordinator, status):
    study = make_study(status)
    response = end_api(client, api_headers, study, coordinator)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_transition"
    assert reload(study).status == status


def test_who_may_end_a_pilot(client, api_headers, pilot, participant, other_startup):
    assert end_api(client, api_headers, pilot, other_startup).status_code == 404
    assert end_api(client, api_headers, pilot, participant).status_code == 403
    assert client.post(f"{API}/studies/{pilot.id}/end", json={"reason": "x"}).status_code == 401
    assert reload(pilot).status == StudyStatus.RECRUITING


def test_an_ended_pilot_takes_no_answers_and_its_results_are_final(
    client, api_headers, pilot, participant, coordinator, startup
):
    end_api(client, api_headers, pilot, coordinator)
    refused = client.post(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses",
        json={"answers": BASELINE},
        headers=api_headers(participant),
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "study_ended"
    draft = client.put(
        f"{API}/studies/{pilot.id}/surveys/baseline/draft",
        json={"answers": {"sleep_hours": 5}},
        headers=api_headers(participant),
    )
    assert draft.status_code == 409 and draft.get_json()["error"]["code"] == "study_ended"
    results = client.get(f"{API}/studies/{pilot.id}/results", headers=api_headers(startup)).get_json()
    assert (results["status"], results["interim"]) == ("ended", False)
    assert client.get(f"{API}/studies/{pilot.id}/export.csv", headers=api_headers(startup)).status_code == 200
    surveys = client.get(f"{API}/studies/{pilot.id}/surveys", headers=api_headers(participant)).get_json()["items"]
    assert {s["state"] for s in surveys} == {"closed"}
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_the_end_page_explains_asks_a_reason_and_works_without_javascript(client, login, pilot, coordinator):
    login(coordinator)
    show = text(client.get(f"/studies/{pilot.id}"))
    assert f'href="/studies/{pilot.id}/end"' in show
    page = text(client.get(f"/studies/{pilot.id}/end"))
    assert "This cannot be undone." in page and "<script" not in page.split("</main>")[0].split("<main")[-1]
    assert "Participants may still answer until" in page and 'name="reason"' in page
    missing = client.post(f"/studies/{pilot.id}/end", data={"reason": " "})
    assert missing.status_code == 422 and 'id="reason-error"' in text(missing)
    assert reload(pilot).status == StudyStatus.RECRUITING
    done = client.post(f"/studies/{pilot.id}/end", data={"reason": "The app is withdrawn from the market."})
    assert done.location == f"/studies/{pilot.id}" and reload(pilot).status == StudyStatus.ENDED
    after = text(client.get(done.location))
    assert 'class="badge badge-ended">Ended<' in after and f"/studies/{pilot.id}/end" not in after


def test_the_owner_reads_when_it_may_end_the_pilot(client, login, pilot, startup):
    login(startup)
    page = text(client.get(f"/studies/{pilot.id}/end"))
    assert "You can end it from that date" in page and 'name="reason"' not in page
    refused = client.post(f"/studies/{pilot.id}/end", data={"reason": "Done."})
    assert refused.status_code == 409 and "Participants may still answer until" in text(refused)
    assert reload(pilot).status == StudyStatus.RECRUITING


# --- What participants read in each state (items 4 and 5) ---------------------------------------------


def test_after_withdrawing_every_page_says_so(client, login, pilot, participant):
    login(participant)
    client.post(f"/pilots/{pilot.id}/withdraw", data={"erase": "keep"})
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "You are taking part" not in page and "You left this pilot" in page
    refused = client.get(f"/pilots/{pilot.id}/eligibility")
    assert refused.location == f"/pilots/{pilot.id}"
    message = text(client.get(refused.location))
    assert "already taking part" not in message and "You left this pilot" in message
    assert "You left on" in text(client.get("/dashboard"))
    assert "you have left this pilot" in text(client.get(f"/pilots/{pilot.id}/surveys/baseline"))


def test_once_the_pilot_ends_participants_read_that_it_ended_and_what_it_found(
    client, login, api_headers, pilot, participant, coordinator
):
    services.submit_response(participant, pilot, "baseline", BASELINE)
    db.session.commit()
    end_api(client, api_headers, pilot, coordinator)
    login(participant)
    dashboard = text(client.get("/dashboard"))
    assert "Pilot ended" in dashboard and "Taking part" not in dashboard and "What the pilot found" in dashboard
    assert "Answer now" not in dashboard
    assert "the pilot has ended" in text(client.get(f"/pilots/{pilot.id}/surveys/follow_up"))
    assert "This pilot has ended: nothing more is asked of you." in text(client.get(f"/pilots/{pilot.id}"))
    french = text(client.get("/dashboard", headers={"Accept-Language": "fr"}))
    assert "Pilote terminé" in french


def test_no_lay_summary_while_recruitment_is_only_closed(client, login, pilot, participant, coordinator):
    studies.set_recruitment(coordinator, pilot, "closed")
    db.session.commit()
    login(participant)
    assert "What the pilot found" not in text(client.get("/dashboard"))


@pytest.mark.parametrize(
    "status, sentence",
    [
        ("approved", "This pilot has not opened to participants yet."),
        ("paused", "Recruitment is paused for now"),
        ("closed", "Recruitment has closed: this pilot takes no new participants."),
        ("ended", "This pilot has ended."),
    ],
)
def test_the_public_page_says_why_nobody_new_can_join(client, make_study, status, sentence):
    study = make_study(status)
    page = text(client.get(f"/pilots/{study.id}"))
    assert sentence in page and "Check if I can take part" not in page


def test_the_standing_comes_from_one_place(make_study, make_user, participant, coordinator, startup):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=1))
    assert standing(None, study).state == State.MAY_JOIN
    assert standing(startup, study).state == State.STAFF
    enrol(participant, study)
    assert standing(participant, study).state == State.TAKING_PART
    assert standing(make_user("participant"), study).state == State.FULL
    studies.set_recruitment(coordinator, study, "closed")
    assert standing(participant, study).state == State.TAKING_PART
    assert standing(make_user("participant"), study).state == State.NOT_RECRUITING
    services.withdraw(participant, study, False)
    assert standing(participant, study).state == State.WITHDRAWN
    studies.end_study(coordinator, study, "Done.")
    assert standing(participant, study).state == State.WITHDRAWN


# --- Item 7: not recruiting is 409; incomplete names exactly what is missing -----------------------------


def test_submit_names_exactly_the_missing_field(client, api_headers, make_study, startup):
    study = make_study("draft", protocol=sleep_protocol(location=""))
    response = client.post(f"{API}/studies/{study.id}/submit", headers=api_headers(startup))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"location"}
    study = make_study("draft", protocol=sleep_protocol(title="Other", duration=""))
    response = client.post(f"{API}/studies/{study.id}/submit", headers=api_headers(startup))
    assert set(response.get_json()["error"]["fields"]) == {"duration"}


def test_a_new_participant_of_a_pilot_that_stopped_recruiting_gets_409(
    client, api_headers, pilot, make_user, coordinator
):
    studies.set_recruitment(coordinator, pilot, "paused")
    db.session.commit()
    response = client.post(
        f"{API}/studies/{pilot.id}/enrolment",
        headers=api_headers(make_user("participant")),
        json={"consent_version": 1, "clauses": CLAUSES, "signature": "S", "age": 30, "criteria_confirmed": True},
    )
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_recruiting"


def test_an_unknown_pilot_is_404(client, api_headers, participant):
    response = client.post(f"{API}/studies/987654/enrolment", headers=api_headers(participant), json={})
    assert response.status_code == 404


# --- Item 8: interim and results available, one definition each ----------------------------------------


@pytest.mark.parametrize("status", [s.value for s in StudyStatus])
def test_interim_and_available_agree_on_the_api_the_results_page_and_the_study_page(
    client, login, api_headers, make_study, startup, status
):
    study = make_study(status)
    available, interim = workflow.results_available(study), workflow.is_interim(study)
    assert available == (status in ("approved", "recruiting", "paused", "closed", "ended"))
    assert interim == (status != "ended")
    api = client.get(f"{API}/studies/{study.id}/results", headers=api_headers(startup))
    assert api.status_code == (200 if available else 409)
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    show = text(client.get(f"/studies/{study.id}"))
    assert (f'href="/studies/{study.id}/results"' in show) == available
    if available:
        assert api.get_json()["interim"] is interim
        assert ("Interim results" in page) == interim
        assert bool(re.search(r"Results <span class=\"small\">\(interim\)", show)) == interim
    client.post("/account/signout")


# --- Item 2: what the pages say of retention is what the code does ------------------------------------------


def test_the_pilot_page_and_privacy_notice_state_the_retention_rule(client, login, pilot, participant):
    """Retention runs (issue 12, item 11): the pages say what the scheduler's purge does, with the dates once
    the pilot has ended (tests/studies/test_retention.py checks the purge itself)."""
    for language in ("en", "fr"):
        headers = {"Accept-Language": language}
        page = text(client.get("/privacy", headers=headers))
        assert re.search(r"erases your answers, or anonymises them|efface vos réponses, ou les anonymise", page)
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "The answers are kept for 24 months after the pilot ends." in page
    assert "At the end, LivingLab's scheduler purges them: they are erased, with your signed consent." in page
    assert "does not yet delete" not in page


def test_the_only_automatic_deletions_promised_are_the_jobs_that_run():
    """A string promising an automatic deletion names a job that exists: the outbox purge (90 days) and the
    retention job."""
    from livinglab.notifications import jobs
    from livinglab.notifications.scheduler import load_jobs
    from tests.test_translations import source_messages

    kept = {
        "Sent mail and delivered webhook events are deleted after 90 days; failures stay.",
        # the record of processing's retention entry: the retention job (studies/retention.py, its own tests)
        "%(months)d months after the end of the pilot, then %(archive)d months archived (no participant-level "
        "export); then erased or anonymised as the consent says",
        "%(months)d months after the end of the pilot; then erased or anonymised as the consent says",
    }
    promises = [
        m
        for m in source_messages()
        if re.search(r"(then|automatically) (deleted|erased)|deleted at the end|are deleted after", m)
    ]
    assert [m for m in promises if m not in kept] == []
    assert "timedelta(days=90)" in inspect.getsource(jobs.purge)
    assert "retention" in load_jobs()


# --- Destructive actions ask first, on a page (item 5) ------------------------------------------------------


def test_rejecting_asks_for_confirmation_with_the_comment_carried(client, login, make_study, coordinator):
    study = make_study("submitted")
    login(coordinator)
    asked = client.post(f"/studies/{study.id}/review", data={"decision": "reject", "comment": "Too risky <b>."})
    assert asked.status_code == 200 and "Reject this protocol?" in text(asked)
    assert 'value="Too risky &lt;b&gt;."' in text(asked)
    assert reload(study).status == StudyStatus.SUBMITTED
    missing = client.post(f"/studies/{study.id}/review", data={"decision": "reject", "comment": ""})
    assert missing.status_code == 200 and 'id="comment-error"' in text(missing)
    done = client.post(
        f"/studies/{study.id}/review", data={"decision": "reject", "comment": "Too risky <b>.", "confirmed": "yes"}
    )
    assert done.status_code == 302 and reload(study).status == StudyStatus.REJECTED


def test_deleting_a_question_or_a_survey_asks_first(client, login, make_study, startup):
    study = make_study("draft")
    survey = study.surveys[1]
    items = len(survey.items)
    login(startup)
    base = f"/studies/{study.id}/surveys/{survey.id}"
    asked = client.post(f"{base}/items/0/delete")
    assert asked.status_code == 200 and "Delete this question?" in text(asked)
    db.session.expire_all()
    assert len(db.session.get(type(survey), survey.id).items) == items
    assert client.post(f"{base}/items/0/delete", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(type(survey), survey.id).items) == items - 1
    asked = client.post(f"{base}/delete")
    assert asked.status_code == 200 and "Delete this survey?" in text(asked)
    assert client.post(f"{base}/delete", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(survey), survey.id) is None
