"""Issue 14, item 10: quotas held by the database like the cap (participants/quota_places.py), for every design
(a single group's age groups count its quotas), by age group and by site; the catalogue's places left read from
the table in one query."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from livinglab.demo import food_protocol, food_surveys, sleep_protocol
from livinglab.extensions import db
from livinglab.participants.models import Enrolment, Screening, ScreeningOutcome
from livinglab.participants.quota_places import QuotaPlace
from livinglab.studies import allocation, amendments, pilot_languages
from tests.studies.test_sample_size import reload, text

API = "/api/v1"
SITES = [{"key": "ward_3", "name": "CHU Nantes, ward 3"}, {"key": "pharmacy", "name": "Pharmacie du Commerce"}]
FULL_AGE = "This pilot has all the participants it needs in your age group."
FULL_SITE = "This pilot has all the participants it needs at your site."


def enrol(client, api_headers, user, study, age=30, **extra):
    consent = study.current_consent
    body = {
        "consent_version": consent.version,
        "clauses": {c["key"]: True for c in consent.clauses},
        "signature": user.name,
        "age": age,
        "criteria_confirmed": True,
        **extra,
    }
    return client.post(f"{API}/studies/{study.id}/enrolment", json=body, headers=api_headers(user))


def rows(study) -> dict[tuple[str, str], tuple[int, int]]:
    db.session.expire_all()
    found = db.session.scalars(select(QuotaPlace).where(QuotaPlace.study_id == study.id))
    return {(row.kind, row.subgroup): (row.places, row.taken) for row in found}


def turned_away(study) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Screening)
        .where(Screening.study_id == study.id, Screening.outcome == ScreeningOutcome.TURNED_AWAY_FULL)
    )


@pytest.fixture
def single_group(make_study):
    """A single-group pilot (no randomisation) with age groups only to count its quota: 50 and over, at most 2."""
    return make_study(
        "recruiting", protocol=sleep_protocol(allocation={"ratio": None, "age_strata": [50], "quotas": {"50+": 2}})
    )


@pytest.fixture
def site_quoted(make_study):
    spec = {"ratio": None, "age_strata": [], "quotas": {}, "site_quotas": {"ward_3": 2}}
    return make_study("recruiting", protocol=food_protocol(sites=SITES, allocation=spec), survey_defs=food_surveys())


# --- Single group ----------------------------------------------------------------------------------------------


def test_a_single_group_pilot_holds_an_age_quota_without_randomising(single_group, client, api_headers, make_user):
    assert allocation.problem(single_group) is True  # it went through submission and approval with it
    assert [enrol(client, api_headers, make_user("participant"), single_group, 60).status_code for _ in "ab"] == [
        201,
        201,
    ]
    refused = enrol(client, api_headers, make_user("participant"), single_group, 55)
    assert refused.status_code == 409
    assert (refused.get_json()["error"]["code"], refused.get_json()["error"]["message"]) == ("full", FULL_AGE)
    assert enrol(client, api_headers, make_user("participant"), single_group, 30).status_code == 201  # under 50
    assert rows(single_group) == {("age", "50+"): (2, 2)}
    arms = set(db.session.scalars(select(Enrolment.arm).where(Enrolment.study_id == single_group.id)))
    assert arms == {"intervention"}
    assert reload(single_group.id).enrolled_count == 3 and turned_away(single_group) == 1


def test_a_single_group_without_quotas_still_may_not_stratify(make_study):
    study = make_study("draft", protocol=sleep_protocol(allocation={"ratio": None, "age_strata": [50], "quotas": {}}))
    assert "Only randomised groups are stratified" in str(allocation.problem(study))


def test_the_protocol_page_describes_a_single_groups_quotas(single_group, client, login, startup):
    login(startup)
    page = text(client.get(f"/studies/{single_group.id}"))
    assert "Age groups (under 50, 50 and over), counted only for the quotas. Quotas: 50 and over: at most 2." in page
    assert "Randomised" not in page


# --- Sites -------------------------------------------------------------------------------------------------------


def test_a_site_quota_turns_away_the_next_person_at_that_site_only(site_quoted, client, api_headers, make_user):
    for _ in range(2):
        assert enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3").status_code == 201
    refused = enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3")
    assert refused.status_code == 409
    assert (refused.get_json()["error"]["code"], refused.get_json()["error"]["message"]) == ("full", FULL_SITE)
    assert enrol(client, api_headers, make_user("participant"), site_quoted, site="pharmacy").status_code == 201
    assert rows(site_quoted) == {("site", "ward_3"): (2, 2)}
    assert reload(site_quoted.id).enrolled_count == 3 and turned_away(site_quoted) == 1
    listed = next(i for i in client.get(f"{API}/catalogue").get_json()["items"] if i["id"] == site_quoted.id)
    assert listed["places_left_by_site"] == {"ward_3": 0} and listed["places_left_by_group"] is None


def test_the_pages_show_a_sites_places_and_tell_before_the_consent(site_quoted, client, api_headers, make_user, login):
    enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3")
    assert "CHU Nantes, ward 3: 1 place left" in text(client.get("/pilots/"))
    enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3")
    assert "CHU Nantes, ward 3: full" in text(client.get(f"/pilots/{site_quoted.id}"))
    login(make_user("participant"))
    client.post("/language", data={"lang": "fr"})
    checked = client.post(
        f"/pilots/{site_quoted.id}/eligibility", data={"age": "40", "criterion_0": "yes", "site": "ward_3"}
    )
    assert checked.status_code == 302 and checked.headers["Location"].endswith("/join")
    joined = client.get(f"/pilots/{site_quoted.id}/join")
    assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/pilots/{site_quoted.id}")
    page = text(client.get(f"/pilots/{site_quoted.id}"))
    assert "Ce pilote a tous les participants dont il a besoin sur votre site." in page
    assert "CHU Nantes, ward 3 : complet" in page


def test_the_protocol_page_and_the_api_give_the_site_quotas(site_quoted, client, login, startup, api_headers):
    served = client.get(f"{API}/studies/{site_quoted.id}", headers=api_headers(startup)).get_json()
    assert served["allocation"]["site_quotas"] == {"ward_3": 2}
    login(startup)
    assert "Quotas: CHU Nantes, ward 3: at most 2." in text(client.get(f"/studies/{site_quoted.id}"))


def test_the_editor_keeps_a_single_groups_quotas_and_a_pilot_without_them_keeps_its_record(
    make_study, client, login, startup
):
    from tests.studies.test_study_pages import protocol_form

    draft = make_study("draft", protocol=sleep_protocol(sites=SITES))
    assert "site_quotas" not in allocation.of(draft)  # left out when empty: older registration hashes recompute
    login(startup)
    form = protocol_form(
        allocation_ratio="",
        allocation_strata="50",
        allocation_quotas="50+: 2",
        allocation_site_quotas="ward_3: 30, pharmacy: 5",
    )
    assert client.post(f"/studies/{draft.id}/edit", data=form).status_code in (302, 422)
    assert allocation.of(reload(draft.id)) == {
        "ratio": None,
        "age_strata": [50],
        "quotas": {"50+": 2},
        "site_quotas": {"pharmacy": 5, "ward_3": 30},
    }
    assert allocation.problem(reload(draft.id)) is True
    page = client.get(f"/studies/{draft.id}/edit").get_data(as_text=True)
    assert 'value="pharmacy: 5, ward_3: 30"' in page
    refused = client.post(f"/studies/{draft.id}/edit", data={**form, "allocation_site_quotas": "ward_3: -4"})
    assert refused.status_code == 422 and 'id="allocation-error"' in refused.get_data(as_text=True)
    assert allocation.of(reload(draft.id))["site_quotas"] == {"pharmacy": 5, "ward_3": 30}
    client.post("/language", data={"lang": "fr"})
    page = text(client.get(f"/studies/{draft.id}"))
    assert "Tranches d'âge (moins de 50, 50 et plus), comptées seulement pour les quotas." in page


# --- Amendments --------------------------------------------------------------------------------------------------


def test_an_amendment_raising_a_quota_opens_places(site_quoted, client, api_headers, make_user, startup, coordinator):
    for _ in range(2):
        enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3")
    assert enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3").status_code == 409
    owner, reviewer = api_headers(startup), api_headers(coordinator)
    opened = client.post(f"{API}/studies/{site_quoted.id}/amendments", json={"reason": "More at ward 3"}, headers=owner)
    base = f"{API}/studies/{site_quoted.id}/amendments/{opened.get_json()['version']}"
    spec = {"ratio": None, "age_strata": [40], "quotas": {"40+": 1}, "site_quotas": {"ward_3": 3}}
    assert client.patch(base, json={"allocation": spec}, headers=owner).status_code == 200
    proposed = client.get(base, headers=owner).get_json()
    assert proposed["protocol"]["allocation"]["site_quotas"] == {"ward_3": 3}
    changed = amendments.differences(site_quoted, amendments.find(site_quoted, proposed["version"]))["fields"]
    [(label, before, after)] = changed
    assert str(label) == "Allocation" and '"ward_3": 2' in str(before) and '"ward_3": 3' in str(after)
    assert client.post(f"{base}/submit", headers=owner).status_code == 200
    assert client.post(f"{base}/decision", json={"decision": "approve"}, headers=reviewer).status_code == 200
    # the rows follow at once: the site's third place, and an age group whose quota starts from who enrolled
    assert rows(site_quoted) == {("site", "ward_3"): (3, 2), ("age", "40+"): (1, 0)}
    assert enrol(client, api_headers, make_user("participant"), site_quoted, 45, site="ward_3").status_code == 201
    late = enrol(client, api_headers, make_user("participant"), site_quoted, 50, site="pharmacy")
    assert late.status_code == 409 and late.get_json()["error"]["message"] == FULL_AGE
    assert rows(site_quoted) == {("site", "ward_3"): (3, 3), ("age", "40+"): (1, 1)}


def test_a_quota_lowered_below_the_places_given_closes_the_group(site_quoted, client, api_headers, make_user):
    for _ in range(2):
        enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3")
    site_quoted.allocation = {"ratio": None, "age_strata": [], "quotas": {}, "site_quotas": {"ward_3": 1}}
    db.session.commit()
    assert enrol(client, api_headers, make_user("participant"), site_quoted, site="ward_3").status_code == 409
    assert rows(site_quoted) == {("site", "ward_3"): (2, 2)}  # places kept at taken: the CHECK still holds


# --- The database holds it -----------------------------------------------------------------------------------


def test_the_database_refuses_a_place_past_the_quota(single_group, client, api_headers, make_user):
    enrol(client, api_headers, make_user("participant"), single_group, 60)
    db.session.execute(update(QuotaPlace).where(QuotaPlace.study_id == single_group.id).values(taken=2))
    with pytest.raises(IntegrityError):
        db.session.execute(update(QuotaPlace).where(QuotaPlace.study_id == single_group.id).values(taken=3))
    db.session.rollback()


def test_an_erasure_frees_no_place(single_group, client, api_headers, make_user):
    people = [make_user("participant") for _ in range(2)]
    for person in people:
        assert enrol(client, api_headers, person, single_group, 60).status_code == 201
    assert client.delete(f"{API}/me", headers=api_headers(people[0])).status_code in (200, 204)
    assert enrol(client, api_headers, make_user("participant"), single_group, 60).status_code == 409
    assert rows(single_group) == {("age", "50+"): (2, 2)}


# --- Hostile inputs ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, status",
    [
        ({"site_quotas": {"ward_3": -1}}, 422),
        ({"site_quotas": {"ward_3": 0}}, 422),
        ({"site_quotas": {"ward_3": 10**12}}, 422),
        ({"site_quotas": {"ward_3": "30"}}, 400),
        ({"site_quotas": {"ward_3\r\nX-Evil: 1": 30}}, 400),
        ({"site_quotas": {"Ward 3": 30}}, 400),
        ({"site_quotas": [30]}, 400),
        ({"site_quotas": {f"s{i}": 1 for i in range(21)}}, 422),
        ({"age_strata": [40], "quotas": {"40+\r\n": 5}}, 400),
        ({"age_strata": [40], "quotas": {"40+": -3}}, 422),
        ({"age_strata": [40], "quotas": {"40+": 10**12}}, 422),
    ],
)
def test_hostile_quotas_are_refused_and_change_nothing(make_study, client, api_headers, startup, spec, status):
    draft = make_study("draft", protocol=food_protocol(sites=SITES), survey_defs=food_surveys())
    before = allocation.of(draft)
    sent = client.patch(f"{API}/studies/{draft.id}", json={"allocation": spec}, headers=api_headers(startup))
    assert sent.status_code == status, sent.get_json()
    assert allocation.of(reload(draft.id)) == before


@pytest.mark.parametrize(
    "spec, named",
    [
        ({"site_quotas": {"canteen": 5}}, "canteen"),
        ({"age_strata": [40], "quotas": {"30+": 5}}, "30+"),
    ],
)
def test_a_quota_of_an_unknown_site_or_group_cannot_be_submitted(make_study, client, api_headers, startup, spec, named):
    draft = make_study("draft", protocol=food_protocol(sites=SITES), survey_defs=food_surveys())
    headers = api_headers(startup)
    assert client.patch(f"{API}/studies/{draft.id}", json={"allocation": spec}, headers=headers).status_code == 200
    submitted = client.post(f"{API}/studies/{draft.id}/submit", headers=headers)
    assert 400 <= submitted.status_code < 500 and named in str(submitted.get_json())
    assert reload(draft.id).status == "draft"


# --- Places left in one query --------------------------------------------------------------------------------


def test_the_catalogue_reads_every_pilots_quotas_in_one_query(make_study, client, count_queries):
    def quoted_pilot():  # bilingual, read in French: the sites' names translated from the pilots' rows
        spec = {"ratio": None, "age_strata": [65], "quotas": {"65+": 3}, "site_quotas": {"pharmacy": 4}}
        study = make_study(
            "recruiting", protocol=food_protocol(sites=SITES, allocation=spec), survey_defs=food_surveys()
        )
        study.languages = ["en", "fr"]
        source = pilot_languages.fingerprint("Pharmacie du Commerce")
        study.translations = {"fr": {"protocol.sites.pharmacy": {"text": "Pharmacie de la place", "source": source}}}
        db.session.commit()

    french = {"Accept-Language": "fr"}
    quoted_pilot()
    with count_queries() as one:
        assert client.get("/pilots/", headers=french).status_code == 200
        assert client.get(f"{API}/catalogue", headers=french).status_code == 200
    for _ in range(4):
        quoted_pilot()
    with count_queries() as five:
        page = text(client.get("/pilots/", headers=french))
        listed = client.get(f"{API}/catalogue", headers=french).get_json()["items"]
    assert len(five) == len(one)
    assert sum(1 for item in listed if item["places_left_by_site"] == {"pharmacy": 4}) == 5
    assert page.count("Pharmacie de la place : 4 places restantes") == 5
    assert sum(1 for item in listed if item["sites"][1]["name"] == "Pharmacie de la place") == 5


# --- Property: never past any quota ------------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    age_quota=st.integers(1, 4),
    site_quota=st.integers(1, 4),
    people=st.lists(st.tuples(st.sampled_from([30, 70]), st.sampled_from(["ward_3", "pharmacy"])), max_size=12),
)
def test_enrolments_never_exceed_any_quota(make_study, client, api_headers, make_user, age_quota, site_quota, people):
    spec = {"ratio": None, "age_strata": [65], "quotas": {"65+": age_quota}, "site_quotas": {"ward_3": site_quota}}
    study = make_study(
        "recruiting",
        protocol=food_protocol(sites=SITES, allocation=spec, target_enrolment=200),
        survey_defs=food_surveys(),
    )
    for age, site in people:
        status = enrol(client, api_headers, make_user("participant"), study, age, site=site).status_code
        assert status in (201, 409)
    enrolled = db.session.execute(select(Enrolment.stratum, Enrolment.site).where(Enrolment.study_id == study.id)).all()
    old = sum(1 for stratum, _site in enrolled if stratum == "65+")
    at_ward = sum(1 for _stratum, site in enrolled if site == "ward_3")
    assert old <= age_quota and at_ward <= site_quota
    expected_refusals = 0
    taken_age = taken_site = 0
    for age, site in people:  # the same people, one after the other, by hand
        if (age == 70 and taken_age >= age_quota) or (site == "ward_3" and taken_site >= site_quota):
            expected_refusals += 1
            continue
        taken_age += age == 70
        taken_site += site == "ward_3"
    assert len(enrolled) == len(people) - expected_refusals
    assert rows(study) == {("age", "65+"): (age_quota, old), ("site", "ward_3"): (site_quota, at_ward)}
