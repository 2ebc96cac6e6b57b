"""Branching (issue 14, item 1): a question shown only if earlier answers meet a condition, checked on the
server, stored as not applicable (apart from missing), marked so in the exports and never counted as missing."""

import csv
import io

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from livinglab import validation as v
from livinglab.analysis import not_applicable
from livinglab.analysis.results import build_results
from livinglab.demo import sleep_protocol
from livinglab.errors import Invalid
from livinglab.extensions import db
from livinglab.participants import corrections, gdpr
from livinglab.participants import services as participation
from livinglab.participants.models import Answer, Enrolment, Response
from livinglab.studies.services import registration_hash
from livinglab.surveys import branching
from livinglab.surveys import services as surveys
from livinglab.surveys.answers import check_answers, readable
from livinglab.surveys.definitions import clean_items

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
WHO = {f"who_{i}": 3 for i in range(1, 6)}

SMOKER = {"key": "smoker", "text": "Do you smoke?", "type": "yes_no"}
CIGS = {
    "key": "cigarettes",
    "text": "How many cigarettes a day?",
    "type": "number",
    "min": 0,
    "max": 100,
    "show_if": {"all": [{"key": "smoker", "op": "equals", "value": True}]},
}
DIET = {"key": "diet", "text": "Your diet?", "type": "single_choice", "choices": ["Omnivore", "Vegetarian", "Vegan"]}
SPORTS = {"key": "sports", "text": "Sports?", "type": "multiple_choice", "choices": ["Run", "Swim", "Bike"]}
MOOD = {"key": "mood", "text": "Your mood?", "type": "likert", "min": 1, "max": 7}
NOTE = {"key": "note", "text": "Anything to add?", "type": "text", "required": False}


def follow_up(show_if, key="follow", required=True) -> dict:
    return {"key": key, "text": "A follow-up question", "type": "yes_no", "required": required, "show_if": show_if}


def condition(key, op, value) -> dict:
    return {"all": [{"key": key, "op": op, "value": value}]}


def branching_surveys() -> list[dict]:
    """The sleep pilot's surveys, the baseline with a smoking question and its conditional follow-up."""
    sleep = {"key": "sleep_hours", "text": "Hours of sleep?", "type": "number", "min": 0, "max": 24, "unit": "h"}
    return [
        {
            "key": "baseline",
            "title": "Before",
            "timepoint": "baseline",
            "items": [sleep, SMOKER, CIGS, {"key": "who", "instrument": "who5"}],
        },
        {
            "key": "follow_up",
            "title": "After",
            "timepoint": "follow_up",
            "items": [sleep, {"key": "who", "instrument": "who5"}],
        },
    ]


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", protocol=sleep_protocol(), survey_defs=branching_surveys())


def enrol(study, user):
    enrolment = participation.enrol(
        user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=30, criteria_confirmed=True
    )
    db.session.commit()
    return enrolment


def stored(study) -> dict:
    db.session.expire_all()
    return {
        key: (number, text, na)
        for key, number, text, na in db.session.execute(
            select(Answer.item_key, Answer.number, Answer.text, Answer.not_applicable)
            .join(Response, Answer.response_id == Response.id)
            .join(Enrolment, Response.enrolment_id == Enrolment.id)
            .where(Enrolment.study_id == study.id)
        )
    }


# --- Declaration and validation --------------------------------------------------------------------------


def test_a_valid_condition_is_kept_and_an_item_without_one_stays_as_stored_before():
    items = clean_items([SMOKER, CIGS, MOOD])
    assert items[1]["show_if"] == {"all": [{"key": "smoker", "op": "equals", "value": True}]}
    assert "show_if" not in items[0] and "show_if" not in items[2]


@pytest.mark.parametrize(
    ("show_if", "status", "words"),
    [
        ({"all": []}, 422, "from 1 to 10"),
        ({"all": [{"key": "smoker", "op": "equals", "value": True}] * 11}, 422, "from 1 to 10"),
        ({"all": [], "any": []}, 422, "either"),
        ({"some": [{"key": "smoker", "op": "equals", "value": True}]}, 422, "either"),
        ([{"key": "smoker"}], 400, "Must be an object"),
        ("smoker == True", 400, "Must be an object"),
        ({"all": "smoker"}, 400, "list of conditions"),
        ({"all": [["smoker", "equals", True]]}, 400, "must be an object"),
        ({"all": [{"key": "smoker", "op": "equals"}]}, 422, "exactly a key"),
        ({"all": [{"key": "smoker", "op": "equals", "value": True, "code": "1"}]}, 422, "exactly a key"),
        ({"all": [{"key": "smoker", "op": "__import__('os')", "value": True}]}, 422, "Unknown operator"),
        ({"all": [{"key": "smoker", "op": "eval", "value": True}]}, 422, "Unknown operator"),
        ({"all": [{"key": "Smoker!", "op": "equals", "value": True}]}, 422, "lower-case"),
        ({"all": [{"key": "smoker", "op": "equals", "value": {"a": {"b": [[[]]]}}}]}, 400, "boolean, a number"),
        ({"all": [{"key": "smoker", "op": "equals", "value": [True]}]}, 400, "boolean, a number"),
        ({"all": [{"key": "smoker", "op": "one_of", "value": True}]}, 422, "list of 1 to"),
        ({"all": [{"key": "smoker", "op": "equals", "value": "\ud800"}]}, 422, "not allowed"),
        ({"all": [{"key": "smoker", "op": "equals", "value": "x" * 100_000}]}, 422, "At most"),
        ({"all": [{"key": "smoker", "op": "equals", "value": float("nan")}]}, 422, "number"),
    ],
)
def test_a_malformed_condition_is_refused_with_its_reason(app, show_if, status, words):
    with app.test_request_context(), pytest.raises(v.FieldError) as refused:
        clean_items([SMOKER, follow_up(show_if)])
    assert refused.value.status == status
    assert words in refused.value.message


@pytest.mark.parametrize(
    ("items", "words"),
    [
        ([SMOKER, follow_up(condition("follow", "equals", True))], "not asked before this question"),  # itself
        ([follow_up(condition("smoker", "equals", True)), SMOKER], "not asked before this question"),  # forward
        ([SMOKER, follow_up(condition("drinker", "equals", True))], "not a question of this survey"),
        ([NOTE, follow_up(condition("note", "equals", "yes"))], "free-text"),
        ([SMOKER, follow_up(condition("smoker", "equals", "yes"))], "true or false"),
        ([SMOKER, follow_up(condition("smoker", "greater_than", 0))], "does not apply to this type"),
        ([DIET, follow_up(condition("diet", "equals", "Pescatarian"))], "one of its choices"),
        ([DIET, follow_up(condition("diet", "one_of", ["Vegan", "Raw"]))], "one of its choices"),
        ([DIET, follow_up(condition("diet", "less_than", 2))], "does not apply to this type"),
        ([MOOD, follow_up(condition("mood", "greater_than", 9))], "within its scale"),
        ([MOOD, follow_up(condition("mood", "equals", "high"))], "must be a number"),
        ([MOOD, follow_up(condition("mood", "equals", True))], "must be a number"),
        ([{**MOOD, "type": "nps", "min": None, "max": None}, follow_up(condition("mood", "equals", 11))], "within"),
        ([{**CIGS, "show_if": None}, follow_up(condition("cigarettes", "less_than", -1))], "within its scale"),
    ],
)
def test_a_condition_must_name_an_earlier_question_and_a_value_it_can_take(app, items, words):
    items = [{k: x for k, x in item.items() if x is not None} for item in items]
    with app.test_request_context(), pytest.raises(v.FieldError) as refused:
        clean_items(items)
    assert refused.value.status == 422
    assert words in refused.value.message


def test_an_instrument_takes_no_condition(app):
    with app.test_request_context(), pytest.raises(v.FieldError) as refused:
        clean_items([SMOKER, {"key": "who", "instrument": "who5", "show_if": condition("smoker", "equals", True)}])
    assert "only a question may have a condition" in refused.value.message


def test_a_condition_may_look_at_an_instruments_statement(app):
    with app.test_request_context():
        items = clean_items([{"key": "who", "instrument": "who5"}, follow_up(condition("who_1", "less_than", 2))])
    assert items[1]["show_if"]["all"][0]["key"] == "who_1"


# --- Evaluation ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("op", "value", "given", "met"),
    [
        ("equals", True, True, True),
        ("equals", True, False, False),
        ("not_equals", True, False, True),
        ("not_equals", True, True, False),
        ("equals", "Vegan", "Vegan", True),
        ("one_of", ["Vegan", "Vegetarian"], "Vegetarian", True),
        ("one_of", ["Vegan", "Vegetarian"], "Omnivore", False),
        ("greater_than", 3, 4.0, True),
        ("greater_than", 3, 3.0, False),
        ("less_than", 3, 2.0, True),
        ("less_than", 3, 3.0, False),
        ("equals", "Swim", ["Run", "Swim"], True),  # a multiple choice: the choice is among those picked
        ("not_equals", "Swim", ["Run"], True),
        ("one_of", ["Bike", "Swim"], ["Run"], False),
    ],
)
def test_each_operator(op, value, given, met):
    item = follow_up({"all": [{"key": "source", "op": op, "value": value}]})
    assert branching.applies(item, {"source": given}) is met


def test_all_needs_every_condition_and_any_one_of_them():
    both = [{"key": "a", "op": "equals", "value": True}, {"key": "b", "op": "greater_than", "value": 2}]
    assert branching.applies(follow_up({"all": both}), {"a": True, "b": 3.0})
    assert not branching.applies(follow_up({"all": both}), {"a": True, "b": 1.0})
    assert branching.applies(follow_up({"any": both}), {"a": False, "b": 3.0})
    assert not branching.applies(follow_up({"any": both}), {"a": False, "b": 1.0})


def test_a_condition_on_an_unanswered_or_not_applicable_question_is_not_met(app):
    with app.test_request_context():
        items = clean_items(
            [
                {**SMOKER, "required": False},
                {**CIGS, "required": False},
                follow_up(condition("cigarettes", "greater_than", 10)),
                follow_up(condition("smoker", "not_equals", True), key="never"),
            ]
        )
        rows, errors = check_answers(items, {})  # nothing answered: neither follow-up applies
        assert errors == {}
        assert rows == {"cigarettes": (None, None), "follow": (None, None), "never": (None, None)}
        rows, errors = check_answers(items, {"smoker": False})  # cigarettes does not apply, so neither does follow
        assert rows["follow"] == branching.NOT_APPLICABLE and errors == {"never": "Please answer this question."}


def test_a_hidden_question_is_not_required_and_refuses_an_answer(app):
    with app.test_request_context():
        items = clean_items([SMOKER, CIGS, MOOD])
        assert check_answers(items, {"smoker": False, "mood": 3}) == (
            {"smoker": (0.0, None), "cigarettes": (None, None), "mood": (3.0, None)},
            {},
        )
        rows, errors = check_answers(items, {"smoker": "false", "cigarettes": 5, "mood": 3})
        assert list(errors) == ["cigarettes"] and "does not apply" in errors["cigarettes"]
        assert check_answers(items, {"smoker": True, "mood": 3})[1] == {"cigarettes": "Please answer this question."}
        assert check_answers(items, {"smoker": True, "cigarettes": "12", "mood": 3})[0]["cigarettes"] == (12.0, None)


# --- Through the API, the form, the database --------------------------------------------------------------


def test_the_api_refuses_an_answer_to_a_question_that_does_not_apply(client, api_headers, pilot, participant):
    enrol(pilot, participant)
    url = f"{API}/studies/{pilot.id}/surveys/baseline/responses"
    answers = {"sleep_hours": 7, "smoker": False, "cigarettes": 3, **WHO}
    refused = client.post(url, json={"answers": answers}, headers=api_headers(participant))
    assert refused.status_code == 422
    assert list(refused.get_json()["error"]["fields"]) == ["cigarettes"]
    assert stored(pilot) == {}
    del answers["cigarettes"]
    assert client.post(url, json={"answers": answers}, headers=api_headers(participant)).status_code == 201
    rows = stored(pilot)
    assert rows["cigarettes"] == (None, None, True)  # not applicable: stored, and not missing
    assert rows["smoker"] == (0.0, None, False)


def test_the_api_requires_the_follow_up_when_it_applies(client, api_headers, pilot, participant):
    enrol(pilot, participant)
    url = f"{API}/studies/{pilot.id}/surveys/baseline/responses"
    answers = {"sleep_hours": 7, "smoker": True, **WHO}
    refused = client.post(url, json={"answers": answers}, headers=api_headers(participant))
    assert refused.status_code == 422 and list(refused.get_json()["error"]["fields"]) == ["cigarettes"]
    done = client.post(url, json={"answers": {**answers, "cigarettes": 8}}, headers=api_headers(participant))
    assert done.status_code == 201
    assert stored(pilot)["cigarettes"] == (8.0, None, False)


def test_the_form_drops_an_answer_to_a_question_that_does_not_apply(client, login, pilot, participant):
    enrol(pilot, participant)
    login(participant)
    form = {"sleep_hours": "7", "smoker": "false", "cigarettes": "12", **{k: str(x) for k, x in WHO.items()}}
    page = client.get(f"/pilots/{pilot.id}/surveys/baseline").get_data(as_text=True)
    assert "data-show-if" in page and "branching.js" in page
    assert "Answer only if you answered “Yes” to “Do you smoke?”." in page  # the hint shown without JavaScript
    assert client.post(f"/pilots/{pilot.id}/surveys/baseline", data=form).status_code == 302
    assert stored(pilot)["cigarettes"] == (None, None, True)
    answers = client.get(f"/pilots/{pilot.id}/answers").get_data(as_text=True)
    assert "Not applicable" in answers


def test_a_draft_with_a_conditional_question_is_saved_and_sent_later(client, login, pilot, participant):
    enrol(pilot, participant)
    login(participant)
    url = f"/pilots/{pilot.id}/surveys/baseline"
    assert client.post(url, data={"smoker": "true", "cigarettes": "4", "action": "draft"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'value="4"' in page
    form = {"sleep_hours": "7", "smoker": "true", "cigarettes": "4", **{k: str(x) for k, x in WHO.items()}}
    assert client.post(url, data=form).status_code == 302
    assert stored(pilot)["cigarettes"] == (4.0, None, False)


def test_the_database_refuses_a_not_applicable_answer_that_holds_a_value(pilot, participant):
    enrol(pilot, participant)
    participation.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, "smoker": False, **WHO})
    db.session.commit()
    response_id = db.session.scalar(select(Response.id))
    for values in ({"number": 3.0}, {"text": "three"}):
        with pytest.raises(IntegrityError):
            db.session.execute(
                insert(Answer), [{"response_id": response_id, "item_key": "extra", "not_applicable": True, **values}]
            )
        db.session.rollback()
    db.session.execute(insert(Answer), [{"response_id": response_id, "item_key": "extra", "number": 3.0}])
    db.session.commit()  # an answer given is not flagged: the default


def test_a_correction_moves_a_question_between_answered_and_not_applicable(pilot, participant):
    enrol(pilot, participant)
    participation.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, "smoker": False, **WHO})
    db.session.commit()
    corrections.correct_own(
        participant, pilot, "baseline", {"sleep_hours": 7, "smoker": True, "cigarettes": 9, **WHO}, 0
    )
    db.session.commit()
    assert stored(pilot)["cigarettes"] == (9.0, None, False)
    corrections.correct_own(participant, pilot, "baseline", {"sleep_hours": 7, "smoker": False, **WHO}, 1)
    db.session.commit()
    assert stored(pilot)["cigarettes"] == (None, None, True)


def test_read_back_and_my_data_say_not_applicable(app, pilot, participant):
    enrolment = enrol(pilot, participant)
    response = participation.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, "smoker": False, **WHO})
    db.session.commit()
    with app.test_request_context():
        lines = readable(response.survey.items, participation.stored_answers(response))
    cigarettes = next(line for line in lines if line["key"] == "cigarettes")
    smoker = next(line for line in lines if line["key"] == "smoker")
    assert cigarettes["not_applicable"] and not smoker["not_applicable"]
    data = gdpr.personal_data(participant)
    mine = next(e for e in data["enrolments"] if e["participant_code"] == enrolment.participant_code)
    assert mine["responses"][0]["not_applicable"] == ["cigarettes"]


# --- Exports and dictionary ------------------------------------------------------------------------------


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_exports_mark_not_applicable_apart_from_missing(client, api_headers, pilot, startup, make_user, tmp_path):
    smoker, non_smoker = make_user("participant"), make_user("participant")
    enrol(pilot, smoker)
    enrol(pilot, non_smoker)
    participation.submit_response(smoker, pilot, "baseline", {"sleep_hours": 7, "smoker": True, "cigarettes": 6, **WHO})
    participation.submit_response(non_smoker, pilot, "baseline", {"sleep_hours": 8, "smoker": False, **WHO})
    db.session.commit()
    headers = api_headers(startup)
    table = read_csv(client.get(f"{API}/studies/{pilot.id}/export.csv", headers=headers).data)
    column = table[0].index("cigarettes")
    assert sorted(row[column] for row in table[1:]) == ["6", "not_applicable"]
    dictionary = read_csv(client.get(f"{API}/studies/{pilot.id}/dictionary.csv", headers=headers).data)
    assert dictionary[0] == ["key", "label", "type", "range_or_choices", "unit", "timepoints"]
    described = next(row for row in dictionary if row[0] == "cigarettes")[3]
    assert "not_applicable = not applicable, never missing" in described and "smoker = 1 (yes)" in described
    assert next(row for row in dictionary if row[0] == "smoker")[3] == "1 = yes; 0 = no"

    path = tmp_path / "data.dta"
    path.write_bytes(client.get(f"{API}/studies/{pilot.id}/export.dta", headers=headers).data)
    frame, meta = pyreadstat.read_dta(str(path), user_missing=True)
    assert sorted(map(str, frame["cigarettes"])) == ["6.0", "n"]
    path = tmp_path / "data.sav"
    path.write_bytes(client.get(f"{API}/studies/{pilot.id}/export.sav", headers=headers).data)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert sorted(frame["cigarettes"]) == [-9_999_999_999, 6.0]
    assert meta.missing_ranges["cigarettes"] == [{"lo": -9_999_999_999, "hi": -9_999_999_999}]
    assert meta.variable_value_labels["cigarettes"][-9_999_999_999] == "not applicable"
    plain, _meta = pyreadstat.read_sav(str(path))  # as SPSS reads it: a declared missing value
    assert plain["cigarettes"].isna().sum() == 1


# --- Analysis --------------------------------------------------------------------------------------------


def test_the_analysis_never_counts_not_applicable_as_missing():
    surveys = {"baseline": [SMOKER, CIGS], "follow_up": [SMOKER, CIGS]}
    rows = []
    for n, (arm, smokes) in enumerate([("a", True), ("b", True), ("a", False), ("b", False), ("a", True), ("b", True)]):
        for tp in ("baseline", "follow_up"):
            rows.append((f"P{n}", arm, tp, "smoker", 1.0 if smokes else 0.0, None))
            if smokes:
                rows.append((f"P{n}", arm, tp, "cigarettes", 10.0 + n + (tp == "follow_up") * (n % 3), None))
    frame = pd.DataFrame(rows, columns=["participant_code", "arm", "timepoint", "item", "number", "text"])
    study = {
        "design": "parallel_groups",
        "arms": ["a", "b"],
        "timepoints": ["baseline", "follow_up"],
        "surveys": surveys,
        "primary_outcome": {"variable": "cigarettes", "hypothesis": "decrease"},
    }
    missing = build_results(frame.copy(), study)["primary_outcome"]
    assert missing["dropped_missing"] == 2  # nothing says the two non-smokers' answers did not apply
    marked = frame.copy()
    marked.attrs[not_applicable.ATTRIBUTE] = pd.DataFrame(
        [("P2", tp, "cigarettes") for tp in ("baseline", "follow_up")]
        + [("P3", tp, "cigarettes") for tp in ("baseline", "follow_up")],
        columns=not_applicable.COLUMNS,
    )
    results = build_results(marked, study)["primary_outcome"]
    assert results["dropped_missing"] == 0
    assert results["n"] == missing["n"] == 4


def test_the_loader_sets_not_applicable_answers_aside(pilot, make_user):
    from livinglab.results.loading import load_answers

    smoker, non_smoker = make_user("participant"), make_user("participant")
    enrol(pilot, smoker)
    codes = {enrol(pilot, non_smoker).participant_code}
    participation.submit_response(smoker, pilot, "baseline", {"sleep_hours": 7, "smoker": True, "cigarettes": 6, **WHO})
    participation.submit_response(non_smoker, pilot, "baseline", {"sleep_hours": 8, "smoker": False, **WHO})
    db.session.commit()
    frame = load_answers(db.session.connection(), pilot.id)
    assert list(frame.loc[frame["item"] == "cigarettes", "number"]) == [6.0]  # never read as an answer
    aside = not_applicable.of(frame)
    assert set(aside["participant_code"]) == codes and list(aside["item"]) == ["cigarettes"]


def test_the_data_quality_page_counts_only_the_answers_given(pilot, participant):
    from livinglab.quality.services import response_rows

    enrol(pilot, participant)
    participation.submit_response(participant, pilot, "baseline", {"sleep_hours": 7, "smoker": False, **WHO})
    db.session.commit()
    (row,) = response_rows(pilot.id, count_answers=True)
    assert row.answered == 2 + 5  # sleep, smoker and the five statements: not the question that did not apply


# --- Amendments, the registration hash, hostile bodies ----------------------------------------------------


def test_deleting_or_changing_a_question_a_condition_names_is_refused(make_study, startup):
    study = make_study("draft", protocol=sleep_protocol(), survey_defs=branching_surveys())
    survey = next(s for s in study.surveys if s.key == "baseline")
    with pytest.raises(Invalid) as refused:
        surveys.delete_item(startup, survey, 1)  # the smoking question
    assert "“smoker”" in str(refused.value.fields) and "not a question of this survey" in str(refused.value.fields)
    with pytest.raises(Invalid) as refused:
        surveys.edit_item(startup, survey, 1, {**SMOKER, "type": "single_choice", "choices": ["Yes", "No"]})
    assert "does not fit that question" in str(refused.value.fields)
    with pytest.raises(Invalid):
        surveys.reorder_items(startup, survey, ["sleep_hours", "cigarettes", "smoker", "who"])  # after its source
    db.session.rollback()


def test_an_amendment_removing_the_source_of_a_condition_is_refused(make_study, startup):
    study = make_study("approved", protocol=sleep_protocol(), survey_defs=branching_surveys())
    survey = next(s for s in study.surveys if s.key == "baseline")
    definition = {
        "key": "baseline",
        "title": "Before",
        "timepoint": "baseline",
        "items": [i for i in survey.items if i["key"] != "smoker"],
    }
    with pytest.raises(Invalid) as refused:  # the check an amendment's surveys go through (amendment_editing.save)
        surveys.clean_survey(study, definition, existing=survey)
    assert "The condition names “smoker”, which is not a question of this survey." in refused.value.fields["items"]


def test_the_registration_hash_covers_the_condition(make_study):
    plain = [
        {**s, "items": [{k: x for k, x in i.items() if k != "show_if"} for i in s["items"]]}
        for s in branching_surveys()
    ]
    with_condition = make_study("approved", protocol=sleep_protocol(), survey_defs=branching_surveys())
    without = make_study("approved", protocol=sleep_protocol(), survey_defs=plain)
    other = [dict(s) for s in branching_surveys()]
    other[0] = {**other[0], "items": [*other[0]["items"]]}
    other[0]["items"][2] = {**CIGS, "show_if": condition("smoker", "equals", False)}
    changed = make_study("approved", protocol=sleep_protocol(), survey_defs=other)
    hashes = {registration_hash(s) for s in (with_condition, without, changed)}
    assert len(hashes) == 3


def test_an_amendment_changing_a_condition_shows_the_question_as_changed_in_its_diff(app):
    from livinglab.studies.diff import differences

    before = {"protocol": {}, "surveys": branching_surveys()}
    after = {"protocol": {}, "surveys": branching_surveys()}
    after["surveys"][0] = {**after["surveys"][0], "items": list(after["surveys"][0]["items"])}
    after["surveys"][0]["items"][2] = {**CIGS, "show_if": condition("smoker", "not_equals", False)}
    with app.test_request_context():
        changed = differences(before, after)["surveys"]
    assert [(survey["key"], change, items) for survey, change, items in changed] == [
        ("baseline", "changed", [("cigarettes", "changed")])
    ]


@pytest.mark.parametrize(
    "show_if",
    [
        {"all": [{"key": "smoker", "op": "equals", "value": True}] * 5000},
        {"all": [{"key": "smoker", "op": "equals", "value": [[[[[[[[[[[[True]]]]]]]]]]]]}]},
        {"any": [{"key": "smoker", "op": "regex", "value": ".*"}]},
        {"all": [{"key": "\ud800", "op": "equals", "value": True}]},
        {"all": [{"key": "smoker", "op": "equals", "value": "\udfff"}]},
        "x" * 300_000,
    ],
)
def test_hostile_conditions_are_refused_through_the_api(client, api_headers, make_study, startup, show_if):
    study = make_study("draft", protocol=sleep_protocol())
    body = {"key": "extra", "title": "Extra", "timepoint": "baseline", "items": [SMOKER, follow_up(show_if)]}
    answer = client.post(f"{API}/studies/{study.id}/surveys", json=body, headers=api_headers(startup))
    assert 400 <= answer.status_code < 500
    assert all(s.key != "extra" for s in study.surveys)


def test_a_deeply_nested_body_is_refused(client, api_headers, make_study, startup):
    study = make_study("draft", protocol=sleep_protocol())
    nested = "[" * 5000 + "]" * 5000
    raw = (
        '{"key": "extra", "title": "E", "timepoint": "baseline", "items": [{"key": "a", "text": "A", "type": "yes_no", '
        '"show_if": {"all": ' + nested + "}}]}"
    )
    answer = client.post(
        f"{API}/studies/{study.id}/surveys",
        data=raw,
        headers={**api_headers(startup), "Content-Type": "application/json"},
    )
    assert 400 <= answer.status_code < 500


# --- The builder -----------------------------------------------------------------------------------------


def test_the_builder_adds_a_question_with_a_condition_and_shows_it_in_words(client, login, make_study, startup):
    study = make_study("draft", protocol=sleep_protocol(), survey_defs=branching_surveys())
    survey = next(s for s in study.surveys if s.key == "baseline")
    login(startup)
    page = client.get(f"/studies/{study.id}/surveys/{survey.id}").get_data(as_text=True)
    assert "Show this question only if" in page
    assert "Asked only if the condition is met" in page and "you answered “Yes” to “Do you smoke?”" in page
    posted = client.post(
        f"/studies/{study.id}/surveys/{survey.id}/items",
        data={
            "kind": "question",
            "question-text": "Since when do you smoke?",
            "question-type": "number",
            "question-required": "y",
            "question-show_if": "any",
            "question-show_if_key_1": "smoker",
            "question-show_if_op_1": "equals",
            "question-show_if_value_1": "yes",
            "question-show_if_key_2": "cigarettes",
            "question-show_if_op_2": "greater_than",
            "question-show_if_value_2": "10",
        },
    )
    assert posted.status_code == 302, posted.get_data(as_text=True)
    db.session.expire_all()
    added = survey.items[-1]
    assert added["show_if"] == {
        "any": [
            {"key": "smoker", "op": "equals", "value": True},
            {"key": "cigarettes", "op": "greater_than", "value": 10},
        ]
    }
    edit = client.get(f"/studies/{study.id}/surveys/{survey.id}/items/{len(survey.items) - 1}/edit")
    assert 'value="10"' in edit.get_data(as_text=True)
    preview = client.get(f"/studies/{study.id}/surveys/{survey.id}/preview").get_data(as_text=True)
    assert "Answer only if you answered “Yes” to “Do you smoke?” or your answer to" in preview
