"""Issue 14, item 11: sites. A pilot declares where it runs (protocol field `sites`: API, editor, protocol page,
registration hash, amendments that add but never remove a site with enrolments); a participant says where they
take part before the consent (eligibility page, API `site`); the enrolment keeps it; with `allocation.by_site` each
site is randomised with its own permuted blocks."""

from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from livinglab import validation as v
from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants import quota_places
from livinglab.participants.models import AllocationSlot, Enrolment, Screening
from livinglab.participants.randomisation import BLOCK_MULTIPLES
from livinglab.studies import pilot_languages, sites
from tests.studies.test_sample_size import reload, text
from tests.studies.test_study_pages import protocol_form

API = "/api/v1"
SITES = [{"key": "ward_3", "name": "CHU Nantes, ward 3"}, {"key": "pharmacy", "name": "Pharmacie du Commerce"}]


@pytest.fixture
def patch(client, api_headers, startup):
    headers = api_headers(startup)

    def send(study, value):
        return client.patch(f"{API}/studies/{study.id}", json={"sites": value}, headers=headers)

    return send


@pytest.fixture
def draft(make_study):
    return make_study("draft", protocol=food_protocol(), survey_defs=food_surveys())


@pytest.fixture
def with_sites(make_study):
    return make_study("recruiting", protocol=food_protocol(sites=SITES), survey_defs=food_surveys())


def enrol(client, api_headers, user, study, **extra):
    consent = study.current_consent
    body = {
        "consent_version": consent.version,
        "clauses": {c["key"]: True for c in consent.clauses},
        "signature": user.name,
        "age": 30,
        "criteria_confirmed": True,
        **extra,
    }
    return client.post(f"{API}/studies/{study.id}/enrolment", json=body, headers=api_headers(user))


def test_the_api_keeps_the_sites_makes_missing_keys_and_shows_them_in_the_catalogue(draft, patch, client, api_headers):
    given = [{"name": "Cantine Jules Verne"}, {"key": "pharmacy", "name": "Pharmacie du Commerce"}]
    assert patch(draft, given).status_code == 200
    served = client.get(f"{API}/studies/{draft.id}", headers=api_headers(draft.owner)).get_json()["sites"]
    assert served == [
        {"key": "cantine_jules_verne", "name": "Cantine Jules Verne"},
        {"key": "pharmacy", "name": "Pharmacie du Commerce"},
    ]
    assert patch(draft, []).status_code == 200
    assert reload(draft.id).sites == []


def test_a_recruiting_pilots_sites_are_public(with_sites, client):
    listed = next(item for item in client.get(f"{API}/catalogue").get_json()["items"] if item["id"] == with_sites.id)
    assert listed["sites"] == SITES


@pytest.mark.parametrize(
    "value, status",
    [
        ("ward 3", 400),
        ({"key": "ward_3", "name": "Ward 3"}, 400),
        ([{"key": "ward_3"}], 422),
        ([{"key": "Ward 3", "name": "Ward 3"}], 422),
        ([{"key": "w" * 33, "name": "Ward"}], 422),
        ([{"key": "ward", "name": "A"}, {"key": "ward", "name": "B"}], 422),
        ([{"name": f"Site {n}"} for n in range(21)], 422),
        ([{"key": "ward", "name": "Ward\r\nSet-Cookie: x"}], 422),
        ([{"key": "ward", "name": "x" * 121}], 422),
        ([{"key": "ward", "name": "Ward", "town": "Nantes"}], 400),
        ([{"key": 3, "name": "Ward"}], 400),
        ([["ward", "Ward"]], 400),
        ([{"key": "ward", "name": {"a": [[[[{}]]]]}}], 400),
    ],
)
def test_hostile_or_impossible_sites_are_refused_and_change_nothing(draft, patch, value, status):
    assert patch(draft, SITES).status_code == 200
    response = patch(draft, value)
    assert response.status_code == status, response.get_json()
    assert "sites" in response.get_json()["error"]["fields"]
    assert reload(draft.id).sites == SITES


def test_stratifying_by_site_needs_sites_before_submission(draft, patch, client, api_headers):
    owner = api_headers(draft.owner)
    allocation = {"ratio": None, "age_strata": [], "quotas": {}, "by_site": True}
    assert client.patch(f"{API}/studies/{draft.id}", json={"allocation": allocation}, headers=owner).status_code == 200
    refused = client.post(f"{API}/studies/{draft.id}/submit", headers=owner)
    assert refused.status_code == 422 and "stratified by site" in str(refused.get_json())
    assert patch(draft, SITES).status_code == 200
    assert client.post(f"{API}/studies/{draft.id}/submit", headers=owner).status_code == 200


def test_the_sites_enter_the_registration_hash(draft, patch, client, api_headers, coordinator):
    assert patch(draft, SITES).status_code == 200
    assert client.post(f"{API}/studies/{draft.id}/submit", headers=api_headers(draft.owner)).status_code == 200
    assert patch(draft, []).status_code == 409  # frozen once submitted
    decided = client.post(
        f"{API}/studies/{draft.id}/decision", json={"decision": "approve"}, headers=api_headers(coordinator)
    )
    assert decided.status_code == 200
    chain = client.get(f"{API}/studies/{draft.id}/registrations", headers=api_headers(coordinator)).get_json()
    assert chain["items"][0]["record"]["protocol"]["sites"] == SITES


def test_the_editor_and_the_protocol_page_in_both_languages(draft, client, login, startup):
    login(startup)
    form = protocol_form(sites="ward_3 | CHU Nantes, ward 3\nPharmacie du Commerce\n")
    assert client.post(f"/studies/{draft.id}/edit", data=form).status_code in (302, 422)
    assert reload(draft.id).sites == [
        {"key": "ward_3", "name": "CHU Nantes, ward 3"},
        {"key": "pharmacie_du_commerce", "name": "Pharmacie du Commerce"},
    ]
    editor = text(client.get(f"/studies/{draft.id}/edit"))
    assert "ward_3 | CHU Nantes, ward 3" in editor
    page = text(client.get(f"/studies/{draft.id}"))
    assert 'CHU Nantes, ward 3 <code class="key">ward_3</code>' in page and "Pharmacie du Commerce" in page
    refused = client.post(f"/studies/{draft.id}/edit", data={**form, "sites": "Ward 3 | CHU"})
    assert refused.status_code == 422 and 'href="#sites"' in refused.get_data(as_text=True)
    assert len(reload(draft.id).sites) == 2
    client.post("/language", data={"lang": "fr"})
    assert "Les lieux où les participants prennent part" in text(client.get(f"/studies/{draft.id}/edit"))


# --- Enrolment ---------------------------------------------------------------------------------


def test_enrolment_through_the_api_needs_one_of_the_pilots_sites(
    with_sites, make_study, client, api_headers, make_user
):
    make_study(  # another pilot, whose site `canteen` is not this one's
        "recruiting", protocol=food_protocol(sites=[{"key": "canteen", "name": "Canteen"}]), survey_defs=food_surveys()
    )
    missing = enrol(client, api_headers, make_user("participant"), with_sites)
    assert missing.status_code == 422 and "site" in missing.get_json()["error"]["fields"]
    foreign = enrol(client, api_headers, make_user("participant"), with_sites, site="canteen")  # another pilot's
    assert foreign.status_code == 422 and "site" in foreign.get_json()["error"]["fields"]
    for hostile in (["ward_3"], {"key": "ward_3"}, 3, "ward_3\r\n", "x" * 10_000):
        refused = enrol(client, api_headers, make_user("participant"), with_sites, site=hostile)
        assert refused.status_code in (400, 422) and "site" in refused.get_json()["error"]["fields"]
    assert db.session.scalar(select(Enrolment.id).where(Enrolment.study_id == with_sites.id)) is None
    assert db.session.scalar(select(Screening.id).where(Screening.study_id == with_sites.id)) is None  # nothing counted
    user = make_user("participant")
    assert enrol(client, api_headers, user, with_sites, site="pharmacy").status_code == 201
    assert db.session.scalars(select(Enrolment.site).where(Enrolment.study_id == with_sites.id)).all() == ["pharmacy"]
    assert db.session.scalars(select(Screening.site).where(Screening.study_id == with_sites.id)).all() == ["pharmacy"]
    # a pilot without sites takes no site
    plain = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    refused = enrol(client, api_headers, make_user("participant"), plain, site="ward_3")
    assert refused.status_code == 422 and "site" in refused.get_json()["error"]["fields"]


def test_a_pilot_without_sites_enrols_as_before(make_study, client, api_headers, make_user):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    assert enrol(client, api_headers, make_user("participant"), study).status_code == 201
    assert db.session.scalars(select(Enrolment.site).where(Enrolment.study_id == study.id)).all() == [""]


def test_the_eligibility_page_asks_where_before_the_consent_and_the_enrolment_keeps_it(
    with_sites, client, login, make_user
):
    user = login(make_user("participant"))
    page = text(client.get(f"/pilots/{with_sites.id}/eligibility"))
    assert "Where do you take part?" in page and "CHU Nantes, ward 3" in page
    refused = client.post(f"/pilots/{with_sites.id}/eligibility", data={"age": "30", "criterion_0": "yes"})
    assert refused.status_code == 422 and "Please choose where you take part." in text(refused)
    forged = client.post(
        f"/pilots/{with_sites.id}/eligibility", data={"age": "30", "criterion_0": "yes", "site": "canteen"}
    )
    assert forged.status_code == 422
    assert db.session.scalar(select(Screening.id).where(Screening.study_id == with_sites.id)) is None
    checked = client.post(
        f"/pilots/{with_sites.id}/eligibility", data={"age": "30", "criterion_0": "yes", "site": "ward_3"}
    )
    assert checked.status_code == 302 and checked.headers["Location"].endswith("/join")
    consent = with_sites.current_consent
    form = {"consent_version": str(consent.version), "signature": user.name, "confirm": "y"}
    form.update({f"clause_{i}": "y" for i, _clause in enumerate(consent.clauses)})
    joined = client.post(f"/pilots/{with_sites.id}/join", data=form)
    assert joined.status_code == 302, text(joined)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.study_id == with_sites.id))
    assert enrolment.site == "ward_3"


def test_a_check_made_before_the_pilot_had_sites_sends_the_person_back_to_say_where(
    make_study, client, login, make_user
):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    login(make_user("participant"))
    assert client.post(f"/pilots/{study.id}/eligibility", data={"age": "30", "criterion_0": "yes"}).status_code == 302
    study.sites = SITES  # as an approved amendment would
    db.session.commit()
    sent_back = client.get(f"/pilots/{study.id}/join")
    assert sent_back.status_code == 302 and sent_back.headers["Location"].endswith("/eligibility")


def test_the_french_eligibility_page_asks_where(with_sites, client):
    client.post("/language", data={"lang": "fr"})
    page = text(client.get(f"/pilots/{with_sites.id}/eligibility"))
    assert "Où participez-vous ?" in page


# --- Allocation by site ------------------------------------------------------------------------

BY_SITE = SimpleNamespace(allocation={"age_strata": [65], "by_site": True})


# The balance within every site and age group, at any ratio: tests/participants/test_randomisation.py (on the
# database, through `randomisation.allocate` and the enrolment service).


def test_without_by_site_the_sites_share_the_age_groups_lists():
    plain = SimpleNamespace(allocation={"age_strata": [65]})
    assert sites.randomisation_stratum(plain, "ward_3", "65+") == "65+"
    assert sites.randomisation_stratum(BY_SITE, "ward_3", "65+") == "ward_3/65+"


def test_enrolments_of_a_pilot_stratified_by_site_are_balanced_in_each_site(with_sites, client, api_headers, make_user):
    with_sites.allocation = {"ratio": None, "age_strata": [], "quotas": {}, "by_site": True}
    with_sites.target_enrolment = 500
    db.session.commit()
    for site in ["ward_3"] * 30 + ["pharmacy"] * 14 + ["ward_3", "pharmacy"] * 10:
        assert enrol(client, api_headers, make_user("participant"), with_sites, site=site).status_code == 201
    rows = db.session.execute(select(Enrolment.site, Enrolment.arm).where(Enrolment.study_id == with_sites.id)).all()
    counts: dict[str, Counter] = {}
    for site, arm in rows:
        counts.setdefault(site, Counter())[arm] += 1
    assert {site: sum(c.values()) for site, c in counts.items()} == {"ward_3": 40, "pharmacy": 24}
    for c in counts.values():
        control, intervention = with_sites.arms
        assert abs(c[control] - c[intervention]) <= max(BLOCK_MULTIPLES)
    lists = set(db.session.scalars(select(AllocationSlot.stratum).where(AllocationSlot.study_id == with_sites.id)))
    assert lists == {"ward_3/", "pharmacy/"}


def test_quotas_count_an_age_group_across_the_sites(with_sites, client, api_headers, make_user):
    with_sites.allocation = {"ratio": None, "age_strata": [65], "quotas": {"65+": 2}, "by_site": True}
    db.session.commit()
    for site in ("ward_3", "pharmacy"):
        assert enrol(client, api_headers, make_user("participant"), with_sites, site=site, age=70).status_code == 201
    assert quota_places.taken_by_study([with_sites.id])[with_sites.id] == {("age", "65+"): 2}
    full = enrol(client, api_headers, make_user("participant"), with_sites, site="ward_3", age=80)
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "full"


# --- Amendments ----------------------------------------------------------------------------------


def test_an_amendment_adds_a_site_but_never_removes_one_with_enrolments(
    with_sites, client, api_headers, make_user, startup
):
    assert enrol(client, api_headers, make_user("participant"), with_sites, site="ward_3").status_code == 201
    owner = api_headers(startup)
    opened = client.post(f"{API}/studies/{with_sites.id}/amendments", json={"reason": "A third site"}, headers=owner)
    assert opened.status_code == 201
    base = f"{API}/studies/{with_sites.id}/amendments/{opened.get_json()['version']}"
    added = [*SITES, {"key": "canteen", "name": "Cantine Jules Verne"}]
    assert client.patch(base, json={"sites": added}, headers=owner).status_code == 200
    removed = client.patch(base, json={"sites": [SITES[1]]}, headers=owner)
    assert removed.status_code == 422 and "site" in str(removed.get_json()["error"]["fields"])
    assert "ward_3" in removed.get_json()["error"]["fields"]["sites"]
    # a site nobody enrolled at may go
    assert client.patch(base, json={"sites": [SITES[0]]}, headers=owner).status_code == 200
    amendment = client.get(base, headers=owner).get_json()
    assert amendment["protocol"]["sites"] == [SITES[0]]


def test_approving_an_amendment_keeps_a_site_someone_enrolled_at_during_the_review(
    with_sites, client, api_headers, make_user, startup, coordinator
):
    owner, reviewer = api_headers(startup), api_headers(coordinator)
    opened = client.post(f"{API}/studies/{with_sites.id}/amendments", json={"reason": "One site"}, headers=owner)
    base = f"{API}/studies/{with_sites.id}/amendments/{opened.get_json()['version']}"
    assert client.patch(base, json={"sites": [SITES[1]]}, headers=owner).status_code == 200  # nobody at ward 3 yet
    assert client.post(f"{base}/submit", headers=owner).status_code == 200
    assert enrol(client, api_headers, make_user("participant"), with_sites, site="ward_3").status_code == 201
    refused = client.post(f"{base}/decision", json={"decision": "approve"}, headers=reviewer)
    assert refused.status_code == 422 and "ward_3" in refused.get_json()["error"]["fields"]["sites"]
    db.session.expire_all()
    assert [site["key"] for site in with_sites.sites] == ["ward_3", "pharmacy"]
    assert client.get(base, headers=owner).get_json()["status"] == "submitted"


def test_a_site_key_with_a_second_line_is_refused():
    with pytest.raises(v.FieldError):
        sites.clean([{"key": "ward_3\n", "name": "Ward 3"}])


def test_two_long_names_alike_get_keys_of_their_own_within_32_characters():
    long = "Centre hospitalier universitaire de Nantes, "
    keys = [site["key"] for site in sites.clean([{"name": long + "ward 3"}, {"name": long + "ward 4"}])]
    assert len(set(keys)) == 2 and all(len(key) <= 32 for key in keys)


def test_the_participants_own_data_says_where_they_take_part(with_sites, client, api_headers, make_user, login):
    """The site is personal data the app keeps (on the check and the enrolment): the person's export says so."""
    person = make_user("participant")
    assert enrol(client, api_headers, person, with_sites, site="pharmacy").status_code == 201
    export = client.get(f"{API}/me/export", headers=api_headers(person)).get_json()
    [enrolment] = export["enrolments"]
    assert enrolment["site"] == {"key": "pharmacy", "name": "Pharmacie du Commerce"}
    login(person)
    client.post("/language", data={"lang": "fr"})
    page = text(client.get("/pilots/my-data"))
    assert "Où vous participez" in page and "Pharmacie du Commerce" in page


# --- A French reader of a bilingual pilot reads its sites' names in French (audit of issue 14, items 10, 11) -----

WARD_FR = "CHU de Nantes, service 3"


@pytest.fixture
def bilingual_with_sites(make_study):
    """Written in English, offered in French, the ward's name translated; a quota of 4 at the ward."""
    spec = {"ratio": None, "age_strata": [65], "quotas": {}, "site_quotas": {"ward_3": 4}}
    study = make_study("recruiting", protocol=food_protocol(sites=SITES, allocation=spec), survey_defs=food_surveys())
    study.languages = ["en", "fr"]
    study.translations = {
        "fr": {"protocol.sites.ward_3": {"text": WARD_FR, "source": pilot_languages.fingerprint("CHU Nantes, ward 3")}}
    }
    db.session.commit()
    return study


def test_the_catalogue_and_the_pilot_page_name_a_sites_places_in_the_readers_language(bilingual_with_sites, client):
    client.post("/language", data={"lang": "fr"})
    for page in (text(client.get("/pilots/")), text(client.get(f"/pilots/{bilingual_with_sites.id}"))):
        assert f"{WARD_FR} : 4 places restantes" in page and "CHU Nantes, ward 3" not in page
    client.post("/language", data={"lang": "en"})
    for page in (text(client.get("/pilots/")), text(client.get(f"/pilots/{bilingual_with_sites.id}"))):
        assert "CHU Nantes, ward 3: 4 places left" in page and WARD_FR not in page


def test_the_api_catalogue_names_the_sites_in_the_callers_language(bilingual_with_sites, client):
    def entry(language):
        items = client.get(f"{API}/catalogue", headers={"Accept-Language": language}).get_json()["items"]
        return next(item for item in items if item["id"] == bilingual_with_sites.id)

    french, english = entry("fr"), entry("en")
    assert french["sites"] == [{"key": "ward_3", "name": WARD_FR}, SITES[1]]  # the pharmacy has no translation
    assert english["sites"] == SITES
    assert french["places_left_by_site"] == english["places_left_by_site"] == {"ward_3": 4}


def test_a_sites_translation_older_than_its_name_is_not_shown(bilingual_with_sites, client):
    bilingual_with_sites.sites = [{"key": "ward_3", "name": "CHU Nantes, ward 3 (east wing)"}, SITES[1]]
    db.session.commit()
    client.post("/language", data={"lang": "fr"})
    page = text(client.get("/pilots/"))
    assert "CHU Nantes, ward 3 (east wing) : 4 places restantes" in page and WARD_FR not in page


def test_my_data_and_its_download_name_the_site_in_the_readers_language(
    bilingual_with_sites, client, api_headers, make_user, login
):
    person = make_user("participant")
    assert enrol(client, api_headers, person, bilingual_with_sites, site="ward_3").status_code == 201
    login(person)
    client.post("/language", data={"lang": "fr"})
    page = text(client.get("/pilots/my-data"))
    assert "Où vous participez" in page and WARD_FR in page and "CHU Nantes, ward 3" not in page
    assert "<dd>moins de 65</dd>" in page  # the age group in words, not its key "<65"
    download = client.get("/pilots/my-data.json").get_json()
    assert download["enrolments"][0]["site"] == {"key": "ward_3", "name": WARD_FR}
    client.post("/language", data={"lang": "en"})
    assert "CHU Nantes, ward 3" in text(client.get("/pilots/my-data"))
    assert client.get("/pilots/my-data.json").get_json()["enrolments"][0]["site"]["name"] == "CHU Nantes, ward 3"
