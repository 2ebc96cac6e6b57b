"""Issue 13, item 6: the protocol states how its target enrolment was planned (SPIRIT item 14), and the pages
say what the assumptions require, as R's power.t.test and power.prop.test compute it.

Reference values, printed by R (stats-Ex.Rout.save, the examples of ?power.t.test and ?power.prop.test):
power.t.test(power = .90, delta = 1) gives n = 22.02110 per group; power.prop.test(p1 = .50, p2 = .75,
power = .90) gives n = 76.70693 per group. ANCOVA with a baseline correlation ρ needs (1 − ρ²) times the
two-sample n (Borm, Fransen & Lemmens 2007): 0.75 × 22.02110 = 16.52 for ρ = 0.5."""

import html
import math
import re

import pytest
from statsmodels.stats.power import TTestPower

from livinglab.extensions import db
from livinglab.studies.models import Study
from tests.studies.test_study_pages import protocol_form

API = "/api/v1"


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def reload(study_id: int) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study_id)


@pytest.fixture
def patch(client, api_headers, startup):
    headers = api_headers(startup)

    def send(study, value):
        return client.patch(f"{API}/studies/{study.id}", json={"sample_size": value}, headers=headers)

    return send


WELCH = {"method": "welch", "effect": 1, "sd": 1, "power": 0.9, "justification": "Pilot data: sd 1 hour."}


@pytest.mark.parametrize(
    "spec, sentence",
    [
        (WELCH, "These assumptions require 23 participants per group (46 in total)"),
        (
            {"method": "two_proportions", "p_control": 0.5, "p_intervention": 0.75, "power": 0.9},
            "These assumptions require 77 participants per group (154 in total)",
        ),
        (
            {"method": "ancova", "effect": 1, "sd": 1, "correlation": 0.5, "power": 0.9},
            "These assumptions require 17 participants per group (34 in total)",
        ),
    ],
)
def test_the_protocol_page_says_what_the_assumptions_require_as_r_computes_it(
    spec, sentence, make_study, patch, client, login, startup
):
    study = make_study("draft")
    assert patch(study, spec).status_code == 200
    login(startup)
    page = text(client.get(f"/studies/{study.id}"))
    assert sentence in page
    assert "These assumptions require" in text(client.get(f"/studies/{study.id}/edit"))


def test_a_paired_design_counts_pairs_as_another_implementation_does(make_study, patch, client, login, startup):
    study = make_study("draft")
    spec = {"method": "paired_t", "effect": 0.5, "sd": 1.2, "power": 0.8}
    assert patch(study, spec).status_code == 200
    pairs = math.ceil(TTestPower().solve_power(effect_size=0.5 / 1.2, alpha=0.05, power=0.8))
    login(startup)
    assert f"These assumptions require {pairs} participants answering before and after" in text(
        client.get(f"/studies/{study.id}")
    )


def test_a_target_below_what_the_assumptions_require_is_pointed_out(make_study, patch, client, login, startup):
    study = make_study("draft")  # target enrolment 40
    assert patch(study, WELCH).status_code == 200
    login(startup)
    assert "The target enrolment (40) is 6 participants short of this, before any drop-out." in text(
        client.get(f"/studies/{study.id}")
    )
    french = text(client.get(f"/studies/{study.id}", headers={"Accept-Language": "fr"}))
    assert "Ces hypothèses demandent 23 participants par groupe (46 au total)" in french
    assert "inférieur de 6 participants" in french


def test_the_api_keeps_the_assumptions_of_the_method_and_serves_them(make_study, patch, client, api_headers, startup):
    study = make_study("draft")
    # what the method does not use is dropped; power defaults to nothing stored (0.8 is applied)
    response = patch(study, {"method": "welch", "effect": -2.5, "sd": 4, "p_control": 0.3})
    assert response.status_code == 200
    served = client.get(f"{API}/studies/{study.id}", headers=api_headers(startup)).get_json()["sample_size"]
    assert served == {
        "method": "welch",
        "effect": -2.5,
        "sd": 4.0,
        "correlation": None,
        "p_control": None,
        "p_intervention": None,
        "power": None,
        "justification": None,
    }
    assert patch(study, None).status_code == 200
    assert reload(study.id).sample_size is None


@pytest.mark.parametrize(
    "value, status, words",
    [
        ({"method": "welch", "effect": 1}, 422, "Standard deviation"),
        ({"method": "ancova", "effect": 1, "sd": 1}, 422, "Correlation with the baseline"),
        ({"method": "two_proportions", "p_control": 0.4, "p_intervention": 0.4}, 422, "must differ"),
        ({"method": "welch", "effect": 0, "sd": 1}, 422, "must not be zero"),
        ({"method": "welch", "effect": 1, "sd": 0}, 422, "Standard deviation"),
        ({"method": "welch", "effect": 1, "sd": 1, "power": 1}, 422, "Power"),
        ({"method": "ancova", "effect": 1, "sd": 1, "correlation": 1}, 422, "Correlation"),
        ({"method": "feasibility"}, 422, "feasibility pilot"),
        ({"method": "bayesian"}, 422, None),
        ({"method": "welch", "effect": "1", "sd": 1}, 400, None),
        ({"method": "welch", "effect": True, "sd": 1}, 400, None),
        ({"method": "welch", "effect": 1e400, "sd": 1}, 400, None),  # JSON's 1e400 is infinite: not a number
        ({"method": "welch", "effect": 1, "sd": 1, "formula": "=1+1"}, 400, None),
        ([WELCH], 400, None),
        ({"method": "welch", "effect": 1, "sd": 1, "justification": "x" * 4001}, 422, None),
        ({"method": "welch", "effect": 1, "sd": 1, "justification": "\ud800"}, 400, None),
    ],
)
def test_inconsistent_or_hostile_assumptions_are_refused_and_change_nothing(make_study, patch, value, status, words):
    study = make_study("draft")
    assert patch(study, WELCH).status_code == 200
    response = patch(study, value)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert "sample_size" in str(error["fields"]) or error["code"] == "malformed_json"
    if words:
        assert words in str(error["fields"])
    assert reload(study.id).sample_size["method"] == "welch"


def test_the_editor_saves_the_assumptions_and_shows_errors_beside_them(make_study, client, login, startup):
    study = make_study("draft")
    login(startup)
    saved = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(
            sample_size_method="two_proportions",
            sample_size_p_control="0.5",
            sample_size_p_intervention="0.75",
            sample_size_power="0.9",
            sample_size_justification="Canteen data from 2025.",
        ),
    )
    assert saved.status_code == 302
    assert reload(study.id).sample_size == {
        "method": "two_proportions",
        "effect": None,
        "sd": None,
        "correlation": None,
        "p_control": 0.5,
        "p_intervention": 0.75,
        "power": 0.9,
        "justification": "Canteen data from 2025.",
    }
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert "77 participants per group (154 in total)" in page
    assert re.search(r'<option selected value="two_proportions">|<option value="two_proportions" selected>', page)

    refused = client.post(
        f"/studies/{study.id}/edit", data=protocol_form(sample_size_method="ancova", sample_size_effect="1")
    )
    assert refused.status_code == 422
    page = text(refused)
    assert 'href="#sample_size"' in page and 'id="sample_size-error"' in page
    assert reload(study.id).sample_size["method"] == "two_proportions"  # not saved: the rest is


def test_a_form_without_the_inputs_keeps_the_assumptions(make_study, patch, client, login, startup):
    study = make_study("draft")
    assert patch(study, WELCH).status_code == 200
    login(startup)
    assert client.post(f"/studies/{study.id}/edit", data={"summary": "Shorter."}).status_code in (302, 422)
    assert reload(study.id).sample_size["method"] == "welch"


def test_the_assumptions_enter_the_registration_and_freeze_with_it(make_study, patch, client, api_headers, coordinator):
    study = make_study("draft")
    assert patch(study, WELCH).status_code == 200
    assert client.post(f"{API}/studies/{study.id}/submit", headers=api_headers(study.owner)).status_code == 200
    assert patch(study, {**WELCH, "effect": 2}).status_code == 409  # a submitted protocol is not edited
    decided = client.post(
        f"{API}/studies/{study.id}/decision", json={"decision": "approve"}, headers=api_headers(coordinator)
    )
    assert decided.status_code == 200
    registration = client.get(f"{API}/studies/{study.id}/registrations", headers=api_headers(coordinator)).get_json()
    assert registration["items"][0]["record"]["protocol"]["sample_size"] == {
        **WELCH,
        "effect": 1.0,
        "sd": 1.0,
        "correlation": None,
        "p_control": None,
        "p_intervention": None,
    }


# --- Planned against analysed, on the results (item 6, its second part) ------------------------------------

BASELINE = {"sleep_hours": 6.0, **{f"who_{i}": 3 for i in range(1, 6)}}


def follow_up(hours: float) -> dict:
    return {"sleep_hours": hours, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 3 for i in range(1, 11)}}


def test_the_results_set_what_was_planned_against_what_was_analysed(
    make_study, take_part, client, login, api_headers, startup
):
    study = make_study("recruiting")  # one group, before and after; alpha 0.05
    study.sample_size = {**WELCH, "method": "paired_t", "effect": 0.5, "sd": 1.2, "power": 0.8, "correlation": None}
    db.session.commit()
    for hours in (6.5, 7.0, 6.0, 7.5, 6.8, 7.2):
        take_part(study, {"baseline": BASELINE, "follow_up": follow_up(hours)})
    results = client.get(f"{API}/studies/{study.id}/results", headers=api_headers(startup)).get_json()
    achieved = results["sample_size"]
    planned = math.ceil(TTestPower().solve_power(effect_size=0.5 / 1.2, alpha=0.05, power=0.8))
    detectable = TTestPower().solve_power(nobs=6, alpha=0.05, power=0.8) * 1.2  # in hours: d × sd
    assert achieved["planned_total"] == planned and achieved["analysed_total"] == achieved["analysed_per_group"] == 6
    assert achieved["smallest_detectable"]["unit"] == "outcome"
    assert achieved["smallest_detectable"]["value"] == pytest.approx(detectable, abs=2e-3)
    login(startup)
    page = text(client.get(f"/studies/{study.id}/results"))
    assert f"Planned: {planned} participants. Analysed: 6." in page
    assert (
        f"With 6 participants answering before and after, the pilot had 80 % power to detect a difference of {detectable:.2f} h or more"
        in page.replace("\u00a0", " ")
    )


def test_without_a_stated_sd_the_detectable_effect_is_in_standard_deviations(
    make_study, take_part, client, api_headers, startup
):
    study = make_study("recruiting")
    for hours in (6.5, 7.0, 6.0):
        take_part(study, {"baseline": BASELINE, "follow_up": follow_up(hours)})
    achieved = client.get(f"{API}/studies/{study.id}/results", headers=api_headers(startup)).get_json()["sample_size"]
    assert achieved["planned_total"] == 40 and achieved["planned_per_group"] is None  # the target enrolment
    assert achieved["smallest_detectable"]["unit"] == "sd"
    assert achieved["smallest_detectable"]["value"] == pytest.approx(
        TTestPower().solve_power(nobs=3, alpha=0.05, power=0.8), abs=2e-3
    )
