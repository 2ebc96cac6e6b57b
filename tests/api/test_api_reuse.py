"""Reuse through the API (issue 14, item 5), with the services of the builder's pages: copy an item, a section or a
whole survey to another timepoint (keys kept), the organisation's earlier questions (never another organisation's),
a survey started from a template; only the owner organisation, only while the protocol is editable."""

import pytest
from sqlalchemy import select

from livinglab.demo import sleep_surveys
from livinglab.extensions import db
from livinglab.surveys.models import Survey

API = "/api/v1"
# As the services store them (a question is required unless it says otherwise): copies are equal to these
DRINKS = {"key": "drinks_coffee", "text": "Do you drink coffee?", "type": "yes_no", "required": True}
CUPS = {
    "key": "cups",
    "text": "How many cups a day?",
    "type": "number",
    "min": 0,
    "max": 30,
    "unit": "",
    "required": True,
    "show_if": {"all": [{"key": "drinks_coffee", "op": "equals", "value": True}]},
}
MOOD = {"key": "about_mood", "section": "How you feel"}
CALM = {"key": "calm", "text": "How calm did you feel?", "type": "likert", "min": 1, "max": 5, "required": True}
ENERGY = {
    "key": "energy",
    "text": "How much energy did you have?",
    "type": "likert",
    "min": 1,
    "max": 5,
    "required": True,
}
LAST = {"key": "last_word", "section": "A last word"}
NOTE = {"key": "note", "text": "A last note?", "type": "text", "required": False}


def with_baseline(make_study, items, **kwargs):
    """A sleep pilot whose baseline survey has these items (the follow-up is the demo's)."""
    baseline, follow_up = sleep_surveys()
    baseline["items"] = items
    return make_study(survey_defs=[baseline, follow_up], **kwargs)


def stored(study_id: int) -> dict:
    """Every survey of the study as stored: {key: [items]}."""
    db.session.rollback()
    surveys = db.session.scalars(select(Survey).where(Survey.study_id == study_id))
    return {survey.key: survey.items for survey in surveys}


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    if code:
        assert error["code"] == code
    return error


@pytest.fixture
def draft(make_study):
    return with_baseline(make_study, [MOOD, CALM, ENERGY, LAST, NOTE, DRINKS, CUPS])


def calls(study_id: int) -> list[tuple[str, str, dict]]:
    """One call of each reuse endpoint, with a body that would succeed on `draft`."""
    survey = f"{API}/studies/{study_id}/surveys/baseline"
    return [
        ("GET", f"{API}/studies/{study_id}/question-library", {}),
        ("POST", f"{survey}/library", {"source": 1, "key": "calm"}),
        ("POST", f"{survey}/items/calm/copy", {"target": "follow_up"}),
        ("POST", f"{survey}/copy", {"timepoint": "follow_up"}),
        (
            "POST",
            f"{API}/studies/{study_id}/surveys/from-template",
            {"template": "sleep_wellbeing", "language": "en", "timepoint": "baseline"},
        ),
    ]


# --- Copies -----------------------------------------------------------------------------------------------


def test_copying_an_item_appends_it_to_the_other_timepoint_with_its_key(client, api_headers, startup, draft):
    before = stored(draft.id)
    response = client.post(
        f"{API}/studies/{draft.id}/surveys/baseline/items/calm/copy",
        headers=api_headers(startup),
        json={"target": "follow_up"},
    )
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["key"] == "follow_up"
    assert answer["items"] == [*before["follow_up"], CALM]
    after = stored(draft.id)
    assert after["follow_up"] == [*before["follow_up"], CALM]
    assert after["baseline"] == before["baseline"]


def test_copying_a_section_copies_its_break_and_its_questions(client, api_headers, startup, draft):
    before = stored(draft.id)
    response = client.post(
        f"{API}/studies/{draft.id}/surveys/baseline/items/about_mood/copy",
        headers=api_headers(startup),
        json={"target": "follow_up", "section": True},
    )
    assert response.status_code == 201, response.get_json()
    assert stored(draft.id)["follow_up"] == [*before["follow_up"], MOOD, CALM, ENERGY]


def test_a_condition_the_target_cannot_meet_is_dropped_only_when_asked(client, api_headers, startup, draft):
    headers, before = api_headers(startup), stored(draft.id)
    url = f"{API}/studies/{draft.id}/surveys/baseline/items/cups/copy"
    error = assert_error(client.post(url, headers=headers, json={"target": "follow_up"}), 409, "conditions_not_met")
    assert "cups" in error["message"]
    assert stored(draft.id) == before
    response = client.post(url, headers=headers, json={"target": "follow_up", "drop_conditions": True})
    assert response.status_code == 201
    without = {key: value for key, value in CUPS.items() if key != "show_if"}
    assert stored(draft.id)["follow_up"] == [*before["follow_up"], without]


def test_a_key_the_target_timepoint_asks_already_is_refused_and_nothing_is_copied(client, api_headers, startup, draft):
    before = stored(draft.id)
    url = f"{API}/studies/{draft.id}/surveys/baseline/items/calm/copy"
    client.post(url, headers=api_headers(startup), json={"target": "follow_up"})
    assert_error(client.post(url, headers=api_headers(startup), json={"target": "follow_up"}), 422)
    assert stored(draft.id)["follow_up"] == [*before["follow_up"], CALM]
    same = client.post(url, headers=api_headers(startup), json={"target": "baseline"})
    assert_error(same, 422)
    assert_error(client.post(url, headers=api_headers(startup), json={"target": "nope"}), 404)
    assert stored(draft.id)["follow_up"] == [*before["follow_up"], CALM]


def test_copying_the_whole_survey_makes_a_new_survey_with_the_same_items(client, api_headers, startup, make_study):
    study = with_baseline(make_study, [CALM, ENERGY])
    response = client.post(
        f"{API}/studies/{study.id}/surveys/baseline/copy", headers=api_headers(startup), json={"timepoint": "follow_up"}
    )
    assert response.status_code == 201, response.get_json()
    copy = response.get_json()
    assert (copy["key"], copy["timepoint"], copy["items"]) == ("baseline_follow_up", "follow_up", [CALM, ENERGY])
    assert stored(study.id)["baseline_follow_up"] == [CALM, ENERGY]
    again = client.post(
        f"{API}/studies/{study.id}/surveys/baseline/copy", headers=api_headers(startup), json={"timepoint": "baseline"}
    )
    assert_error(again, 422)


def test_a_survey_starts_from_the_french_template(client, api_headers, startup, make_study):
    study = with_baseline(make_study, [CALM])
    response = client.post(
        f"{API}/studies/{study.id}/surveys/from-template",
        headers=api_headers(startup),
        json={"template": "sleep_wellbeing", "language": "fr", "timepoint": "follow_up"},
    )
    # the demo's follow-up asks sleep_hours already: the template's own sleep_hours is refused there
    assert_error(response, 422)
    response = client.post(
        f"{API}/studies/{study.id}/surveys/from-template",
        headers=api_headers(startup),
        json={"template": "sleep_wellbeing", "language": "fr", "timepoint": "baseline"},
    )
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["key"], made["title"], made["timepoint"]) == ("sleep_wellbeing", "Sommeil et bien-être", "baseline")
    assert [item["key"] for item in made["items"]] == [
        "about_sleep",
        "sleep_hours",
        "sleep_quality",
        "about_wellbeing",
        "who",
        "gad",
        "comments",
    ]
    assert made["items"][-1] == {
        "key": "comments",
        "text": "Souhaitez-vous ajouter quelque chose ?",
        "type": "text",
        "required": False,
    }
    unknown = {"template": "nope", "language": "fr", "timepoint": "baseline"}
    error = assert_error(
        client.post(f"{API}/studies/{study.id}/surveys/from-template", headers=api_headers(startup), json=unknown),
        422,
    )
    assert "template" in error["fields"]


# --- The organisation's earlier questions --------------------------------------------------------------------


@pytest.fixture
def pilots(make_study, other_startup):
    """The draft to fill; an earlier pilot of the same organisation; another organisation's pilot."""
    target = with_baseline(make_study, [CALM])
    earlier = with_baseline(make_study, [*sleep_surveys()[0]["items"], ENERGY, DRINKS, CUPS, MOOD], status="approved")
    foreign = with_baseline(
        make_study, [{"key": "secret", "text": "Another organisation's energy?", "type": "nps"}], owner=other_startup
    )
    return target, earlier, foreign


def survey_id(study, key: str) -> int:
    return db.session.scalar(select(Survey.id).where(Survey.study_id == study.id, Survey.key == key))


def test_the_library_lists_only_the_organisations_other_pilots_questions(client, api_headers, startup, pilots):
    target, earlier, foreign = pilots
    answer = client.get(f"{API}/studies/{target.id}/question-library", headers=api_headers(startup)).get_json()
    keys = {found["item"]["key"] for found in answer["items"]}
    assert {"energy", "drinks_coffee", "cups", "sleep_hours"} <= keys
    assert "secret" not in keys and "about_mood" not in keys and "calm" not in keys  # not its own, no sections
    energy = next(found for found in answer["items"] if found["item"]["key"] == "energy")
    assert energy == {
        "survey_id": survey_id(earlier, "baseline"),
        "study_title": earlier.title,
        "survey_title": sleep_surveys()[0]["title"],
        "item": ENERGY,
    }
    searched = client.get(f"{API}/studies/{target.id}/question-library?q=ENERGY", headers=api_headers(startup))
    assert [found["item"]["key"] for found in searched.get_json()["items"]] == ["energy"]


def test_a_question_of_the_library_is_added_without_its_condition(client, api_headers, startup, pilots):
    target, earlier, foreign = pilots
    url = f"{API}/studies/{target.id}/surveys/baseline/library"
    response = client.post(
        url, headers=api_headers(startup), json={"source": survey_id(earlier, "baseline"), "key": "cups"}
    )
    assert response.status_code == 201, response.get_json()
    without = {key: value for key, value in CUPS.items() if key != "show_if"}
    assert stored(target.id)["baseline"] == [CALM, without]


def test_another_organisations_question_is_unknown(client, api_headers, startup, pilots):
    target, earlier, foreign = pilots
    before = stored(target.id)
    url = f"{API}/studies/{target.id}/surveys/baseline/library"
    for source, key in ((survey_id(foreign, "baseline"), "secret"), (survey_id(target, "follow_up"), "sus")):
        assert_error(client.post(url, headers=api_headers(startup), json={"source": source, "key": key}), 404)
    assert stored(target.id) == before


# --- Who may, and when --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caller, status", [(None, 401), ("other_startup", 404), ("participant", 404), ("coordinator", 403)]
)
def test_only_the_owner_organisation_reuses(client, api_headers, request, draft, caller, status):
    user = request.getfixturevalue(caller) if caller else None
    before = stored(draft.id)
    for method, url, body in calls(draft.id):
        assert_error(client.open(url, method=method, headers=api_headers(user), json=body), status)
    assert stored(draft.id) == before


def test_an_enrolled_participant_may_not_reuse(client, api_headers, make_study, take_part):
    study = make_study("recruiting")
    _code, user = take_part(study, {})
    before = stored(study.id)
    for method, url, body in calls(study.id):
        assert_error(client.open(url, method=method, headers=api_headers(user), json=body), 403)
    assert stored(study.id) == before


@pytest.mark.parametrize("status", ["submitted", "approved", "recruiting"])
def test_a_frozen_protocol_refuses_every_reuse(client, api_headers, startup, make_study, status):
    study = make_study(status)
    before = stored(study.id)
    for method, url, body in calls(study.id):
        assert_error(client.open(url, method=method, headers=api_headers(startup), json=body), 409, "not_editable")
    assert stored(study.id) == before


# --- Hostile input ---------------------------------------------------------------------------------------------

NESTED = "{" + '"a": {' * 40 + "}" * 41


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("items/calm/copy", {"target": 5}, 400),
        ("items/calm/copy", {"target": ["follow_up"]}, 400),
        ("items/calm/copy", {"target": "follow_up", "section": "yes"}, 400),
        ("items/calm/copy", {"target": "follow_up", "drop_conditions": 1}, 400),
        ("items/calm/copy", {"target": "x" * 100_000}, 422),
        ("items/calm/copy", {"target": "follow\nup"}, 422),
        ("items/calm/copy", {}, 422),
        ("items/about_mood/copy", {"target": "follow_up", "section": False, "extra": {"$ne": 1}}, 201),
        ("library", {"source": 2147483648, "key": "calm"}, 422),
        ("library", {"source": 2**200, "key": "calm"}, 422),
        ("library", {"source": -1, "key": "calm"}, 422),
        ("library", {"source": "1", "key": "calm"}, 400),
        ("library", {"source": True, "key": "calm"}, 400),
        ("library", {"source": 1.5, "key": "calm"}, 400),
        ("library", {"source": 1, "key": {"$ne": ""}}, 400),
        ("copy", {"timepoint": 2147483648}, 400),
        ("copy", {"timepoint": None}, 422),
        ("copy", {"timepoint": "nowhere"}, 422),
        ("../from-template", {"template": ["sleep_wellbeing"], "language": "en", "timepoint": "baseline"}, 400),
        ("../from-template", {"template": "sleep_wellbeing", "language": "de", "timepoint": "baseline"}, 422),
        ("../from-template", {"template": "sleep_wellbeing", "language": "en", "timepoint": "x\u0000"}, 422),
    ],
)
def test_hostile_bodies_answer_a_clean_error_and_change_nothing(
    client, api_headers, startup, draft, path, body, status
):
    before = stored(draft.id)
    url = f"{API}/studies/{draft.id}/surveys/baseline/{path}".replace("baseline/../", "")
    response = client.post(url, headers=api_headers(startup), json=body)
    if status == 201:  # unknown fields are ignored, as everywhere in the API
        assert response.status_code == 201
        return
    assert_error(response, status)
    assert stored(draft.id) == before


@pytest.mark.parametrize("raw", [NESTED, "[1, 2]", "{", "null", "NaN", '{"target": "\\ud800"}'])
@pytest.mark.parametrize("path", ["items/calm/copy", "library", "copy", "../from-template"])
def test_malformed_json_is_400_and_changes_nothing(client, api_headers, startup, draft, raw, path):
    before = stored(draft.id)
    url = f"{API}/studies/{draft.id}/surveys/baseline/{path}".replace("baseline/../", "")
    response = client.post(url, headers={**api_headers(startup), "Content-Type": "application/json"}, data=raw)
    assert_error(response, 400, "malformed_json")
    assert stored(draft.id) == before


def test_a_form_post_is_415_and_huge_ids_in_the_path_are_unknown(client, api_headers, startup, draft):
    headers = api_headers(startup)
    url = f"{API}/studies/{draft.id}/surveys/baseline/copy"
    assert_error(client.post(url, headers=headers, data={"timepoint": "follow_up"}), 415)
    for method, path, body in calls(2147483648):
        assert_error(client.open(path, method=method, headers=headers, json=body), 404)
    huge = client.get(f"{API}/studies/{draft.id}/question-library?q=" + "x" * 201, headers=headers)
    assert_error(huge, 422)
