"""Editing an amendment in the browser like a draft (the study's own editors on the amendment's record), and the
rule that a change to a survey applies to timepoints not yet opened (page and API)."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants.models import Enrolment
from livinglab.studies.models import Amendment, Study
from livinglab.timeutil import utcnow
from tests.conftest import PASSWORD
from tests.studies import test_amendments as amended
from tests.studies.test_amendments import NEW_CONSENT, enrol
from tests.studies.test_api_studies import assert_error
from tests.studies.test_study_pages import protocol_form

api = amended.api  # the API-calling fixture of the amendments' tests


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def open_amendment(api, study, startup, reason="Fix a typo") -> str:
    opened = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": reason})
    assert opened.status_code == 201, opened.get_json()
    return f"/studies/{study.id}/amendments/{opened.get_json()['version']}"


def record(study) -> dict:
    db.session.expire_all()
    return db.session.scalar(select(Amendment).where(Amendment.study_id == study.id)).record


def survey_of(rec: dict, key: str) -> dict:
    return next(s for s in rec["surveys"] if s["key"] == key)


def enrolled_days_ago(study, participant, days: int) -> None:
    """The participant enrolled `days` ago: their timepoints opened (or not) accordingly."""
    enrol(participant, study)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.study_id == study.id))
    enrolment.enrolled_at = utcnow() - timedelta(days=days)
    db.session.commit()


# --- The editors on the amendment's record ---------------------------------------------------------------


def test_the_amendment_page_links_to_the_editors_while_it_is_editable(api, client, make_study, startup, login):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    login(startup)
    page = text(client.get(base))
    for href in ("/protocol", "/consent", "/surveys/baseline", "/surveys/follow_up", "/new-survey"):
        assert f'href="{base}{href}"' in page
    assert "through the API (PATCH" not in page
    assert api("POST", f"{base}/submit", startup).status_code == 200
    page = text(client.get(base))
    assert f'href="{base}/protocol"' not in page  # submitted: nothing to edit
    assert client.get(f"{base}/protocol").status_code == 302  # back to the amendment, with why


def test_the_protocol_editor_saves_into_the_amendment_and_not_the_study(api, client, make_study, startup, login):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    login(startup)
    page = text(client.get(f"{base}/protocol"))
    assert "Edit the proposed protocol" in page and f'href="{base}"' in page  # back to the amendment
    response = client.post(f"{base}/protocol", data=protocol_form(summary="Now with naps.", target_enrolment="lots"))
    assert response.status_code == 422  # one field refused, the others kept, as in the study's editor
    assert "1 field was not saved" in text(response)
    rec = record(study)
    assert rec["protocol"]["summary"] == "Now with naps."
    assert rec["protocol"]["target_enrolment"] == 40
    saved = db.session.get(Study, study.id)
    assert saved.summary != "Now with naps."  # the pilot runs on its approved version
    ok = client.post(f"{base}/protocol", data=protocol_form(summary="Now with naps.", target_enrolment="90"))
    assert ok.status_code == 302 and ok.location.endswith(f"{base}/protocol")
    assert record(study)["protocol"]["target_enrolment"] == 90
    assert db.session.get(Study, study.id).target_enrolment == 40


def test_the_consent_editor_proposes_the_next_version(api, client, make_study, startup, login):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    login(startup)
    page = text(client.get(f"{base}/consent"))
    assert "The pilot runs on consent version 1. Saving here proposes version 2" in page
    data = {"text": NEW_CONSENT["text"]}
    for i, clause in enumerate(NEW_CONSENT["clauses"]):
        data |= {f"clauses-{i}-key": clause["key"], f"clauses-{i}-text": clause["text"], f"clauses-{i}-required": "y"}
    assert client.post(f"{base}/consent", data=data).status_code == 302
    rec = record(study)
    assert (rec["consent"]["version"], rec["consent"]["text"]) == (2, NEW_CONSENT["text"])
    assert [c["key"] for c in rec["consent"]["clauses"]] == ["data", "naps"]
    assert db.session.get(Study, study.id).current_consent.version == 1
    empty = client.post(f"{base}/consent", data={"text": ""})
    assert empty.status_code == 422 and record(study)["consent"]["text"] == NEW_CONSENT["text"]


def test_a_survey_not_yet_opened_changes_freely_in_the_builder(api, client, make_study, startup, participant, login):
    study = make_study("recruiting")
    enrolled_days_ago(study, participant, 1)  # baseline open, follow-up (day 28) not yet
    base = open_amendment(api, study, startup)
    login(startup)
    page = text(client.get(f"{base}/surveys/follow_up"))
    assert "No participant has reached this survey's timepoint yet" in page and "Add a question" in page
    added = client.post(
        f"{base}/surveys/follow_up/items",
        data={
            "kind": "question",
            "question-key": "naps",
            "question-text": "How many naps?",
            "question-type": "number",
            "question-required": "y",
        },
    )
    assert added.status_code == 302, text(added)
    items = survey_of(record(study), "follow_up")["items"]
    assert [i["key"] for i in items][-1] == "naps"
    moved = client.post(f"{base}/surveys/follow_up/items/{len(items) - 1}/move", data={"direction": "up"})
    assert moved.status_code == 302
    assert [i["key"] for i in survey_of(record(study), "follow_up")["items"]][-2] == "naps"
    assert client.post(f"{base}/surveys/follow_up/items/0/delete").status_code == 200  # asks first
    assert client.post(f"{base}/surveys/follow_up/items/0/delete", data={"confirmed": "yes"}).status_code == 302
    assert "sleep_hours" not in [i["key"] for i in survey_of(record(study), "follow_up")["items"]]
    assert [i["key"] for i in db.session.get(Study, study.id).surveys[1].items][0] == "sleep_hours"


def test_an_opened_survey_changes_its_wording_only_on_the_page(api, client, make_study, startup, participant, login):
    study = make_study("recruiting")
    enrolled_days_ago(study, participant, 1)
    base = open_amendment(api, study, startup)
    login(startup)
    page = text(client.get(f"{base}/surveys/baseline"))
    assert "This survey has already opened for participants: only its wording may change." in page
    assert "Add a question" not in page and "Move down" not in page
    edit = text(client.get(f"{base}/surveys/baseline/items/0/edit"))
    assert "Edit the question" in edit
    question = survey_of(record(study), "baseline")["items"][0]
    form = {
        "question-key": "sleep_hours",
        "question-type": "number",
        "question-required": "y",
        "question-min": "0",
        "question-max": "24",
        "question-unit": "h",
    }
    typo = client.post(
        f"{base}/surveys/baseline/items/0/edit", data={**form, "question-text": "How many hours did you sleep?"}
    )
    assert typo.status_code == 302, text(typo)
    assert survey_of(record(study), "baseline")["items"][0] == {**question, "text": "How many hours did you sleep?"}
    scale = client.post(
        f"{base}/surveys/baseline/items/0/edit", data={**form, "question-text": "Hours slept?", "question-max": "20"}
    )
    assert scale.status_code == 422
    assert "The survey “Before the coaching” has already opened for participants" in text(scale)
    assert survey_of(record(study), "baseline")["items"][0]["max"] == 24
    moved = client.post(f"{base}/surveys/baseline/items/0/move", data={"direction": "down"})
    assert moved.status_code == 302
    assert survey_of(record(study), "baseline")["items"][0]["key"] == "sleep_hours"  # refused, nothing moved
    retitled = client.post(
        f"{base}/surveys/baseline/edit", data={"survey-title": "Before coaching starts", "survey-timepoint": "baseline"}
    )
    assert retitled.status_code == 302
    assert survey_of(record(study), "baseline")["title"] == "Before coaching starts"
    moved_tp = client.post(
        f"{base}/surveys/baseline/edit", data={"survey-title": "Before", "survey-timepoint": "follow_up"}
    )
    assert moved_tp.status_code == 422 and survey_of(record(study), "baseline")["timepoint"] == "baseline"


def test_a_new_survey_may_be_added_at_an_opened_timepoint_and_says_to_whom(
    api,
    client,
    make_study,
    startup,
    participant,
    login,
):
    study = make_study("recruiting")
    enrolled_days_ago(study, participant, 1)
    base = open_amendment(api, study, startup)
    login(startup)
    page = text(client.get(f"{base}/new-survey"))
    assert "goes to the participants whose timepoint has not closed yet" in page
    created = client.post(
        f"{base}/new-survey",
        data={
            "title": "Naps",
            "timepoint": "baseline",
            "start": "question",
            "question-key": "naps",
            "question-text": "How many naps a week?",
            "question-type": "number",
            "question-required": "y",
        },
    )
    assert created.status_code == 302, text(created)
    assert created.location.endswith(f"{base}/surveys/naps")
    assert survey_of(record(study), "naps")["timepoint"] == "baseline"
    again = client.post(
        f"{base}/new-survey",
        data={
            "title": "Naps",
            "key": "baseline",
            "timepoint": "baseline",
            "start": "question",
            "question-key": "naps2",
            "question-text": "Naps?",
            "question-type": "number",
        },
    )
    assert again.status_code == 422  # an existing key is never replaced from this page
    assert survey_of(record(study), "baseline")["items"][0]["key"] == "sleep_hours"


# --- The rule through the API, at saving, at submission and at approval ------------------------------------


def survey_with(api, study, startup, change, key="baseline"):
    survey = api("GET", f"/studies/{study.id}/surveys/{key}", startup).get_json()
    body = {k: survey[k] for k in ("key", "title", "timepoint", "items")}
    change(body)
    return body


def baseline_with(api, study, startup, change):
    return survey_with(api, study, startup, change)


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["items"].append({"key": "naps", "text": "Naps?", "type": "number"}),
        lambda b: b["items"].pop(),
        lambda b: b["items"][3].update(type="yes_no"),
        lambda b: b["items"][0].update(max=20),
        lambda b: b["items"][3].update(required=True),
        lambda b: b["items"].reverse(),
    ],
    ids=["added", "removed", "type", "scale", "required", "order"],
)
def test_the_api_refuses_a_structural_change_of_an_opened_survey(api, make_study, startup, participant, change):
    study = make_study("recruiting")
    enrolled_days_ago(study, participant, 30)  # both timepoints have opened for them (and closed)
    base = open_amendment(api, study, startup)
    before = record(study)
    body = survey_with(api, study, startup, change, "follow_up")
    error = assert_error(api("POST", f"{base}/surveys", startup, json=body), 422, "survey_opened")
    assert "After four weeks" in error["message"] and set(error["fields"]) == {"surveys.follow_up"}
    assert record(study) == before


def test_the_api_takes_a_wording_change_of_an_opened_survey_and_any_change_before_it_opens(
    api,
    make_study,
    startup,
    participant,
):
    study = make_study("recruiting")
    enrolled_days_ago(study, participant, 0)
    base = open_amendment(api, study, startup)

    def typo(body):
        body["title"] = "Before the coaching starts"
        body["items"][0]["text"] = "How many hours did you sleep, on average, last week?"

    assert api("POST", f"{base}/surveys", startup, json=baseline_with(api, study, startup, typo)).status_code == 200
    follow_up = api("GET", f"/studies/{study.id}/surveys/follow_up", startup).get_json()
    changed = {k: follow_up[k] for k in ("key", "title", "timepoint")} | {"items": follow_up["items"][:1]}
    assert api("POST", f"{base}/surveys", startup, json=changed).status_code == 200  # day 28: not opened


def test_a_survey_of_a_pilot_nobody_joined_changes_freely(api, make_study, startup):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    body = baseline_with(api, study, startup, lambda b: b["items"].pop())
    assert api("POST", f"{base}/surveys", startup, json=body).status_code == 200


def test_submission_and_approval_refuse_a_change_to_a_survey_that_opened_meanwhile(
    api,
    make_study,
    startup,
    coordinator,
    participant,
):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    follow_up = api("GET", f"/studies/{study.id}/surveys/follow_up", startup).get_json()
    changed = {k: follow_up[k] for k in ("key", "title", "timepoint")} | {"items": follow_up["items"][:1]}
    assert api("POST", f"{base}/surveys", startup, json=changed).status_code == 200  # nobody enrolled yet
    enrolled_days_ago(study, participant, 30)  # then someone's follow-up opened
    assert_error(api("POST", f"{base}/submit", startup), 422, "survey_opened")
    assert record(study) and db.session.scalar(select(Amendment.status)) == "draft"
    # submitted before it opened, decided after: approval refuses, nothing applied
    db.session.execute(Enrolment.__table__.update().values(enrolled_at=utcnow()))
    db.session.commit()
    assert api("POST", f"{base}/submit", startup).status_code == 200
    db.session.execute(Enrolment.__table__.update().values(enrolled_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    assert_error(api("POST", f"{base}/decision", coordinator, json={"decision": "approve"}), 422, "survey_opened")
    db.session.expire_all()
    assert db.session.scalar(select(Amendment.status)) == "submitted"
    assert len(db.session.get(Study, study.id).surveys[1].items) == 4


# --- Refusals and costs ------------------------------------------------------------------------------------


def test_others_cannot_open_the_editors_of_an_amendment(
    api,
    app,
    client,
    make_study,
    startup,
    other_startup,
    coordinator,
    participant,
    login,
):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    before = record(study)
    pages = ["/protocol", "/consent", "/new-survey", "/surveys/baseline", "/surveys/baseline/items/0/edit"]
    posts = [
        "/protocol",
        "/consent",
        "/new-survey",
        "/surveys/baseline/edit",
        "/surveys/baseline/items",
        "/surveys/baseline/items/0/edit",
        "/surveys/baseline/items/0/move",
        "/surveys/baseline/items/0/delete",
    ]
    for user, status in ((other_startup, 404), (coordinator, 403), (participant, 404)):
        visitor = app.test_client()
        visitor.post("/account/signin", data={"email": user.email, "password": PASSWORD})
        for path in pages:
            assert visitor.get(base + path).status_code == status, (user.role, path)
        for path in posts:
            assert visitor.post(base + path, data={"text": "x", "confirmed": "yes"}).status_code == status
    assert record(study) == before


@pytest.mark.parametrize(
    "path",
    [
        "/surveys/nope",
        "/surveys/baseline/items/99/edit",
        "/surveys/%0D%0Aevil",
        "/surveys/" + "x" * 5000,
    ],
)
def test_unknown_surveys_and_items_are_404(api, client, make_study, startup, login, path):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    login(startup)
    assert client.get(base + path).status_code == 404
    assert client.get(f"/studies/{study.id}/amendments/99/protocol").status_code == 404


def test_hostile_form_input_changes_nothing(api, client, make_study, startup, login):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    login(startup)
    before = record(study)
    for path, data in [
        ("/surveys/baseline/items/0/move", {"direction": "sideways"}),
        (
            "/surveys/baseline/items",
            {"kind": "question", "question-key": "a\r\nb", "question-text": "x" * 5000, "question-type": "likert"},
        ),
        ("/surveys/baseline/edit", {"survey-title": "", "survey-timepoint": "nowhere"}),
        ("/new-survey", {"title": "T", "timepoint": "elsewhere", "start": "question"}),
    ]:
        assert 400 <= client.post(base + path, data=data).status_code < 500, path
    assert record(study) == before


def test_the_editors_cost_the_same_queries_whatever_the_participants(
    api,
    client,
    make_study,
    startup,
    login,
    make_user,
    count_queries,
):
    study = make_study("recruiting")
    base = open_amendment(api, study, startup)
    login(startup)
    paths = ["/protocol", "/consent", "/surveys/baseline", "/new-survey"]  # (the amendment's page is not ours)

    def costs():
        counts = []
        for path in paths:
            db.session.expire_all()  # as a fresh request finds it: nothing loaded yet
            with count_queries() as counter:
                assert client.get(base + path).status_code == 200
            counts.append(len(counter))
        return counts

    enrol(make_user("participant"), study)
    few = costs()
    for _ in range(6):
        enrol(make_user("participant"), study)
    assert costs() == few
