"""The methods paragraph (issue 13, item 9): written from what the analysis ran, in French and English, on the
results page, the printable report and the API. Each expectation comes from the pilot the test builds (its
registration through the API, the participants it enrols) or from the installed libraries themselves."""

import html
import platform

import numpy
import pandas
import pytest
import scipy
import statsmodels

from livinglab.demo import food_protocol, food_surveys, populate
from livinglab.extensions import db

V1 = "/api/v1"
BASELINE = {"sleep_hours": 6.0, **{f"who_{i}": 3 for i in range(1, 6)}}
FOLLOW_UP = {"sleep_hours": 7.5, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}}


@pytest.fixture
def pre_post(make_study, take_part):
    """A single-group pilot: three complete pairs and one participant who answered only the baseline."""
    study = make_study("recruiting")
    for lift in (1.0, 1.5, 2.5):
        take_part(study, {"baseline": BASELINE, "follow_up": FOLLOW_UP | {"sleep_hours": 6.0 + lift}})
    take_part(study, {"baseline": BASELINE})
    return study


@pytest.fixture
def parallel(make_study):
    """Two parallel groups whose protocol registered the baseline-adjusted analysis."""
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    populate(study, 16, seed=2)
    db.session.commit()
    return study


def methods_of(client, api_headers, user, study) -> dict:
    response = client.get(f"{V1}/studies/{study.id}/results", headers=api_headers(user))
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["methods_text"]


def first_hash(client, api_headers, user, study) -> str:
    body = client.get(f"{V1}/studies/{study.id}", headers=api_headers(user)).get_json()
    return body["registrations"][0]["registration_hash"]


def test_a_pre_post_pilot_says_what_ran_in_both_languages(client, api_headers, startup, pre_post):
    text = methods_of(client, api_headers, startup, pre_post)
    english, french = text["en"], text["fr"]
    assert "a single group measured before and after" in english
    assert first_hash(client, api_headers, startup, pre_post)[:12] in english
    assert "analysed in 3 participants" in english  # the three complete pairs
    assert "test: Paired t test, two-sided at the 0.05 level" in english
    assert "Robustness: Wilcoxon signed-rank test." in english
    assert "Cohen's dz with its 95 % confidence interval" in english
    assert "1 participant who answered was left out of the primary analysis" in english  # baseline only
    # what did not run is not said
    assert "Sensitivity analysis" not in english and "More than two groups" not in english
    assert "Test t apparié" in french and "0,05" in french
    assert "Test des rangs signés de Wilcoxon" in french


def test_it_names_the_software_that_computed_the_results(client, api_headers, startup, pre_post):
    english = methods_of(client, api_headers, startup, pre_post)["en"]
    versions = {
        "Python": platform.python_version(),
        "NumPy": numpy.__version__,
        "SciPy": scipy.__version__,
        "pandas": pandas.__version__,
        "statsmodels": statsmodels.__version__,
    }
    for name, version in versions.items():
        assert f"{name} {version}" in english
    assert "from 7 completed surveys" in english  # 3 × 2 + 1


def test_an_adjusted_parallel_pilot_names_ancova_and_its_sensitivity_analysis(client, api_headers, startup, parallel):
    text = methods_of(client, api_headers, startup, parallel)
    assert "2 parallel groups" in text["en"]
    assert "test: Analysis of covariance (ANCOVA), adjusted for the baseline value" in text["en"]
    assert "Sensitivity analysis, without adjustment: Welch's t test." in text["en"]
    assert "Hedges' g" in text["en"]
    assert "Analyse de covariance (ANCOVA)" in text["fr"]


def test_the_results_page_and_the_report_carry_the_paragraph(client, login, startup, pre_post):
    login(startup)
    for path in (f"/studies/{pre_post.id}/results", f"/studies/{pre_post.id}/results/report"):
        page = client.get(path).get_data(as_text=True)
        assert 'class="methods-text"' in page and "test: Paired t test" in page
    client.post("/language", data={"lang": "fr"})
    page = client.get(f"/studies/{pre_post.id}/results").get_data(as_text=True)
    assert "Test t apparié" in page


def test_an_outcome_switched_after_registration_is_in_the_paragraph(client, api_headers, startup, pre_post):
    from livinglab.studies.models import Registration

    later = Registration(
        study_id=pre_post.id,
        version=2,
        registration_hash="b" * 64,
        previous_hash=pre_post.registrations[0].registration_hash,
        outcome_change="The sleep diary replaced the questionnaire.",
    )
    db.session.add(later)
    db.session.commit()
    english = methods_of(client, api_headers, startup, pre_post)["en"]
    assert "changed after registration, at protocol version 2" in english


def test_missing_values_and_exclusions_are_stated_as_they_were_handled(
    client, api_headers, startup, make_study, take_part
):
    study = make_study("recruiting")
    codes = [
        take_part(study, {"baseline": BASELINE, "follow_up": FOLLOW_UP | {"sleep_hours": 6.0 + lift}})[0]
        for lift in (1.0, 1.5, 2.5, 0.5)
    ]
    take_part(study, {"baseline": BASELINE})  # no follow-up: missing at the last timepoint
    english = methods_of(client, api_headers, startup, study)["en"]
    assert "No response was excluded." in english
    assert "baseline carried forward" in english and "imputations pooled by Rubin's rules" in english
    excluded = client.post(
        f"{V1}/studies/{study.id}/exclusions",
        json={"participant_code": codes[0], "survey": "follow_up", "reason": "Answered for someone else."},
        headers=api_headers(startup),
    )
    assert excluded.status_code == 201, excluded.get_json()
    text = methods_of(client, api_headers, startup, study)
    assert "1 response was excluded, with a reason" in text["en"]
    assert "1 réponse a été exclue" in text["fr"]


def test_one_group_notes_claim_no_comparison_of_attrition_between_groups(client, login, startup, pre_post):
    # one group (attrition cannot be compared between groups), one participant without the last value: the
    # primary analysis ran again on every participant allocated
    login(startup)
    page = html.unescape(client.get(f"/studies/{pre_post.id}/results").get_data(as_text=True))
    assert "Attrition compared between groups" not in page
    assert (
        "<li>Missing data: the primary analysis again on every participant allocated, by baseline carried forward "
        "and by multiple imputation (statsmodels MICE, predictive mean matching, 20 imputations, Rubin's "
        "rules).</li>" in page
    )
