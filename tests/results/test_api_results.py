"""GET /api/v1/studies/{id}/results, export.csv and dictionary.csv, as ../shared/API.md defines them."""

import csv
import io
import json

import pytest
from openapi_schema_validator import OAS31Validator, oas31_format_checker

from livinglab.api.openapi import spec as build_spec
from livinglab.demo import food_protocol, food_surveys, populate
from livinglab.demo_bulk import bulk_participants
from livinglab.extensions import db
from livinglab.studies import services as studies

V1 = "/api/v1"
BASELINE = {"sleep_hours": 6.0, **{f"who_{i}": 3 for i in range(1, 6)}}
FOLLOW_UP = {
    "sleep_hours": 7.5,
    **{f"who_{i}": 4 for i in range(1, 6)},
    **{f"sus_{i}": 4 for i in range(1, 11)},
    "comments": '=HYPERLINK("http://x","y")',
}


@pytest.fixture(scope="module")
def spec():
    return build_spec()


def valid(spec, name: str, body) -> list[str]:
    validator = OAS31Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}, format_checker=oas31_format_checker
    )
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


@pytest.fixture
def pilot(make_study, take_part):
    """A recruiting pre/post pilot: three complete pairs, one erased withdrawal, one kept."""
    study = make_study("recruiting")
    for lift in (1.0, 1.5, 2.5):
        take_part(study, {"baseline": BASELINE, "follow_up": FOLLOW_UP | {"sleep_hours": 6.0 + lift}})
    take_part(study, {"baseline": BASELINE}, withdraw=True)
    take_part(study, {"baseline": BASELINE}, withdraw=False)
    return study


@pytest.fixture
def get(client, api_headers):
    def call(study_id, what: str, user=None, status: int = 200):
        response = client.get(f"{V1}/studies/{study_id}/{what}", headers=api_headers(user))
        assert response.status_code == status, response.data[:500]
        return response

    return call


# Results


def test_the_owner_reads_the_results_as_the_api_defines_them(pilot, get, startup, spec):
    body = get(pilot.id, "results", startup).get_json()
    assert valid(spec, "Results", body) == []
    assert body["study_id"] == pilot.id and body["status"] == "recruiting" and body["interim"] is True
    primary = body["primary_outcome"]
    assert (primary["variable"], primary["test"], primary["n"]) == ("sleep_hours", "paired_t", 3)
    assert primary["estimate"] == pytest.approx(5 / 3)
    assert body["variables"]["sleep_hours"]["by_timepoint"]["baseline"]["n"] == 4
    flow = body["flow"]
    assert (flow["enrolled"], flow["withdrawn"]) == (5, 2)
    assert flow["completed"] == {"baseline": 4, "follow_up": 3}, "the erased participant is gone"


def test_results_stay_interim_when_recruitment_closes_and_are_final_once_the_pilot_ends(
    pilot, get, startup, coordinator
):
    studies.set_recruitment(coordinator, pilot, "closed")
    db.session.commit()
    body = get(pilot.id, "results", startup).get_json()
    assert (body["status"], body["interim"]) == ("closed", True)  # the enrolled still answer
    studies.end_study(coordinator, pilot, "Every follow-up is done.")
    db.session.commit()
    body = get(pilot.id, "results", startup).get_json()
    assert (body["status"], body["interim"]) == ("ended", False)


def test_parallel_groups_results_validate_against_the_description(make_study, get, coordinator, spec):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    populate(study, count=12, seed=4)
    bulk_participants(study, 30, seed=4)
    db.session.commit()
    body = get(study.id, "results", coordinator).get_json()
    assert valid(spec, "Results", body) == []
    # a new study registers the baseline-adjusted analysis: satisfaction is measured at baseline
    primary = body["primary_outcome"]
    assert primary["test"] == "ancova" and primary["adjusted_for"] == ["satisfaction@baseline"]
    assert primary["sensitivity"]["test"] == "welch_t"
    assert set(body["flow"]["allocated"]) == {"usual_menu", "plant_based"}


def test_a_study_approved_without_answers_has_results_that_say_so(make_study, get, startup, spec):
    study = make_study("approved")
    response = get(study.id, "results", startup)
    body = json.loads(response.data)  # strict JSON: no NaN anywhere
    assert valid(spec, "Results", body) == []
    assert body["primary_outcome"]["p_value"] is None and body["primary_outcome"]["reason"]
    assert "no_data" in {warning["code"] for warning in body["warnings"]}


def test_every_warning_and_reason_in_the_api_has_its_code_and_english_words(make_study, get, startup):
    study = make_study("approved")
    body = get(study.id, "results", startup).get_json()
    primary = body["primary_outcome"]
    assert primary["reason"] == "fewer than 2 participants have a value at both timepoints (0)"
    assert primary["reason_code"] == {"code": "too_few_pairs", "n": 0, "minimum": 2}
    assert primary["robustness"]["reason_code"]["code"] == "no_pairs" and primary["robustness"]["reason"]
    assert {"code": "no_data", "message": "No answers yet: nothing to describe or test."} in body["warnings"]
    assert all(set(w) >= {"code", "message"} and w["message"] for w in body["warnings"])
    assert "format" not in body and all(isinstance(text, str) for text in body["methods"].values())


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "rejected"])
def test_before_approval_results_and_exports_answer_409(make_study, get, startup, status):
    study = make_study(status)
    for what in ("results", "export.csv", "dictionary.csv"):
        error = get(study.id, what, startup, 409).get_json()["error"]
        assert error["code"] == "not_approved" and error["message"]


@pytest.mark.parametrize("what", ["results", "export.csv", "dictionary.csv"])
def test_coordinators_and_the_whole_owner_organisation_may_read(pilot, get, colleague, coordinator, what):
    get(pilot.id, what, colleague)
    get(pilot.id, what, coordinator)


@pytest.mark.parametrize("what", ["results", "export.csv", "dictionary.csv"])
def test_others_are_refused_as_the_api_conventions_say(pilot, get, other_startup, make_user, client, what):
    assert get(pilot.id, what, other_startup, 404).get_json()["error"]["code"] == "not_found"
    assert get(pilot.id, what, make_user("participant"), 404).get_json()["error"]["code"] == "not_found"
    assert get(pilot.id, what, None, 401).get_json()["error"]["code"] == "unauthorized"
    assert get(pilot.id + 1000, what, other_startup, 404).get_json()["error"]["code"] == "not_found"
    bad = client.get(f"{V1}/studies/{pilot.id}/{what}", headers={"Authorization": "Bearer garbage"})
    assert bad.status_code == 401


@pytest.mark.parametrize("what", ["results", "export.csv", "dictionary.csv"])
def test_a_participant_of_the_study_sees_it_but_not_its_results(pilot, get, take_part, what):
    _code, user = take_part(pilot, {"baseline": BASELINE})
    assert get(pilot.id, what, user, 403).get_json()["error"]["code"] == "forbidden"


def test_results_follow_new_answers(pilot, get, startup, take_part):
    before = get(pilot.id, "results", startup).get_json()
    take_part(pilot, {"baseline": BASELINE})
    after = get(pilot.id, "results", startup).get_json()
    assert after["data_version"] > before["data_version"]
    assert after["flow"]["completed"]["baseline"] == before["flow"]["completed"]["baseline"] + 1


# export.csv and dictionary.csv


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def test_export_csv_is_a_streamed_wide_csv_of_pseudonymous_codes(pilot, get, startup):
    response = get(pilot.id, "export.csv", startup)
    assert response.content_type == "text/csv; charset=utf-8" and response.is_streamed
    assert response.headers["Content-Disposition"] == f'attachment; filename="livinglab-study-{pilot.id}-data.csv"'
    rows = rows_of(response)
    assert rows[0][:4] == ["participant_code", "arm", "timepoint", "sleep_hours"]
    assert rows[0][-1] == "comments" and "who" in rows[0] and "sus_10" in rows[0]
    assert len(rows) == 1 + 4 + 3, "4 at baseline (one erased), 3 at follow-up"
    assert all(row[0].startswith("P-") for row in rows[1:])
    comments = {row[-1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x","y")' in comments


def test_export_csv_is_the_file_the_page_offers(pilot, get, startup, client, login):
    api = get(pilot.id, "export.csv", startup).get_data()
    login(startup)
    assert client.get(f"/studies/{pilot.id}/exports/data.csv").get_data() == api


def test_dictionary_csv_describes_each_column_of_the_export(pilot, get, startup):
    header = rows_of(get(pilot.id, "export.csv", startup))[0]
    dictionary = rows_of(get(pilot.id, "dictionary.csv", startup))
    assert dictionary[0] == ["key", "label", "type", "range_or_choices", "unit", "timepoints"]
    assert [row[0] for row in dictionary[1:]] == header
    sleep = next(row for row in dictionary if row[0] == "sleep_hours")
    assert sleep[2:] == ["number", "[0, 24]", "h", "baseline; follow_up"]


def test_an_approved_study_without_answers_exports_the_header_only(make_study, get, startup):
    study = make_study("approved")
    rows = rows_of(get(study.id, "export.csv", startup))
    assert len(rows) == 1 and rows[0][0] == "participant_code"
