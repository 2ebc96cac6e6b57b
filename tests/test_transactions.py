"""One unit of work per user action: commit at the end, roll back on any error, integrity errors as
conflicts; a submission's answers in one batched INSERT."""

import pytest
from sqlalchemy import create_engine, func, select, update

from livinglab.auth.models import User
from livinglab.errors import Conflict, Invalid
from livinglab.extensions import db
from livinglab.participants.models import Answer, Enrolment, Response
from livinglab.surveys.models import Survey
from livinglab.transactions import unit_of_work

ITEMS = [{"key": f"q{n}", "text": f"Question {n}", "type": "likert", "min": 1, "max": 7} for n in range(1, 41)]


def enrolment_body(study):
    return {
        "consent_version": study.current_consent.version,
        "clauses": {"understood": True, "data_use": True, "recontact": False},
        "signature": "Camille Citoyenne",
        "age": 34,
        "criteria_confirmed": True,
    }


def test_a_40_item_submission_inserts_its_answers_in_one_statement(
    client, api_headers, make_study, participant, count_queries
):
    study = make_study("recruiting")
    baseline = db.session.scalar(select(Survey).where(Survey.study_id == study.id, Survey.key == "baseline"))
    baseline.items = ITEMS
    db.session.commit()
    headers = api_headers(participant)
    enrolled = client.post(f"/api/v1/studies/{study.id}/enrolment", json=enrolment_body(study), headers=headers)
    assert enrolled.status_code == 201, enrolled.json
    answers = {item["key"]: n % 7 + 1 for n, item in enumerate(ITEMS)}
    with count_queries() as statements:
        response = client.post(
            f"/api/v1/studies/{study.id}/surveys/baseline/responses", json={"answers": answers}, headers=headers
        )
    assert response.status_code == 201, response.json
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO ANSWER")]
    assert len(inserts) == 1, inserts
    assert len(statements) <= 20, statements  # 55 when each answer had its own INSERT
    stored = dict(
        db.session.execute(
            select(Answer.item_key, Answer.number).where(Answer.response_id == response.json["id"])
        ).all()
    )
    assert stored == {key: float(value) for key, value in answers.items()}


def test_a_unit_of_work_commits_at_its_end(make_user):
    user = make_user("participant")
    with unit_of_work():
        user.name = "Renamed"
    db.session.expire_all()
    assert user.name == "Renamed"


def test_a_unit_of_work_rolls_back_on_any_error(make_user):
    user = make_user("participant")
    with pytest.raises(Invalid):
        with unit_of_work():
            user.name = "Half saved"
            db.session.flush()
            raise Invalid("no")
    db.session.expire_all()
    assert user.name != "Half saved"


def test_a_lost_unique_constraint_is_a_conflict_and_nothing_is_kept(client, api_headers, make_study, participant):
    study = make_study("recruiting")
    headers = api_headers(participant)
    assert (
        client.post(f"/api/v1/studies/{study.id}/enrolment", json=enrolment_body(study), headers=headers).status_code
        == 201
    )
    enrolment = db.session.scalar(select(Enrolment))
    survey = db.session.scalar(select(Survey).where(Survey.study_id == study.id, Survey.key == "baseline"))
    with unit_of_work():
        db.session.add(Response(enrolment_id=enrolment.id, survey_id=survey.id))
    with pytest.raises(Conflict):
        with unit_of_work(code="already_answered"):
            db.session.add(Response(enrolment_id=enrolment.id, survey_id=survey.id))
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_request_reads_without_holding_the_write_lock_and_writes_after_another_writer(app, make_user):
    """SQLite: a POST's reads no longer begin with BEGIN IMMEDIATE, so another writer goes ahead
    meanwhile (it would wait for the lock, then fail); the request's first write then takes the lock
    on the latest data instead of failing on its stale snapshot."""
    first, second = make_user("participant"), make_user("participant")
    sqlite = db.engine.dialect.name == "sqlite"
    other = create_engine(db.engine.url, connect_args={"timeout": 1} if sqlite else {})
    try:
        with app.test_request_context(method="POST"):
            assert db.session.get(User, first.id).name  # a read: the request's transaction has begun
            with other.begin() as connection:  # another request writes and commits meanwhile
                connection.execute(update(User).where(User.id == second.id).values(name="Written meanwhile"))
            with unit_of_work():
                db.session.get(User, first.id).name = "Written after"
    finally:
        other.dispose()
    db.session.expire_all()
    assert (db.session.get(User, first.id).name, db.session.get(User, second.id).name) == (
        "Written after",
        "Written meanwhile",
    )
