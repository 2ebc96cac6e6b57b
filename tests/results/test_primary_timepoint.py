"""Issue 13 item 4: the timepoint of the primary comparison is declared in the protocol (`primary_timepoint`),
checked against the timepoints and the surveys, frozen by the registration hash, and used and named by the
results (the page, the verdict sentence, the methods paragraph, the report, the API)."""

import html
import json

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import select

from livinglab.auth.models import User
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.studies import pilot_languages, services
from livinglab.studies.fields import protocol_dict
from livinglab.studies.models import Registration

V1 = "/api/v1"
TIMEPOINTS = ["baseline", "week_4", "week_12"]
SLEEP = {"key": "sleep_hours", "text": "Hours of sleep", "type": "number", "min": 0, "max": 24, "unit": "h"}
MOOD = {"key": "mood", "text": "Mood", "type": "number", "min": 0, "max": 10}


def surveys(measured=TIMEPOINTS):
    """One survey per timepoint; the primary variable asked at `measured` (mood elsewhere)."""
    return [
        {"key": f"s_{tp}", "title": tp, "timepoint": tp, "items": [SLEEP if tp in measured else MOOD]}
        for tp in TIMEPOINTS
    ]


def protocol(**overrides):
    return sleep_protocol(timepoints=TIMEPOINTS, target_enrolment=100, **overrides)


def test_a_new_study_declares_no_timepoint(make_study, client, api_headers, startup):
    study = make_study("draft", protocol=protocol(), survey_defs=surveys())
    body = client.get(f"{V1}/studies/{study.id}", headers=api_headers(startup)).get_json()
    assert body["primary_timepoint"] == "" and body["timepoints"] == TIMEPOINTS


@pytest.mark.parametrize(
    "hostile, status",
    [
        ("baseline", 422),  # the first timepoint: nothing before it to compare with
        ("nope", 422),
        ("week_4\r\nx", 422),
        ("x" * 65, 422),
        (" ", 422),
        (4, 400),
        (["week_4"], 400),
        ({"a": 1}, 400),
        (None, 200),  # null, as for any text field: the empty value, the default
    ],
)
def test_the_declared_timepoint_must_be_a_later_timepoint(make_study, client, api_headers, startup, hostile, status):
    study = make_study("draft", protocol=protocol(), survey_defs=surveys())
    headers, url = api_headers(startup), f"{V1}/studies/{study.id}"
    before = client.get(url, headers=headers).get_json()
    response = client.patch(url, json={"primary_timepoint": hostile}, headers=headers)
    if hostile in (" ", None):  # blank: the empty value, the default
        assert response.status_code == 200 and client.get(url, headers=headers).get_json() == before
    else:
        assert response.status_code in (400, 422), response.get_data(as_text=True)
        assert "primary_timepoint" in response.get_json()["error"]["fields"]
        if hostile in ("baseline", "nope"):  # says which timepoints may be chosen
            assert "week_4, week_12" in response.get_json()["error"]["fields"]["primary_timepoint"]
        assert client.get(url, headers=headers).get_json() == before, "nothing changed"
    assert client.patch(url, json={"primary_timepoint": "week_4"}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_timepoint"] == "week_4"


def test_a_timepoint_that_does_not_measure_the_primary_outcome_is_refused(make_study, client, api_headers, startup):
    study = make_study("draft", protocol=protocol(), survey_defs=surveys(measured=["baseline", "week_12"]))
    headers, url = api_headers(startup), f"{V1}/studies/{study.id}"
    response = client.patch(url, json={"primary_timepoint": "week_4"}, headers=headers)
    assert response.status_code == 422
    assert "week_12" in response.get_json()["error"]["fields"]["primary_timepoint"]
    assert "week_4" not in response.get_json()["error"]["fields"]["primary_timepoint"]
    # nor a timepoint no later than the first that measures it
    late = make_study("draft", protocol=protocol(), survey_defs=surveys(measured=["week_4", "week_12"]))
    response = client.patch(f"{V1}/studies/{late.id}", json={"primary_timepoint": "week_4"}, headers=headers)
    assert response.status_code == 422 and "primary_timepoint" in response.get_json()["error"]["fields"]
    assert (
        client.patch(f"{V1}/studies/{late.id}", json={"primary_timepoint": "week_12"}, headers=headers).status_code
        == 200
    )


def test_timepoints_or_an_outcome_that_no_longer_hold_it_empty_it(make_study, client, api_headers, startup):
    headers = api_headers(startup)
    study = make_study("draft", protocol=protocol(primary_timepoint="week_4"), survey_defs=[])
    url = f"{V1}/studies/{study.id}"
    assert client.get(url, headers=headers).get_json()["primary_timepoint"] == "week_4"
    assert client.patch(url, json={"timepoints": [*TIMEPOINTS, "month_6"]}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_timepoint"] == "week_4", "kept while it holds"
    assert client.patch(url, json={"timepoints": ["week_4", "baseline"]}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_timepoint"] == "", "now the first: emptied"
    assert (
        client.patch(url, json={"timepoints": TIMEPOINTS, "primary_timepoint": "week_12"}, headers=headers).status_code
        == 200
    )
    assert client.patch(url, json={"timepoints": ["baseline", "week_4"]}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_timepoint"] == "", "gone: emptied"
    # sending both: the declaration is checked against the timepoints sent
    response = client.patch(
        url, json={"timepoints": ["baseline", "week_4"], "primary_timepoint": "week_12"}, headers=headers
    )
    assert response.status_code == 422 and "primary_timepoint" in response.get_json()["error"]["fields"]


def test_submission_refuses_a_declared_timepoint_the_surveys_do_not_measure(make_study, client, api_headers, startup):
    headers = api_headers(startup)
    study = make_study("draft", protocol=protocol(primary_timepoint="week_4"), survey_defs=[])  # no survey yet
    for survey in surveys(measured=["baseline", "week_12"]):
        assert client.post(f"{V1}/studies/{study.id}/surveys", json=survey, headers=headers).status_code == 201
    response = client.post(f"{V1}/studies/{study.id}/submit", headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "incomplete"
    assert "week_4" in response.get_json()["error"]["fields"]["primary_outcome"]
    assert (
        client.patch(f"{V1}/studies/{study.id}", json={"primary_timepoint": "week_12"}, headers=headers).status_code
        == 200
    )
    assert client.post(f"{V1}/studies/{study.id}/submit", headers=headers).status_code == 200


def test_the_declared_timepoint_enters_the_registration_hash(make_study, client, api_headers, startup):
    study = make_study("recruiting", protocol=protocol(primary_timepoint="week_4"), survey_defs=surveys())
    registration = study.registrations[-1]
    assert protocol_dict(study)["primary_timepoint"] == "week_4"
    assert registration.record["protocol"]["primary_timepoint"] == "week_4"
    assert services.hash_record(registration.record) == registration.registration_hash == study.registration_hash
    changed = json.loads(json.dumps(registration.record))
    changed["protocol"]["primary_timepoint"] = "week_12"
    assert services.hash_record(changed) != registration.registration_hash
    # once approved, only an amendment changes it
    response = client.patch(
        f"{V1}/studies/{study.id}", json={"primary_timepoint": "week_12"}, headers=api_headers(startup)
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert study.primary_timepoint == "week_4"


def test_an_old_pilots_hash_recomputes_without_the_field(make_study):
    study = make_study("recruiting")
    record = services.frozen_record(study)
    assert record["protocol"]["primary_timepoint"] == ""
    old = {**record, "protocol": {k: x for k, x in record["protocol"].items() if k != "primary_timepoint"}}
    registration = db.session.scalar(select(Registration).where(Registration.study_id == study.id))
    registration.registration_hash, registration.record = services.hash_record(old), None
    rebuilt, found = services.record_as_registered(study, registration)
    assert found and "primary_timepoint" not in rebuilt["protocol"]


def test_changing_it_by_amendment_is_an_outcome_switch_with_its_reason(
    make_study, client, api_headers, startup, coordinator
):
    study = make_study("recruiting", protocol=protocol(), survey_defs=surveys())
    founder, reviewer = api_headers(startup), api_headers(coordinator)
    reason = "The funder asked about the effect at four weeks"
    amendment = client.post(f"{V1}/studies/{study.id}/amendments", json={"reason": reason}, headers=founder)
    base = f"{V1}/studies/{study.id}/amendments/{amendment.get_json()['version']}"
    refused = client.patch(base, json={"primary_timepoint": "baseline"}, headers=founder)
    assert refused.status_code == 422 and "primary_timepoint" in refused.get_json()["error"]["fields"]
    assert client.patch(base, json={"primary_timepoint": "week_4"}, headers=founder).status_code == 200
    diff = client.get(f"{base}/diff", headers=reviewer).get_json()  # the reviewer's diff: the field, both values
    assert {
        "field": "primary_timepoint",
        "label": "Timepoint of the primary comparison",
        "before": "",
        "after": "week_4",
    } in diff["fields"]
    assert client.post(f"{base}/submit", headers=founder).status_code == 200
    assert client.post(f"{base}/decision", json={"decision": "approve"}, headers=reviewer).status_code == 200
    body = client.get(f"{V1}/studies/{study.id}", headers=founder).get_json()
    assert body["primary_timepoint"] == "week_4"
    assert [r["outcome_change"] for r in body["registrations"]] == [None, reason]


# --- The results ------------------------------------------------------------------------------------------------

RNG = np.random.RandomState(13)
BASE = RNG.normal(6.0, 1.0, 12).round(1)
WEEK_4 = (BASE + RNG.normal(0.4, 0.6, 12)).round(1)
WEEK_12 = (BASE + RNG.normal(2.5, 0.6, 12)).round(1)


def answered(make_study, take_part, french=None, **extra):
    """A recruiting pilot declaring week 4, with everyone's answers; `french`: its French, by English text (every
    other text "FR …"), given before it is submitted."""
    status = "recruiting" if french is None else "draft"
    study = make_study(status, protocol=protocol(primary_timepoint="week_4", **extra), survey_defs=surveys())
    if french is not None:
        owner, coordinator = study.owner, db.session.scalar(select(User).where(User.role == "coordinator"))
        texts = {
            src.path: {"text": french.get(src.text, f"FR {src.text}"), "source": pilot_languages.fingerprint(src.text)}
            for src in pilot_languages.sources(pilot_languages.record_of(study))
        }
        services.update_study(owner, study, {"translations": {"fr": texts}})
        services.submit(owner, study)
        services.decide(coordinator, study, "approve", "")
        services.set_recruitment(coordinator, study, "recruiting")
        db.session.commit()
    for values in zip(BASE, WEEK_4, WEEK_12, strict=True):
        take_part(study, {f"s_{tp}": {"sleep_hours": float(x)} for tp, x in zip(TIMEPOINTS, values, strict=True)})
    return study


def test_the_results_compare_the_declared_timepoint_and_say_so(
    make_study, take_part, client, api_headers, coordinator, login
):
    study = answered(make_study, take_part)
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(coordinator)).get_json()
    primary = body["primary_outcome"]
    expected = stats.ttest_rel(WEEK_4, BASE)  # computed here on week 4 alone
    assert primary["comparison"] == "baseline → week_4" and primary["declared_timepoint"] == "week_4"
    assert primary["estimate"] == pytest.approx(float(np.mean(WEEK_4 - BASE)), abs=1e-9)
    assert primary["p_value"] == pytest.approx(expected.pvalue, rel=1e-7)
    assert abs(primary["estimate"] - float(np.mean(WEEK_12 - BASE))) > 1  # not the week-12 contrast
    assert primary["longitudinal"]["timepoints"] == TIMEPOINTS  # the mixed model still covers every timepoint
    assert "primary_timepoint" in body["methods"]
    assert "“Week 4”" in body["methods_text"]["en"]
    login(coordinator)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Baseline → Week 4" in page
    assert "The protocol declares “Week 4” as the timepoint of this comparison." in page
    assert "The protocol declares “Week 4” as the timepoint of the primary comparison" in page  # methods
    report = html.unescape(client.get(f"/studies/{study.id}/results/report").get_data(as_text=True))
    assert "The protocol declares “Week 4” as the timepoint of this comparison." in report


def test_the_french_reader_of_a_bilingual_pilot_reads_its_french_labels(
    make_study, take_part, client, coordinator, login
):
    labels = {"arms": {}, "timepoints": {"baseline": "Before the coaching", "week_4": "After four weeks"}}
    french = {"Before the coaching": "Avant le coaching", "After four weeks": "Après quatre semaines"}
    study = answered(make_study, take_part, french, labels=labels, languages=["en", "fr"])
    assert study.translations["fr"]["protocol.timepoints.week_4"]["text"] == "Après quatre semaines"
    login(coordinator)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Before the coaching → After four weeks" in page and "“After four weeks”" in page
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Avant le coaching → Après quatre semaines" in page
    # the verdict sentence names the declared timepoint by its label, in French
    assert "Le protocole déclare « Après quatre semaines » comme temps de mesure de cette comparaison." in page
    assert "After four weeks" not in page and "Week 4" not in page


def test_the_editor_saves_the_declared_timepoint_and_explains_a_wrong_one(client, login, startup, make_study):
    from tests.studies.test_study_pages import protocol_form

    study = make_study("draft")  # sleep hours asked at baseline and follow_up
    login(startup)
    timepoints = ["baseline", "week_4", "follow_up"]
    form = protocol_form(timepoints=timepoints)
    page = html.unescape(client.get(f"/studies/{study.id}/edit").get_data(as_text=True))
    assert "Timepoint of the primary comparison" in page and "Empty: the last timepoint that measures it." in page
    for wrong in ("baseline", "week_4", "nope"):
        response = client.post(f"/studies/{study.id}/edit", data=form | {"primary_timepoint": wrong})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert "Choose a later timepoint that measures the primary outcome: follow_up." in page
    db.session.expire_all()
    assert study.primary_timepoint == ""
    assert client.post(f"/studies/{study.id}/edit", data=form | {"primary_timepoint": "follow_up"}).status_code == 302
    db.session.expire_all()
    assert (study.timepoints, study.primary_timepoint) == (timepoints, "follow_up")
    assert "Timepoint of the primary comparison" in html.unescape(
        client.get(f"/studies/{study.id}").get_data(as_text=True)
    )


def test_the_openapi_description_documents_the_field_and_the_results(client):
    spec = client.get(f"{V1}/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    for name in ("StudyChanges", "Study"):
        field = schemas[name]["properties"]["primary_timepoint"]
        assert "last timepoint that measures the primary variable" in json.dumps(field)
    assert "primary_timepoint" in schemas["Study"]["required"]
    assert "declared_timepoint" in json.dumps(spec)
