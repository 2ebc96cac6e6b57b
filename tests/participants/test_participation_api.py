"""The participant's journey over the API: enrolment, answers, withdrawal, GDPR rights."""

import json

import pytest
from sqlalchemy import func, select

from livinglab.audit import AuditRecord
from livinglab.auth.models import User
from livinglab.extensions import db
from livinglab.participants.models import Answer, ConsentSignature, Enrolment, Response
from livinglab.participants.services import screening_counts
from livinglab.studies import services as studies

SLEEP_BASELINE = {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
SLEEP_FOLLOW_UP = {
    "sleep_hours": 7.5,
    **{f"who_{i}": 4 for i in range(1, 6)},
    **{f"sus_{i}": 4 for i in range(1, 11)},
    "comments": "<script>alert(1)</script>",
}


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def enrolment_body(study, **overrides):
    body = {
        "consent_version": study.current_consent.version,
        "clauses": {"understood": True, "data_use": True, "recontact": False},
        "signature": "Camille Citoyenne",
        "age": 34,
        "criteria_confirmed": True,
    }
    body.update(overrides)
    return body


@pytest.fixture
def recruiting(make_study):
    return make_study("recruiting")


@pytest.fixture
def enrol(client, api_headers):
    def do(study, user, **overrides):
        return client.post(
            f"/api/v1/studies/{study.id}/enrolment", json=enrolment_body(study, **overrides), headers=api_headers(user)
        )

    return do


def test_a_participant_enrols_with_a_pseudonymous_code(enrol, recruiting, participant):
    response = enrol(recruiting, participant)
    assert response.status_code == 201
    code = response.json["participant_code"]
    assert code.startswith("P-") and len(code) == 10 and participant.email not in code
    assert response.json["arm"] == "intervention"
    enrolment = db.session.scalar(select(Enrolment))
    signature = enrolment.signature
    assert signature.signed_name == "Camille Citoyenne" and signature.signed_at is not None
    assert signature.clauses == {"understood": True, "data_use": True, "recontact": False}
    assert signature.consent_version.version == 1
    assert screening_counts(recruiting) == {"screened": 1, "eligible": 1}


def test_codes_are_random_not_sequential(enrol, recruiting, make_user):
    codes = {enrol(recruiting, make_user("participant")).json["participant_code"] for _ in range(5)}
    assert len(codes) == 5


@pytest.mark.parametrize(
    "overrides, status, code",
    [
        ({"age": 12}, 422, "not_eligible"),
        ({"age": 70}, 422, "not_eligible"),
        ({"criteria_confirmed": [True, False]}, 422, "not_eligible"),
        ({"age": "thirty"}, 400, "malformed"),
        ({"age": 10**12}, 422, "invalid"),
        ({"criteria_confirmed": [True]}, 400, "malformed"),
        ({"clauses": {"understood": True, "data_use": False}}, 422, "consent_refused"),
        ({"clauses": {"understood": True}}, 422, "consent_refused"),
        ({"clauses": {"understood": True, "data_use": True, "sell_data": True}}, 422, "invalid"),
        ({"clauses": ["understood"]}, 400, "malformed"),
        ({"consent_version": 99}, 422, "stale_consent"),
        ({"consent_version": "1"}, 400, "malformed"),
        ({"signature": ""}, 422, "invalid"),
        ({"signature": "x" * 10_000}, 422, "invalid"),
    ],
)
def test_bad_enrolments_are_refused_and_enrol_nobody(enrol, recruiting, participant, overrides, status, code):
    response = enrol(recruiting, participant, **overrides)
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert rows(Enrolment) == 0 and rows(ConsentSignature) == 0
    db.session.refresh(recruiting)
    assert recruiting.enrolled_count == 0


def test_ineligible_people_are_counted_by_reason_and_nothing_else_is_kept(enrol, recruiting, make_user):
    enrol(recruiting, make_user("participant"), age=15)
    enrol(recruiting, make_user("participant"), criteria_confirmed=[False, True])
    enrol(recruiting, make_user("participant"), age=80, criteria_confirmed=[True, False])
    assert screening_counts(recruiting) == {"screened": 3, "age": 2, "criterion:0": 1, "criterion:1": 1}
    assert rows(Enrolment) == 0


def test_a_stale_consent_version_is_refused(enrol, make_study, startup, participant, coordinator):
    study = make_study("draft")
    studies.save_consent(startup, study, "Version two", [{"key": "ok", "text": "I agree", "required": True}])
    for _move in ("submit",):
        studies.submit(startup, study)
    studies.decide(coordinator, study, "approve", "")
    studies.set_recruitment(coordinator, study, "recruiting")
    db.session.commit()
    response = enrol(study, participant, consent_version=1, clauses={"ok": True})
    assert response.status_code == 422 and response.json["error"]["code"] == "stale_consent"


@pytest.mark.parametrize(
    "status, code",
    [
        ("draft", 404),
        ("submitted", 404),
        ("changes_requested", 404),
        ("rejected", 404),
        ("approved", 409),
        ("paused", 409),
        ("closed", 409),
        ("ended", 409),
    ],
)
def test_only_recruiting_studies_enrol(enrol, make_study, participant, status, code):
    """API.md, Clarifications: a study approved at least once answers 409 `not_recruiting`; drafts 404."""
    study = make_study(status)
    response = enrol(study, participant)
    assert response.status_code == code
    assert response.json["error"]["code"] == ("not_recruiting" if code == 409 else "not_found")
    assert rows(Enrolment) == 0 and screening_counts(study) == {}


def test_enrolling_twice_is_a_conflict(enrol, recruiting, participant):
    assert enrol(recruiting, participant).status_code == 201
    second = enrol(recruiting, participant)
    assert second.status_code == 409 and second.json["error"]["code"] == "already_enrolled"
    assert rows(Enrolment) == 1


def test_a_full_study_refuses_more(enrol, make_study, startup, make_user):
    from livinglab.demo import sleep_protocol

    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=2))
    assert [enrol(study, make_user("participant")).status_code for _ in range(3)] == [201, 201, 409]
    assert enrol(study, make_user("participant")).json["error"]["code"] == "full"
    db.session.refresh(study)
    assert study.enrolled_count == 2 and rows(Enrolment) == 2


@pytest.mark.parametrize("role", ["startup", "coordinator"])
def test_only_participants_enrol(enrol, recruiting, make_user, role):
    assert enrol(recruiting, make_user(role)).status_code == 403


def test_anonymous_cannot_enrol(client, recruiting):
    assert client.post(f"/api/v1/studies/{recruiting.id}/enrolment", json={}).status_code == 401


def test_the_cap_is_a_database_constraint(recruiting):
    from sqlalchemy.exc import IntegrityError

    recruiting.enrolled_count = recruiting.target_enrolment + 1
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def enrolled(enrol, recruiting, participant):
    enrol(recruiting, participant)
    return recruiting


@pytest.fixture
def answer(client, api_headers, participant):
    def do(study, key, answers, user=None):
        return client.post(
            f"/api/v1/studies/{study.id}/surveys/{key}/responses",
            json={"answers": answers},
            headers=api_headers(user or participant),
        )

    return do


def test_answers_are_saved_once_in_long_form(answer, enrolled):
    assert answer(enrolled, "baseline", SLEEP_BASELINE).status_code == 201
    stored = dict(db.session.execute(select(Answer.item_key, Answer.number)).all())
    assert stored["sleep_hours"] == 6.5 and stored["who_3"] == 3
    again = answer(enrolled, "baseline", SLEEP_BASELINE)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_answered"
    assert rows(Response) == 1


def test_a_later_timepoint_opens_once_the_earlier_is_answered(answer, enrolled):
    early = answer(enrolled, "follow_up", SLEEP_FOLLOW_UP)
    assert early.status_code == 409 and early.json["error"]["code"] == "not_open"
    answer(enrolled, "baseline", SLEEP_BASELINE)
    assert answer(enrolled, "follow_up", SLEEP_FOLLOW_UP).status_code == 201
    text = db.session.scalar(select(Answer.text).where(Answer.item_key == "comments"))
    assert text == "<script>alert(1)</script>"  # stored verbatim, escaped when shown


def test_a_timepoint_delay_keeps_the_survey_closed_until_its_day(answer, enrolled, startup):
    enrolled.timepoint_delays = {"follow_up": 28}
    db.session.commit()
    answer(enrolled, "baseline", SLEEP_BASELINE)
    response = answer(enrolled, "follow_up", SLEEP_FOLLOW_UP)
    assert response.status_code == 409 and response.json["error"]["code"] == "not_open"


@pytest.mark.parametrize(
    "answers, field",
    [
        ({**SLEEP_BASELINE, "sleep_hours": 25}, "sleep_hours"),
        ({**SLEEP_BASELINE, "sleep_hours": "lots"}, "sleep_hours"),
        ({**SLEEP_BASELINE, "sleep_hours": True}, "sleep_hours"),
        ({**SLEEP_BASELINE, "who_1": 6}, "who_1"),
        ({**SLEEP_BASELINE, "who_1": 2.5}, "who_1"),
        ({k: v for k, v in SLEEP_BASELINE.items() if k != "who_2"}, "who_2"),
        ({k: v for k, v in SLEEP_BASELINE.items() if k != "sleep_hours"}, "sleep_hours"),
        ({**SLEEP_BASELINE, "favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_bad_answers_are_refused_per_item_and_nothing_is_saved(answer, enrolled, answers, field):
    response = answer(enrolled, "baseline", answers)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert rows(Response) == 0 and rows(Answer) == 0


def test_text_over_the_limit_is_refused(answer, enrolled):
    answer(enrolled, "baseline", SLEEP_BASELINE)
    response = answer(enrolled, "follow_up", {**SLEEP_FOLLOW_UP, "comments": "x" * 100_000})
    assert response.status_code == 422 and "comments" in response.json["error"]["fields"]


def test_answers_that_are_not_an_object_are_malformed(answer, enrolled):
    assert answer(enrolled, "baseline", ["sleep_hours"]).status_code == 422
    assert rows(Response) == 0


def test_answering_a_study_one_is_not_in_is_refused(answer, enrolled, make_user):
    response = answer(enrolled, "baseline", SLEEP_BASELINE, user=make_user("participant"))
    assert response.status_code == 403 and rows(Response) == 0


def test_an_unknown_survey_is_not_found(answer, enrolled):
    assert answer(enrolled, "nope", SLEEP_BASELINE).status_code == 404


def test_withdrawal_keeping_answers(client, api_headers, answer, enrolled, participant):
    answer(enrolled, "baseline", SLEEP_BASELINE)
    response = client.post(
        f"/api/v1/studies/{enrolled.id}/withdrawal", json={"erase_data": False}, headers=api_headers(participant)
    )
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert rows(Response) == 1
    after = answer(enrolled, "follow_up", SLEEP_FOLLOW_UP)
    assert after.status_code == 409 and after.json["error"]["code"] == "withdrawn"


def test_withdrawal_with_erasure_deletes_the_rows(client, api_headers, answer, enrolled, participant):
    answer(enrolled, "baseline", SLEEP_BASELINE)
    client.post(
        f"/api/v1/studies/{enrolled.id}/withdrawal", json={"erase_data": True}, headers=api_headers(participant)
    )
    assert rows(Response) == 0 and rows(Answer) == 0
    assert db.session.scalar(select(Enrolment.data_erased)) is True


@pytest.mark.parametrize("body, status", [({"erase_data": "yes"}, 400), ({}, 400)])
def test_withdrawal_needs_a_clear_choice(client, api_headers, enrolled, participant, body, status):
    response = client.post(f"/api/v1/studies/{enrolled.id}/withdrawal", json=body, headers=api_headers(participant))
    assert response.status_code == status
    assert db.session.scalar(select(Enrolment.status)) == "active"


def test_withdrawing_twice_is_a_conflict(client, api_headers, enrolled, participant):
    url = f"/api/v1/studies/{enrolled.id}/withdrawal"
    client.post(url, json={"erase_data": False}, headers=api_headers(participant))
    assert client.post(url, json={"erase_data": False}, headers=api_headers(participant)).status_code == 409


def test_an_enrolled_participant_reads_the_study_and_sees_it_listed(client, api_headers, enrolled, participant):
    assert client.get(f"/api/v1/studies/{enrolled.id}", headers=api_headers(participant)).status_code == 200
    items = client.get("/api/v1/studies", headers=api_headers(participant)).json["items"]
    assert [item["id"] for item in items] == [enrolled.id]


def test_export_holds_every_personal_datum(client, api_headers, answer, enrolled, participant):
    answer(enrolled, "baseline", SLEEP_BASELINE)
    data = client.get("/api/v1/me/export", headers=api_headers(participant)).json
    assert data["account"]["email"] == participant.email
    [enrolment] = data["enrolments"]
    assert enrolment["consents"][0]["signed_name"] == "Camille Citoyenne"
    assert enrolment["responses"][0]["answers"]["sleep_hours"] == 6.5
    assert enrolment["responses"][0]["answers"]["who_1"] == 3


def test_erasing_the_account_erases_answers_and_identity(client, api_headers, answer, enrolled, participant):
    answer(enrolled, "baseline", SLEEP_BASELINE)
    headers = api_headers(participant)
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    assert db.session.scalar(select(User).where(User.email == participant.email)) is None
    assert rows(Response) == 0 and rows(ConsentSignature) == 0
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.user_id is None and enrolment.status == "withdrawn"
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_erasure_keeps_answers_anonymously_when_the_consent_said_so(client, api_headers, answer, enrolled, participant):
    enrolled.current_consent.on_erasure = "anonymise"
    db.session.commit()
    answer(enrolled, "baseline", SLEEP_BASELINE)
    client.delete("/api/v1/me", headers=api_headers(participant))
    assert rows(Response) == 1 and rows(ConsentSignature) == 0
    assert db.session.scalar(select(Enrolment.user_id)) is None


@pytest.mark.parametrize("role", ["startup", "coordinator"])
def test_only_participants_erase_their_account_through_the_api(client, api_headers, make_user, role):
    user = make_user(role)
    assert client.delete("/api/v1/me", headers=api_headers(user)).status_code == 403
    assert db.session.get(User, user.id) is not None


def test_every_step_is_audited(client, api_headers, answer, enrolled, participant):
    answer(enrolled, "baseline", SLEEP_BASELINE)
    client.post(
        f"/api/v1/studies/{enrolled.id}/withdrawal", json={"erase_data": False}, headers=api_headers(participant)
    )
    code = db.session.scalar(select(Enrolment.participant_code).where(Enrolment.user_id == participant.id))
    actions = list(db.session.scalars(select(AuditRecord.action).where(AuditRecord.participant_key == code)))
    assert {"participant.enrol", "participant.answer", "participant.withdraw"} <= set(actions)
    # by their participant code, never by their account (item 10 of issue 8: the trail does not re-identify)
    assert db.session.scalar(select(func.count()).where(AuditRecord.actor_id == participant.id)) == 0
    details = json.dumps([r.details for r in db.session.scalars(select(AuditRecord))])
    assert "6.5" not in details  # answers never go into the trail


def test_an_ended_pilot_takes_no_more_answers(answer, enrolled, coordinator):
    from livinglab.studies import services as studies

    answer(enrolled, "baseline", SLEEP_BASELINE)
    studies.set_recruitment(coordinator, enrolled, "closed")
    studies.end_study(coordinator, enrolled, "Stopped early by the ethics committee.")
    db.session.commit()
    response = answer(enrolled, "follow_up", SLEEP_FOLLOW_UP)
    assert response.status_code == 409 and response.json["error"]["code"] == "study_ended"
    assert rows(Response) == 1
