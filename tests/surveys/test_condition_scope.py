"""A condition (`show_if`) on a section break or a computed score is refused with the item named (it used to be
dropped without a word): in the API, in the builder, and in an amendment (page and API)."""

import html

import pytest
from sqlalchemy import select

from livinglab import validation as v
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.studies.models import Amendment
from livinglab.surveys.definitions import clean_item, clean_items

API = "/api/v1"
SMOKER = {"key": "smoker", "text": "Do you smoke?", "type": "yes_no"}
MOOD = {"key": "mood", "text": "Mood?", "type": "likert", "min": 1, "max": 5}
ENERGY = {"key": "energy", "text": "Energy?", "type": "likert", "min": 1, "max": 5}
WHEN = {"all": [{"key": "smoker", "op": "equals", "value": True}]}
SECTION = {"key": "habits", "section": "Your habits", "show_if": WHEN}
SCORE = {"key": "wellbeing", "text": "Well-being", "score": "mean", "of": ["mood", "energy"], "show_if": WHEN}


@pytest.mark.parametrize(
    "item, words",
    [(SECTION, "“habits” is a section break: it cannot have a condition"), (SCORE, "“wellbeing” is a computed score")],
)
def test_a_condition_on_a_section_or_a_score_is_refused_naming_the_item(app, item, words):
    with app.test_request_context():
        with pytest.raises(v.FieldError) as refused:
            clean_item(item)
        assert words in refused.value.message and refused.value.status == 422
        with pytest.raises(v.FieldError) as refused:
            clean_items([SMOKER, MOOD, ENERGY, item])
        assert "item 4:" in refused.value.message and words in refused.value.message
        without = {k: x for k, x in item.items() if k != "show_if"}  # the same item without: still taken
        assert "show_if" not in clean_items([SMOKER, MOOD, ENERGY, without])[-1]


@pytest.mark.parametrize("item, key", [(SECTION, "habits"), (SCORE, "wellbeing")])
def test_the_api_answers_422_and_stores_nothing(client, api_headers, make_study, startup, item, key):
    study = make_study("draft", protocol=sleep_protocol())
    body = {"key": "extra", "title": "Extra", "timepoint": "baseline", "items": [SMOKER, MOOD, ENERGY, item]}
    answer = client.post(f"{API}/studies/{study.id}/surveys", json=body, headers=api_headers(startup))
    assert answer.status_code == 422, answer.get_json()
    assert f"“{key}”" in str(answer.get_json()) and "cannot have a condition" in str(answer.get_json())
    assert all(s.key != "extra" for s in study.surveys)


@pytest.mark.parametrize(
    "data, words",
    [
        ({"kind": "section", "section-key": "habits", "section-section": "Your habits"}, "“habits” is a section break"),
        (
            {"kind": "score", "score-key": "wellbeing", "score-text": "Well-being", "score-score": "mean"},
            "“wellbeing” is a computed score",
        ),
    ],
)
def test_the_builder_shows_the_refusal_and_adds_nothing(client, login, make_study, startup, data, words):
    study = make_study("draft", protocol=sleep_protocol())
    survey = study.surveys[0]
    before = list(survey.items)
    prefix = data["kind"]
    posted = {**data, f"{prefix}-show_if_key_1": "sleep_hours", f"{prefix}-show_if_op_1": "greater_than"}
    posted[f"{prefix}-show_if_value_1"] = "6"
    if prefix == "score":
        numeric = [i["key"] for i in before if i.get("type") in ("likert", "number", "nps")][:2]
        posted["score-of"] = numeric
    login(startup)
    response = client.post(f"/studies/{study.id}/surveys/{survey.id}/items", data=posted)
    assert response.status_code == 422
    assert words in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert survey.items == before


def test_an_amendment_refuses_it_on_its_page_and_through_the_api(client, login, api_headers, make_study, startup):
    study = make_study("recruiting")
    headers = api_headers(startup)
    opened = client.post(f"{API}/studies/{study.id}/amendments", json={"reason": "Add a section"}, headers=headers)
    assert opened.status_code == 201, opened.get_json()
    version = opened.get_json()["version"]
    record = db.session.scalar(select(Amendment).where(Amendment.study_id == study.id)).record
    follow_up = next(s for s in record["surveys"] if s["key"] == "follow_up")
    body = {**{k: follow_up[k] for k in ("key", "title", "timepoint")}, "items": [*follow_up["items"], SECTION]}
    body["items"].append({"key": "after", "text": "After?", "type": "yes_no"})
    refused = client.post(f"{API}/studies/{study.id}/amendments/{version}/surveys", json=body, headers=headers)
    assert refused.status_code == 422 and "“habits” is a section break" in str(refused.get_json())
    login(startup)
    page = client.post(
        f"/studies/{study.id}/amendments/{version}/surveys/follow_up/items",
        data={
            "kind": "section",
            "section-key": "habits",
            "section-section": "Your habits",
            "section-show_if_key_1": "sleep_hours",
            "section-show_if_value_1": "6",
        },
    )
    assert page.status_code == 422 and "“habits” is a section break" in html.unescape(page.get_data(as_text=True))
    db.session.expire_all()
    after = db.session.scalar(select(Amendment).where(Amendment.study_id == study.id)).record
    assert next(s for s in after["surveys"] if s["key"] == "follow_up")["items"] == follow_up["items"]
