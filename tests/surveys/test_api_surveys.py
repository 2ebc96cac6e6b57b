"""The surveys API: building a study's surveys from questions and instruments, and what it refuses."""

from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from livinglab.audit import AuditRecord
from livinglab.extensions import db
from livinglab.surveys.definitions import QUESTION_TYPES
from livinglab.surveys.instruments import INSTRUMENTS
from livinglab.surveys.models import Survey

API = "/api/v1"


@pytest.fixture
def draft(make_study, startup):
    """A draft with its baseline and follow-up surveys (sleep_hours, who, sus, comments)."""
    return make_study("draft")


@pytest.fixture
def post_survey(client, api_headers, startup, draft):
    """POST a survey to the draft as its startup; a str body is sent raw."""
    headers = api_headers(startup)

    def post(body, study_id=None):
        url = f"{API}/studies/{study_id or draft.id}/surveys"
        if isinstance(body, str):
            return client.post(url, data=body, content_type="application/json", headers=headers)
        return client.post(url, json=body, headers=headers)

    return post


def survey(*items, key="extra", timepoint="baseline", title="Extra questions") -> dict:
    return {"key": key, "title": title, "timepoint": timepoint, "items": list(items)}


def question(key="q", kind="text", text="A question?", **extra) -> dict:
    return {"key": key, "type": kind, "text": text, **extra}


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The answer is `status` with the API's error body (never HTML), naming these fields."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    assert set(fields) <= set(error["fields"]), error["fields"]
    return error


@contextmanager
def no_survey_added():
    def stored():
        db.session.rollback()
        return [(s.id, s.key, s.timepoint, s.items) for s in db.session.scalars(select(Survey).order_by(Survey.id))]

    before = stored()
    yield
    assert stored() == before


# Building surveys

NORMALISED = [
    # (what is sent, what is stored and answered)
    (
        question("mood", "likert"),
        {"key": "mood", "type": "likert", "text": "A question?", "required": True, "min": 1, "max": 5},
    ),
    (
        question("pain", "likert", min=0, max=10, required=False),
        {"key": "pain", "type": "likert", "text": "A question?", "required": False, "min": 0, "max": 10},
    ),
    (
        question("weight", "number", min=30, max=250.5, unit="kg"),
        {
            "key": "weight",
            "type": "number",
            "text": "A question?",
            "required": True,
            "min": 30.0,
            "max": 250.5,
            "unit": "kg",
        },
    ),
    (
        question("steps", "number"),
        {
            "key": "steps",
            "type": "number",
            "text": "A question?",
            "required": True,
            "min": None,
            "max": None,
            "unit": "",
        },
    ),
    (question("smoker", "yes_no"), {"key": "smoker", "type": "yes_no", "text": "A question?", "required": True}),
    (
        question("diet", "single_choice", choices=["Vegan", "Omnivore"]),
        {
            "key": "diet",
            "type": "single_choice",
            "text": "A question?",
            "required": True,
            "choices": ["Vegan", "Omnivore"],
        },
    ),
    (
        question("meals", "multiple_choice", choices=["Breakfast", "Lunch", "Dinner"]),
        {
            "key": "meals",
            "type": "multiple_choice",
            "text": "A question?",
            "required": True,
            "choices": ["Breakfast", "Lunch", "Dinner"],
        },
    ),
    (
        question("note", "text", text="  Anything else?  "),
        {"key": "note", "type": "text", "text": "Anything else?", "required": True},
    ),
    (question("recommend", "nps"), {"key": "recommend", "type": "nps", "text": "A question?", "required": True}),
    (
        question("onset", "date", min="2026-01-01"),
        {"key": "onset", "type": "date", "text": "A question?", "required": True, "min": "2026-01-01"},
    ),
    (question("bedtime", "time"), {"key": "bedtime", "type": "time", "text": "A question?", "required": True}),
    (
        question("pain_vas", "slider", labels=["No pain", "Worst pain"]),
        {
            "key": "pain_vas",
            "type": "slider",
            "text": "A question?",
            "required": True,
            "labels": ["No pain", "Worst pain"],
        },
    ),
    (
        question("habits", "matrix", rows=["I walk", "I cycle"]),
        {
            "key": "habits",
            "type": "matrix",
            "text": "A question?",
            "required": True,
            "rows": ["I walk", "I cycle"],
            "min": 1,
            "max": 5,
        },
    ),
    ({"key": "ux", "instrument": "umux_lite"}, {"key": "ux", "instrument": "umux_lite"}),
]


def test_every_question_type_is_covered_here():
    assert {sent.get("type") for sent, _stored in NORMALISED} - {None} == set(QUESTION_TYPES)


@pytest.mark.parametrize("sent, stored", NORMALISED, ids=[s.get("type", s.get("instrument")) for s, _ in NORMALISED])
def test_an_item_is_stored_normalised_with_its_defaults(post_survey, sent, stored):
    response = post_survey(survey(sent))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["items"] == [stored]


def test_a_survey_is_answered_with_its_id_and_listed_in_creation_order(
    client, api_headers, coordinator, draft, post_survey
):
    created = post_survey(survey(question("mood", "likert"), {"key": "mood_ux", "instrument": "sus"}))
    assert created.status_code == 201
    body = created.get_json()
    assert set(body) >= {"id", "key", "title", "timepoint", "items"}
    listed = client.get(f"{API}/studies/{draft.id}/surveys", headers=api_headers(coordinator)).get_json()["items"]
    assert [s["key"] for s in listed] == ["baseline", "follow_up", "extra"]
    assert listed[-1] == body


def test_html_and_unicode_in_questions_are_stored_verbatim(post_survey):
    text = "<b>Comment</b> dormez-vous ? 😴 <script>alert(1)</script>"
    choices = ["<i>Bien</i>", "Très « mal »"]
    response = post_survey(
        survey(
            question("sleep_quality", "single_choice", text=text, choices=choices),
            title="Qualité du sommeil — <em>test</em>",
        )
    )
    assert response.status_code == 201
    item = response.get_json()["items"][0]
    assert (item["text"], item["choices"]) == (text, choices)
    assert response.get_json()["title"] == "Qualité du sommeil — <em>test</em>"


def test_the_same_key_at_two_timepoints_is_one_variable_measured_twice(post_survey, client, api_headers, startup):
    study = client.post(
        f"{API}/studies", json={"title": "Mood", "domain": "e-health"}, headers=api_headers(startup)
    ).get_json()
    for timepoint in ("baseline", "follow_up"):
        response = post_survey(
            survey(
                question("mood", "likert", max=7),
                {"key": "wellbeing", "instrument": "who5"},
                key=timepoint,
                timepoint=timepoint,
            ),
            study_id=study["id"],
        )
        assert response.status_code == 201, response.get_data(as_text=True)


# What a survey refuses

BAD_SURVEYS = [
    # (what, body, status, fields)
    ("malformed JSON", '{"key": "extra", "items": [', 400, []),
    ("a JSON array", "[]", 400, []),
    ("nothing", {}, 422, ["key", "title", "timepoint"]),
    ("no items", survey(), 422, ["items"]),
    ("items as an object", {**survey(), "items": {"q": question()}}, 400, ["items"]),
    ("an item that is not an object", survey("q"), 400, ["items"]),
    ("a timepoint the study lacks", survey(question(), timepoint="week_12"), 422, ["timepoint"]),
    ("a timepoint of the wrong type", survey(question(), timepoint=1), 400, ["timepoint"]),
    ("a survey key that is not a key", survey(question(), key="Extra survey"), 422, ["key"]),
    ("a survey key already used", survey(question(), key="baseline", timepoint="follow_up"), 422, ["key"]),
    ("a 10,000-character title", survey(question(), title="t" * 10_000), 422, ["title"]),
    ("an unknown question type", survey(question(kind="ranking")), 422, ["items"]),
    ("a question type of the wrong type", survey(question(kind=["likert"])), 400, ["items"]),
    ("an unknown instrument", survey({"key": "ux", "instrument": "nasa_tlx"}), 422, ["items"]),
    ("an item without key", survey({"type": "text", "text": "Why?"}), 422, ["items"]),
    ("an item key with capitals", survey(question(key="Mood")), 422, ["items"]),
    ("a question without text", survey({"key": "q", "type": "text"}), 422, ["items"]),
    ("a 10,000-character question", survey(question(text="q" * 10_000)), 422, ["items"]),
    ("required as text", survey(question(required="yes")), 400, ["items"]),
    ("duplicate item keys", survey(question("q"), question("q", "nps")), 422, ["items"]),
    (
        "a question named like an instrument item",
        survey({"key": "ux", "instrument": "sus"}, question("ux_3")),
        422,
        ["items"],
    ),
    ("a likert minimum equal to its maximum", survey(question(kind="likert", min=5, max=5)), 422, ["items"]),
    ("a likert minimum above its maximum", survey(question(kind="likert", min=7, max=1)), 422, ["items"]),
    ("a likert scale of 31 points", survey(question(kind="likert", min=-10, max=20)), 422, ["items"]),
    ("a fractional likert bound", survey(question(kind="likert", max=4.5)), 400, ["items"]),
    ("a likert bound as text", survey(question(kind="likert", max="7")), 400, ["items"]),
    ("a number minimum above its maximum", survey(question(kind="number", min=10, max=0)), 422, ["items"]),
    ("a number bound out of range", survey(question(kind="number", max=1e12)), 422, ["items"]),
    (
        "a number bound beyond any float",
        '{"key": "extra", "title": "T", "timepoint": "baseline", "items": '
        '[{"key": "q", "type": "number", "text": "Q", "max": 1' + "0" * 400 + "}]}",
        422,
        ["items"],
    ),
    ("a 33-character unit", survey(question(kind="number", unit="u" * 33)), 422, ["items"]),
    ("no choices", survey(question(kind="single_choice")), 422, ["items"]),
    ("empty choices", survey(question(kind="single_choice", choices=[])), 422, ["items"]),
    ("a single choice", survey(question(kind="multiple_choice", choices=["Only"])), 422, ["items"]),
    ("a choice listed twice", survey(question(kind="single_choice", choices=["Yes", "Yes"])), 422, ["items"]),
    ("a blank choice", survey(question(kind="single_choice", choices=["Yes", " "])), 422, ["items"]),
    ("choices as text", survey(question(kind="single_choice", choices="Yes, No")), 400, ["items"]),
    ("31 choices", survey(question(kind="single_choice", choices=[f"c{i}" for i in range(31)])), 422, ["items"]),
    ("101 items", survey(*[question(f"q{i}") for i in range(101)]), 422, ["items"]),
    ("a key already asked at this timepoint", survey(question("sleep_hours", "number")), 422, ["items"]),
    ("a key with another type at another timepoint", survey(question("comments", "likert")), 422, ["items"]),
]


@pytest.mark.parametrize("body, status, fields", [row[1:] for row in BAD_SURVEYS], ids=[row[0] for row in BAD_SURVEYS])
def test_a_bad_survey_is_refused_and_nothing_is_stored(post_survey, body, status, fields):
    with no_survey_added():
        response = post_survey(body)
    assert_error(response, status, fields=fields)


CROSS_TIMEPOINT = [
    # Each pair is (baseline item, follow-up item) under the same key: not the same variable, so refused.
    ("a likert and a number", question("mood", "likert"), question("mood", "number")),
    (
        "two different instruments",
        {"key": "wellbeing", "instrument": "who5"},
        {"key": "wellbeing", "instrument": "sus"},
    ),
    ("two likert scales", question("mood", "likert", min=1, max=5), question("mood", "likert", min=1, max=7)),
    ("an instrument item and a question", {"key": "wellbeing", "instrument": "who5"}, question("wellbeing_1", "nps")),
]


@pytest.mark.parametrize("first, second", [row[1:] for row in CROSS_TIMEPOINT], ids=[row[0] for row in CROSS_TIMEPOINT])
def test_a_key_measured_differently_at_another_timepoint_is_refused(
    post_survey, client, api_headers, startup, first, second
):
    """The same key at two timepoints is compared as one variable, so it must be measured the same way."""
    study = client.post(
        f"{API}/studies", json={"title": "Mood", "domain": "e-health"}, headers=api_headers(startup)
    ).get_json()
    assert post_survey(survey(first, key="baseline"), study_id=study["id"]).status_code == 201
    with no_survey_added():
        response = post_survey(survey(second, key="follow_up", timepoint="follow_up"), study_id=study["id"])
    assert_error(response, 422, fields=["items"])


def test_every_instrument_is_accepted(post_survey):
    items = [{"key": f"i_{code}", "instrument": code} for code in INSTRUMENTS]
    assert post_survey(survey(*items)).status_code == 201


def test_a_refused_survey_leaves_no_audit_record(post_survey):
    def records():
        db.session.rollback()
        return db.session.scalar(select(func.count()).select_from(AuditRecord))

    before = records()
    post_survey(survey(question("q"), question("q")))
    assert records() == before
