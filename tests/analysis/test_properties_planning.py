"""Issue 13, item 10: a property test per method, for those an audit found without one: power.prop.test,
the ANCOVA sample size and the attrition test. (The 3-arm Welch ANOVA and Kruskal-Wallis have theirs in
test_multiarm.py: test_overall_tests_ignore_arm_order_and_shifts, 3 or 4 arms permuted and shifted.)"""

import json
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from livinglab.analysis.missing import attrition
from livinglab.analysis.power import ancova_sample_size, power_prop_test, power_t_test

proportions = st.floats(0.05, 0.95)
powers = st.floats(0.5, 0.95)


@settings(deadline=None, max_examples=40)
@given(proportions, proportions, powers)
def test_power_prop_test_is_symmetric_in_p1_and_p2(p1, p2, power):
    assume(abs(p1 - p2) >= 0.05)
    n = power_prop_test(p1=p1, p2=p2, power=power)["n"]
    assert power_prop_test(p1=p2, p2=p1, power=power)["n"] == pytest.approx(n, rel=1e-6)
    assert power_prop_test(n=n, p1=p2, p2=p1)["power"] == pytest.approx(power_prop_test(n=n, p1=p1, p2=p2)["power"])


@settings(deadline=None, max_examples=40)
@given(proportions, proportions, powers)
def test_power_prop_test_round_trips_and_power_grows_with_n(p1, p2, power):
    assume(abs(p1 - p2) >= 0.05)
    n = power_prop_test(p1=p1, p2=p2, power=power)["n"]
    # n → power → n: uniroot stops within ~1.2e-4 of the root
    assert power_prop_test(n=n, p1=p1, p2=p2)["power"] == pytest.approx(power, abs=1e-4)
    powers_by_n = [power_prop_test(n=n * f, p1=p1, p2=p2)["power"] for f in (0.5, 1, 1.5, 3)]
    assert powers_by_n == sorted(powers_by_n) and len(set(powers_by_n)) == 4
    assert power_prop_test(p1=p1, p2=p2, power=power + 0.04)["n"] > n


@settings(deadline=None, max_examples=40)
@given(st.floats(0.1, 3.0), st.floats(0.2, 5.0), st.floats(-0.95, 0.95), powers)
def test_ancova_needs_welchs_n_times_one_minus_rho_squared(delta, sd, rho, power):
    welch = power_t_test(delta=delta, sd=sd, power=power)["n"]
    ancova = ancova_sample_size(delta=delta, sd=sd, rho=rho, power=power)
    # Borm et al. (2007): the two-sample t test's n times (1 − ρ²), never more than it, the same at ρ = 0
    assert ancova["n"] == pytest.approx(welch * (1 - rho * rho), rel=1e-9)
    assert ancova["n"] <= welch
    assert ancova["n_per_arm"] == math.ceil(ancova["n"])
    assert ancova["n_per_arm"] <= math.ceil(welch)
    # the sign of ρ does not matter; a stronger correlation never needs more
    assert ancova_sample_size(delta=delta, sd=sd, rho=-rho, power=power)["n"] == pytest.approx(ancova["n"])
    stronger = min(0.99, abs(rho) + 0.02)
    assert ancova_sample_size(delta=delta, sd=sd, rho=stronger, power=power)["n"] < ancova["n"]


def test_ancova_refuses_a_correlation_of_one():
    with pytest.raises(ValueError):
        ancova_sample_size(delta=1, sd=1, rho=1.0)


arms = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=2, max_size=4)


@settings(deadline=None, max_examples=60)
@given(arms, st.randoms())
def test_attrition_counts_add_up_and_arm_order_does_not_change_the_test(counts, random):
    randomised = {f"arm{i}": done + lost for i, (done, lost) in enumerate(counts)}
    completed = {f"arm{i}": done for i, (done, _lost) in enumerate(counts)}
    result = attrition(randomised, completed)
    for name, entry in result["by_arm"].items():
        assert entry["lost"] + entry["completed"] == entry["randomised"] == randomised[name]
        if entry["randomised"]:
            assert entry["proportion_lost"] == pytest.approx(entry["lost"] / entry["randomised"])
            assert entry["ci95"][0] <= entry["proportion_lost"] <= entry["ci95"][1]
        else:
            assert entry["proportion_lost"] is None
    names = list(randomised)
    random.shuffle(names)
    swapped = attrition({a: randomised[a] for a in names}, {a: completed[a] for a in names})
    assert swapped["by_arm"] == result["by_arm"]
    assert (swapped["test"]["p_value"] is None) == (result["test"]["p_value"] is None)
    if result["test"]["p_value"] is not None:
        assert swapped["test"]["p_value"] == pytest.approx(result["test"]["p_value"], rel=1e-9, abs=1e-12)
        assert swapped["test"]["test"] == result["test"]["test"]
        if result["test"].get("statistic") is not None:  # chi-square; Fisher's exact test has none
            assert swapped["test"]["statistic"] == pytest.approx(result["test"]["statistic"], rel=1e-9)
        assert 0 <= result["test"]["p_value"] <= 1
    json.dumps(result, allow_nan=False)


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 60), st.integers(0, 60), st.integers(1, 60), st.integers(0, 60))
def test_attrition_test_does_not_care_which_of_two_arms_comes_first(n_a, lost_a, n_b, lost_b):
    lost_a, lost_b = min(lost_a, n_a), min(lost_b, n_b)
    forward = attrition({"a": n_a, "b": n_b}, {"a": n_a - lost_a, "b": n_b - lost_b})
    backward = attrition({"b": n_b, "a": n_a}, {"b": n_b - lost_b, "a": n_a - lost_a})
    if forward["test"]["p_value"] is None:  # nobody lost, or everybody: nothing to compare
        assert backward["test"]["p_value"] is None
        assert backward["test"]["reason"]["code"] == forward["test"]["reason"]["code"] == "no_variance"
    else:
        assert backward["test"]["p_value"] == pytest.approx(forward["test"]["p_value"], rel=1e-9, abs=1e-12)
        assert backward["test"]["test"] == forward["test"]["test"]
