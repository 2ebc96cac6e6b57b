"""Issue 9, item 15: a study's `updated_at` means its protocol, not participants' activity.

Screening, enrolment, answers and withdrawals leave it alone; protocol, consent and survey edits and
lifecycle moves stamp it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from livinglab.extensions import db
from livinglab.studies.models import Study
from livinglab.timeutil import aware

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
FOLLOW_UP = {"sleep_hours": 7.5, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}}


def set_long_ago(study_id: int) -> None:
    db.session.execute(update(Study).where(Study.id == study_id).values(updated_at=LONG_AGO))
    db.session.commit()


def stored(study_id: int) -> datetime:
    db.session.expire_all()
    return aware(db.session.scalar(select(Study.updated_at).where(Study.id == study_id)))


def enrolment(study, **overrides) -> dict:
    body = {
        "consent_version": study.current_consent.version,
        "clauses": {"understood": True, "data_use": True, "recontact": False},
        "signature": "Camille Citoyenne",
        "age": 34,
        "criteria_confirmed": True,
    }
    return body | overrides


def test_participants_activity_leaves_updated_at_alone(client, make_study, make_user, api_headers):
    study = make_study("recruiting")
    set_long_ago(study.id)
    citizen, too_young = make_user("participant"), make_user("participant")
    headers = api_headers(citizen)
    # screened and refused, screened and enrolled, then answers and a withdrawal
    assert (
        client.post(
            f"/api/v1/studies/{study.id}/enrolment", json=enrolment(study, age=12), headers=api_headers(too_young)
        ).status_code
        == 422
    )
    assert (
        client.post(f"/api/v1/studies/{study.id}/enrolment", json=enrolment(study), headers=headers).status_code == 201
    )
    answers = {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
    assert (
        client.post(
            f"/api/v1/studies/{study.id}/surveys/baseline/responses", json={"answers": answers}, headers=headers
        ).status_code
        == 201
    )
    assert (
        client.post(f"/api/v1/studies/{study.id}/withdrawal", json={"erase_data": False}, headers=headers).status_code
        == 200
    )
    assert db.session.get(Study, study.id).data_version > 0
    assert stored(study.id) == LONG_AGO
    listed = client.get(f"/api/v1/studies/{study.id}", headers=api_headers(study.owner)).json
    assert listed["updated_at"].startswith("2020-01-01")


@pytest.mark.parametrize("move", ["pause", "close"])
def test_a_lifecycle_move_stamps_updated_at(client, make_study, coordinator, api_headers, move):
    study = make_study("recruiting")
    set_long_ago(study.id)
    state = {"pause": "paused", "close": "closed"}[move]
    assert (
        client.post(
            f"/api/v1/studies/{study.id}/recruitment", json={"state": state}, headers=api_headers(coordinator)
        ).status_code
        == 200
    )
    assert stored(study.id) > LONG_AGO


def test_protocol_consent_and_survey_edits_stamp_updated_at(client, make_study, startup, api_headers):
    study = make_study("draft")
    headers = api_headers(startup)
    edits = [
        ("patch", f"/api/v1/studies/{study.id}", {"summary": "A clearer summary."}),
        (
            "put",
            f"/api/v1/studies/{study.id}/consent",
            {"text": "New text.", "clauses": [{"key": "understood", "text": "I understood.", "required": True}]},
        ),
        (
            "post",
            f"/api/v1/studies/{study.id}/surveys",
            {
                "key": "extra",
                "title": "Extra",
                "timepoint": "baseline",
                "items": [{"key": "mood", "text": "Mood?", "type": "likert"}],
            },
        ),
    ]
    for method, url, body in edits:
        set_long_ago(study.id)
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code in (200, 201), response.json
        assert stored(study.id) > LONG_AGO, url


def test_an_edit_that_changes_nothing_leaves_updated_at_alone(client, make_study, startup, api_headers):
    study = make_study("draft")
    set_long_ago(study.id)
    response = client.patch(f"/api/v1/studies/{study.id}", json={"title": study.title}, headers=api_headers(startup))
    assert response.status_code == 200
    assert stored(study.id) == LONG_AGO
