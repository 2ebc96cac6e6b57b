"""The planned total follows the protocol's allocation ratio (issue 13, item 6; studies/allocation.py): at 1:2
the same power needs more participants in total than at 1:1.

Each pair of groups (the control, first, against another arm with k times its share) is sized with R's own
power formulas with unequal groups, n in the control and k·n in the other, then every arm gets its share of the
largest control n that any comparison needs, each arm rounded up:

- t test (welch; ancova times (1 − ρ²), Borm et al. 2007): power.t.test's noncentral t (two-sided,
  strict = FALSE) with ν = n₀ + n₁ − 2 and ncp = (δ/σ)/√(1/n₀ + 1/n₁), as pwr::pwr.t2n.test;
- two proportions: power.prop.test's normal formula with unequal groups (Fleiss, Levin & Paik 2003, ch. 4, no
  continuity correction): Φ((|p₁ − p₀| − z·√(p̄q̄(1/n₀ + 1/n₁))) / √(p₀q₀/n₀ + p₁q₁/n₁)), p̄ = (n₀p₀ + n₁p₁)/(n₀ + n₁).

At k = 1 both are power.t.test's and power.prop.test's own formulas. Values printed by R 4.2.2 (Debian bookworm),
pwr 1.3-0 (r-cran-pwr):
  uniroot(function(n0) pwr.t2n.test(n1 = n0, n2 = 2 * n0, d = 1)$power - 0.9, c(2, 1e7), tol = 1e-10)$root
    16.42860125 (so 16.43 and 32.86: 17 + 33 = 50, against 23 + 23 = 46 at 1:1; the usual approximation, the 1:1
    total × (1 + k)²/(4k), gives 2 × 22.02110 × 9/8 = 49.54747)
  pwr.t2n.test(n1 = 17, n2 = 34, d = 1)$power  0.909854
  with pp <- function(n0, k, p0, p1, a = 0.05) { n1 <- k * n0; pbar <- (n0 * p0 + n1 * p1) / (n0 + n1)
    pnorm((abs(p1 - p0) - qnorm(a / 2, lower = FALSE) * sqrt(pbar * (1 - pbar) * (1 / n0 + 1 / n1))) /
          sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)) }:
  uniroot(function(n0) pp(n0, 1, .5, .75) - 0.9, c(2, 1e7), tol = 1e-10)$root  76.70692845
    (power.prop.test(p1 = .5, p2 = .75, power = .9)$n: 76.70693011)
  uniroot(function(n0) pp(n0, 2, .5, .75) - 0.9, ...)$root  56.72873078 (and 2 × that = 113.45746155)
  uniroot(function(n0) pp(n0, 0.5, .5, .75) - 0.9, ...)$root  115.50173545 (and 57.75086773)"""

import html
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.power import power_prop_test, power_t_test, unequal_prop_test_n, unequal_t_test_n
from livinglab.demo import food_protocol, food_surveys, populate
from livinglab.extensions import db
from livinglab.studies.sample_size import required

API = "/api/v1"
WELCH = {"method": "welch", "effect": 1, "sd": 1, "power": 0.9, "justification": "Pilot data: sd 1 point."}
PROPORTIONS = {"method": "two_proportions", "p_control": 0.5, "p_intervention": 0.75, "power": 0.9}
ANCOVA = {"method": "ancova", "effect": 1, "sd": 1, "correlation": 0.5, "power": 0.9}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def test_the_t_test_n_at_a_ratio_solves_rs_pwr_t2n_test():
    found = unequal_t_test_n(delta=1, sd=1, power=0.9, ratio=2)
    # pwr.t2n.test adds the lower tail of the two-sided test (≈ 1e-7 here), which power.t.test ignores
    assert found["n"] == pytest.approx(16.42860125, abs=1e-4)
    assert found["n_other"] == pytest.approx(2 * found["n"])
    # at k = 1 it is power.t.test(power = .90, delta = 1): n = 22.02110
    assert unequal_t_test_n(delta=1, sd=1, power=0.9, ratio=1)["n"] == pytest.approx(
        power_t_test(delta=1, power=0.9)["n"], abs=1e-6
    )
    # the t test is symmetric: 2:1 puts the larger group first
    assert unequal_t_test_n(delta=1, sd=1, power=0.9, ratio=0.5)["n"] == pytest.approx(2 * 16.42860125, abs=2e-4)


def test_the_two_proportions_n_at_a_ratio_matches_r_arithmetic():
    assert unequal_prop_test_n(p1=0.5, p2=0.75, power=0.9, ratio=1)["n"] == pytest.approx(76.70693, abs=1e-4)
    assert unequal_prop_test_n(p1=0.5, p2=0.75, power=0.9, ratio=1)["n"] == pytest.approx(
        power_prop_test(p1=0.5, p2=0.75, power=0.9)["n"], abs=1e-6
    )
    assert unequal_prop_test_n(p1=0.5, p2=0.75, power=0.9, ratio=2)["n"] == pytest.approx(56.72873078, abs=1e-4)
    assert unequal_prop_test_n(p1=0.5, p2=0.75, power=0.9, ratio=0.5)["n"] == pytest.approx(115.50173545, abs=1e-4)


@pytest.mark.parametrize(
    "spec, shares, by_group",
    [
        (WELCH, [1, 2], [17, 33]),  # 16.43, 32.86
        (WELCH, [2, 1], [33, 17]),  # the control has the larger share
        (WELCH, [2, 4], [17, 33]),  # 2:4 is 1:2
        (PROPORTIONS, [1, 2], [57, 114]),  # 56.73, 113.46
        (PROPORTIONS, [2, 1], [116, 58]),  # 115.50, 57.75
        (ANCOVA, [1, 2], [13, 25]),  # (1 − 0.5²) × 16.43 = 12.32, × 32.86 = 24.64
        (WELCH, [1, 1, 2], [23, 23, 45]),  # control against the 1:1 arm needs 22.02; the 1:2 arm gets 44.04
    ],
)
def test_the_required_total_follows_the_allocation_ratio(spec, shares, by_group):
    need = required(spec, 0.05, len(shares), shares)
    assert need["by_group"] == by_group
    assert need["total"] == sum(by_group)
    assert need["per_group"] is None
    assert need["ratio"] == [s // math.gcd(*shares) for s in shares]


def test_an_equal_ratio_changes_nothing():
    for shares in (None, [1, 1], [3, 3]):
        need = required(WELCH, 0.05, 2, shares)
        assert (need["per_group"], need["by_group"], need["total"], need["ratio"]) == (23, [23, 23], 46, None)
    assert required(WELCH, 0.05, 3, [1, 1, 1])["total"] == 69


def test_a_paired_design_has_no_allocation_ratio():
    spec = {"method": "paired_t", "effect": 1, "sd": 1, "power": 0.9}
    assert required(spec, 0.05, 1, [1, 2])["total"] == required(spec, 0.05, 1)["total"]


@settings(deadline=None, max_examples=30)
@given(st.floats(0.2, 1.0), st.floats(0.6, 0.95), st.integers(1, 5), st.integers(1, 5))
def test_an_unequal_ratio_never_needs_fewer_participants(effect, power, a, b):
    spec = {"method": "welch", "effect": effect, "sd": 1, "power": power}
    equal, unequal = required(spec, 0.05, 2), required(spec, 0.05, 2, [a, b])
    # the exact n: (n₀ + n₁) at k ≠ 1 against 2n at 1:1; close to the usual inflation (1 + k)²/(4k)
    k = b / a
    n0 = unequal_t_test_n(delta=effect, sd=1, power=power, ratio=k)["n"]
    assert n0 * (1 + k) >= 2 * equal["exact"] - 1e-6
    # (within 5 % from 11 per group up: the inflation is a normal approximation)
    assert n0 * (1 + k) == pytest.approx(2 * equal["exact"] * (1 + k) ** 2 / (4 * k), rel=0.05)
    assert unequal["total"] >= 2 * equal["exact"]
    ratio = [a // math.gcd(a, b), b // math.gcd(a, b)]
    if ratio[0] != ratio[1]:
        assert unequal["exact_by_group"] == [pytest.approx(n0), pytest.approx(k * n0)]
        assert unequal["by_group"] == [math.ceil(n - 1e-9) for n in unequal["exact_by_group"]]


def two_arm_pilot(make_study, status: str, ratio, spec=WELCH):
    study = make_study(status, protocol=food_protocol(target_enrolment=48), survey_defs=food_surveys())
    study.sample_size = {
        name: spec.get(name)
        for name in ("method", "effect", "sd", "correlation", "p_control", "p_intervention", "power", "justification")
    }
    study.allocation = {"ratio": ratio, "age_strata": [], "quotas": {}}
    db.session.commit()
    return study


def test_the_protocol_page_and_the_editor_say_the_total_at_the_ratio(make_study, client, login, startup):
    study = two_arm_pilot(make_study, "draft", [1, 2])
    login(startup)
    page = text(client.get(f"/studies/{study.id}"))
    assert (
        "These assumptions require 50 participants in total at the allocation ratio 1:2 "
        "(17 in Usual menu, 33 in Plant based)" in page
    )
    assert "The target enrolment (48) is 2 participants short of this, before any drop-out." in page
    assert "at this ratio, R's pwr.t2n.test gives this power with n = 16.43, 32.86, each rounded up" in page
    editor = text(client.get(f"/studies/{study.id}/edit"))
    assert "at the allocation ratio 1:2" in editor


def test_at_one_to_one_the_sentence_is_unchanged(make_study, client, login, startup):
    study = two_arm_pilot(make_study, "draft", None)
    login(startup)
    page = text(client.get(f"/studies/{study.id}"))
    assert "These assumptions require 23 participants per group (46 in total)" in page
    assert "allocation ratio" not in page.split("These assumptions require")[1][:200]


def test_the_results_plan_the_total_at_the_ratio(make_study, client, login, api_headers, startup):
    study = two_arm_pilot(make_study, "recruiting", [1, 2])
    populate(study, 12, seed=3)
    db.session.commit()
    achieved = client.get(f"{API}/studies/{study.id}/results", headers=api_headers(startup)).get_json()["sample_size"]
    assert (achieved["planned_total"], achieved["planned_per_group"]) == (50, None)
    login(startup)
    assert "Planned: 50 participants." in text(client.get(f"/studies/{study.id}/results"))


@pytest.mark.parametrize("ratio", [None, [1, 10]])
def test_an_absurdly_large_effect_still_gives_a_page(ratio, make_study, client, login, startup):
    # δ/σ = 1e18: scipy's noncentral t gave NaN (and, at δ/σ = 100, a negative n: "math domain error"), a 500
    study = two_arm_pilot(make_study, "draft", ratio, {"method": "welch", "effect": 1e9, "sd": 1e-9, "power": 0.99})
    login(startup)
    response = client.get(f"/studies/{study.id}")
    assert response.status_code == 200
    assert "These assumptions require" in text(response)
