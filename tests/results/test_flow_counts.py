"""The flow of a pilot counts alike through the pages and the API (issue 9, item 3), once per person and
pilot (issue 8, item 18), with the CONSORT boxes of API.md, "Clarifications (v1.1)"."""

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Enrolment, Screening, ScreeningOutcome
from livinglab.participants.services import screening_counts
from tests.conftest import PASSWORD, IsolatedClient

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True, "recontact": False}


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def body(study, **overrides) -> dict:
    return {
        "consent_version": study.current_consent.version,
        "clauses": dict(CLAUSES),
        "signature": "Camille",
        "age": 34,
        "criteria_confirmed": True,
        **overrides,
    }


@pytest.fixture
def enrol(client, api_headers):
    def do(study, user, headers=None, **overrides):
        return client.post(
            f"{API}/studies/{study.id}/enrolment", json=body(study, **overrides), headers=headers or api_headers(user)
        )

    return do


@pytest.fixture
def small(make_study):
    """A recruiting pilot with two places."""
    return make_study("recruiting", protocol=sleep_protocol(target_enrolment=2))


def flow(client, api_headers, study, user):
    response = client.get(f"{API}/studies/{study.id}/results", headers=api_headers(user))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["flow"]


# --- One rule for the API and the pages ------------------------------------------------------------


def test_refused_api_enrolments_keep_their_counts(enrol, small, make_user, client, api_headers, startup):
    """15 people try through the API: 2 enrol, the rest are refused for every reason; all 15 are screened."""
    codes = []
    for age in (30, 31):
        codes.append(enrol(small, make_user("participant"), age=age).status_code)
    for _ in range(5):  # eligible and consenting, but the pilot is full
        codes.append(enrol(small, make_user("participant")).status_code)
    for _ in range(4):  # a required clause refused
        codes.append(enrol(small, make_user("participant"), clauses={**CLAUSES, "data_use": False}).status_code)
    for _ in range(4):  # too old
        codes.append(enrol(small, make_user("participant"), age=90).status_code)
    assert codes == [201] * 2 + [409] * 5 + [422] * 8
    counts = flow(client, api_headers, small, startup)
    assert (counts["screened"], counts["eligible"], counts["enrolled"]) == (15, 11, 2)
    assert (counts["declined_consent"], counts["turned_away_full"]) == (4, 5)
    assert counts["excluded"] == {"age": 4}


def test_the_capacity_is_checked_after_the_eligibility(enrol, small, make_user):
    for _ in range(2):
        assert enrol(small, make_user("participant")).status_code == 201
    too_young = enrol(small, make_user("participant"), age=12)
    assert too_young.status_code == 422 and too_young.get_json()["error"]["code"] == "not_eligible"
    full = enrol(small, make_user("participant"))
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "full"
    assert screening_counts(small) == {"screened": 4, "eligible": 3, "age": 1, "turned_away_full": 1}


def test_malformed_or_invalid_values_are_not_a_completed_check(enrol, small, participant):
    assert enrol(small, participant, age="old").status_code == 400
    assert enrol(small, participant, age=500).status_code == 422
    assert enrol(small, participant, signature="").status_code == 422
    assert screening_counts(small) == {}


def test_the_pages_and_the_api_count_the_same_steps(app, make_user, make_study, enrol):
    """The same four people, once through the pages and once through the API, give the same figures: one
    enrols, one is too old, one refuses a required clause, one consents once the last place is taken."""
    by_pages = make_study("recruiting", protocol=sleep_protocol(title="By pages", target_enrolment=1))
    by_api = make_study("recruiting", protocol=sleep_protocol(title="By API", target_enrolment=1))
    consent = {"consent_version": "1", "clause_0": "y", "clause_1": "y", "signature": "Someone"}
    people = [(make_user("participant"), age) for age in (34, 80, 40, 50)]
    app.test_client_class = IsolatedClient
    browsers = []
    for person, age in people:  # each on their own phone, all checking before anyone signs
        browser = app.test_client()
        browser.post("/account/signin", data={"email": person.email, "password": PASSWORD})
        browser.post(
            f"/pilots/{by_pages.id}/eligibility", data={"age": str(age), "criterion_0": "yes", "criterion_1": "yes"}
        )
        browsers.append(browser)
    assert browsers[0].post(f"/pilots/{by_pages.id}/join", data=consent).status_code == 302
    assert browsers[2].post(f"/pilots/{by_pages.id}/join", data={**consent, "clause_1": ""}).status_code == 422
    assert browsers[3].post(f"/pilots/{by_pages.id}/join", data=consent).location == f"/pilots/{by_pages.id}"
    for (person, age), refuses in zip(people, (False, False, True, False), strict=True):
        enrol(by_api, person, age=age, clauses={**CLAUSES, "data_use": not refuses})
    expected = {"screened": 4, "eligible": 3, "age": 1, "declined_consent": 1, "turned_away_full": 1}
    assert screening_counts(by_pages) == expected
    assert screening_counts(by_api) == expected
    for study in (by_pages, by_api):
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.study_id == study.id)) == 1


# --- Once per person and pilot (issue 8, item 18) --------------------------------------------------------


def test_one_account_checking_again_and_again_counts_once(client, login, participant, make_study, enrol):
    study = make_study("recruiting")
    login(participant)
    for age in ("15", "16", "34", "90", "34"):
        client.post(f"/pilots/{study.id}/eligibility", data={"age": age, "criterion_0": "yes", "criterion_1": "yes"})
    assert screening_counts(study) == {"screened": 1, "eligible": 1}  # the latest outcome counts
    for _ in range(5):
        enrol(study, participant, clauses={**CLAUSES, "data_use": False})
    assert screening_counts(study) == {"screened": 1, "eligible": 1, "declined_consent": 1}
    assert enrol(study, participant).status_code == 201
    assert screening_counts(study) == {"screened": 1, "eligible": 1}
    assert rows(Screening) == 1


def test_a_visitor_counts_once_per_browser_session(app, make_study):
    study = make_study("recruiting")
    data = {"age": "40", "criterion_0": "yes", "criterion_1": "no"}
    app.test_client_class = IsolatedClient
    visitor = app.test_client()
    for _ in range(4):
        assert visitor.post(f"/pilots/{study.id}/eligibility", data=data).status_code == 302
    assert screening_counts(study) == {"screened": 1, "criterion:1": 1}
    another = app.test_client()  # a new browser (or cleared cookies) is someone new: the rate limit bounds it
    another.post(f"/pilots/{study.id}/eligibility", data=data)
    assert screening_counts(study) == {"screened": 2, "criterion:1": 2}


def test_the_database_holds_one_screening_per_person_and_pilot(make_study):
    study = make_study("recruiting")
    db.session.add(Screening(study_id=study.id, screener_key="k" * 64, outcome=ScreeningOutcome.ELIGIBLE))
    db.session.commit()
    db.session.add(Screening(study_id=study.id, screener_key="k" * 64, outcome=ScreeningOutcome.NOT_ELIGIBLE))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_screening_keeps_no_answer_and_no_account_id(enrol, make_study, participant):
    study = make_study("recruiting")
    enrol(study, participant, age=87, criteria_confirmed=[True, False])
    row = db.session.scalar(select(Screening))
    assert row.outcome == ScreeningOutcome.NOT_ELIGIBLE and row.reasons == "age criterion:1"
    assert set(Screening.__table__.columns.keys()) == {
        "id",
        "study_id",
        "screener_key",
        "outcome",
        "reasons",
        "updated_at",
        "stratum",  # the age group a stratified pilot randomises the eligible in (the pages say so), "" otherwise
        "site",  # where the person takes part, when the pilot has sites (the page says so), "" otherwise
    }  # no age, no answer, no account id
    assert row.stratum == "" and row.site == ""  # not eligible, the pilot neither stratifies nor has sites
    assert re.fullmatch(r"[0-9a-f]{64}", row.screener_key) and row.screener_key != str(participant.id)


def test_erasing_the_account_keeps_the_count_but_unlinks_it(client, api_headers, make_study, participant, enrol):
    study = make_study("recruiting")
    enrol(study, participant, age=90)
    key = db.session.scalar(select(Screening.screener_key))
    assert client.delete(f"{API}/me", headers=api_headers(participant)).status_code == 204
    assert screening_counts(study) == {"screened": 1, "age": 1}
    assert db.session.scalar(select(Screening.screener_key)) != key


# --- The CONSORT boxes -------------------------------------------------------------------------------


def test_the_flow_has_the_consort_boxes_and_who_did_not_answer(client, api_headers, make_study, make_user, startup):
    study = make_study("recruiting")
    people = [make_user("participant") for _ in range(4)]
    for person in people:
        services.enrol(
            person, study, consent_version=1, clauses=CLAUSES, signature="S", age=40, criteria_confirmed=True
        )
    baseline = {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}}
    follow_up = {"sleep_hours": 7, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}}
    for person in people[:3]:
        services.submit_response(person, study, "baseline", baseline)
    services.submit_response(people[0], study, "follow_up", follow_up)
    services.withdraw(people[2], study, True)  # erased: gone from every figure but `withdrawn`
    db.session.commit()
    counts = flow(client, api_headers, study, startup)
    assert counts["completed"] == {"baseline": 2, "follow_up": 1}
    assert counts["not_answered"] == {"baseline": 1, "follow_up": 2}
    assert counts["not_answered_by_arm"] == {"intervention": {"baseline": 1, "follow_up": 2}}
    assert (counts["declined_consent"], counts["turned_away_full"], counts["withdrawn_erased"]) == (0, 0, 1)


def test_the_flow_diagram_shows_every_box(client, login, startup, make_study, make_user, enrol):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=1))
    enrol(study, make_user("participant"))
    enrol(study, make_user("participant"))  # full
    enrol(study, make_user("participant"), clauses={**CLAUSES, "data_use": False})
    login(startup)
    page = client.get(f"/studies/{study.id}/results").get_data(as_text=True)
    for words in (
        "Declined the consent form: <strong>1</strong>",
        "Turned away: the pilot was full: <strong>1</strong>",
        "did not enrol",
        "no answer yet: 1",
    ):
        assert words in page, words
    french = client.get(f"/studies/{study.id}/results", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "ont refusé le formulaire de consentement" in french.lower()


def test_the_recruitment_page_shows_the_same_steps(client, login, startup, make_study, make_user, enrol):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=1))
    enrol(study, make_user("participant"))
    enrol(study, make_user("participant"))  # full
    enrol(study, make_user("participant"), clauses={**CLAUSES, "data_use": False})
    login(startup)
    page = client.get(f"/studies/{study.id}/participants").get_data(as_text=True)
    assert re.search(r"Eligible, declined the consent form</t[dh]>\s*<td[^>]*>1<", page)
    assert re.search(r"turned away: the pilot was full</t[dh]>\s*<td[^>]*>1<", page)
