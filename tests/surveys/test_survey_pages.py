"""The survey builder pages: who may see and change what, what each change does to the database,
and what a participant will see in the preview."""

import re

import pytest

from livinglab.extensions import db
from livinglab.surveys.models import Survey


@pytest.fixture
def study(make_study):
    """A draft of the sleep study: survey 0 (baseline) and survey 1 (follow_up:
    sleep_hours, who (WHO-5), sus (SUS), comments)."""
    return make_study("draft")


def follow_up(study) -> Survey:
    return study.surveys[1]


def url(study, survey=None, suffix=""):
    base = f"/studies/{study.id}/surveys"
    return base + (f"/{survey.id}" if survey else "") + suffix


def stored(survey_id: int) -> list[dict]:
    """The items as the database holds them now."""
    db.session.expire_all()
    return db.session.get(Survey, survey_id).items


def keys(survey_id: int) -> list[str]:
    return [item["key"] for item in stored(survey_id)]


def question(**fields) -> dict:
    """The add/edit question form as a browser posts it (an unticked box is simply absent)."""
    data = {
        "kind": "question",
        "key": "mood",
        "text": "How is your mood today?",
        "type": "likert",
        "required": "y",
        "min": "",
        "max": "",
        "unit": "",
        "choices": "",
    }
    data.update(fields)
    return {
        ("kind" if name == "kind" else f"question-{name}"): value for name, value in data.items() if value is not None
    }


def instrument(key="umux", code="umux_lite") -> dict:
    return {"kind": "instrument", "instrument-key": key, "instrument-instrument": code}


def new_survey(start="question", **fields) -> dict:
    data = {"key": "week_2", "title": "Two weeks in", "timepoint": "follow_up", "start": start}
    data.update(question(key="energy", text="How energetic do you feel?") if start == "question" else instrument())
    data.pop("kind")
    data.update(fields)
    return data


def field_error(response, field_id: str) -> str:
    """The message shown beside one field, or '' when there is none."""
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', response.text, re.S)
    return found.group(1).strip() if found else ""


# --- who may do what --------------------------------------------------------------------------


def routes(study, survey):
    """(method, path, form data, needs edit rights) for every page."""
    return [
        ("get", url(study, suffix="/new"), None, True),
        ("post", url(study, suffix="/new"), new_survey(), True),
        ("get", url(study, survey), None, False),
        (
            "post",
            url(study, survey, "/edit"),
            {"survey-key": "after", "survey-title": "After", "survey-timepoint": "follow_up"},
            True,
        ),
        ("post", url(study, survey, "/items"), question(), True),
        ("get", url(study, survey, "/items/0/edit"), None, True),
        ("post", url(study, survey, "/items/0/edit"), question(key="sleep_hours", type="number"), True),
        ("post", url(study, survey, "/items/0/move"), {"direction": "down"}, True),
        ("post", url(study, survey, "/items/0/delete"), {"confirmed": "yes"}, True),
        ("post", url(study, survey, "/delete"), {"confirmed": "yes"}, True),
        ("get", url(study, survey, "/preview"), None, False),
    ]


ROUTE_NAMES = [
    "new",
    "create",
    "show",
    "update",
    "add_item",
    "edit_item_form",
    "edit_item",
    "move_item",
    "delete_item",
    "delete",
    "preview",
]


def snapshot(study):
    db.session.expire_all()
    return [(s.key, s.title, s.timepoint, s.items) for s in db.session.get(type(study), study.id).surveys]


@pytest.mark.parametrize("route", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
@pytest.mark.parametrize("role", ["anonymous", "participant", "other_startup", "coordinator"])
def test_access_matrix(request, client, login, study, route, role):
    """Anonymous: to the sign-in page; participant and another organisation: 404;
    a coordinator reads (200) but may not change (403). Nothing changes for any of them."""
    method, path, data, needs_edit = routes(study, follow_up(study))[route]
    before = snapshot(study)
    if role != "anonymous":
        login(request.getfixturevalue(role))
    response = getattr(client, method)(path, data=data)
    if role == "anonymous":
        assert response.status_code == 302
        assert "/account/signin" in response.location
    elif role in ("participant", "other_startup"):
        assert response.status_code == 404
    else:
        assert response.status_code == (403 if needs_edit else 200)
    assert snapshot(study) == before


@pytest.mark.parametrize("route", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
@pytest.mark.parametrize("who", ["startup", "colleague"])
def test_owner_organisation_may_use_every_page(request, client, login, study, route, who):
    method, path, data, _needs_edit = routes(study, follow_up(study))[route]
    login(request.getfixturevalue(who))
    response = getattr(client, method)(path, data=data)
    assert response.status_code == (200 if method == "get" else 302), response.text


@pytest.mark.parametrize("suffix", ["", "/preview", "/items/0/edit"])
def test_survey_of_another_study_is_not_found(client, login, make_study, suffix):
    first, second = make_study("draft"), make_study("draft")
    login(first.owner)
    assert client.get(url(first, second.surveys[0], suffix)).status_code == 404
    assert client.get(url(second, second.surveys[0], suffix)).status_code == 200


def test_adding_to_a_survey_through_another_study_is_not_found(client, login, make_study):
    first, second = make_study("draft"), make_study("draft")
    login(first.owner)
    before = keys(second.surveys[1].id)
    response = client.post(url(first, second.surveys[1], "/items"), data=question())
    assert response.status_code == 404
    assert keys(second.surveys[1].id) == before


@pytest.mark.parametrize("path", ["/items/9/edit", "/items/9/move", "/items/9/delete"])
def test_unknown_item_is_not_found(client, login, startup, study, path):
    login(startup)
    survey = follow_up(study)
    method = client.get if path.endswith("edit") else client.post
    assert method(url(study, survey, path), data={"direction": "up"}).status_code == 404


def test_unknown_survey_and_study_are_not_found(client, login, startup, study):
    login(startup)
    assert client.get(f"/studies/{study.id}/surveys/99999").status_code == 404
    assert client.get(f"/studies/99999/surveys/{follow_up(study).id}").status_code == 404
    assert client.get("/studies/99999/surveys/new").status_code == 404


# --- the builder page --------------------------------------------------------------------------


def test_builder_lists_items_in_order_with_their_details(client, login, startup, study):
    login(startup)
    page = client.get(url(study, follow_up(study))).text
    positions = [
        page.index(text)
        for text in (
            "On average, how many hours did you sleep",
            "WHO-5 Well-Being Index",
            "System Usability Scale (SUS)",
            "Anything else you would like to tell us?",
        )
    ]
    assert positions == sorted(positions)
    assert "Between 0 and 24." in page and "Unit: h." in page
    assert "who_1 … who_5" in page and "sus_1 … sus_10" in page
    assert "Optional" in page and "Required" in page
    for button in (
        "Move up",
        "Move down",
        "Delete",
        "Add a question",
        "Add a standard instrument",
        "Delete the survey",
        "Preview as a participant",
    ):
        assert button in page
    assert f'href="/studies/{study.id}"' in page


def test_coordinator_sees_the_survey_without_buttons(client, login, coordinator, study):
    login(coordinator)
    page = client.get(url(study, follow_up(study))).text
    assert "WHO-5 Well-Being Index" in page
    assert "Move up" not in page and "Add a question" not in page and "Delete the survey" not in page
    assert "Only the startup that runs this study can change its surveys." in page


# --- creating a survey ---------------------------------------------------------------------------


def test_new_survey_offers_the_study_timepoints(client, login, startup, study):
    login(startup)
    page = client.get(url(study, suffix="/new")).text
    assert '<option value="baseline"' in page and '<option value="follow_up"' in page
    assert "UMUX-Lite" in page and "4 × the sum" in page


def test_create_survey_with_a_first_question(client, login, startup, study):
    login(startup)
    response = client.post(url(study, suffix="/new"), data=new_survey(**{"question-min": "0", "question-max": "10"}))
    assert response.status_code == 302
    survey = db.session.get(type(study), study.id).surveys[-1]
    assert response.location.endswith(f"/studies/{study.id}/surveys/{survey.id}")
    assert (survey.key, survey.title, survey.timepoint) == ("week_2", "Two weeks in", "follow_up")
    assert survey.items == [
        {"key": "energy", "text": "How energetic do you feel?", "type": "likert", "required": True, "min": 0, "max": 10}
    ]


def test_create_survey_with_an_instrument(client, login, startup, study):
    login(startup)
    response = client.post(url(study, suffix="/new"), data=new_survey("instrument"))
    assert response.status_code == 302
    assert db.session.get(type(study), study.id).surveys[-1].items == [{"key": "umux", "instrument": "umux_lite"}]


def test_create_survey_ignores_the_question_when_starting_with_an_instrument(client, login, startup, study):
    login(startup)
    data = new_survey("instrument", **{"question-text": "", "question-key": "Not A Key"})
    assert client.post(url(study, suffix="/new"), data=data).status_code == 302


@pytest.mark.parametrize(
    "fields, field_id, message",
    [
        ({"key": "baseline"}, "key", "Already used."),
        ({"key": "Week 2"}, "key", "Use lower-case letters"),
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 10_000}, "title", "At most 200 characters."),
        ({"timepoint": "week_99"}, "timepoint", "Not a valid choice."),
        ({"question-text": ""}, "question-text", "This field is required."),
        ({"question-key": "sleep_hours", "question-type": "number"}, "question-key", "already asked at this timepoint"),
        ({"question-key": "comments", "timepoint": "baseline"}, "question-key", "the same key must keep the same type"),
        ({"question-type": "ranking"}, "question-type", "Not a valid choice."),
    ],
)
def test_create_survey_shows_errors_and_saves_nothing(client, login, startup, study, fields, field_id, message):
    login(startup)
    before = snapshot(study)
    response = client.post(url(study, suffix="/new"), data=new_survey(**fields))
    assert response.status_code == 422
    assert message in field_error(response, field_id)
    assert snapshot(study) == before


# --- adding, editing, moving and deleting items -----------------------------------------------


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"type": "likert", "min": "1", "max": "7"}, {"min": 1, "max": 7}),
        ({"type": "likert"}, {"min": 1, "max": 5}),
        ({"type": "number", "min": "0", "max": "7,5", "unit": "kg"}, {"min": 0.0, "max": 7.5, "unit": "kg"}),
        ({"type": "number"}, {"min": None, "max": None, "unit": ""}),
        ({"type": "yes_no", "min": "9", "max": "1", "choices": "stray"}, {}),
        ({"type": "single_choice", "choices": "Tea\n\n  Coffee \r\nWater"}, {"choices": ["Tea", "Coffee", "Water"]}),
        ({"type": "multiple_choice", "choices": "Tea\nCoffee"}, {"choices": ["Tea", "Coffee"]}),
        ({"type": "text", "required": None}, {"required": False}),
        ({"type": "nps", "unit": "stray"}, {}),
    ],
)
def test_add_question_keeps_only_the_fields_its_type_uses(client, login, startup, study, fields, expected):
    login(startup)
    survey = follow_up(study)
    response = client.post(url(study, survey, "/items"), data=question(**fields))
    assert response.status_code == 302
    assert response.location.endswith(f"/surveys/{survey.id}#item-5")
    want = {"key": "mood", "text": "How is your mood today?", "type": fields["type"], "required": True}
    want.update(expected)
    assert stored(survey.id)[-1] == want
    assert len(stored(survey.id)) == 5


def test_add_instrument(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    assert client.post(url(study, survey, "/items"), data=instrument()).status_code == 302
    assert stored(survey.id)[-1] == {"key": "umux", "instrument": "umux_lite"}


LONG = "x" * 10_000


@pytest.mark.parametrize(
    "fields, field_id, message",
    [
        ({"key": "sleep_hours"}, "question-key", "is used twice"),
        ({"key": "who_3"}, "question-key", "is used twice"),
        ({"key": "Mood!"}, "question-key", "Use lower-case letters"),
        ({"key": "", "text": ""}, "question-text", "This field is required."),  # an empty key is made (issue 9.12)
        ({"type": "likert", "min": "5", "max": "5"}, "question-max", "The maximum must be above the minimum."),
        ({"type": "likert", "min": "7", "max": "3"}, "question-max", "The maximum must be above the minimum."),
        ({"type": "likert", "min": "1.5"}, "question-min", "Must be a whole number."),
        ({"type": "number", "min": "10", "max": "2"}, "question-max", "The maximum must be above the minimum."),
        ({"type": "number", "min": "ten"}, "question-min", "Must be a number."),
        ({"type": "single_choice", "choices": ""}, "question-choices", "At least 2 entries."),
        ({"type": "multiple_choice", "choices": "Only one"}, "question-choices", "At least 2 entries."),
        ({"type": "single_choice", "choices": "Tea\nTea"}, "question-choices", "listed twice"),
        ({"type": "ranking"}, "question-type", "Not a valid choice."),
        ({"text": ""}, "question-text", "This field is required."),
        ({"text": LONG}, "question-text", "At most 1000 characters."),
    ],
)
def test_invalid_question_shows_the_error_beside_its_field_and_changes_nothing(
    client, login, startup, study, fields, field_id, message
):
    login(startup)
    survey = follow_up(study)
    before = stored(survey.id)
    response = client.post(url(study, survey, "/items"), data=question(**fields))
    assert response.status_code == 422
    assert message in field_error(response, field_id)
    assert 'class="flash flash-error" role="alert"' in response.text
    assert stored(survey.id) == before


def test_invalid_instrument_shows_the_error_and_changes_nothing(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    before = stored(survey.id)
    response = client.post(url(study, survey, "/items"), data=instrument(key="sus"))
    assert response.status_code == 422
    assert "is used twice" in field_error(response, "instrument-key")
    response = client.post(url(study, survey, "/items"), data=instrument(code="beck_di"))
    assert "Not a valid choice." in field_error(response, "instrument-instrument")
    assert stored(survey.id) == before


def test_invalid_add_keeps_what_was_typed(client, login, startup, study):
    login(startup)
    response = client.post(
        url(study, follow_up(study), "/items"), data=question(type="single_choice", text="Which drink?", choices="Tea")
    )
    assert "Which drink?</textarea>" in response.text
    assert '<option selected value="single_choice">' in response.text


def test_html_in_question_text_is_kept_and_shown_escaped(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    text = '<script>alert("x")</script><b>bold</b>'
    assert client.post(url(study, survey, "/items"), data=question(text=text)).status_code == 302
    assert stored(survey.id)[-1]["text"] == text
    for page in (client.get(url(study, survey)).text, client.get(url(study, survey, "/preview")).text):
        assert "<script>alert" not in page and "<b>bold" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_edit_form_shows_the_stored_question(client, login, startup, study):
    login(startup)
    page = client.get(url(study, follow_up(study), "/items/0/edit")).text
    assert 'value="sleep_hours"' in page and 'value="24"' in page and 'value="h"' in page
    assert '<option selected value="number">' in page


def test_edit_question(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    data = question(
        key="sleep_hours",
        text="Hours of sleep per night?",
        type="number",
        min="2",
        max="16",
        unit="hours",
        required=None,
    )
    response = client.post(url(study, survey, "/items/0/edit"), data=data)
    assert response.status_code == 302 and response.location.endswith("#item-1")
    assert stored(survey.id)[0] == {
        "key": "sleep_hours",
        "text": "Hours of sleep per night?",
        "type": "number",
        "required": False,
        "min": 2.0,
        "max": 16.0,
        "unit": "hours",
    }
    assert keys(survey.id) == ["sleep_hours", "who", "sus", "comments"]


def test_edit_question_may_keep_its_own_key_but_not_take_another(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    before = stored(survey.id)
    response = client.post(url(study, survey, "/items/3/edit"), data=question(key="sleep_hours", type="text"))
    assert response.status_code == 422
    assert "is used twice" in field_error(response, "question-key")
    assert stored(survey.id) == before


def test_edit_instrument(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    page = client.get(url(study, survey, "/items/1/edit")).text
    assert 'value="who"' in page and '<option selected value="who5">' in page
    assert client.post(url(study, survey, "/items/1/edit"), data=instrument("wellbeing", "who5")).status_code == 302
    assert stored(survey.id)[1] == {"key": "wellbeing", "instrument": "who5"}


@pytest.mark.parametrize(
    "index, direction, expected",
    [
        (1, "up", ["who", "sleep_hours", "sus", "comments"]),
        (1, "down", ["sleep_hours", "sus", "who", "comments"]),
        (0, "up", ["sleep_hours", "who", "sus", "comments"]),
        (3, "down", ["sleep_hours", "who", "sus", "comments"]),
    ],
)
def test_move_item(client, login, startup, study, index, direction, expected):
    login(startup)
    survey = follow_up(study)
    response = client.post(url(study, survey, f"/items/{index}/move"), data={"direction": direction})
    assert response.status_code == 302
    assert keys(survey.id) == expected


def test_move_needs_a_direction(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    assert client.post(url(study, survey, "/items/1/move"), data={"direction": "sideways"}).status_code == 400
    assert keys(survey.id) == ["sleep_hours", "who", "sus", "comments"]


def test_delete_item(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    asked = client.post(url(study, survey, "/items/2/delete"))  # asked first, on a page
    assert asked.status_code == 200 and "Delete this question?" in asked.text
    assert client.post(url(study, survey, "/items/2/delete"), data={"confirmed": "yes"}).status_code == 302
    assert keys(survey.id) == ["sleep_hours", "who", "comments"]


def test_last_item_cannot_be_deleted(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    for _ in range(3):
        client.post(url(study, survey, "/items/0/delete"), data={"confirmed": "yes"})
    assert keys(survey.id) == ["comments"]
    response = client.post(url(study, survey, "/items/0/delete"), follow_redirects=True)
    assert "A survey needs at least one item: delete the survey instead." in response.text
    assert keys(survey.id) == ["comments"]


def test_delete_survey_goes_back_to_the_study(client, login, startup, study):
    login(startup)
    survey_id = follow_up(study).id
    response = client.post(url(study, follow_up(study), "/delete"), data={"confirmed": "yes"})
    assert response.status_code == 302 and response.location.endswith(f"/studies/{study.id}")
    db.session.expire_all()
    assert db.session.get(Survey, survey_id) is None


def test_update_survey_header(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    data = {"survey-key": "after", "survey-title": "After the coaching", "survey-timepoint": "follow_up"}
    assert client.post(url(study, survey, "/edit"), data=data).status_code == 302
    db.session.expire_all()
    survey = db.session.get(Survey, survey.id)
    assert (survey.key, survey.title, survey.timepoint) == ("after", "After the coaching", "follow_up")


@pytest.mark.parametrize(
    "fields, field_id, message",
    [
        ({"survey-key": "baseline"}, "survey-key", "Already used."),
        ({"survey-title": " "}, "survey-title", "This field is required."),
        ({"survey-timepoint": "baseline"}, "survey-timepoint", "is already asked at this timepoint"),
    ],
)
def test_update_survey_errors_change_nothing(client, login, startup, study, fields, field_id, message):
    login(startup)
    survey = follow_up(study)
    before = snapshot(study)
    data = {"survey-key": "follow_up", "survey-title": "After", "survey-timepoint": "follow_up", **fields}
    response = client.post(url(study, survey, "/edit"), data=data)
    assert response.status_code == 422
    assert message in field_error(response, field_id)
    assert '<details class="card settings" open>' in response.text
    assert snapshot(study) == before


# --- a frozen protocol -----------------------------------------------------------------------


@pytest.mark.parametrize("status", ["submitted", "approved", "recruiting"])
def test_frozen_study_shows_no_buttons(client, login, startup, make_study, status):
    study = make_study(status)
    login(startup)
    page = client.get(url(study, follow_up(study))).text
    assert "The protocol is frozen" in page
    assert "Move up" not in page and "Add a question" not in page and "Delete the survey" not in page
    assert client.get(url(study, follow_up(study), "/preview")).status_code == 200


@pytest.mark.parametrize("route", range(len(ROUTE_NAMES)), ids=ROUTE_NAMES)
@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_frozen_study_refuses_every_change(client, login, startup, make_study, status, route):
    study = make_study(status)
    method, path, data, needs_edit = routes(study, follow_up(study))[route]
    login(startup)
    before = snapshot(study)
    response = getattr(client, method)(path, data=data)
    assert response.status_code == (409 if needs_edit else 200)
    assert snapshot(study) == before


def test_changes_requested_reopens_the_builder(client, login, startup, make_study):
    study = make_study("changes_requested")
    login(startup)
    survey = follow_up(study)
    assert "Add a question" in client.get(url(study, survey)).text
    assert client.post(url(study, survey, "/items"), data=question()).status_code == 302
    assert keys(survey.id)[-1] == "mood"


# --- the preview ---------------------------------------------------------------------------------


def form_of(page: str) -> str:
    return page[
        page.index('<form class="survey-form"') : page.index("</form>", page.index('<form class="survey-form"'))
    ]


def test_preview_shows_every_item_disabled(client, login, startup, study):
    login(startup)
    survey = follow_up(study)
    client.post(
        url(study, survey, "/items"),
        data=question(key="drinks", text="What do you drink?", type="multiple_choice", choices="Tea\nCoffee"),
    )
    client.post(
        url(study, survey, "/items"),
        data=question(key="fav", text="Favourite?", type="single_choice", choices="Tea\nCoffee"),
    )
    client.post(url(study, survey, "/items"), data=question(key="again", text="Again?", type="yes_no"))
    client.post(url(study, survey, "/items"), data=question(key="mood", type="likert", min="1", max="7"))
    client.post(url(study, survey, "/items"), data=question(key="recommend", text="Recommend?", type="nps"))
    form = form_of(client.get(url(study, survey, "/preview")).text)
    inputs = re.findall(r"<(?:input|textarea|button)\b[^>]*>", form)
    assert inputs and all(re.search(r"\sdisabled\b", tag) for tag in inputs)
    # number: min, max and unit
    assert re.search(r'<input type="number" id="a-sleep_hours" name="sleep_hours"[^>]*min="0" max="24"', form)
    assert '<span class="unit" id="a-sleep_hours-unit">h</span>' in form
    # instruments expanded: WHO-5 items 0..5 and SUS items 1..5, with their statements
    assert all(f'name="who_{i}"' in form for i in range(1, 6)) and 'name="who_6"' not in form
    assert len(re.findall(r'name="who_1" value="\d"', form)) == 6
    assert len(re.findall(r'name="sus_10" value="\d"', form)) == 5
    assert "I found the system very cumbersome to use." in form and "I have felt calm and relaxed." in form
    assert "Strongly disagree" in form and "At no time" in form
    # free text, at most 2000 characters
    assert re.search(r'<textarea id="a-comments" name="comments" maxlength="2000"', form)
    # choices, yes/no, likert 1..7 and NPS 0..10
    assert len(re.findall(r'type="checkbox"[^>]*name="drinks"', form)) == 2
    assert len(re.findall(r'type="radio"[^>]*name="fav"', form)) == 2
    assert 'name="again" value="true"' in form and 'name="again" value="false"' in form
    assert re.findall(r'name="mood" value="(\d+)"', form) == [str(i) for i in range(1, 8)]
    assert re.findall(r'name="recommend" value="(\d+)"', form) == [str(i) for i in range(11)]
    assert "Not at all likely" in form


def test_preview_labels_every_input(client, login, startup, make_study):
    from livinglab.demo import food_protocol, food_surveys

    study = make_study("draft", protocol=food_protocol(), survey_defs=food_surveys())
    login(startup)
    form = form_of(client.get(url(study, study.surveys[1], "/preview")).text)
    # Radio groups sit in a fieldset whose legend is the question; every input has a label.
    assert form.count("<fieldset") == form.count("<legend>") == 3
    assert "<legend>How satisfied is your family with school lunches?" in form
    ids = re.findall(r'<input[^>]*\sid="([^"]+)"', form)
    assert all(f'for="{input_id}"' in form for input_id in ids)
    assert form.count('<label class="scale-point">') == 7 + 11
