"""Issue 13 item 3: the primary contrast of a pilot with three arms or more is declared in the protocol
(`primary_arm`), checked against the arms, frozen by the registration hash and used by the results."""

import html

import pytest
from sqlalchemy import update

from livinglab.demo import food_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment
from livinglab.studies.fields import protocol_dict
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import ANOREXIA

V1 = "/api/v1"
ARMS = ["cont", "cbt", "ft"]


def three_arms(**overrides):
    return food_protocol(
        arms=ARMS,
        target_enrolment=500,
        primary_outcome={"variable": "outcome", "hypothesis": "increase"},
        **overrides,
    )


SURVEYS = [
    {
        "key": f"s_{tp}",
        "title": tp,
        "timepoint": tp,
        "items": [{"key": "outcome", "text": "The outcome", "type": "number"}],
    }
    for tp in ("baseline", "week_4")
]


def test_a_new_study_declares_no_arm_and_the_second_listed_is_compared(make_study, client, api_headers, startup):
    study = make_study("draft", protocol=three_arms(), survey_defs=SURVEYS)
    body = client.get(f"{V1}/studies/{study.id}", headers=api_headers(startup)).get_json()
    assert body["primary_arm"] == "" and body["arms"] == ARMS


@pytest.mark.parametrize(
    "hostile, status",
    [("cont", 422), ("nope", 422), ("ft\r\nx", 422), ("x" * 65, 422), (1, 400), (["ft"], 400), ({"a": 1}, 400)],
)
def test_the_primary_arm_must_be_an_arm_other_than_the_control(
    make_study, client, api_headers, startup, hostile, status
):
    study = make_study("draft", protocol=three_arms(), survey_defs=SURVEYS)
    headers, url = api_headers(startup), f"{V1}/studies/{study.id}"
    before = client.get(url, headers=headers).get_json()
    response = client.patch(url, json={"primary_arm": hostile}, headers=headers)
    assert response.status_code in (400, 422) and "primary_arm" in response.get_json()["error"]["fields"]
    if status == 422 and isinstance(hostile, str) and hostile in ("cont", "nope"):
        assert "cbt, ft" in response.get_json()["error"]["fields"]["primary_arm"]  # says which arms may be chosen
    assert client.get(url, headers=headers).get_json() == before, "nothing changed"
    assert client.patch(url, json={"primary_arm": "ft"}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_arm"] == "ft"


def test_a_single_group_declares_no_arm_and_arms_that_drop_it_empty_it(make_study, client, api_headers, startup):
    headers = api_headers(startup)
    single = make_study("draft")
    response = client.patch(f"{V1}/studies/{single.id}", json={"primary_arm": "intervention"}, headers=headers)
    assert response.status_code == 422 and "primary_arm" in response.get_json()["error"]["fields"]
    study = make_study("draft", protocol=three_arms(primary_arm="ft"), survey_defs=SURVEYS)
    url = f"{V1}/studies/{study.id}"
    assert client.get(url, headers=headers).get_json()["primary_arm"] == "ft"
    assert client.patch(url, json={"arms": ["cont", "cbt", "ft", "x"]}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_arm"] == "ft", "kept while the arm exists"
    assert client.patch(url, json={"arms": ["cont", "cbt"]}, headers=headers).status_code == 200
    assert client.get(url, headers=headers).get_json()["primary_arm"] == ""


def test_the_primary_arm_enters_the_registration_hash(make_study):
    study = make_study("recruiting", protocol=three_arms(primary_arm="ft"), survey_defs=SURVEYS)
    assert protocol_dict(study)["primary_arm"] == "ft"
    assert study.registrations[-1].record["protocol"]["primary_arm"] == "ft"


def test_the_results_compare_the_declared_arm_as_primary(
    make_study, take_part, client, api_headers, coordinator, login
):
    # MASS::anorexia, summary(lm(Postwt ~ Prewt + Treat)) (commres.net/wiki/ancova, as test_ancova.py):
    # TreatFT 8.6601, t 3.949, p 0.000189; TreatCBT 4.0971, p 0.033999; 68 residual df.
    # p.adjust(c(0.000189, 0.033999), "holm") = c(0.000378, 0.033999)
    study = make_study("recruiting", protocol=three_arms(primary_arm="ft"), survey_defs=SURVEYS)
    for arm, name in (("cont", "Cont"), ("cbt", "CBT"), ("ft", "FT")):
        for pre, post in zip(*ANOREXIA[name], strict=True):
            code, _ = take_part(study, {"s_baseline": {"outcome": pre}, "s_week_4": {"outcome": post}})
            db.session.execute(update(Enrolment).where(Enrolment.participant_code == code).values(arm=arm))
    db.session.commit()
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(coordinator)).get_json()
    primary = body["primary_outcome"]
    assert primary["arms"] == ["cont", "ft"] and primary["test"] == "ancova"
    assert primary["estimate"] == printed("8.6601") and primary["statistic"] == printed("3.949")
    assert primary["p_value"] == printed("0.000189") and primary["df"] == 68
    contrasts = {c["arm"]: c for c in primary["arm_contrasts"]["contrasts"]}
    assert contrasts["cbt"]["estimate"] == printed("4.0971") and contrasts["cbt"]["p_value"] == printed("0.033999")
    assert contrasts["ft"]["p_adjusted"] == pytest.approx(2 * primary["p_value"])
    assert [e["arms"] for e in body["secondary"] if e["variable"] == "outcome"] == [["cont", "cbt"]]
    login(coordinator)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Ft vs Cont at Week 4" in page
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Ft vs Cont (Week 4)" in page and "du groupe que déclare le protocole" in page


def test_the_editor_saves_the_declared_arm_and_explains_a_wrong_one_in_both_languages(
    client, login, startup, make_study
):
    from tests.studies.test_study_pages import protocol_form

    study = make_study("draft")
    login(startup)
    arms = ["usual_care", "app", "coach"]
    form = protocol_form(design="parallel_groups", arms=arms, primary_analysis="unadjusted")
    response = client.post(f"/studies/{study.id}/edit", data=form | {"primary_arm": "usual_care"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "Choose an arm other than the control (usual_care): app, coach." in page
    db.session.expire_all()
    assert study.primary_arm == ""
    client.post("/language", data={"lang": "fr", "next": "/"})
    page = html.unescape(client.get(f"/studies/{study.id}/edit").get_data(as_text=True))
    assert "Groupe de la comparaison principale" in page
    response = client.post(f"/studies/{study.id}/edit", data=form | {"primary_arm": "x"})
    page = html.unescape(response.get_data(as_text=True))
    assert "Choisissez un groupe autre que le témoin (usual_care) : app, coach." in page
    assert client.post(f"/studies/{study.id}/edit", data=form | {"primary_arm": "coach"}).status_code == 302
    db.session.expire_all()
    assert (study.arms, study.primary_arm) == (arms, "coach")
    assert "Groupe de la comparaison principale" in html.unescape(
        client.get(f"/studies/{study.id}").get_data(as_text=True)
    )


def test_changing_the_declared_arm_after_registration_is_an_outcome_switch_with_its_reason(
    make_study, client, api_headers, startup, coordinator
):
    # CONSORT: a primary comparison changed after registration is reported, with the reason given
    study = make_study("recruiting", protocol=three_arms(), survey_defs=SURVEYS)
    founder, reviewer = api_headers(startup), api_headers(coordinator)
    reason = "The coaching arm is the one the funder asked about"
    amendment = client.post(f"{V1}/studies/{study.id}/amendments", json={"reason": reason}, headers=founder)
    base = f"{V1}/studies/{study.id}/amendments/{amendment.get_json()['version']}"
    refused = client.patch(base, json={"primary_arm": "cont"}, headers=founder)
    assert refused.status_code == 422 and "primary_arm" in refused.get_json()["error"]["fields"]
    assert client.patch(base, json={"primary_arm": "ft"}, headers=founder).status_code == 200
    assert client.post(f"{base}/submit", headers=founder).status_code == 200
    assert client.post(f"{base}/decision", json={"decision": "approve"}, headers=reviewer).status_code == 200
    body = client.get(f"{V1}/studies/{study.id}", headers=founder).get_json()
    assert body["primary_arm"] == "ft"
    assert [r["outcome_change"] for r in body["registrations"]] == [None, reason]
