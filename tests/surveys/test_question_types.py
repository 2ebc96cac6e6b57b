"""Issue 14, item 2: the question types date, time, slider (visual analogue scale 0–100), matrix (rows sharing
one scale) and single choice with "Other (please specify)": declared, refused when wrong, answered through the
API and the survey page, read back, analysed, exported and described in the data dictionary."""

import csv
import html
import io
import re

import pytest
from sqlalchemy import select

from livinglab.analysis.variables import catalogue, is_numeric
from livinglab.demo import sleep_surveys
from livinglab.exports.columns import plan_for
from livinglab.exports.dictionary import dictionary_rows
from livinglab.exports.statfiles import SPSS, _measure, stat_file
from livinglab.extensions import db
from livinglab.participants.models import Answer, Enrolment, Response
from livinglab.studies.services import registration_hash
from livinglab.surveys.definitions import clean_item, conflicts_with_other_surveys
from tests.surveys.test_api_surveys import assert_error, question, survey
from tests.surveys.test_survey_pages import follow_up, stored, url
from tests.surveys.test_survey_pages import question as form_question

API = "/api/v1"
ONSET = question("onset", "date", "When did it start?", min="2026-01-01", max="2026-12-31")
BEDTIME = question("bedtime", "time", "When do you go to bed?")
VAS = question("pain_vas", "slider", "How much pain today?", labels=["No pain", "Worst pain imaginable"])
HABITS = question(
    "habits", "matrix", "How often do you…", rows=["walk", "cycle", "swim"], min=1, max=4,
    labels=["Never", "Sometimes", "Often", "Always"],
)  # fmt: skip
TRANSPORT = question("transport", "single_choice", "How do you come?", choices=["Bus", "Car"], other=True)
NEW_ITEMS = [ONSET, BEDTIME, VAS, HABITS, TRANSPORT]
GOOD = {
    "onset": "2026-03-05",
    "bedtime": "22:30",
    "pain_vas": 37.5,
    "habits_1": 4,
    "habits_2": "1",
    "habits_3": 3,
    "transport": "Other",
    "transport_other": "Rollerblades",
}
SLEEP = {"sleep_hours": 7, **{f"who_{n}": 3 for n in range(1, 6)}}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def new_types_surveys(*extra_items) -> list[dict]:
    """The sleep study's surveys, its baseline also asking the new types."""
    surveys = sleep_surveys()
    surveys[0]["items"] = [*surveys[0]["items"], *(extra_items or NEW_ITEMS)]
    return surveys


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", survey_defs=new_types_surveys())


@pytest.fixture
def citizen(pilot, take_part):
    _code, user = take_part(pilot, {})
    return user


@pytest.fixture
def answer(client, api_headers, pilot, citizen):
    def do(answers):
        return client.post(
            f"{API}/studies/{pilot.id}/surveys/baseline/responses",
            json={"answers": answers},
            headers=api_headers(citizen),
        )

    return do


def answers_stored() -> dict:
    return {
        key: (number, text)
        for key, number, text in db.session.execute(select(Answer.item_key, Answer.number, Answer.text))
    }


# Definitions


@pytest.fixture
def post_item(client, api_headers, startup, make_study):
    study = make_study("draft")
    headers = api_headers(startup)

    posted = []

    def post(item):
        posted.append(item)  # each in a survey of its own
        body = survey(item, key=f"extra_{len(posted)}")
        return client.post(f"{API}/studies/{study.id}/surveys", json=body, headers=headers), study

    return post


def test_the_new_types_are_stored_as_sent_with_their_defaults(post_item):
    response, _study = post_item(question("a", "matrix", rows=["x", "y"]))
    assert response.status_code == 201
    assert response.get_json()["items"][0] == {
        "key": "a", "type": "matrix", "text": "A question?", "required": True, "rows": ["x", "y"], "min": 1, "max": 5,
    }  # fmt: skip
    response, _study = post_item(TRANSPORT)
    assert response.get_json()["items"][0]["other"] is True


def test_a_choice_without_other_stays_as_stored_before(post_item):
    for n, sent in enumerate(
        (
            question("c1", "single_choice", choices=["a", "b"]),
            question("c2", "single_choice", choices=["a", "b"], other=False),
        ),
        start=1,
    ):
        response, _study = post_item(sent)
        assert response.get_json()["items"][0] == {
            "key": f"c{n}", "type": "single_choice", "text": "A question?", "required": True, "choices": ["a", "b"],
        }  # fmt: skip


@pytest.mark.parametrize(
    "item, status, attribute",
    [
        (question("d", "date", min="05/03/2026"), 422, "min"),
        (question("d", "date", max="2026-02-30"), 422, "max"),
        (question("d", "date", min="2026-06-01", max="2026-01-01"), 422, "max"),
        (question("d", "date", min=20260101), 400, "min"),
        (question("s", "slider"), 422, "labels"),
        (question("s", "slider", labels=["low", "middle", "high"]), 422, "labels"),
        (question("s", "slider", labels="low, high"), 400, "labels"),
        (question("m", "matrix"), 422, "rows"),
        (question("m", "matrix", rows=["only one"]), 422, "rows"),
        (question("m", "matrix", rows=["same", "same"]), 422, "rows"),
        (question("m", "matrix", rows=["a", "b"], min=5, max=5), 422, "max"),
        (question("m", "matrix", rows=["a", "b"], min=-10, max=20), 422, "max"),
        (question("m", "matrix", rows=["a", "b"], labels=["x", "y", "z"]), 422, "labels"),
        (question("m", "matrix", rows=["a\r\nb", "c"]), 422, "rows"),
        (question("m", "matrix", rows={"a": 1}), 400, "rows"),
        (question("m", "matrix", rows=[f"row {n}" for n in range(10_000)]), 422, "rows"),
        (question("m", "matrix", rows=[[["deep"]], "b"]), 400, "rows"),
        (question("c", "single_choice", choices=["Bus", "other"], other=True), 422, "choices"),
        (question("c", "single_choice", choices=["Bus", "Car"], other="yes"), 400, "other"),
    ],
)
def test_wrong_definitions_are_refused_naming_the_attribute(post_item, item, status, attribute):
    response, study = post_item(item)
    error = assert_error(response, status)
    assert error["fields"]["items"].startswith(f"item 1: {attribute}: "), error
    assert not any(s.key.startswith("extra") for s in study.surveys)


def test_a_matrix_key_clashing_with_another_items_key_is_refused(post_item):
    response, _study = post_item(question("habits", "matrix", rows=["a", "b"]))
    assert response.status_code == 201
    both = survey(question("habits", "matrix", rows=["a", "b"]), question("habits_2", "likert"), key="two")
    assert "habits_2" in clean_and_fail(both)


def clean_and_fail(body) -> str:
    from livinglab.surveys.definitions import clean_items
    from livinglab.validation import FieldError

    with pytest.raises(FieldError) as refused:
        clean_items(body["items"])
    return refused.value.message


def test_the_same_key_at_another_timepoint_keeps_its_type_and_scale(app):
    class Other:
        timepoint, title = "follow_up", "Later"
        items = [clean_item(HABITS)]

    with app.test_request_context():
        assert conflicts_with_other_surveys([clean_item(HABITS)], "baseline", [Other]) is None
        fewer_rows = clean_item({**HABITS, "rows": ["walk", "cycle"], "labels": None})
        assert "measured differently" in conflicts_with_other_surveys([fewer_rows], "baseline", [Other])
        as_slider = clean_item({**VAS, "key": "habits"})
        assert "measured differently" in conflicts_with_other_surveys([as_slider], "baseline", [Other])


def test_other_enters_the_registration_hash(app, make_study):
    with_other = make_study("draft", survey_defs=new_types_surveys(TRANSPORT))
    without = make_study("draft", survey_defs=new_types_surveys({**TRANSPORT, "other": False}))
    assert registration_hash(with_other) != registration_hash(without)


# Answers through the API


def test_good_answers_are_stored_with_the_other_text(answer):
    response = answer({**SLEEP, **GOOD})
    assert response.status_code == 201, response.get_json()
    rows = answers_stored()
    assert rows["onset"] == (None, "2026-03-05")
    assert rows["bedtime"] == (None, "22:30")
    assert rows["pain_vas"] == (37.5, None)
    assert [rows[f"habits_{n}"][0] for n in (1, 2, 3)] == [4, 1, 3]
    assert rows["transport"] == (None, "Other") and rows["transport_other"] == (None, "Rollerblades")


def test_a_listed_choice_does_not_keep_a_stray_other_text(answer):
    assert (
        answer({**SLEEP, **GOOD, "transport": "Bus", "transport_other": "typed, then changed my mind"}).status_code
        == 201
    )
    rows = answers_stored()
    assert rows["transport"] == (None, "Bus") and "transport_other" not in rows


@pytest.mark.parametrize(
    "change, field",
    [
        ({"onset": "05/03/2026"}, "onset"),
        ({"onset": "2026-02-30"}, "onset"),
        ({"onset": "2025-12-31"}, "onset"),  # before the earliest
        ({"onset": 20260305}, "onset"),
        ({"bedtime": "25:00"}, "bedtime"),
        ({"bedtime": "10 pm"}, "bedtime"),
        ({"pain_vas": 100.5}, "pain_vas"),
        ({"pain_vas": -1}, "pain_vas"),
        ({"pain_vas": "a lot"}, "pain_vas"),
        ({"pain_vas": True}, "pain_vas"),
        ({"pain_vas": [50]}, "pain_vas"),
        ({"pain_vas": {"value": 50}}, "pain_vas"),
        ({"pain_vas": None}, "pain_vas"),  # required: missing is not 50
        ({"habits_2": 5}, "habits_2"),
        ({"habits_2": 2.5}, "habits_2"),
        ({"habits_3": None}, "habits_3"),
        ({"habits_4": 1}, "habits_4"),
        ({"habits": 1}, "habits"),
        ({"transport": "Plane"}, "transport"),
        ({"transport_other": ""}, "transport_other"),
        ({"transport_other": "x" * 501}, "transport_other"),
        ({"transport_other": ["list"]}, "transport_other"),
        ({"transport_other": "nul\x00"}, "transport_other"),
    ],
)
def test_bad_answers_are_refused_naming_the_key_and_nothing_is_saved(answer, change, field):
    response = answer({**SLEEP, **GOOD, **change})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(db.func.count()).select_from(Response)) == 0


def test_typing_the_other_text_without_choosing_other_answers_other(answer):
    given = {k: v for k, v in GOOD.items() if k != "transport"}
    assert answer({**SLEEP, **given}).status_code == 201
    assert answers_stored()["transport"] == (None, "Other")


def test_a_time_with_seconds_or_one_digit_hours_is_kept_as_hh_mm(answer):
    assert answer({**SLEEP, **GOOD, "bedtime": "7:05:00"}).status_code == 201
    assert answers_stored()["bedtime"] == (None, "07:05")


def test_the_api_reads_answers_back_as_sent(answer, client, api_headers, pilot, coordinator):
    answer({**SLEEP, **GOOD})
    code = db.session.scalar(select(Enrolment.participant_code))
    read = client.get(
        f"{API}/studies/{pilot.id}/participants/{code}/responses/baseline", headers=api_headers(coordinator)
    )
    assert read.status_code == 200, read.get_json()
    answers = read.get_json()["answers"]
    assert answers["onset"] == "2026-03-05" and answers["bedtime"] == "22:30" and answers["pain_vas"] == 37.5
    assert answers["habits_2"] == 1 and answers["transport_other"] == "Rollerblades"


# The survey page


def survey_page(client, login, pilot, citizen, data=None):
    login(citizen)
    path = f"/pilots/{pilot.id}/surveys/baseline"
    return client.post(path, data=data) if data is not None else client.get(path)


def form_data(**changes) -> dict:
    data = {k: str(v) for k, v in {**SLEEP, **GOOD}.items()}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_page_shows_each_type_accessibly(client, login, pilot, citizen):
    page = survey_page(client, login, pilot, citizen).get_data(as_text=True)
    assert re.search(r'<input type="date" id="a-onset" name="onset"[^>]* min="2026-01-01" max="2026-12-31"', page)
    assert 'aria-describedby="a-onset-hint"' in page
    assert re.search(r'<input type="time" id="a-bedtime" name="bedtime"', page)
    # the slider: a range input without a name (it never posts), hidden until the script shows it, and a number field
    assert re.search(r'<input type="range" id="a-pain_vas-range"(?![^>]*name=)[^>]*hidden', page)
    assert re.search(r'<input type="number" id="a-pain_vas" name="pain_vas" min="0" max="100"', page)
    assert "slider.js" in page and "No pain" in page
    # the matrix: one fieldset per statement, each its own radio group
    for n, row in enumerate(["walk", "cycle", "swim"], start=1):
        assert f"<legend>{row}</legend>" in page
        assert page.count(f'name="habits_{n}"') == 4
    assert 'value="Other"' in page and "Other (please specify)" in page and 'name="transport_other"' in page


def test_an_untouched_slider_is_missing_not_fifty(client, login, pilot, citizen):
    refused = survey_page(client, login, pilot, citizen, form_data(pain_vas=""))
    assert refused.status_code == 422
    assert re.search(r'<p class="error" id="a-pain_vas-error">', refused.get_data(as_text=True))
    assert db.session.scalar(select(db.func.count()).select_from(Answer)) == 0


def test_an_optional_untouched_slider_is_stored_as_nothing(make_study, take_part, client, login):
    pilot = make_study("recruiting", survey_defs=new_types_surveys({**VAS, "required": False}))
    _code, user = take_part(pilot, {})
    sent = survey_page(client, login, pilot, user, {**{k: str(v) for k, v in SLEEP.items()}, "pain_vas": ""})
    assert sent.status_code == 302
    assert "pain_vas" not in answers_stored()


def test_the_form_takes_every_type_and_reads_them_back(client, login, pilot, citizen):
    sent = survey_page(client, login, pilot, citizen, form_data())
    assert sent.status_code == 302, text(sent)
    rows = answers_stored()
    assert (
        rows["pain_vas"] == (37.5, None)
        and rows["habits_1"] == (4, None)
        and rows["transport_other"][1] == "Rollerblades"
    )
    back = text(client.get(f"/pilots/{pilot.id}/answers"))
    assert "How often do you… — cycle" in back and "1 · Never" in back
    assert "Other: Rollerblades" in back and "2026-03-05" in back and "22:30" in back


def test_the_form_shows_errors_beside_each_type_and_keeps_the_answers(client, login, pilot, citizen):
    page = survey_page(
        client,
        login,
        pilot,
        citizen,
        form_data(onset="2026-13-01", habits_2=None, transport="Other", transport_other=""),
    )
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    for key in ("onset", "habits_2", "transport_other"):
        assert f'id="a-{key}-error"' in body
    assert 'aria-describedby="a-onset-hint a-onset-error"' in body
    assert 'aria-describedby="a-habits_2-error"' in body
    assert re.search(r'name="habits_1" value="4"\s*checked', body)  # what was answered stays
    assert db.session.scalar(select(db.func.count()).select_from(Answer)) == 0


# Analysis, exports and the data dictionary


def test_the_analysis_types_each_variable(pilot):
    variables = catalogue([{"timepoint": s.timepoint, "items": s.items} for s in pilot.surveys], list(pilot.timepoints))
    assert variables["pain_vas"]["type"] == "slider" and is_numeric(variables["pain_vas"])
    for n in (1, 2, 3):
        assert variables[f"habits_{n}"]["type"] == "likert" and is_numeric(variables[f"habits_{n}"])
    assert "habits" not in variables  # a matrix is its rows
    assert not is_numeric(variables["onset"]) and not is_numeric(variables["bedtime"])
    assert variables["transport"]["choices"] == ["Bus", "Car", "Other"]


def test_exports_give_each_row_and_the_other_text_its_column(answer, client, login, startup, pilot):
    answer({**SLEEP, **GOOD})
    login(startup)
    data = list(csv.reader(io.StringIO(client.get(f"/studies/{pilot.id}/exports/data.csv").get_data(as_text=True))))
    header, row = data[0], next(r for r in data[1:] if r[2] == "baseline")
    values = dict(zip(header, row, strict=True))
    assert {k: values[k] for k in GOOD} == {
        "onset": "2026-03-05", "bedtime": "22:30", "pain_vas": "37.5", "habits_1": "4", "habits_2": "1",
        "habits_3": "3", "transport": "Other", "transport_other": "Rollerblades",
    }  # fmt: skip
    assert "habits" not in header


def test_the_dictionary_describes_the_new_columns(pilot):
    rows = {row[0]: row for row in dictionary_rows(plan_for(pilot))}
    assert rows["habits_2"][1] == "How often do you… — cycle"
    assert (
        rows["habits_2"][2] == "likert"
        and rows["habits_2"][3] == "[1, 4] (1 = Never; 2 = Sometimes; 3 = Often; 4 = Always)"
    )
    assert rows["pain_vas"][3] == "[0, 100] (0 = No pain; 100 = Worst pain imaginable)"
    assert rows["transport"][3] == "Bus; Car; Other"
    assert rows["transport_other"][2] == "text" and "Other (please specify)" in rows["transport_other"][1]
    assert rows["onset"][3] == "date, YYYY-MM-DD [2026-01-01, 2026-12-31]"
    assert rows["bedtime"][3].startswith("time of day, HH:MM")


def test_spss_codes_other_and_measures_each_type(pilot, answer):
    answer({**SLEEP, **GOOD})
    plan = plan_for(pilot)
    columns = {c.key: c for c in plan.columns}
    assert _measure(columns["pain_vas"]) == "scale" and _measure(columns["habits_1"]) == "ordinal"
    assert _measure(columns["onset"]) == "nominal"
    import pyreadstat

    from livinglab.exports.rows import stored_rows, wide_rows

    written = stat_file(plan, list(wide_rows(stored_rows(pilot.id, plan), plan)), SPSS, "t")
    path = "/tmp/_question_types_test.sav"
    with open(path, "wb") as out:
        out.write(written.getvalue())
    frame, meta = pyreadstat.read_sav(path)
    assert meta.variable_value_labels["transport"][3.0] == "Other"
    baseline = frame[frame["timepoint"] == 1.0].iloc[0]
    assert baseline["transport"] == 3.0 and baseline["transport_other"] == "Rollerblades"
    assert baseline["onset"] == "2026-03-05" and baseline["pain_vas"] == 37.5


# The builder


def test_the_builder_groups_settings_by_the_types_that_use_them(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    page = client.get(url(study, follow_up(study), "")).get_data(as_text=True)
    assert 'data-types="matrix"' in page and 'data-types="likert matrix slider"' in page
    assert 'data-types="single_choice"' in page and "item_type.js" in page
    assert "For: Matrices" in text(client.get(url(study, follow_up(study), "")))


def test_the_builder_adds_each_new_type_and_shows_it_again(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    survey_ = follow_up(study)
    made = [
        form_question(key="habits", type="matrix", rows="walk\ncycle\n", min="0", max="3", labels="Never\nAlways"),
        form_question(key="onset", type="date", min="2026-01-01", max=""),
        form_question(key="pain_vas", type="slider", labels="None\nWorst", min="", max=""),
        form_question(key="bedtime", type="time", min="", max=""),
        form_question(key="transport", type="single_choice", choices="Bus\nCar", other="y", min="", max=""),
    ]
    for data in made:
        added = client.post(url(study, survey_, "/items"), data=data)
        assert added.status_code == 302, text(added)
    items = {i["key"]: i for i in stored(survey_.id)}
    assert items["habits"] == {
        "key": "habits", "text": items["habits"]["text"], "type": "matrix", "required": True, "rows": ["walk", "cycle"],
        "min": 0, "max": 3, "labels": ["Never", "Always"],
    }  # fmt: skip
    assert items["onset"].get("min") == "2026-01-01" and "max" not in items["onset"]
    assert items["pain_vas"]["labels"] == ["None", "Worst"] and items["transport"]["other"] is True
    assert items["bedtime"]["type"] == "time"
    index = stored(survey_.id).index(items["habits"])
    edit = html.unescape(client.get(url(study, survey_, f"/items/{index}/edit")).get_data(as_text=True))
    assert "walk\ncycle" in edit
    preview = text(client.get(url(study, survey_, "/preview")))
    assert "walk" in preview and "Other (please specify)" in preview and "0 · None" in preview


def test_the_builder_shows_a_refused_matrix_beside_its_field(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    survey_ = follow_up(study)
    before = stored(survey_.id)
    refused = client.post(url(study, survey_, "/items"), data=form_question(key="m", type="matrix", rows="only one"))
    assert refused.status_code == 422
    assert re.search(r'<p class="error" id="question-rows-error">', refused.get_data(as_text=True))
    assert stored(survey_.id) == before


def test_an_amendment_diff_shows_a_changed_matrix_and_other(app):
    from livinglab.studies.diff import differences

    def record(*items):
        return {
            "protocol": {},
            "consent": None,
            "surveys": [{"key": "s", "title": "S", "timepoint": "t", "items": list(items)}],
        }

    with app.test_request_context():
        before = record(clean_item(HABITS), clean_item({**TRANSPORT, "other": False}))
        after = record(clean_item({**HABITS, "rows": ["walk", "cycle", "swim", "run"]}), clean_item(TRANSPORT))
        changed = differences(before, after)["surveys"]
    assert [(survey["key"], change, items) for survey, change, items in changed] == [
        ("s", "changed", [("habits", "changed"), ("transport", "changed")])
    ]


def test_staff_correct_one_row_of_a_matrix(answer, client, login, coordinator, pilot):
    assert answer({**SLEEP, **GOOD}).status_code == 201
    code = db.session.scalar(select(Enrolment.participant_code))
    login(coordinator)
    path = f"/studies/{pilot.id}/participants/{code}/surveys/baseline/items/habits_2/correct"
    form = client.get(path)
    assert form.status_code == 200 and "How often do you… — cycle" in text(form)
    corrected = client.post(path, data={"habits_2": "3", "reason": "Typed on the wrong line", "revision": "0"})
    assert corrected.status_code == 302, text(corrected)
    assert answers_stored()["habits_2"] == (3, None)
    refused = client.post(path, data={"habits_2": "9", "reason": "Out of the scale", "revision": "1"})
    assert refused.status_code == 422 and answers_stored()["habits_2"] == (3, None)
    assert client.get(path.replace("habits_2", "habits_9")).status_code == 404


def test_the_results_describe_each_new_type(pilot, take_part, client, login, startup, api_headers):
    for n, vas in enumerate((20, 40, 60)):
        take_part(pilot, {"baseline": {**SLEEP, **GOOD, "pain_vas": vas, "transport": ["Bus", "Car", "Other"][n]}})
    login(startup)
    assert client.get(f"/studies/{pilot.id}/results").status_code == 200
    assert client.get(f"/studies/{pilot.id}/results/report").status_code == 200
    results = client.get(f"{API}/studies/{pilot.id}/results", headers=api_headers(startup)).get_json()
    variables = results["variables"]
    vas = variables["pain_vas"]["by_timepoint"]["baseline"]
    assert variables["pain_vas"]["type"] == "slider" and vas["n"] == 3 and vas["mean"] == 40
    assert variables["habits_1"]["type"] == "likert" and variables["habits_1"]["by_timepoint"]["baseline"]["n"] == 3
    assert variables["transport"]["by_timepoint"]["baseline"]["counts"] == {"Bus": 1, "Car": 1, "Other": 1}
    assert variables["onset"]["by_timepoint"]["baseline"] == {"n": 3, "not_applicable": 0}  # counted, never averaged


@pytest.mark.parametrize(
    "answers, key",
    [
        ({"m_1": "1e999", "m_2": 3}, "m_1"),  # a float overflow: was a 500
        ({"m_1": 10**400, "m_2": 3}, "m_1"),  # a JSON integer too large for a float: was a 500
        ({"m_1": "inf", "m_2": 3}, "m_1"),
        ({"m_1": [], "m_2": 3}, "m_1"),  # nothing ticked: not answered, not "enter a number"
    ],
)
def test_a_matrix_row_refuses_what_is_no_number_without_failing(answers, key):
    from livinglab.surveys.answers import check_answers
    from livinglab.surveys.definitions import clean_items

    items = clean_items([{"key": "m", "text": "Rate", "type": "matrix", "rows": ["a", "b"], "min": 1, "max": 5}])
    rows, errors = check_answers(items, answers)
    assert key in errors and key not in rows


@pytest.mark.parametrize("value", ["07:0٣", "٠٧:30"])
def test_a_time_in_other_digits_is_refused(value):
    from livinglab.surveys.answers import check_answers
    from livinglab.surveys.definitions import clean_items

    items = clean_items([{"key": "t", "text": "When", "type": "time"}])
    assert "t" in check_answers(items, {"t": value})[1]


def test_the_other_text_keeps_to_one_line():
    from livinglab.surveys.answers import check_answers
    from livinglab.surveys.definitions import clean_items

    items = clean_items([{"key": "c", "text": "Which", "type": "single_choice", "choices": ["A", "B"], "other": True}])
    rows, errors = check_answers(items, {"c": "Other", "c_other": "one\r\nInjected: header"})
    assert "c_other" in errors and "c_other" not in rows


def test_a_number_without_bounds_stays_within_a_billion():
    """Beyond it sits the SPSS file's not-applicable code (-9,999,999,999): a real answer must never read so."""
    from livinglab.surveys.answers import check_answers
    from livinglab.surveys.definitions import clean_items

    items = clean_items([{"key": "n", "text": "How much", "type": "number"}])
    assert "n" in check_answers(items, {"n": "-9999999999"})[1]
    assert check_answers(items, {"n": "-999999999"})[0] == {"n": (-999999999.0, None)}
