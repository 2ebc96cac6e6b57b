"""Issue 14, item 9: allocation ratios other than 1:1 and age strata, declared in the protocol (API, editor,
protocol page, checklist, registration) and applied by the concealed, database-held randomisation: each
enrolment is randomised in the stratum its age falls in (the screening keeps the band, never the age)."""

from collections import Counter

import pytest
from sqlalchemy import select

from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants.models import Enrolment, Screening
from tests.studies.test_sample_size import reload, text
from tests.studies.test_study_pages import protocol_form

API = "/api/v1"
STRATIFIED = {"ratio": [1, 2], "age_strata": [40], "quotas": {}}


@pytest.fixture
def patch(client, api_headers, startup):
    headers = api_headers(startup)

    def send(study, value):
        return client.patch(f"{API}/studies/{study.id}", json={"allocation": value}, headers=headers)

    return send


@pytest.fixture
def parallel_draft(make_study):
    return make_study("draft", protocol=food_protocol(), survey_defs=food_surveys())


def test_the_api_keeps_and_serves_the_allocation(parallel_draft, patch, client, api_headers, startup):
    assert patch(parallel_draft, {"ratio": [2, 4], "age_strata": [65, 40, 40]}).status_code == 200
    body = client.get(f"{API}/studies/{parallel_draft.id}", headers=api_headers(startup)).get_json()
    assert body["allocation"] == {
        "ratio": [1, 2],
        "age_strata": [40, 65],
        "quotas": {},
    }  # 2:4 is 1:2; ages sorted, once each
    assert patch(parallel_draft, {"ratio": [3, 3], "age_strata": []}).status_code == 200
    served = client.get(f"{API}/studies/{parallel_draft.id}", headers=api_headers(startup)).get_json()
    assert served["allocation"] == {"ratio": None, "age_strata": [], "quotas": {}}  # 3:3 is 1:1


@pytest.mark.parametrize(
    "value, status",
    [
        ({"ratio": [1, 0]}, 422),
        ({"ratio": [1, 11]}, 422),
        ({"ratio": [1]}, 422),
        ({"ratio": [1] * 7}, 422),
        ({"ratio": ["1", "2"]}, 400),
        ({"ratio": [1, 2.5]}, 400),
        ({"ratio": [1, True]}, 400),
        ({"ratio": {"a": 1}}, 400),
        ({"age_strata": [40, 50, 60, 70, 80]}, 422),
        ({"age_strata": [0]}, 422),
        ({"age_strata": [121]}, 422),
        ({"age_strata": "40"}, 400),
        ({"age_strata": [[40]]}, 400),
        ({"sites": ["Nantes"]}, 400),
        ([1, 2], 400),
        ({"ratio": [1, 2], "age_strata": ["40\r\n65"]}, 400),
    ],
)
def test_hostile_or_impossible_allocations_are_refused_and_change_nothing(parallel_draft, patch, value, status):
    assert patch(parallel_draft, STRATIFIED).status_code == 200
    response = patch(parallel_draft, value)
    assert response.status_code == status, response.get_json()
    assert "allocation" in str(response.get_json()["error"]) or response.get_json()["error"]["code"] == "malformed_json"
    assert reload(parallel_draft.id).allocation == STRATIFIED


def test_submission_needs_one_share_per_group_and_strata_within_the_ages(parallel_draft, patch, client, api_headers):
    owner = api_headers(parallel_draft.owner)
    assert patch(parallel_draft, {"ratio": [1, 2, 3]}).status_code == 200  # saved as a draft
    refused = client.post(f"{API}/studies/{parallel_draft.id}/submit", headers=owner)
    assert refused.status_code == 422 and "3 shares for 2 groups" in str(refused.get_json())
    assert patch(parallel_draft, {"ratio": [1, 2], "age_strata": [10]}).status_code == 200  # below the minimum age
    refused = client.post(f"{API}/studies/{parallel_draft.id}/submit", headers=owner)
    assert refused.status_code == 422 and "above the minimum age" in str(refused.get_json())
    assert patch(parallel_draft, STRATIFIED).status_code == 200
    assert client.post(f"{API}/studies/{parallel_draft.id}/submit", headers=owner).status_code == 200


def test_the_allocation_enters_the_registration_hash(parallel_draft, patch, client, api_headers, coordinator):
    assert patch(parallel_draft, STRATIFIED).status_code == 200
    assert (
        client.post(f"{API}/studies/{parallel_draft.id}/submit", headers=api_headers(parallel_draft.owner)).status_code
        == 200
    )
    assert patch(parallel_draft, {"ratio": None}).status_code == 409  # frozen once submitted
    decided = client.post(
        f"{API}/studies/{parallel_draft.id}/decision", json={"decision": "approve"}, headers=api_headers(coordinator)
    )
    assert decided.status_code == 200
    record = client.get(f"{API}/studies/{parallel_draft.id}/registrations", headers=api_headers(coordinator)).get_json()
    assert '"allocation"' in str(record).replace("'", '"')


def test_enrolments_are_randomised_within_their_age_stratum_at_the_ratio(make_study, make_user, client, api_headers):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    study.allocation = STRATIFIED
    study.target_enrolment = 500
    db.session.commit()
    for age in [25, 55] * 36 + [30] * 12:
        response = enrol_aged(client, api_headers, make_user, study, age)
        assert response.status_code == 201, response.get_json()
    rows = db.session.execute(select(Enrolment.stratum, Enrolment.arm).where(Enrolment.study_id == study.id)).all()
    by_stratum: dict[str, Counter] = {}
    for stratum, arm in rows:
        by_stratum.setdefault(stratum, Counter())[arm] += 1
    assert {k: sum(c.values()) for k, c in by_stratum.items()} == {"<40": 48, "40+": 36}
    control, intervention = study.arms
    for counts in by_stratum.values():
        n = sum(counts.values())
        assert abs(counts[intervention] - 2 * n / 3) <= 2 * 3  # within one block (multiple 3) of 2:1
    strata = set(db.session.scalars(select(Screening.stratum).where(Screening.study_id == study.id)))
    assert strata == {"<40", "40+"}  # the band, not the age


def test_the_editor_and_the_protocol_page_in_both_languages(parallel_draft, client, login, startup):
    login(startup)
    form = protocol_form(allocation_ratio="1:2", allocation_strata="40, 65")
    form.update({k: v for k, v in food_form_overrides().items()})
    saved = client.post(f"/studies/{parallel_draft.id}/edit", data=form)
    assert saved.status_code in (302, 422)
    assert reload(parallel_draft.id).allocation == {"ratio": [1, 2], "age_strata": [40, 65], "quotas": {}}
    page = text(client.get(f"/studies/{parallel_draft.id}"))
    assert "Randomised 1:2, stratified by age (under 40, 40 to 64, 65 and over)" in page
    client.post("/language", data={"lang": "fr"})
    page = text(client.get(f"/studies/{parallel_draft.id}"))
    assert "Randomisation 1:2, stratifiée par âge (moins de 40, 40 à 64, 65 et plus)" in page
    refused = client.post(f"/studies/{parallel_draft.id}/edit", data={**form, "allocation_ratio": "1:deux"})
    assert refused.status_code == 422
    assert 'id="allocation-error"' in refused.get_data(as_text=True)
    assert reload(parallel_draft.id).allocation == {"ratio": [1, 2], "age_strata": [40, 65], "quotas": {}}


def food_form_overrides() -> dict:
    """The parallel design's inputs: two groups."""
    from tests.studies.test_study_pages import rows

    return {"design": "parallel_groups", **rows("arms", ["usual_menu", "plant_based"])}


def test_the_eligibility_page_says_the_age_group_is_noted_only_when_the_pilot_stratifies(
    make_study, client, api_headers, make_user
):
    plain = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    stratified = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    stratified.allocation = STRATIFIED
    db.session.commit()
    said = "the age group this pilot randomises you in"
    assert said in text(client.get(f"/pilots/{stratified.id}/eligibility"))
    assert said not in text(client.get(f"/pilots/{plain.id}/eligibility"))
    too_old = make_user("participant")  # who cannot confirm the pilot's criterion
    consent = stratified.current_consent
    refused = client.post(
        f"{API}/studies/{stratified.id}/enrolment",
        json={
            "consent_version": consent.version,
            "clauses": {c["key"]: True for c in consent.clauses},
            "signature": too_old.name,
            "age": 50,
            "criteria_confirmed": False,
        },
        headers=api_headers(too_old),
    )
    assert refused.status_code == 422
    assert set(db.session.scalars(select(Screening.stratum).where(Screening.study_id == stratified.id))) == {""}


# Issue 14, item 10: quotas per age group

QUOTAS = {"ratio": None, "age_strata": [65], "quotas": {"65+": 2}}


def enrol_aged(client, api_headers, make_user, study, age):
    user = make_user("participant")
    consent = study.current_consent
    return client.post(
        f"{API}/studies/{study.id}/enrolment",
        json={
            "consent_version": consent.version,
            "clauses": {c["key"]: True for c in consent.clauses},
            "signature": user.name,
            "age": age,
            "criteria_confirmed": True,
        },
        headers=api_headers(user),
    )


@pytest.fixture
def quoted(make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    study.allocation = QUOTAS
    db.session.commit()
    return study


def test_a_full_age_group_turns_its_next_person_away_and_no_one_else(quoted, client, api_headers, make_user):
    assert [enrol_aged(client, api_headers, make_user, quoted, 70).status_code for _ in range(2)] == [201, 201]
    refused = enrol_aged(client, api_headers, make_user, quoted, 80)
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "full"
    assert "in your age group" in refused.get_json()["error"]["message"]
    assert enrol_aged(client, api_headers, make_user, quoted, 30).status_code == 201  # another group still has room
    db.session.expire_all()
    assert reload(quoted.id).enrolled_count == 3  # the refusal took no place
    strata = Counter(db.session.scalars(select(Enrolment.stratum).where(Enrolment.study_id == quoted.id)))
    assert strata == {"65+": 2, "<65": 1}
    body = client.get(f"{API}/catalogue").get_json()
    listed = next(item for item in body["items"] if item["id"] == quoted.id)
    assert listed["places_left_by_group"] == {"65+": 0}


def test_the_pages_show_the_places_left_in_each_group_and_say_when_a_group_is_full(
    quoted, client, api_headers, make_user, login
):
    enrol_aged(client, api_headers, make_user, quoted, 70)
    catalogue = text(client.get("/pilots/"))
    assert "65 and over: 1 place left" in catalogue
    assert "65 and over: 1 place left" in text(client.get(f"/pilots/{quoted.id}"))
    enrol_aged(client, api_headers, make_user, quoted, 70)
    assert "65 and over: full" in text(client.get(f"/pilots/{quoted.id}"))
    client.post("/language", data={"lang": "fr"})
    assert "65 et plus : complet" in text(client.get(f"/pilots/{quoted.id}"))
    # someone of the full group who passes the check is told before reading the consent
    late = make_user("participant")
    login(late)
    checked = client.post(f"/pilots/{quoted.id}/eligibility", data={"age": "72", "criterion_0": "yes"})
    assert checked.status_code == 302 and checked.headers["Location"].endswith("/join")
    joined = client.get(f"/pilots/{quoted.id}/join")
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/pilots/{quoted.id}")
    assert "Ce pilote a tous les participants dont il a besoin dans votre tranche d'âge." in text(
        client.get(f"/pilots/{quoted.id}")
    )


def test_the_catalogue_reads_every_pilots_groups_in_one_query(make_study, client, count_queries):
    def quoted_pilot():
        study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
        study.allocation = QUOTAS
        db.session.commit()

    quoted_pilot()
    with count_queries() as one:
        assert client.get("/pilots/").status_code == 200
        assert client.get(f"{API}/catalogue").status_code == 200
    for _ in range(4):
        quoted_pilot()
    with count_queries() as five:
        assert client.get("/pilots/").status_code == 200
        assert client.get(f"{API}/catalogue").status_code == 200
    assert len(five) == len(one)


@pytest.mark.parametrize(
    "quotas, status",
    [({"65+": 0}, 422), ({"65+": "20"}, 400), ("65+: 20", 400), ({"x" * 17: 2}, 400), ({"65+": 100_001}, 422)],
)
def test_impossible_quotas_are_refused_and_change_nothing(parallel_draft, patch, quotas, status):
    assert patch(parallel_draft, QUOTAS).status_code == 200
    assert patch(parallel_draft, {**QUOTAS, "quotas": quotas}).status_code == status
    assert reload(parallel_draft.id).allocation == QUOTAS


def test_a_quota_must_name_a_group_of_the_strata(parallel_draft, patch, client, api_headers):
    assert patch(parallel_draft, {"ratio": None, "age_strata": [40], "quotas": {"65+": 20}}).status_code == 200
    refused = client.post(f"{API}/studies/{parallel_draft.id}/submit", headers=api_headers(parallel_draft.owner))
    assert refused.status_code == 422 and "not 65+" in str(refused.get_json())
