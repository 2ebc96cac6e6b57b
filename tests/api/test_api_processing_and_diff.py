"""Two pages the API now serves too (issue 12, "in pages and API"): a pilot's record of processing (GDPR art. 30),
as its page and CSV show it, and what an amendment changes against the approved version, as its page's diff shows
it, by machine key. Same access as the pages, the caller's language, and a clean 4xx for any id."""

import csv
import io

import pytest

from livinglab.demo import CONSENT_CLAUSES, CONSENT_TEXT, sleep_surveys
from tests.studies.test_amendments import enrol  # the same enrolment, one helper

API = "/api/v1"
# The sleep pilot's record (livinglab/demo.py), entry by entry, in the order of art. 30(1) a) to g), then the lab's
RECORD_ITEMS = [
    "processing",
    "controller",
    "dpo",
    "purposes",
    "legal_basis",
    "data_subjects",
    "data_categories",
    "health_data",
    "recipients",
    "transfers",
    "retention",
    "security",
    "hosting",
    "dpia",
    "regulatory_frame",
]
RECORD_VALUES = {
    "processing": "Pilot “Sleep coaching app for shift workers” (protocol version 1)",
    "controller": "Sommeil Santé SAS (sponsor), for the organisation Sommeil+",
    "dpo": "dpo@sommeil.example",
    "legal_basis": "Art. 6: Legitimate interests (art. 6(1)(f)). Art. 9: Scientific research (art. 9(2)(j)).",
    "health_data": "Yes: Scientific research (art. 9(2)(j))",
    "retention": "24 months after the end of the pilot; then erased or anonymised as the consent says",
    "dpia": "Carried out: DPIA-SOM-2026-03, 2026-09-01",
}
HOSTILE_IDS = ["2147483648", "9" * 40, "abc", "-1", "1.5", "0x10", "%00", "1%0A"]


@pytest.fixture
def api(client, api_headers):
    """Call the API as a user (None: anonymous), with extra headers if given."""
    tokens = {}

    def call(method, path, user=None, headers=None, **kwargs):
        if user is not None and id(user) not in tokens:
            tokens[id(user)] = api_headers(user)
        return client.open(API + path, method=method, headers={**tokens.get(id(user), {}), **(headers or {})}, **kwargs)

    return call


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    if code:
        assert error["code"] == code
    return error


# --- The record of processing -----------------------------------------------------------------------------


def test_the_coordinator_reads_the_record_of_processing_as_the_csv_gives_it(
    api, client, login, coordinator, make_study
):
    study = make_study("recruiting")
    response = api("GET", f"/studies/{study.id}/processing-record", coordinator)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"study_id", "items"} and body["study_id"] == study.id
    assert [entry["item"] for entry in body["items"]] == RECORD_ITEMS
    values = {entry["item"]: entry["value"] for entry in body["items"]}
    for item, value in RECORD_VALUES.items():
        assert values[item] == value, item
    labels = {entry["item"]: entry["label"] for entry in body["items"]}
    assert labels["dpo"] == "Data protection officer (DPO)" and labels["health_data"] == "Health data"

    login(coordinator)  # the page's CSV says the same, row by row (its cells guarded against formulas only)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/studies/{study.id}/processing-record.csv").text)))
    assert [{"item": r["item"], "label": r["label"], "value": r["value"]} for r in rows] == body["items"]


def test_the_owner_organisation_reads_its_record_even_as_a_draft(api, startup, make_study):
    study = make_study("draft")
    response = api("GET", f"/studies/{study.id}/processing-record", startup)
    assert response.status_code == 200
    assert response.get_json()["items"][0] == {
        "item": "processing",
        "label": "Processing",
        "value": "Pilot “Sleep coaching app for shift workers” (protocol version 1)",
    }


def test_the_record_is_in_the_language_the_request_asks_for(api, coordinator, make_study):
    study = make_study("recruiting")
    body = api("GET", f"/studies/{study.id}/processing-record", coordinator, headers={"Accept-Language": "fr"})
    entries = {entry["item"]: entry for entry in body.get_json()["items"]}
    assert entries["dpo"]["label"] == "Délégué à la protection des données (DPO)"
    assert entries["health_data"]["label"] == "Données de santé"
    assert entries["dpo"]["value"] == "dpo@sommeil.example"  # the protocol's own words stay as written


def test_another_organisation_a_participant_and_anonymous_callers_do_not_read_the_record(
    api, make_study, other_startup, participant, make_user
):
    study = make_study("recruiting")
    url = f"/studies/{study.id}/processing-record"
    assert_error(api("GET", url, other_startup), 404, "not_found")  # another organisation's study is unseen
    assert_error(api("GET", url, participant), 404)  # a participant who does not take part in it
    enrolled = make_user("participant")
    enrol(enrolled, study)
    assert_error(api("GET", url, enrolled), 403)  # sees the study, not its record
    assert_error(api("GET", url), 401, "unauthorized")
    assert_error(api("GET", url, headers={"Authorization": "Bearer garbage"}), 401, "unauthorized")


def test_the_record_of_an_unknown_study_is_404(api, coordinator, make_study):
    study = make_study("draft")
    assert_error(api("GET", f"/studies/{study.id + 1000}/processing-record", coordinator), 404)


@pytest.mark.parametrize("study_id", HOSTILE_IDS)
def test_any_study_id_answers_the_record_with_a_clean_4xx(api, coordinator, make_study, study_id):
    make_study("recruiting")  # study 1 exists: none of these ids may name it
    assert_error(api("GET", f"/studies/{study_id}/processing-record", coordinator), 404)


def test_the_record_is_read_only(api, coordinator, make_study):
    study = make_study("draft")
    assert_error(api("POST", f"/studies/{study.id}/processing-record", coordinator, json={}), 405)


# --- What an amendment changes ----------------------------------------------------------------------------

NEW_CONSENT = {
    "text": "We now also ask about naps. Your answers stay pseudonymous.",
    "clauses": [
        CONSENT_CLAUSES[0],  # unchanged
        {
            "key": "data_use",
            "text": "I agree that my answers, naps included, are used for this pilot.",
            "required": True,
        },
        {"key": "naps", "text": "I agree to be asked about my naps.", "required": True},
    ],  # `recontact` removed
    "gdpr": {"dpo": "dpo@sommeil.example"},
}
NAPS = {"key": "naps", "text": "How many naps did you take last week?", "type": "number", "min": 0, "max": 50}
NAP_LENGTH = {"key": "nap_minutes", "text": "How long was your longest nap?", "type": "number", "min": 0, "max": 600}
NAPS_DIARY = {"key": "naps_diary", "title": "Naps", "timepoint": "follow_up", "items": [NAP_LENGTH]}


def amended(api, startup, study) -> str:
    """An amendment of the recruiting sleep pilot that changes a field of each kind; its API path."""
    opened = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Ask about naps"})
    assert opened.status_code == 201, opened.get_json()
    base = f"/studies/{study.id}/amendments/{opened.get_json()['version']}"
    patched = api("PATCH", base, startup, json={"target_enrolment": 90, "summary": "Sleep coaching, now with naps."})
    assert patched.status_code == 200, patched.get_json()
    assert api("PUT", f"{base}/consent", startup, json=NEW_CONSENT).status_code == 200
    follow_up = sleep_surveys()[1]
    sleep, who, sus, _comments = follow_up["items"]
    changed = {
        **follow_up,
        "title": "After four weeks of coaching",
        "items": [{**sleep, "text": "How many hours did you sleep per night, last week?"}, who, sus, NAPS],
    }
    for survey in (changed, NAPS_DIARY):
        saved = api("POST", f"{base}/surveys", startup, json=survey)
        assert saved.status_code == 200, saved.get_json()
    return base


def expected_diff(study_id: int, status: str) -> dict:
    return {
        "study_id": study_id,
        "version": 2,
        "status": status,
        "any": True,
        "fields": [
            {
                "field": "summary",
                "label": "Plain-language summary",
                "before": "A smartphone coaching programme that helps shift workers sleep longer and better.",
                "after": "Sleep coaching, now with naps.",
            },
            {"field": "target_enrolment", "label": "Target enrolment", "before": 40, "after": 90},
        ],
        "consent_text": {"before": CONSENT_TEXT, "after": NEW_CONSENT["text"]},
        "clauses": [
            {"key": "naps", "change": "added", "text": "I agree to be asked about my naps."},
            {"key": "recontact", "change": "removed", "text": "I agree to be contacted about future pilots."},
            {
                "key": "data_use",
                "change": "changed",
                "text": "I agree that my answers, naps included, are used for this pilot.",
            },
        ],
        "gdpr": [
            {"key": "dpo", "label": "Data protection officer (DPO)", "before": "", "after": "dpo@sommeil.example"}
        ],
        "surveys": [
            {
                "key": "follow_up",
                "title": "After four weeks of coaching",
                "timepoint": "follow_up",
                "change": "changed",
                "settings_changed": True,  # its title
                "items": [
                    {"key": "naps", "change": "added"},
                    {"key": "comments", "change": "removed"},
                    {"key": "sleep_hours", "change": "changed"},
                ],
            },
            {
                "key": "naps_diary",
                "title": "Naps",
                "timepoint": "follow_up",
                "change": "added",
                "settings_changed": False,
                "items": [{"key": "nap_minutes", "change": "added"}],
            },
        ],
    }


def test_the_diff_of_an_amendment_names_each_change_by_key_before_and_after_approval(
    api, client, login, make_study, startup, coordinator
):
    study = make_study("recruiting")
    base = amended(api, startup, study)
    response = api("GET", f"{base}/diff", startup)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == expected_diff(study.id, "draft")
    login(startup)  # the amendment's page (`base` is its path too) still shows the same diff, by label
    page = client.get(base)
    assert page.status_code == 200
    for shown in ("Plain-language summary", "Target enrolment", "<code>recontact</code>", "<code>nap_minutes</code>"):
        assert shown in page.text, shown
    assert api("GET", f"{base}/diff", coordinator).get_json() == expected_diff(study.id, "draft")

    assert api("POST", f"{base}/submit", startup).status_code == 200
    assert api("POST", f"{base}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    # once approved, the study runs on it: the diff is still against the version it amended, not against itself
    assert api("GET", f"{base}/diff", startup).get_json() == expected_diff(study.id, "approved")


def test_the_diff_says_so_when_nothing_changes(api, make_study, startup):
    study = make_study("recruiting")
    opened = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Nothing yet"}).get_json()
    body = api("GET", f"/studies/{study.id}/amendments/{opened['version']}/diff", startup).get_json()
    assert body == {
        "study_id": study.id,
        "version": opened["version"],
        "status": "draft",
        "any": False,
        "fields": [],
        "consent_text": None,
        "clauses": [],
        "gdpr": [],
        "surveys": [],
    }


def test_the_diff_labels_are_in_the_language_the_request_asks_for(api, make_study, startup):
    study = make_study("recruiting")
    base = amended(api, startup, study)
    body = api("GET", f"{base}/diff", startup, headers={"Accept-Language": "fr"}).get_json()
    assert [(f["field"], f["label"]) for f in body["fields"]][1] == ("target_enrolment", "Objectif de recrutement")
    assert body["gdpr"][0]["label"] == "Délégué à la protection des données (DPO)"
    assert body["clauses"][0]["change"] == "added"  # machine values are never translated


def test_the_diff_is_for_the_owner_organisation_and_coordinators_only(
    api, make_study, startup, other_startup, participant, make_user
):
    study = make_study("recruiting")
    base = amended(api, startup, study)
    assert_error(api("GET", f"{base}/diff", other_startup), 404, "not_found")
    assert_error(api("GET", f"{base}/diff", participant), 404)
    enrolled = make_user("participant")
    enrol(enrolled, study)
    assert_error(api("GET", f"{base}/diff", enrolled), 403)
    assert_error(api("GET", f"{base}/diff"), 401, "unauthorized")


def test_the_diff_of_an_unknown_study_or_version_is_404(api, make_study, startup, coordinator):
    study = make_study("recruiting")
    assert_error(api("GET", f"/studies/{study.id}/amendments/2/diff", startup), 404, "no_amendment")
    assert_error(api("GET", f"/studies/{study.id}/amendments/1/diff", coordinator), 404, "no_amendment")
    assert_error(api("GET", f"/studies/{study.id + 1000}/amendments/2/diff", coordinator), 404)


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_any_study_id_or_version_answers_the_diff_with_a_clean_4xx(api, make_study, startup, bad):
    study = make_study("recruiting")
    assert api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Naps"}).status_code == 201
    assert_error(api("GET", f"/studies/{study.id}/amendments/{bad}/diff", startup), 404)
    assert_error(api("GET", f"/studies/{bad}/amendments/2/diff", startup), 404)
