"""The consent mode follows the research category (studies/regulatory.py): written consent (RIPH 1), express
consent (RIPH 2), information with a right to object (RIPH 3, research not involving the person, outside the
Jardé law unless the processing rests on consent). Each mode has its page, enrols through pages and API alike,
and the enrolment records which mode applied and when."""

import pytest
from sqlalchemy import func, select

from livinglab.extensions import db
from livinglab.participants.models import ConsentSignature, Enrolment, EnrolmentStatus
from livinglab.participants.services import screening_counts
from livinglab.studies import regulatory
from livinglab.studies.models import ConsentVersion
from tests.conftest import protocol_of_category

CLAUSES = {"clause_0": "y", "clause_1": "y"}  # the sleep consent: understood, data_use required; recontact optional


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def pilot(make_study, category, **overrides):
    return make_study("recruiting", protocol=protocol_of_category(category, **overrides))


def checked(client, study):
    response = client.post(
        f"/pilots/{study.id}/eligibility", data={"age": "34", "criterion_0": "yes", "criterion_1": "yes"}
    )
    assert response.location == f"/pilots/{study.id}/join"


@pytest.mark.parametrize(
    "category, legal_basis, health, mode",
    [
        ("riph1", "legitimate_interests", "scientific_research", "written"),
        ("riph2", "legitimate_interests", "scientific_research", "express"),
        ("riph3", "legitimate_interests", "scientific_research", "information"),
        ("riph3", "consent", "explicit_consent", "information"),  # the Jardé law decides for RIPH
        ("not_riph", "public_task", "scientific_research", "information"),
        ("not_riph", "consent", "scientific_research", "express"),
        ("outside_jarde", "legitimate_interests", "no_health_data", "information"),
        ("outside_jarde", "consent", "no_health_data", "express"),
        ("outside_jarde", "legitimate_interests", "explicit_consent", "express"),
        (None, None, None, "written"),  # no category yet: the strictest
    ],
)
def test_each_category_gives_its_consent_mode(category, legal_basis, health, mode):
    assert regulatory.consent_mode(category, legal_basis, health) == mode


@pytest.mark.parametrize(
    "category, mode", [("riph1", "written"), ("riph2", "express"), ("outside_jarde", "information")]
)
def test_the_study_object_and_the_protocol_page_state_the_mode(
    client, api_headers, login, coordinator, make_study, category, mode
):
    study = pilot(make_study, category)
    assert (
        client.get(f"/api/v1/studies/{study.id}", headers=api_headers(coordinator)).get_json()["consent_mode"] == mode
    )
    login(coordinator)
    for page in (f"/studies/{study.id}", f"/studies/{study.id}/consent/preview"):
        assert f'data-mode="{mode}"' in text(client.get(page))


def test_the_reviewer_sees_the_mode(client, login, coordinator, make_study):
    study = make_study("submitted", protocol=protocol_of_category("riph2"))
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/review"))
    assert 'data-mode="express"' in page and "Express consent (explicit, recorded agreement)" in page


def test_written_consent_is_signed(client, login, participant, make_study):
    study = pilot(make_study, "riph1")
    login(participant)
    checked(client, study)
    page = text(client.get(f"/pilots/{study.id}/join"))
    assert "<h1>Consent form</h1>" in page and 'name="signature"' in page and 'name="confirm"' not in page
    assert client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES}).status_code == 422
    done = client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES, "signature": "Camille"})
    assert done.location == f"/pilots/{study.id}/welcome"
    signed = db.session.scalar(select(ConsentSignature))
    assert (signed.mode, signed.signed_name) == ("written", "Camille") and signed.signed_at is not None


def test_express_consent_ticks_the_clauses_and_confirms(client, login, participant, make_study):
    study = pilot(make_study, "riph2")
    login(participant)
    checked(client, study)
    page = text(client.get(f"/pilots/{study.id}/join"))
    assert "<h1>Express consent</h1>" in page and 'name="signature"' not in page
    assert "I agree to take part in this pilot, as described above" in page
    unconfirmed = client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES})
    assert unconfirmed.status_code == 422 and 'id="confirm-error"' in text(unconfirmed) and rows(Enrolment) == 0
    refused = client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", "clause_0": "y", "confirm": "y"})
    assert refused.status_code == 422 and 'id="clause_1-error"' in text(refused) and rows(Enrolment) == 0
    assert screening_counts(study)["declined_consent"] == 1
    done = client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES, "confirm": "y"})
    assert done.location == f"/pilots/{study.id}/welcome"
    signed = db.session.scalar(select(ConsentSignature))
    assert (signed.mode, signed.signed_name) == ("express", "")
    assert signed.clauses == {"understood": True, "data_use": True, "recontact": False}
    copy = text(client.get(f"/pilots/{study.id}/consent"))
    assert "How you agreed" in copy and "Express consent" in copy and "Signed by" not in copy


def test_information_is_read_with_a_visible_right_to_object(client, login, participant, make_study):
    study = pilot(make_study, "outside_jarde")
    login(participant)
    checked(client, study)
    page = text(client.get(f"/pilots/{study.id}/join"))
    assert "<h1>Information notice</h1>" in page and "Your right to object" in page
    assert f'href="/pilots/{study.id}">I object: I do not take part</a>' in page
    assert "I have read the information notice" in page and 'name="signature"' not in page
    unread = client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES})
    assert unread.status_code == 422 and "confirm that you have read the information notice" in text(unread)
    done = client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES, "confirm": "y"})
    assert done.location == f"/pilots/{study.id}/welcome"
    assert db.session.scalar(select(ConsentSignature.mode)) == "information"
    copy = text(client.get(f"/pilots/{study.id}/consent"))
    assert f'href="/pilots/{study.id}/withdraw">I object: leave the pilot</a>' in copy


def test_objecting_after_a_changed_notice_is_withdrawing_with_the_keep_or_erase_choice(
    client, login, participant, startup, make_study
):
    study = pilot(make_study, "riph3")
    login(participant)
    checked(client, study)
    client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES, "confirm": "y"})
    db.session.add(
        ConsentVersion(study_id=study.id, version=2, text="Notice two.", clauses=[], created_by_id=startup.id)
    )
    db.session.commit()
    page = text(client.get(f"/pilots/{study.id}/reconsent"))
    assert "Notice two." in page and "I object: leave the pilot" in page
    assert f'href="/pilots/{study.id}/withdraw"' in page
    choice = text(client.get(f"/pilots/{study.id}/withdraw"))
    assert 'value="keep"' in choice and 'value="erase"' in choice
    left = client.post(f"/pilots/{study.id}/withdraw", data={"erase": "erase"})
    assert left.location == "/dashboard"
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == EnrolmentStatus.WITHDRAWN and enrolment.data_erased


def test_a_confirmed_notice_read_again_is_recorded_in_its_mode(client, login, participant, startup, make_study):
    study = pilot(make_study, "riph3")
    login(participant)
    checked(client, study)
    client.post(f"/pilots/{study.id}/join", data={"consent_version": "1", **CLAUSES, "confirm": "y"})
    db.session.add(
        ConsentVersion(study_id=study.id, version=2, text="Notice two.", clauses=[], created_by_id=startup.id)
    )
    db.session.commit()
    assert client.post(f"/pilots/{study.id}/reconsent", data={"consent_version": "2"}).status_code == 422
    assert client.post(f"/pilots/{study.id}/reconsent", data={"consent_version": "2", "confirm": "y"}).location == (
        "/dashboard"
    )
    assert [s.mode for s in db.session.scalars(select(ConsentSignature).order_by(ConsentSignature.id))] == [
        "information",
        "information",
    ]


# --- The API -----------------------------------------------------------------------------------------


def body(study, **overrides):
    data = {
        "consent_version": study.current_consent.version,
        "clauses": {"understood": True, "data_use": True},
        "age": 34,
        "criteria_confirmed": True,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "category, mode", [("riph2", "express"), ("riph3", "information"), ("not_riph", "information")]
)
def test_the_api_enrols_with_a_confirmation_in_the_modes_without_a_signature(
    client, api_headers, participant, make_study, category, mode
):
    study = pilot(make_study, category)
    url, headers = f"/api/v1/studies/{study.id}/enrolment", api_headers(participant)
    missing = client.post(url, json=body(study), headers=headers)
    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {"confirmed"}
    done = client.post(url, json=body(study, confirmed=True), headers=headers)
    assert done.status_code == 201 and done.get_json()["consent_mode"] == mode
    assert db.session.scalar(select(ConsentSignature.mode)) == mode


def test_a_written_signature_stays_valid_in_every_mode(client, api_headers, participant, make_study):
    study = pilot(make_study, "riph2")
    done = client.post(
        f"/api/v1/studies/{study.id}/enrolment", json=body(study, signature="Camille"), headers=api_headers(participant)
    )
    assert done.status_code == 201 and done.get_json()["consent_mode"] == "express"
    signed = db.session.scalar(select(ConsentSignature))
    assert (signed.mode, signed.signed_name) == ("express", "Camille")


def test_written_consent_over_the_api_still_needs_the_signature(client, api_headers, participant, make_study):
    study = pilot(make_study, "riph1")
    refused = client.post(
        f"/api/v1/studies/{study.id}/enrolment", json=body(study, confirmed=True), headers=api_headers(participant)
    )
    assert refused.status_code == 422 and "signature" in refused.get_json()["error"]["fields"] and rows(Enrolment) == 0


def test_refusing_a_required_clause_in_express_consent_is_refused_and_counted(
    client, api_headers, participant, make_study
):
    study = pilot(make_study, "riph2")
    refused = client.post(
        f"/api/v1/studies/{study.id}/enrolment",
        json=body(study, clauses={"understood": True, "data_use": False}, confirmed=True),
        headers=api_headers(participant),
    )
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "consent_refused"
    assert rows(Enrolment) == 0 and screening_counts(study)["declined_consent"] == 1


@pytest.mark.parametrize(
    "hostile, status",
    [
        ({"confirmed": "yes"}, 400),
        ({"confirmed": {"a": [[[[{"b": 1}]]]]}}, 400),
        ({"confirmed": [True] * 5000}, 400),
        ({"confirmed": True, "signature": "Camille\r\nBcc: x@example.org"}, 422),
        ({"confirmed": True, "consent_version": 2}, 422),
    ],
)
def test_hostile_consent_bodies_are_refused_and_change_nothing(
    client, api_headers, participant, make_study, hostile, status
):
    study = pilot(make_study, "riph2")
    response = client.post(
        f"/api/v1/studies/{study.id}/enrolment", json=body(study, **hostile), headers=api_headers(participant)
    )
    assert response.status_code == status and "error" in response.get_json()
    assert rows(Enrolment) == 0 and rows(ConsentSignature) == 0


def test_the_api_re_consent_takes_the_confirmation(client, api_headers, participant, startup, make_study):
    study = pilot(make_study, "riph3")
    headers = api_headers(participant)
    assert (
        client.post(
            f"/api/v1/studies/{study.id}/enrolment", json=body(study, confirmed=True), headers=headers
        ).status_code
        == 201
    )
    db.session.add(ConsentVersion(study_id=study.id, version=2, text="Two.", clauses=[], created_by_id=startup.id))
    db.session.commit()
    url = f"/api/v1/studies/{study.id}/consent-signatures"
    assert client.post(url, json={"consent_version": 2, "clauses": {}}, headers=headers).status_code == 422
    signed = client.post(url, json={"consent_version": 2, "clauses": {}, "confirmed": True}, headers=headers)
    assert signed.status_code == 201 and signed.get_json() == {"consent_version": 2}


def test_the_privacy_notice_claims_no_legal_basis_or_controller_that_a_pilot_may_not_have(client):
    """The notice said the basis was consent (or public-interest research) and the controller the platform's
    operator, while each pilot declares its own basis (legitimate interests, a contract...) and controller."""
    page = text(client.get("/privacy"))
    assert "Each pilot's protocol states the legal basis of its processing" in page.replace("&#39;", "'")
    assert "the data controller is the one its information sheet names" in page
    assert "The data controller is the LivingLab operator" not in page
