"""Issue 14, item 11: the results and the flow read by site, and by age stratum with the same code (API
`by_site` / `by_stratum`, the results page and the report, the exports' `site` column, the recruitment page),
with figures worked out by hand from the answers written here."""

import csv
import io

import pytest
from sqlalchemy import update

from livinglab.demo import food_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import Enrolment
from tests.studies.test_sample_size import text

V1 = "/api/v1"
SITES = [{"key": "ward_3", "name": "CHU Nantes, ward 3"}, {"key": "pharmacy", "name": "Pharmacie du Commerce"}]
SURVEYS = [
    {
        "key": f"s_{tp}",
        "title": tp,
        "timepoint": tp,
        "items": [{"key": "outcome", "text": "The outcome", "type": "number"}],
    }
    for tp in ("baseline", "week_4")
]


def protocol(**overrides):
    return food_protocol(
        target_enrolment=500, primary_outcome={"variable": "outcome", "hypothesis": "increase"}, **overrides
    )


@pytest.fixture
def join(make_user):
    """A participant enrols at `site` aged `age`, is put in `arm`, answers ({survey: outcome}), may withdraw."""

    def take(study, site, arm, answers, age=30, withdraw=None):
        user = make_user("participant")
        consent = study.current_consent
        enrolment = participation.enrol(
            user,
            study,
            consent_version=consent.version,
            clauses={c["key"]: True for c in consent.clauses},
            signature=user.name,
            age=age,
            criteria_confirmed=True,
            site=site,
        )
        db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id).values(arm=arm))
        for key, value in answers.items():
            participation.submit_response(user, study, key, {"outcome": value})
        if withdraw is not None:
            participation.withdraw(user, study, erase_data=withdraw)
        db.session.commit()
        return enrolment.participant_code

    return take


@pytest.fixture
def pilot(make_study, join):
    """ward_3: five in plant_based with 5, 6, 7, 4, 3 at week 4 (mean 5, sd √2.5 = 1.5811, median 5), two in
    usual_menu (2 and 4: fewer than 5, withheld), one who answered the baseline only; pharmacy: three in usual_menu
    (withheld), one who withdrew and had their answers erased."""
    study = make_study("recruiting", protocol=protocol(sites=SITES), survey_defs=SURVEYS)
    for value in (5, 6, 7, 4, 3):
        join(study, "ward_3", "plant_based", {"s_baseline": 4, "s_week_4": value})
    for value in (2, 4):
        join(study, "ward_3", "usual_menu", {"s_baseline": 3, "s_week_4": value})
    join(study, "ward_3", "usual_menu", {"s_baseline": 3})
    for value in (1, 2, 3):
        join(study, "pharmacy", "usual_menu", {"s_baseline": 2, "s_week_4": value})
    join(study, "pharmacy", "plant_based", {"s_baseline": 2, "s_week_4": 6}, withdraw=True)
    return study


def test_the_api_reads_the_flow_and_the_primary_outcome_by_site(pilot, client, api_headers, startup):
    body = client.get(f"{V1}/studies/{pilot.id}/results", headers=api_headers(startup)).get_json()
    by_site = body["by_site"]
    assert by_site["variable"] == "outcome" and by_site["timepoint"] == "week_4" and by_site["min_cell"] == 5
    ward, pharmacy = by_site["groups"]
    assert (ward["key"], ward["screened"], ward["enrolled"], ward["completed"], ward["withdrawn"]) == (
        "ward_3",
        8,
        8,
        7,
        0,
    )
    assert (pharmacy["key"], pharmacy["screened"], pharmacy["enrolled"], pharmacy["completed"]) == (
        "pharmacy",
        4,
        4,
        3,  # the erased participant's answers are gone from every figure but `withdrawn`
    )
    assert pharmacy["withdrawn"] == 1
    plant = ward["primary"]["plant_based"]
    assert plant["n"] == 5 and plant["withheld"] is False
    assert plant["mean"] == 5 and plant["median"] == 5 and plant["min"] == 3 and plant["max"] == 7
    assert plant["sd"] == pytest.approx(2.5**0.5)
    assert ward["primary"]["usual_menu"] == {"n": 2, "withheld": True}  # no mean of two people
    assert pharmacy["primary"] == {"usual_menu": {"n": 3, "withheld": True}, "plant_based": {"n": 0, "withheld": True}}
    assert "by_stratum" not in body  # not stratified by age
    assert sum(g["enrolled"] for g in by_site["groups"]) == body["flow"]["enrolled"]


def test_the_age_strata_are_read_the_same_way(make_study, join, client, api_headers, coordinator):
    study = make_study("recruiting", protocol=protocol(), survey_defs=SURVEYS)
    study.allocation = {"ratio": None, "age_strata": [65], "quotas": {}}
    db.session.commit()
    for value in (1, 2, 3, 4, 5, 6):
        join(study, None, "usual_menu", {"s_baseline": 1, "s_week_4": value}, age=70)
    join(study, None, "plant_based", {"s_baseline": 1, "s_week_4": 9}, age=30)
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(coordinator)).get_json()
    assert "by_site" not in body
    young, old = body["by_stratum"]["groups"]
    assert (young["key"], young["screened"], young["enrolled"], young["completed"]) == ("<65", None, 1, 1)
    assert (old["key"], old["enrolled"], old["completed"]) == ("65+", 6, 6)
    assert old["primary"]["usual_menu"]["mean"] == 3.5 and old["primary"]["usual_menu"]["n"] == 6
    assert old["primary"]["usual_menu"]["median"] == 3.5
    assert young["primary"]["plant_based"] == {"n": 1, "withheld": True}


def test_the_results_page_and_the_report_show_the_sites_in_both_languages(pilot, client, login, startup):
    login(startup)
    page = text(client.get(f"/studies/{pilot.id}/results"))
    assert "By site" in page and "CHU Nantes, ward 3" in page and "Pharmacie du Commerce" in page
    # a phone shows each figure under its column's name (the header is hidden there): the timepoint too
    assert page.count('data-label="Answered at Week 4"') == 2 and 'data-label="Answered"' not in page
    assert "Not shown: fewer than 5 values" in page
    assert "5.00" in page and "1.58" in page
    report = text(client.get(f"/studies/{pilot.id}/results/report"))
    assert "By site" in report and "CHU Nantes, ward 3" in report
    client.post("/language", data={"lang": "fr"})
    french = text(client.get(f"/studies/{pilot.id}/results"))
    assert "Par site" in french and "Non montré : moins de 5 valeurs" in french
    assert french.count('data-label="Ont répondu à Week 4"') == 2


def test_a_pilot_without_sites_or_strata_has_no_such_section(make_study, join, client, login, startup, api_headers):
    study = make_study("recruiting", protocol=protocol(), survey_defs=SURVEYS)
    join(study, None, "usual_menu", {"s_baseline": 1, "s_week_4": 3})
    body = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(startup)).get_json()
    assert "by_site" not in body and "by_stratum" not in body
    login(startup)
    assert "By site" not in text(client.get(f"/studies/{study.id}/results"))


def test_the_exports_carry_the_site_and_the_dictionary_says_so(pilot, client, api_headers, startup):
    headers = api_headers(startup)
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"{V1}/studies/{pilot.id}/export.csv", headers=headers).text.lstrip("\ufeff"))
        )
    )
    assert list(rows[0])[:4] == ["participant_code", "arm", "timepoint", "site"]
    assert sorted({(row["site"], row["timepoint"]) for row in rows}) == [
        ("pharmacy", "baseline"),
        ("pharmacy", "week_4"),
        ("ward_3", "baseline"),
        ("ward_3", "week_4"),
    ]
    assert sum(row["site"] == "ward_3" and row["timepoint"] == "week_4" for row in rows) == 7
    dictionary = list(
        csv.reader(
            io.StringIO(client.get(f"{V1}/studies/{pilot.id}/dictionary.csv", headers=headers).text.lstrip("\ufeff"))
        )
    )
    site_row = next(row for row in dictionary if row[0] == "site")
    assert "ward_3 = CHU Nantes, ward 3" in site_row[1] and site_row[3] == "ward_3; pharmacy"
    for fmt in ("xlsx", "sav", "dta"):
        assert client.get(f"{V1}/studies/{pilot.id}/export.{fmt}", headers=headers).status_code == 200


def test_a_pilot_without_sites_exports_no_site_column(make_study, join, client, api_headers, startup):
    study = make_study("recruiting", protocol=protocol(), survey_defs=SURVEYS)
    join(study, None, "usual_menu", {"s_baseline": 1, "s_week_4": 3})
    header = client.get(f"{V1}/studies/{study.id}/export.csv", headers=api_headers(startup)).text.splitlines()[0]
    assert "site" not in header.split(",")


def test_the_recruitment_page_counts_the_enrolled_per_site(pilot, client, login, startup):
    login(startup)
    page = text(client.get(f"/studies/{pilot.id}/participants"))
    assert "Enrolled per site" in page
    assert '<td>CHU Nantes, ward 3</td><td class="num">8</td>' in page.replace("> <", "><")
    assert '<td>Pharmacie du Commerce</td><td class="num">4</td>' in page.replace("> <", "><")
    # what the page says is kept of the eligibility check: the site, since the pilot has sites
    assert "their answers are never kept (only the site they chose" in page


def test_the_results_and_recruitment_pages_read_as_many_queries_whatever_the_participants(
    make_study, join, client, login, startup, count_queries, api_headers
):
    study = make_study("recruiting", protocol=protocol(sites=SITES), survey_defs=SURVEYS)
    study.allocation = {"ratio": None, "age_strata": [65], "quotas": {}, "by_site": True}
    db.session.commit()
    headers = api_headers(startup)
    login(startup)

    def pages():
        with count_queries() as counted:
            assert client.get(f"/studies/{study.id}/results").status_code == 200
            assert client.get(f"/studies/{study.id}/participants").status_code == 200
            assert client.get(f"{V1}/studies/{study.id}/results", headers=headers).status_code == 200
        return len(counted)

    for n in range(3):
        join(study, SITES[n % 2]["key"], "usual_menu", {"s_baseline": 1, "s_week_4": n})
    pages()  # the first reading of each page warms what the app keeps for good
    join(study, "ward_3", "usual_menu", {"s_baseline": 1, "s_week_4": 5})
    few = pages()  # results computed again, as below
    for n in range(12):
        join(study, SITES[n % 2]["key"], "plant_based", {"s_baseline": 1, "s_week_4": n}, age=70)
    assert pages() == few
