"""Where issue 14's survey features meet (items 1, 2 and 4): conditions on a survey with pages are decided with
every page's answers; a matrix or a slider can be a condition's source; a matrix that does not apply is not
applicable under each of its rows. Expectations written from the issue, not read from the code."""

import html
import json
import re

import pytest
from sqlalchemy import select

from livinglab.demo import sleep_surveys
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Answer, SurveyDraft
from livinglab.surveys import branching, paging
from livinglab.surveys.answers import check_answers
from livinglab.surveys.definitions import clean_items
from livinglab.validation import FieldError

CLAUSES = {"understood": True, "data_use": True}
SLEEP = {"key": "sleep_hours", "text": "Hours of sleep per night?", "type": "number", "min": 0, "max": 24, "unit": "h"}
SMOKER = {"key": "smoker", "text": "Do you smoke?", "type": "yes_no"}
SMOKING = {"key": "about_smoking", "section": "Smoking"}
IF_SMOKER = {"all": [{"key": "smoker", "op": "equals", "value": True}]}
CIGARETTES = {
    "key": "cigarettes",
    "text": "Cigarettes a day?",
    "type": "number",
    "min": 0,
    "max": 100,
    "show_if": IF_SMOKER,
}
CRAVINGS = {
    "key": "cravings",
    "text": "How strong are your cravings",
    "type": "matrix",
    "rows": ["In the morning", "In the evening"],
    "min": 1,
    "max": 5,
    "show_if": IF_SMOKER,
}
LAST = {"key": "last_word", "section": "A last word"}
COMMENTS = {"key": "comments", "text": "Anything else?", "type": "text", "required": False}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.fixture
def pilot(make_study, participant):
    baseline, follow_up = sleep_surveys()
    baseline["items"] = [SLEEP, SMOKER, SMOKING, CIGARETTES, CRAVINGS, LAST, COMMENTS]
    study = make_study("recruiting", survey_defs=[baseline, follow_up])
    services.enrol(
        participant,
        study,
        consent_version=1,
        clauses=CLAUSES,
        signature=participant.name,
        age=40,
        criteria_confirmed=True,
    )
    db.session.commit()
    return study


@pytest.fixture
def url(pilot):
    return f"/pilots/{pilot.id}/surveys/baseline"


def post(client, url, page, action=None, **answers):
    return client.post(url, data={paging.FIELD: str(page), **({"action": action} if action else {}), **answers})


def stored() -> dict:
    db.session.expire_all()
    return {a.item_key: (a.number, a.text, a.not_applicable) for a in db.session.scalars(select(Answer))}


def draft() -> dict | None:
    db.session.expire_all()
    return db.session.scalar(select(SurveyDraft.answers))


def test_a_question_that_applies_because_of_an_earlier_page_is_shown_and_its_answer_kept(
    client, login, participant, url
):
    login(participant)
    assert post(client, url, 1, "next", sleep_hours="7", smoker="true").location.endswith("?page=2")
    second = client.get(url + "?page=2")
    page = text(second)
    assert "Page 2 of 3" in page and 'name="cigarettes"' in page and 'name="cravings_1"' in page
    # the browser's script reads the first page's answer from the form (it is not an input of this page)
    assert json.loads(re.search(r"data-answers='([^']*)'", second.get_data(as_text=True)).group(1)) == {"smoker": True}
    moved = post(client, url, 2, "next", cigarettes="10", cravings_1="4", cravings_2="2")
    assert moved.status_code == 302 and moved.location.endswith("?page=3")  # not refused as "does not apply"
    assert draft() == {"sleep_hours": "7", "smoker": "true", "cigarettes": "10", "cravings_1": "4", "cravings_2": "2"}
    assert post(client, url, 3).location == "/dashboard"
    assert stored() == {
        "sleep_hours": (7.0, None, False),
        "smoker": (1.0, None, False),
        "cigarettes": (10.0, None, False),
        "cravings_1": (4.0, None, False),
        "cravings_2": (2.0, None, False),
    }


def test_a_page_whose_questions_all_do_not_apply_is_skipped_and_stored_not_applicable(client, login, participant, url):
    login(participant)
    moved = post(client, url, 1, "next", sleep_hours="7", smoker="false")
    assert moved.location.endswith("?page=3")  # the smoking page has nothing to show
    assert "Page 2 of 2" in text(client.get(moved.location))
    assert post(client, url, 3, comments="Fine").location == "/dashboard"
    assert stored() == {
        "sleep_hours": (7.0, None, False),
        "smoker": (0.0, None, False),
        "cigarettes": (None, None, True),
        "cravings_1": (None, None, True),  # a matrix: each of its rows
        "cravings_2": (None, None, True),
        "comments": (None, "Fine", False),
    }


def test_changing_an_earlier_answer_drops_what_no_longer_applies(client, login, participant, url):
    login(participant)
    post(client, url, 1, "next", sleep_hours="7", smoker="true")
    post(client, url, 2, "next", cigarettes="10", cravings_1="4", cravings_2="2")
    post(client, url, 1, "next", sleep_hours="7", smoker="false")
    assert draft() == {"sleep_hours": "7", "smoker": "false"}
    assert post(client, url, 3).location == "/dashboard"
    assert stored()["cigarettes"] == (None, None, True)


def test_a_matrix_row_and_a_slider_can_be_a_conditions_source_but_a_date_cannot():
    items = [
        {"key": "pain", "text": "Pain", "type": "slider", "labels": ["None", "Worst"]},
        {"key": "feel", "text": "Feel", "type": "matrix", "rows": ["Calm", "Rested"], "min": 1, "max": 5},
        {"key": "when", "text": "Since when", "type": "date", "required": False},
        {
            "key": "why",
            "text": "Why?",
            "type": "text",
            "required": False,
            "show_if": {
                "any": [
                    {"key": "pain", "op": "greater_than", "value": 70},
                    {"key": "feel_2", "op": "less_than", "value": 2},
                ]
            },
        },
    ]
    cleaned = clean_items(items)
    assert [c["key"] for c in branching.candidates(cleaned[:3])] == ["pain", "feel_1", "feel_2"]
    answers = {"pain": "80", "feel_1": "3", "feel_2": "4", "why": "It hurts"}
    assert check_answers(cleaned, answers)[1] == {}
    rows, errors = check_answers(cleaned, {**answers, "pain": "20"})
    assert errors == {"why": "This question does not apply given the earlier answers: leave it out."}
    rows, errors = check_answers(cleaned, {"pain": "20", "feel_1": "3", "feel_2": "4"})
    assert errors == {} and rows["why"] == (None, None)
    on_a_date = {**items[3], "show_if": {"all": [{"key": "when", "op": "equals", "value": "2026-01-01"}]}}
    with pytest.raises(FieldError, match="date or time"):
        clean_items([*items[:3], on_a_date])
    with pytest.raises(FieldError, match="within its scale"):
        clean_items([*items[:3], {**items[3], "show_if": {"all": [{"key": "pain", "op": "less_than", "value": 101}]}}])


@pytest.fixture
def last_page_decides(make_study, participant):
    """Page 2 asks whether they smoke; page 3 holds only a question for smokers (optional), then a score."""
    baseline, follow_up = sleep_surveys()
    cigarettes = {**CIGARETTES, "required": False}
    baseline["items"] = [SLEEP, SMOKING, SMOKER, LAST, cigarettes]
    study = make_study("recruiting", survey_defs=[baseline, follow_up])
    services.enrol(
        participant,
        study,
        consent_version=1,
        clauses=CLAUSES,
        signature=participant.name,
        age=40,
        criteria_confirmed=True,
    )
    db.session.commit()
    return f"/pilots/{study.id}/surveys/baseline"


def test_sending_from_a_page_whose_answer_makes_a_later_page_apply_goes_there_first(
    client, login, participant, last_page_decides
):
    url = last_page_decides
    login(participant)
    post(client, url, 1, "next", sleep_hours="7")
    assert "Page 2 of 2" in text(client.get(url + "?page=2"))  # nothing after it yet: Send is offered
    moved = post(client, url, 2, smoker="true")  # Send, with an answer that brings page 3 in
    assert moved.status_code == 302 and moved.location.endswith("?page=3")
    assert stored() == {}  # nothing sent before the new page is seen
    assert "Page 3 of 3" in text(client.get(moved.location))


def test_a_computed_score_makes_no_page_of_its_own():
    """Scores are added at the end: after a last section, it would have been a blank page the progress counted."""
    again = {**SLEEP, "key": "sleep_again"}
    total = {"key": "total", "text": "Total", "score": "sum", "of": ["sleep_hours", "sleep_again"]}
    items = clean_items([SLEEP, again, {"key": "more", "section": "More"}, total])
    assert [page.number for page in paging.pages(items, {})] == [1]


def test_a_not_equals_condition_says_an_answer_is_needed():
    items = clean_items(
        [SMOKER, {**CIGARETTES, "show_if": {"all": [{"key": "smoker", "op": "not_equals", "value": False}]}}]
    )
    assert branching.describe(items[1], items) == "Answer only if your answer to “Do you smoke?” is other than “No”."
    assert not branching.applies(items[1], {})  # unanswered: the condition is not met, as the sentence says


def test_a_matrix_that_did_not_apply_reads_back_as_not_applicable():
    from livinglab.surveys.answers import readable

    items = clean_items([SMOKER, CRAVINGS])
    lines = readable(items, {"smoker": (0.0, None), "cravings_1": (None, None), "cravings_2": (None, None)})
    assert [(line["key"], line["not_applicable"]) for line in lines] == [
        ("smoker", False),
        ("cravings_1", True),
        ("cravings_2", True),
    ]
