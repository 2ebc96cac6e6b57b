"""Corrections of submitted answers (issue 11, item 13): the participant until the survey's window closes, a
coordinator with a reason; each change keeps the previous value, is audited and moves the data version on;
the exports and the analysis read the latest values."""

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from livinglab.audit import AuditRecord
from livinglab.errors import Conflict
from livinglab.extensions import db
from livinglab.participants import corrections, services
from livinglab.participants.models import Answer, AnswerRevision, CorrectionRole, Enrolment, Response
from livinglab.studies.models import Study, StudyStatus
from livinglab.timeutil import utcnow

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
BASELINE = {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored(enrolment_id: int, survey_key: str = "baseline") -> dict:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Answer.item_key, Answer.number)
            .join(Response, Answer.response_id == Response.id)
            .join(Enrolment, Response.enrolment_id == Enrolment.id)
            .where(Enrolment.id == enrolment_id)
        ).all()
    )


def data_version(study) -> int:
    return db.session.scalar(select(Study.data_version).where(Study.id == study.id))


def enrol_and_answer(user, study, answers=BASELINE):
    enrolment = services.enrol(
        user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=40, criteria_confirmed=True
    )
    services.submit_response(user, study, "baseline", dict(answers))
    db.session.commit()
    return enrolment


@pytest.fixture
def pilot(make_study, participant):
    study = make_study("recruiting")
    enrolment = enrol_and_answer(participant, study)
    return SimpleNamespace(study=study, id=study.id, enrolment=enrolment, code=enrolment.participant_code)


@pytest.fixture
def put_mine(client, api_headers, participant):
    headers = api_headers(participant)

    def put(pilot, answers, revision=0, survey="baseline", **kwargs):
        body = kwargs.pop("json", {"answers": answers, "revision": revision})
        return client.put(
            f"{API}/studies/{pilot.id}/surveys/{survey}/responses/mine", json=body, headers=headers, **kwargs
        )

    return put


@pytest.fixture
def patch_theirs(client, api_headers):
    def patch(pilot, user, body, code=None):
        return client.patch(
            f"{API}/studies/{pilot.id}/participants/{code or pilot.code}/responses/baseline",
            json=body,
            headers=api_headers(user),
        )

    return patch


def backdate(study, days: int):
    db.session.execute(
        update(Enrolment).where(Enrolment.study_id == study.id).values(enrolled_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()


# --- The participant ------------------------------------------------------------------------------------


def test_a_participant_corrects_answers_inside_the_window_and_each_change_keeps_its_previous_value(
    pilot, put_mine, participant
):
    before = data_version(pilot.study)
    response = put_mine(pilot, {**BASELINE, "sleep_hours": 7.25, "who_2": 5})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["revision"] == 1 and body["revised_at"] is not None
    assert body["answers"]["sleep_hours"] == 7.25 and body["answers"]["who_2"] == 5 and body["answers"]["who_1"] == 3
    assert stored(pilot.enrolment.id) == {**BASELINE, "sleep_hours": 7.25, "who_2": 5.0}
    history = {r.item_key: r for r in db.session.scalars(select(AnswerRevision))}
    assert set(history) == {"sleep_hours", "who_2"}  # only the changed answers
    assert (history["sleep_hours"].previous_number, history["sleep_hours"].new_number) == (6.5, 7.25)
    assert (history["who_2"].previous_number, history["who_2"].new_number) == (3.0, 5.0)
    assert {(r.revision, r.changed_by_role, r.changed_by_id, r.reason) for r in history.values()} == {
        (1, "participant", None, None)
    }
    assert data_version(pilot.study) == before + 1
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "participant.correct"))
    assert record.participant_key == pilot.code and record.actor_id is None  # a code, never the account
    assert record.details == {"survey": "baseline", "revision": 1, "items": ["sleep_hours", "who_2"]}
    assert str(participant.id) not in str(record.details) and participant.name not in str(record.details)


def test_a_correction_that_changes_nothing_records_nothing(pilot, put_mine):
    before = data_version(pilot.study)
    response = put_mine(pilot, BASELINE)
    assert response.status_code == 200 and response.get_json()["revision"] == 0
    assert rows(AnswerRevision) == 0 and data_version(pilot.study) == before
    assert db.session.scalar(select(func.count()).where(AuditRecord.action == "participant.correct")) == 0


def test_a_correction_is_refused_once_the_window_has_closed(pilot, put_mine, client, login, participant):
    backdate(pilot.study, 400)  # enrolled long ago: the baseline window closed long ago
    before = data_version(pilot.study)
    response = put_mine(pilot, {**BASELINE, "sleep_hours": 8})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "window_closed"
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0
    assert data_version(pilot.study) == before
    login(participant)
    assert "Correct my answers</a>" not in client.get(f"/pilots/{pilot.id}/answers").get_data(as_text=True)
    page = client.get(f"/pilots/{pilot.id}/surveys/baseline/correct").get_data(as_text=True)
    assert "can no longer be corrected" in page and 'name="revision"' not in page
    posted = client.post(f"/pilots/{pilot.id}/surveys/baseline/correct", data={"sleep_hours": "8", "revision": "0"})
    assert posted.status_code == 302 and stored(pilot.enrolment.id) == BASELINE


@pytest.mark.parametrize("change, code", [("withdraw", "withdrawn"), ("end", "study_ended")])
def test_a_withdrawn_participant_or_an_ended_pilot_takes_no_correction(pilot, put_mine, participant, change, code):
    if change == "withdraw":
        services.withdraw(participant, pilot.study, False)
    else:
        db.session.execute(update(Study).where(Study.id == pilot.id).values(status=StudyStatus.ENDED))
    db.session.commit()
    response = put_mine(pilot, {**BASELINE, "sleep_hours": 8})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == code
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


def test_answers_are_checked_exactly_as_on_submission(pilot, put_mine):
    out_of_range = put_mine(pilot, {**BASELINE, "sleep_hours": 25})
    assert out_of_range.status_code == 422 and out_of_range.get_json()["error"]["code"] == "invalid_answers"
    assert set(out_of_range.get_json()["error"]["fields"]) == {"sleep_hours"}
    missing = put_mine(pilot, {k: v for k, v in BASELINE.items() if k != "who_3"})
    assert missing.status_code == 422 and set(missing.get_json()["error"]["fields"]) == {"who_3"}
    unknown = put_mine(pilot, {**BASELINE, "nope": 1})
    assert unknown.status_code == 422 and "nope" in unknown.get_json()["error"]["fields"]
    no_revision = put_mine(pilot, None, json={"answers": {**BASELINE, "sleep_hours": 8}})
    assert no_revision.status_code == 422 and "revision" in no_revision.get_json()["error"]["fields"]
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


def test_a_replayed_stale_correction_is_refused_and_changes_nothing(pilot, put_mine):
    assert put_mine(pilot, {**BASELINE, "sleep_hours": 7}).status_code == 200
    replayed = put_mine(pilot, {**BASELINE, "sleep_hours": 7})
    assert replayed.status_code == 409 and replayed.get_json()["error"]["code"] == "stale_revision"
    other = put_mine(pilot, {**BASELINE, "sleep_hours": 9}, revision=0)  # a second tab, corrected from revision 0
    assert other.status_code == 409
    assert stored(pilot.enrolment.id)["sleep_hours"] == 7.0 and rows(AnswerRevision) == 1
    assert put_mine(pilot, {**BASELINE, "sleep_hours": 9}, revision=1).status_code == 200
    assert [r.revision for r in db.session.scalars(select(AnswerRevision).order_by(AnswerRevision.id))] == [1, 2]


def test_the_revision_check_holds_in_the_database_when_the_request_read_an_older_revision(pilot, put_mine, participant):
    """What two concurrent corrections see: both read revision 0; the first commits; the second's conditional
    UPDATE finds revision 1 and changes nothing (a request that read the row before the other committed)."""
    assert put_mine(pilot, {**BASELINE, "sleep_hours": 7}).status_code == 200
    response_id = db.session.scalar(select(Response.id))
    as_read_before = SimpleNamespace(id=response_id, revision=0)
    survey = services.find_survey(pilot.study, "baseline")
    with pytest.raises(Conflict) as refused:
        corrections.apply(
            participant,
            pilot.study,
            pilot.enrolment,
            survey,
            as_read_before,
            0,
            {**{k: (float(v), None) for k, v in BASELINE.items()}, "sleep_hours": (9.0, None)},
            CorrectionRole.PARTICIPANT,
            None,
        )
    assert refused.value.code == "stale_revision"
    db.session.rollback()
    assert stored(pilot.enrolment.id)["sleep_hours"] == 7.0 and rows(AnswerRevision) == 1


def test_nobody_corrects_another_participants_answers(pilot, make_user, api_headers, client, make_study):
    other = make_user("participant")
    services.enrol(
        other, pilot.study, consent_version=1, clauses=CLAUSES, signature="O", age=30, criteria_confirmed=True
    )
    db.session.commit()
    body = {"answers": {**BASELINE, "sleep_hours": 1}, "revision": 0}
    mine = client.put(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses/mine", json=body, headers=api_headers(other)
    )
    assert mine.status_code == 404 and mine.get_json()["error"]["code"] == "not_answered"  # their own: none
    stranger = make_user("participant")
    elsewhere = client.put(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses/mine", json=body, headers=api_headers(stranger)
    )
    assert elsewhere.status_code == 403  # not taking part in this pilot
    patched = client.patch(
        f"{API}/studies/{pilot.id}/participants/{pilot.code}/responses/baseline",
        json={**body, "reason": "Because"},
        headers=api_headers(other),
    )
    assert patched.status_code == 403
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


# --- A coordinator --------------------------------------------------------------------------------------


def test_a_coordinator_corrects_one_answer_with_a_reason(pilot, patch_theirs, coordinator):
    before = data_version(pilot.study)
    reason = "The participant phoned: 6.5 should have been 5.5 hours."
    response = patch_theirs(pilot, coordinator, {"answers": {"sleep_hours": 5.5}, "reason": reason, "revision": 0})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["revision"] == 1 and body["answers"]["sleep_hours"] == 5.5 and body["answers"]["who_1"] == 3
    assert [
        (r["item_key"], r["previous"], r["new"], r["changed_by_role"], r["changed_by_id"], r["reason"])
        for r in body["revisions"]
    ] == [("sleep_hours", 6.5, 5.5, "coordinator", coordinator.id, reason)]
    assert stored(pilot.enrolment.id) == {**BASELINE, "sleep_hours": 5.5}
    assert data_version(pilot.study) == before + 1
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "answer.correct"))
    assert record.actor_id == coordinator.id and record.participant_key == pilot.code and record.comment == reason
    assert record.details == {"survey": "baseline", "revision": 1, "items": ["sleep_hours"]}


@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_a_coordinator_correction_without_a_reason_is_422_and_changes_nothing(pilot, patch_theirs, coordinator, reason):
    body = {"answers": {"sleep_hours": 5.5}, "revision": 0}
    if reason is not None:
        body["reason"] = reason
    response = patch_theirs(pilot, coordinator, body)
    assert response.status_code == 422 and "reason" in response.get_json()["error"]["fields"]
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


def test_startups_may_not_correct_nor_read_the_history(pilot, patch_theirs, startup, other_startup, client, login):
    body = {"answers": {"sleep_hours": 5.5}, "reason": "We think so", "revision": 0}
    assert patch_theirs(pilot, startup, body).status_code == 403
    assert patch_theirs(pilot, other_startup, body).status_code == 404
    login(startup)
    assert client.get(f"/studies/{pilot.id}/participants/{pilot.code}").status_code == 403
    form = f"/studies/{pilot.id}/participants/{pilot.code}/surveys/baseline/items/sleep_hours/correct"
    assert client.post(form, data={"sleep_hours": "5.5", "reason": "We think so", "revision": "0"}).status_code == 403
    assert "/participants/" + pilot.code not in client.get(f"/studies/{pilot.id}/participants").get_data(as_text=True)
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


def test_a_coordinator_cannot_reach_a_code_of_another_pilot(pilot, patch_theirs, coordinator, make_study, make_user):
    elsewhere = make_study("recruiting")
    other = enrol_and_answer(make_user("participant"), elsewhere)
    body = {"answers": {"sleep_hours": 5.5}, "reason": "Typo", "revision": 0}
    assert patch_theirs(pilot, coordinator, body, code=other.participant_code).status_code == 404
    assert rows(AnswerRevision) == 0


# --- What the corrected values change -------------------------------------------------------------------


def test_the_export_and_the_results_use_the_corrected_value_and_the_data_version_moves_on(
    pilot, put_mine, patch_theirs, coordinator, client, api_headers, startup
):
    headers = api_headers(startup)
    first = client.get(f"{API}/studies/{pilot.id}/results", headers=headers).get_json()
    assert first["variables"]["sleep_hours"]["by_timepoint"]["baseline"]["mean"] == 6.5
    version = data_version(pilot.study)
    assert put_mine(pilot, {**BASELINE, "sleep_hours": 7.5}).status_code == 200
    assert (
        patch_theirs(pilot, coordinator, {"answers": {"who_1": 5}, "reason": "Typo", "revision": 1}).status_code == 200
    )
    assert data_version(pilot.study) == version + 2
    results = client.get(f"{API}/studies/{pilot.id}/results", headers=headers).get_json()
    assert results["variables"]["sleep_hours"]["by_timepoint"]["baseline"]["mean"] == 7.5
    assert results["variables"]["who"]["by_timepoint"]["baseline"]["mean"] == 4 * (5 + 3 + 3 + 3 + 3)  # WHO-5: 4 × sum
    export = client.get(f"{API}/studies/{pilot.id}/export.csv", headers=headers).get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(export.lstrip("\ufeff"))))
    row = next(r for r in table if r["participant_code"] == pilot.code and r["timepoint"] == "baseline")
    assert float(row["sleep_hours"]) == 7.5 and row["who_1"] == "5"
    assert rows(AnswerRevision) == 2  # the previous values are kept


def test_the_participants_data_download_includes_their_corrections(
    pilot, put_mine, patch_theirs, coordinator, client, api_headers, participant
):
    put_mine(pilot, {**BASELINE, "sleep_hours": 7.5})
    patch_theirs(pilot, coordinator, {"answers": {"sleep_hours": 7}, "reason": "Asked by phone", "revision": 1})
    data = client.get(f"{API}/me/export", headers=api_headers(participant)).get_json()
    response = data["enrolments"][0]["responses"][0]
    assert response["answers"]["sleep_hours"] == 7 and response["revision"] == 2
    assert [
        (r["revision"], r["previous"], r["new"], r["changed_by_role"], r["reason"]) for r in response["revisions"]
    ] == [
        (1, 6.5, 7.5, "participant", None),
        (2, 7.5, 7, "coordinator", "Asked by phone"),
    ]
    assert all("changed_by_id" not in r for r in response["revisions"])  # staff by role only
    assert {e["action"] for e in data["audit_events"]} >= {"participant.correct", "answer.correct"}


def test_erased_answers_take_their_history_with_them(pilot, put_mine, participant):
    put_mine(pilot, {**BASELINE, "sleep_hours": 7.5})
    assert rows(AnswerRevision) == 1
    services.withdraw(participant, pilot.study, True)
    db.session.commit()
    assert rows(Response) == 0 and rows(AnswerRevision) == 0


# --- Hostile input and cost -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, status",
    [
        ('{"answers": ' + "[" * 5000 + "]" * 5000 + ', "revision": 0}', 400),  # nested too deeply
        ('{"answers": {' + ", ".join(f'"k{i}": 1' for i in range(3000)) + '}, "revision": 0}', 400),  # too many keys
        ('{"answers": {"sleep_hours": 1e999}, "revision": 0}', 422),  # infinite: not a number, as on submission
        ('{"answers": [1, 2], "revision": 0}', 422),
        ('{"answers": {"sleep_hours": 7}, "revision": true}', 400),
        ('{"answers": {"sleep_hours": 7}, "revision": -1}', 422),
        ('{"answers": {"sleep_hours": "\\r\\n7"}, "revision": 0}', 422),
        ("[]", 400),
        ("not json", 400),
    ],
)
def test_hostile_participant_corrections_answer_4xx_and_change_nothing(pilot, put_mine, raw, status):
    response = put_mine(pilot, None, json=None, data=raw, content_type="application/json")
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"]
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


@pytest.mark.parametrize(
    "code, body, status",
    [
        ("P-NOBODY00", None, 404),
        ("P-X%0D%0AY", None, 404),  # CR/LF in the path
        ("P" * 300, None, 404),
        (None, {"answers": {"sleep_hours": 7}, "reason": 5, "revision": 0}, 400),
        (None, {"answers": {"sleep_hours": 7}, "reason": "x" * 2001, "revision": 0}, 422),
        (None, {"answers": {"sleep_hours": 7}, "reason": ["why"], "revision": 0}, 400),
        (None, {"answers": {"nope": 7}, "reason": "Typo", "revision": 0}, 422),
        (None, {"answers": {}, "reason": "Typo", "revision": 0}, 422),
        (None, {"answers": {"sleep_hours": {"$gt": 1}}, "reason": "Typo", "revision": 0}, 422),
        (None, {"answers": {"sleep_hours": None}, "reason": "Typo", "revision": 0}, 422),  # required
    ],
)
def test_hostile_coordinator_corrections_answer_4xx_and_change_nothing(
    pilot, patch_theirs, coordinator, code, body, status
):
    response = patch_theirs(
        pilot, coordinator, body or {"answers": {"sleep_hours": 7}, "reason": "Typo", "revision": 0}, code=code
    )
    assert response.status_code == status, response.get_json()
    assert stored(pilot.enrolment.id) == BASELINE and rows(AnswerRevision) == 0


def test_a_correction_runs_the_same_number_of_statements_however_many_answers_change(pilot, put_mine, count_queries):
    assert put_mine(pilot, {**BASELINE, "sleep_hours": 7}).status_code == 200  # the token's first use is noted once
    with count_queries() as one:
        assert put_mine(pilot, {**BASELINE, "sleep_hours": 8}, revision=1).status_code == 200
    with count_queries() as six:
        changed = {"sleep_hours": 9, **{f"who_{i}": 5 for i in range(1, 6)}}
        assert put_mine(pilot, changed, revision=2).status_code == 200
    assert rows(AnswerRevision) == 8
    assert len(six) == len(one), "\n".join(six)


def test_a_coordinators_pages_cost_a_fixed_number_of_statements(
    pilot, put_mine, patch_theirs, coordinator, client, login, count_queries
):
    login(coordinator)
    page = f"/studies/{pilot.id}/participants/{pilot.code}"
    put_mine(pilot, {**BASELINE, "sleep_hours": 7})
    with count_queries() as few:
        assert client.get(page).status_code == 200
    for revision, hours in enumerate((8, 9, 10, 11), start=1):
        patch_theirs(
            pilot,
            coordinator,
            {"answers": {"sleep_hours": hours, "who_2": hours % 5}, "reason": "r", "revision": revision},
        )
    with count_queries() as many:
        assert client.get(page).status_code == 200
    assert len(many) == len(few)


# --- The pages ------------------------------------------------------------------------------------------


def test_the_participant_corrects_from_the_read_back_page(pilot, client, login, participant):
    login(participant)
    answers = client.get(f"/pilots/{pilot.id}/answers").get_data(as_text=True)
    assert f'href="/pilots/{pilot.id}/surveys/baseline/correct"' in answers
    survey = client.get(f"/pilots/{pilot.id}/surveys/baseline").get_data(as_text=True)
    assert "Correct my answers" in survey
    form = client.get(f"/pilots/{pilot.id}/surveys/baseline/correct").get_data(as_text=True)
    assert 'value="6.5"' in form and re.search(r'name="who_1" value="3"\s+checked', form)
    assert 'name="revision" value="0"' in form
    sent = client.post(
        f"/pilots/{pilot.id}/surveys/baseline/correct",
        data={"sleep_hours": "7,5", **{f"who_{i}": "3" for i in range(1, 6)}, "revision": "0"},
    )
    assert sent.status_code == 302 and sent.location == f"/pilots/{pilot.id}/answers"
    assert stored(pilot.enrolment.id)["sleep_hours"] == 7.5
    page = client.get(f"/pilots/{pilot.id}/answers").get_data(as_text=True)
    assert "7.5 h" in page and "Corrected" in page
    stale = client.post(
        f"/pilots/{pilot.id}/surveys/baseline/correct",
        data={"sleep_hours": "9", **{f"who_{i}": "3" for i in range(1, 6)}, "revision": "0"},
    )
    assert stale.status_code == 302 and stale.location.endswith("/surveys/baseline/correct")
    invalid = client.post(f"/pilots/{pilot.id}/surveys/baseline/correct", data={"sleep_hours": "99", "revision": "1"})
    assert invalid.status_code == 422 and 'id="a-sleep_hours-error"' in invalid.get_data(as_text=True)
    assert stored(pilot.enrolment.id)["sleep_hours"] == 7.5 and rows(AnswerRevision) == 1


def test_a_coordinator_corrects_from_the_participants_page_and_reads_the_history(pilot, client, login, coordinator):
    login(coordinator)
    progress = client.get(f"/studies/{pilot.id}/participants").get_data(as_text=True)
    assert f'href="/studies/{pilot.id}/participants/{pilot.code}"' in progress
    sheet = client.get(f"/studies/{pilot.id}/participants/{pilot.code}").get_data(as_text=True)
    form_url = f"/studies/{pilot.id}/participants/{pilot.code}/surveys/baseline/items/sleep_hours/correct"
    assert f'href="{form_url}"' in sheet
    form = client.get(form_url).get_data(as_text=True)
    assert 'value="6.5"' in form and 'name="reason"' in form
    refused = client.post(form_url, data={"sleep_hours": "5.5", "reason": " ", "revision": "0"})
    assert refused.status_code == 422 and stored(pilot.enrolment.id) == BASELINE
    done = client.post(form_url, data={"sleep_hours": "5.5", "reason": "Typo reported by phone", "revision": "0"})
    assert done.status_code == 302
    assert stored(pilot.enrolment.id)["sleep_hours"] == 5.5
    history = client.get(f"/studies/{pilot.id}/participants/{pilot.code}").get_data(as_text=True)
    assert "Typo reported by phone" in history and ">6.5<" in history.replace('<span class="prewrap">', ">")
    who = client.get(f"/studies/{pilot.id}/participants/{pilot.code}/surveys/baseline/items/who_4/correct")
    assert who.status_code == 200 and "WHO-5" in who.get_data(as_text=True)
    assert (
        client.get(f"/studies/{pilot.id}/participants/{pilot.code}/surveys/baseline/items/nope/correct").status_code
        == 404
    )
    trail = client.get(f"/audit?study={pilot.id}").get_data(as_text=True)
    assert "Coordinator corrected an answer" in trail and "Typo reported by phone" in trail and "sleep_hours" in trail


def test_two_corrections_of_the_same_revision_at_once_make_one_revision(pilot, app, api_headers, participant):
    """A double submit: two requests on two connections, released together; one wins, the other is 409."""
    import threading

    headers = api_headers(participant)
    url = f"{API}/studies/{pilot.id}/surveys/baseline/responses/mine"
    start, statuses = threading.Barrier(2), []

    def send(hours):
        client = app.test_client()
        start.wait()
        statuses.append(
            client.put(
                url, json={"answers": {**BASELINE, "sleep_hours": hours}, "revision": 0}, headers=headers
            ).status_code
        )

    threads = [threading.Thread(target=send, args=(hours,)) for hours in (7, 8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert [(r.revision, r.previous_number) for r in db.session.scalars(select(AnswerRevision))] == [(1, 6.5)]
    assert stored(pilot.enrolment.id)["sleep_hours"] in (7.0, 8.0)


# --- The log of corrections -----------------------------------------------------------------------------


def test_the_owner_and_coordinators_read_every_correction_in_the_log_newest_first(
    pilot, put_mine, patch_theirs, coordinator, startup, client, login, api_headers
):
    assert put_mine(pilot, {**BASELINE, "sleep_hours": 7}).status_code == 200
    body = {"answers": {"who_2": 5}, "reason": "Typed 3 for 5, said the participant", "revision": 1}
    assert patch_theirs(pilot, coordinator, body).status_code == 200

    owner = client.get(f"{API}/studies/{pilot.id}/corrections", headers=api_headers(startup))
    assert owner.status_code == 200
    items = owner.get_json()["items"]
    assert [(i["item_key"], i["previous"], i["new"], i["changed_by_role"]) for i in items] == [
        ("who_2", 3, 5, "coordinator"),
        ("sleep_hours", 6.5, 7, "participant"),
    ]
    assert all(i["participant_code"] == pilot.code and i["survey"] == "baseline" for i in items)
    assert items[0]["reason"] == "Typed 3 for 5, said the participant"
    assert "changed_by_id" not in items[0]  # a coordinator's account id is for coordinators' eyes only
    theirs = client.get(f"{API}/studies/{pilot.id}/corrections", headers=api_headers(coordinator)).get_json()
    assert theirs["items"][0]["changed_by_id"] == coordinator.id

    login(startup)
    page = client.get(f"/studies/{pilot.id}/corrections")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert pilot.code in html and "Typed 3 for 5, said the participant" in html
    assert "1 answer corrected by its participant" in html and "1 answer corrected by a coordinator" in html
    assert html.index("who_2") < html.index("sleep_hours")  # newest first
    assert f'href="/studies/{pilot.id}/corrections"' in client.get(f"/studies/{pilot.id}/results").get_data(
        as_text=True
    )
    french = client.get(f"/studies/{pilot.id}/corrections", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Corrections des réponses envoyées" in french


def test_the_log_pages_through_every_correction_and_refuses_a_forged_cursor(
    pilot, put_mine, client, api_headers, startup
):
    for revision, hours in enumerate((7, 8, 9)):
        assert put_mine(pilot, {**BASELINE, "sleep_hours": hours}, revision=revision).status_code == 200
    headers = api_headers(startup)
    first = client.get(f"{API}/studies/{pilot.id}/corrections?limit=2", headers=headers).get_json()
    assert [i["new"] for i in first["items"]] == [9, 8] and first["next_cursor"]
    rest = client.get(
        f"{API}/studies/{pilot.id}/corrections?limit=2&cursor={first['next_cursor']}", headers=headers
    ).get_json()
    assert [i["new"] for i in rest["items"]] == [7] and rest["next_cursor"] is None
    forged = client.get(f"{API}/studies/{pilot.id}/corrections?cursor=eyJhZnRlciI6MX0.x%0D%0A", headers=headers)
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "invalid_cursor"
    assert client.get(f"{API}/studies/{pilot.id}/corrections?limit=0", headers=headers).status_code == 422


def test_the_log_shows_nothing_of_another_pilot_nor_to_others(
    pilot, put_mine, make_study, make_user, client, login, api_headers, other_startup, participant, startup
):
    put_mine(pilot, {**BASELINE, "sleep_hours": 7})
    elsewhere = make_study("recruiting")
    other = enrol_and_answer(make_user("participant"), elsewhere)
    assert client.get(f"{API}/studies/{pilot.id}/corrections", headers=api_headers(other_startup)).status_code == 404
    assert client.get(f"{API}/studies/{pilot.id}/corrections", headers=api_headers(participant)).status_code == 403
    login(other_startup)
    assert client.get(f"/studies/{pilot.id}/corrections").status_code == 404
    # the pilot's own log never lists another pilot's participants
    assert other.participant_code not in client.get(
        f"{API}/studies/{pilot.id}/corrections", headers=api_headers(startup)
    ).get_data(as_text=True)


def test_the_log_costs_a_fixed_number_of_statements(
    pilot, put_mine, make_user, client, login, api_headers, startup, count_queries
):
    put_mine(pilot, {**BASELINE, "sleep_hours": 7})
    login(startup)
    with count_queries() as few:
        assert client.get(f"/studies/{pilot.id}/corrections").status_code == 200
    for _ in range(4):
        other = make_user("participant")
        enrolment = enrol_and_answer(other, pilot.study)
        response = db.session.scalar(select(Response).where(Response.enrolment_id == enrolment.id))
        corrections.correct_own(other, pilot.study, "baseline", {**BASELINE, "sleep_hours": 9}, 0)
        db.session.commit()
        assert response.revision == 1
    with count_queries() as many:
        assert client.get(f"/studies/{pilot.id}/corrections").status_code == 200
    assert len(many) == len(few)
