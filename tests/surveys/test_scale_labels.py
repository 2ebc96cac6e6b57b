"""Issue 14, item 2 (its last part): a rating scale with a label on each point or on its two ends, instead of
always "Lowest" and "Highest", in the builder, the survey page, the API and the exports."""

import html
import re

import pytest

from livinglab.exports.columns import plan_for
from livinglab.exports.dictionary import dictionary_rows
from tests.surveys.test_api_surveys import assert_error, question, survey
from tests.surveys.test_survey_pages import follow_up, stored, url
from tests.surveys.test_survey_pages import question as form_question

FIVE = ["Not at all", "A little", "Moderately", "Quite a lot", "Very much"]


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.fixture
def post_item(client, api_headers, startup, make_study):
    study = make_study("draft")
    headers = api_headers(startup)

    def post(item):
        return client.post(
            "/api/v1/studies/%d/surveys" % study.id, json=survey(item, key="extra"), headers=headers
        ), study

    return post


def test_each_point_labelled_is_shown_as_a_labelled_choice(post_item, client, login, startup):
    response, study = post_item(question("energy", "likert", "How much energy did you have?", labels=FIVE))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["items"][0]["labels"] == FIVE
    login(startup)
    extra = next(s for s in study.surveys if s.key == "extra")
    page = text(client.get(url(study, extra, "/preview")))
    for value, label in enumerate(FIVE, start=1):
        assert f'<label for="a-energy-{value}">{label}</label>' in page
    assert "Lowest" not in page


def test_two_labels_name_the_ends(post_item, client, login, startup):
    response, study = post_item(
        question("pain", "likert", "How much pain?", min=0, max=10, labels=["None", "Worst imaginable"])
    )
    assert response.status_code == 201, response.get_json()
    login(startup)
    extra = next(s for s in study.surveys if s.key == "extra")
    page = text(client.get(url(study, extra, "/preview")))
    assert "0 · None" in page and "Worst imaginable · 10" in page and "Lowest" not in page


def test_without_labels_the_item_is_as_before(post_item):
    response, _study = post_item(question("mood", "likert", "Mood?"))
    assert response.status_code == 201
    assert response.get_json()["items"][0] == {
        "key": "mood",
        "text": "Mood?",
        "type": "likert",
        "required": True,
        "min": 1,
        "max": 5,
    }


@pytest.mark.parametrize(
    "labels, status",
    [
        (["Low", "Middle", "High"], 422),  # neither two nor one per point (5)
        (["Same", "Same"], 422),
        (["Low", "Hi\r\ngh"], 422),
        (["x" * 101, "High"], 422),
        ([""] * 2, 422),
        ("Low, High", 400),
        ([1, 2], 400),
        (["Low"], 422),
        ([f"p{i}" for i in range(22)], 422),
    ],
)
def test_labels_that_do_not_fit_the_scale_are_refused(post_item, labels, status):
    response, study = post_item(question("mood", "likert", "Mood?", labels=labels))
    error = assert_error(response, status)
    assert error["fields"]["items"].startswith("item 1: labels: "), error
    assert not any(s.key == "extra" for s in study.surveys)


def test_the_builder_takes_labels_one_per_line_and_shows_them_again(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    survey_ = follow_up(study)
    added = client.post(url(study, survey_, "/items"), data=form_question(key="energy", labels="\n".join(FIVE) + "\n"))
    assert added.status_code == 302
    item = next(i for i in stored(survey_.id) if i["key"] == "energy")
    assert item["labels"] == FIVE
    index = stored(survey_.id).index(item)
    edit = text(client.get(url(study, survey_, f"/items/{index}/edit")))
    assert "\n".join(FIVE) in html.unescape(
        client.get(url(study, survey_, f"/items/{index}/edit")).get_data(as_text=True)
    )
    assert "Labels of the scale" in edit
    refused = client.post(url(study, survey_, "/items"), data=form_question(key="other", labels="Low\nMiddle\nHigh"))
    assert refused.status_code == 422 and "one per point (5)" in text(refused)


def test_the_dictionary_names_every_labelled_point(client, api_headers, startup, make_study):
    study = make_study("draft")
    body = survey(question("energy", "likert", "Energy?", labels=FIVE), key="extra")
    assert (
        client.post(f"/api/v1/studies/{study.id}/surveys", json=body, headers=api_headers(startup)).status_code == 201
    )
    row = next(r for r in dictionary_rows(plan_for(study)) if r[0] == "energy")
    assert row[3] == "[1, 5] (1 = Not at all; 2 = A little; 3 = Moderately; 4 = Quite a lot; 5 = Very much)"
