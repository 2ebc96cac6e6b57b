"""Issue 9, items 11 and 12: the protocol editor saves the valid fields of a draft and lists the invalid
ones at the top, linked to each input; founders name groups, timepoints, surveys, questions and clauses in
words, and the keys are made from those names (shown, editable, under "Advanced")."""

import html
import re

import pytest

from livinglab.extensions import db
from livinglab.studies.models import Study
from tests.studies.test_study_pages import protocol_form


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reload(study_id: int) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study_id)


def summary_links(page: str) -> list[str]:
    block = re.search(r'<section class="error-summary"(.*?)</section>', page, re.S)
    assert block, "no error summary at the top"
    return re.findall(r'<a href="#([^"]+)">', block.group(1))


# --- 9.11: valid fields are saved, invalid ones listed -----------------------------------------------


def test_valid_fields_are_saved_and_invalid_ones_listed_with_links(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(
            summary="A clearer summary.",
            risks="Fewer risks.",
            alpha="5",
            target_enrolment="lots",
            min_age="70",
            max_age="30",
        ),
    )
    assert response.status_code == 422
    page = text(response)
    saved = reload(study.id)
    assert (saved.summary, saved.risks) == ("A clearer summary.", "Fewer risks.")
    assert (saved.alpha, saved.target_enrolment, saved.eligibility["min_age"]) == (0.05, 40, 18)
    # listed at the top in the editor's order, each linked to its input, which exists on the page
    assert summary_links(page) == ["target_enrolment", "eligibility", "alpha"]
    for anchor in summary_links(page):
        assert f'id="{anchor}"' in page
    assert "3 fields were not saved" in page and "Everything else is saved." in page
    # shown again as typed, with the message beside the input
    assert re.search(r'<input[^>]*id="target_enrolment"[^>]*value="lots"', page)
    assert 'id="alpha-error">Must be between 0.001 and 0.2.' in page
    assert 'id="eligibility-error">The maximum age must not be below the minimum age.' in page


def test_the_checklist_keeps_saying_what_blocks_submission(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(target_enrolment="", retention_months="x"))
    page = text(response)
    checklist = re.search(r'<details class="card editor-checklist" open>(.*?)</details>\s*<form', page, re.S)
    assert checklist, "the checklist is on the editor, open when something is wrong"
    missing = re.findall(
        r'<li class="missing"><span class="visually-hidden">Missing:</span> ([^<]+)</li>', checklist.group(1)
    )
    assert missing == ["A target enrolment"]  # retention was not changed: still 24, so not missing
    assert reload(study.id).target_enrolment is None


def test_groups_and_design_are_saved_together_or_not_at_all(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(design="parallel_groups", arms=["intervention"], summary="Now in two groups."),
    )
    page = text(response)
    saved = reload(study.id)
    assert (saved.design, saved.arms, saved.summary) == (
        "single_group_pre_post",
        ["intervention"],
        "Now in two groups.",
    )
    assert summary_links(page) == ["design", "arms"]
    assert "A parallel-group design needs at least two arms" in page


def test_a_fully_valid_save_still_redirects(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(summary="Fine."))
    assert response.status_code == 302 and reload(study.id).summary == "Fine."


def test_the_api_patch_stays_all_or_nothing(client, make_study, startup, api_headers):
    study = make_study("draft")
    response = client.patch(
        f"/api/v1/studies/{study.id}", json={"summary": "Changed", "alpha": 5}, headers=api_headers(startup)
    )
    assert response.status_code == 422 and set(response.json["error"]["fields"]) == {"alpha"}
    assert reload(study.id).summary != "Changed"


def test_a_frozen_protocol_saves_nothing(client, login, startup, make_study):
    study = make_study("submitted")
    login(startup)
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(summary="Sneaky", alpha="5"))
    assert response.status_code == 302 and reload(study.id).summary != "Sneaky"


# --- 9.12: keys made from names ------------------------------------------------------------------------


def test_groups_and_timepoints_are_named_in_words_and_keys_made_from_the_names(
    client, login, startup, make_study, api_headers
):
    study = make_study("draft", survey_defs=[])
    login(startup)
    data = {
        name: value
        for name, value in protocol_form(design="parallel_groups").items()
        if not name.startswith(("arms-", "timepoints-"))
    }
    data.update(
        {
            "arms-0-label": "Menu habituel",
            "arms-1-label": "Menu végétal",
            "timepoints-0-label": "Avant la dégustation",
            "timepoints-0-days": "0",
            "timepoints-1-label": "Après 4 semaines",
            "timepoints-1-days": "28",
        }
    )
    response = client.post(f"/studies/{study.id}/edit", data=data)
    assert response.status_code == 302, text(response)
    saved = reload(study.id)
    assert saved.arms == ["menu_habituel", "menu_vegetal"]
    assert saved.timepoints == ["avant_la_degustation", "apres_4_semaines"]
    assert saved.timepoint_delays == {"avant_la_degustation": 0, "apres_4_semaines": 28}
    # a name that says no more than its key in words needs no label
    assert saved.labels["arms"] == {"menu_vegetal": "Menu végétal"}
    assert saved.labels["timepoints"]["apres_4_semaines"] == "Après 4 semaines"
    page = text(client.get(f"/studies/{study.id}/edit"))
    # the names come back as typed; the keys are there, folded under "Advanced"
    assert re.search(r'id="arms-1-label"[^>]*value="Menu végétal"', page)
    advanced = re.search(
        r'<details class="advanced"[^>]*>\s*<summary>Advanced: the keys of the groups and '
        r"timepoints</summary>(.*?)</details>",
        page,
        re.S,
    ).group(1)
    assert re.search(r'id="arms-1-key"[^>]*value="menu_vegetal"', advanced)
    assert re.search(r'id="timepoints-1-key"[^>]*value="apres_4_semaines"', advanced)
    assert re.search(r'id="timepoints-1-days"[^>]*value="28"', page)
    assert "follow_up: 28" not in page  # no more mini-syntax
    # the API keeps its keys, and serves the names beside them
    body = client.get(f"/api/v1/studies/{study.id}", headers=api_headers(startup)).json
    assert body["arms"] == ["menu_habituel", "menu_vegetal"]
    assert body["labels"]["timepoints"]["avant_la_degustation"] == "Avant la dégustation"


def test_a_key_typed_under_advanced_is_kept(client, login, startup, make_study):
    study = make_study("draft", survey_defs=[])
    login(startup)
    data = {
        name: value for name, value in protocol_form(design="parallel_groups").items() if not name.startswith("arms-")
    }
    data.update({"arms-0-label": "Usual care", "arms-0-key": "control", "arms-1-label": "Coaching app"})
    assert client.post(f"/studies/{study.id}/edit", data=data).status_code == 302
    assert reload(study.id).arms == ["control", "coaching_app"]
    bad = client.post(f"/studies/{study.id}/edit", data={**data, "arms-0-key": "Usual Care!"})
    assert bad.status_code == 422 and "Use lower-case letters" in text(bad)
    assert reload(study.id).arms == ["control", "coaching_app"]


def test_labels_in_the_api(client, make_study, startup, api_headers):
    study = make_study("draft")
    headers = api_headers(startup)
    body = client.get(f"/api/v1/studies/{study.id}", headers=headers).json
    assert body["labels"] == {"arms": {}, "timepoints": {}}
    response = client.patch(
        f"/api/v1/studies/{study.id}",
        headers=headers,
        json={"labels": {"timepoints": {"follow_up": "After four weeks", "unknown": "Dropped"}}},
    )
    assert response.status_code == 200
    assert response.json["labels"] == {"arms": {}, "timepoints": {"follow_up": "After four weeks"}}
    for bad, status in (
        ({"timepoints": {"follow_up": ""}}, 422),
        ({"colours": {}}, 422),
        ("x", 400),
        ({"arms": {"Bad Key": "x"}}, 422),
        ({"arms": {"intervention": "x" * 101}}, 422),
    ):
        answer = client.patch(f"/api/v1/studies/{study.id}", headers=headers, json={"labels": bad})
        assert answer.status_code == status, bad
        assert "labels" in answer.json["error"]["fields"]


def test_a_survey_and_its_questions_need_no_key(client, login, startup, make_study):
    study = make_study("draft", survey_defs=[])
    login(startup)
    question = "On average, how many hours did you sleep per night last week?"
    for title, timepoint in (("Before the coaching", "baseline"), ("After four weeks", "follow_up")):
        response = client.post(
            f"/studies/{study.id}/surveys/new",
            data={
                "title": title,
                "timepoint": timepoint,
                "start": "question",
                "question-text": question,
                "question-type": "number",
                "question-required": "y",
                "question-min": "0",
                "question-max": "24",
            },
        )
        assert response.status_code == 302, text(response)
    saved = reload(study.id)
    baseline, follow_up = sorted(saved.surveys, key=lambda s: s.id)
    assert (baseline.key, follow_up.key) == ("before_coaching", "after_four_weeks")
    # the same question at both timepoints is one variable, measured twice
    assert baseline.items[0]["key"] == follow_up.items[0]["key"] == "average_hours_sleep_night"
    # an instrument gets its short name, the same in every survey
    for survey in (baseline, follow_up):
        added = client.post(
            f"/studies/{study.id}/surveys/{survey.id}/items",
            data={"kind": "instrument", "instrument-instrument": "who5", "instrument-key": ""},
        )
        assert added.status_code == 302
    assert [s.items[-1]["key"] for s in sorted(reload(study.id).surveys, key=lambda s: s.id)] == ["who5", "who5"]
    # another question in the same survey never takes a used key
    client.post(
        f"/studies/{study.id}/surveys/{baseline.id}/items",
        data={
            "kind": "question",
            "question-text": "How many hours did you sleep per night last week?",
            "question-type": "number",
            "question-required": "y",
        },
    )
    keys = [item["key"] for item in db.session.get(type(baseline), baseline.id).items]
    assert len(keys) == len(set(keys)) == 3
    # the primary outcome is picked among the questions, by their wording
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert re.search(r'<select[^>]*id="primary_variable"', page)
    assert f'<option value="average_hours_sleep_night">{question} (asked at Baseline, Follow up)</option>' in page


def test_consent_clauses_need_no_key(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(
        f"/studies/{study.id}/consent",
        data={
            "text": "About this pilot.",
            "clauses-0-text": "I agree that my answers are used for this pilot.",
            "clauses-0-required": "y",
            "clauses-1-text": "I agree to be contacted again.",
            "clauses-2-text": "I agree to be contacted again, by phone.",
            "clauses-2-key": "phone",
        },
    )
    assert response.status_code == 302, text(response)
    clauses = reload(study.id).current_consent.clauses
    assert [c["key"] for c in clauses] == ["agree_answers_used", "agree_contacted_again", "phone"]


# --- 9.19: the history shows the fields' labels -----------------------------------------------------------


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "Edited the protocol: Data collected and why, When each timepoint's survey opens"),
        (
            "fr",
            "Protocole modifié\u00a0: Données collectées et finalités, Ouverture du questionnaire de chaque temps de mesure",
        ),
    ],
)
def test_the_history_names_the_fields_edited_in_words(client, login, startup, make_study, api_headers, lang, expected):
    study = make_study("draft")
    client.patch(
        f"/api/v1/studies/{study.id}",
        headers=api_headers(startup),
        json={"data_collected": "Sleep hours only.", "timepoint_delays": {"follow_up": 28}},
    )
    login(startup)
    client.post("/language", data={"lang": lang, "next": "/"})
    page = text(client.get(f"/studies/{study.id}"))
    assert expected in page
    assert "data_collected" not in page.split('id="history-title"')[1]
