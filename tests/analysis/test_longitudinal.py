"""Mixed models over three or more timepoints and Friedman's test, against nlme's and R's printed output."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from livinglab.analysis.errors import NotTestable
from livinglab.analysis.longitudinal import friedman, mixed_model_arm_time, mixed_model_time
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import ERGO_STOOL, ROUNDING_TIMES

TYPES = ["T1", "T2", "T3", "T4"]


def _long(matrix, names):
    values, participant, timepoint = [], [], []
    for i, row in enumerate(matrix):
        for name, v in zip(names, row, strict=True):
            values.append(v)
            participant.append(f"S{i + 1}")
            timepoint.append(name)
    return values, participant, timepoint


def test_mixed_model_matches_nlme_on_ergo_stool():
    # Pinheiro & Bates (2000) §1.2, nlme: options(contrasts = c(factor = "contr.treatment", ...));
    # fm2Stool <- lme(effort ~ Type, data = ergoStool, random = ~ 1 | Subject); summary(fm2Stool), printed in
    # a public R-markdown transcript of the book's chapter 1 ("Mixed Effect", ME.md):
    #   StdDev: (Intercept) 1.332465, Residual 1.100295
    #   TypeT2 3.888889 0.5186838 24 7.497610 0.0000
    #   TypeT3 2.222222 0.5186838 24 4.284348 0.0003
    #   TypeT4 0.666667 0.5186838 24 1.285304 0.2110
    result = mixed_model_time(*_long(ERGO_STOOL, TYPES), timepoints=TYPES)
    assert result["random_intercept_sd"] == printed("1.332465")
    assert result["residual_sd"] == printed("1.100295")
    t2, t3, t4 = result["contrasts"]
    assert [c["timepoint"] for c in (t2, t3, t4)] == ["T2", "T3", "T4"]
    for contrast, estimate, t, p in (
        (t2, "3.888889", "7.497610", None),
        (t3, "2.222222", "4.284348", "0.0003"),
        (t4, "0.666667", "1.285304", "0.2110"),
    ):
        assert contrast["estimate"] == printed(estimate)
        assert contrast["se"] == printed("0.5186838")
        assert contrast["df"] == 24
        assert contrast["statistic"] == printed(t)
        if p:
            assert contrast["p_value"] == printed(p)
    assert t2["p_value"] < 0.00005  # printed 0.0000
    assert result["n_participants"] == 9 and result["n_observations"] == 36 and result["warnings"] == []


def test_mixed_model_intervals_are_nlme_intervals():
    # nlme's intervals(): estimate ± qt(0.975, 24) × se (here from the printed 3.888889 and 0.5186838)
    result = mixed_model_time(*_long(ERGO_STOOL, TYPES), timepoints=TYPES)
    q = stats.t.ppf(0.975, 24)
    assert result["contrasts"][0]["ci95"] == [
        pytest.approx(3.888889 - q * 0.5186838, abs=1e-6),
        pytest.approx(3.888889 + q * 0.5186838, abs=1e-6),
    ]


def test_balanced_mixed_model_equals_the_repeated_measures_anova():
    # by hand: complete balanced data, positive subject variance: estimate = difference of means and
    # se = √(2·MSE / n), MSE the residual mean square of the two-way ANOVA (subject + time)
    y = np.array(ROUNDING_TIMES)
    n, k = y.shape
    residual = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0) + y.mean()
    mse = (residual**2).sum() / ((n - 1) * (k - 1))
    result = mixed_model_time(*_long(ROUNDING_TIMES, ["a", "b", "c"]), timepoints=["a", "b", "c"])
    for contrast, column in zip(result["contrasts"], (1, 2), strict=True):
        assert contrast["estimate"] == pytest.approx(y[:, column].mean() - y[:, 0].mean(), abs=1e-9)
        assert contrast["se"] == pytest.approx(np.sqrt(2 * mse / n), rel=1e-5)
        assert contrast["df"] == n * k - n - (k - 1)


def test_friedman_matches_r_documentation():
    # R's ?friedman.test (stats-Ex.Rout.save): friedman.test(RoundingTimes):
    # Friedman chi-squared = 11.1429, df = 2, p-value = 0.003805
    result = friedman(ROUNDING_TIMES)
    assert result["statistic"] == printed("11.1429")
    assert result["df"] == 2
    assert result["p_value"] == printed("0.003805")


def test_friedman_two_columns_matches_r_documentation():
    # R's ?friedman.test: wb <- aggregate(warpbreaks$breaks, by = list(w = wool, t = tension), FUN = mean):
    # friedman.test(x ~ w | t, data = wb): Friedman chi-squared = 0.3333, df = 1, p-value = 0.5637
    wb = [[44.55556, 28.22222], [24.00000, 28.77778], [24.55556, 18.77778]]
    result = friedman(wb)
    assert result["statistic"] == printed("0.3333")
    assert result["p_value"] == printed("0.5637")


def test_friedman_uses_complete_cases_only():
    rows = ROUNDING_TIMES + [[5.0, None, 5.1], [np.nan, 4.0, 4.1]]
    assert friedman(np.array(rows, dtype=float))["n"] == 22


def test_arm_by_time_interaction_is_the_difference_in_change():
    # balanced, complete data: the arm × time interaction estimate is the difference between the arms'
    # mean changes from baseline (by hand), and its df follow nlme's rule N − participants − within columns
    rng = np.random.default_rng(3)
    n, times = 12, ["t0", "t1", "t2"]
    values, participant, timepoint, arm = [], [], [], []
    for i in range(2 * n):
        level = rng.normal()
        for j, tp in enumerate(times):
            values.append(level + j * (0.5 if i < n else 1.5) + rng.normal(scale=0.5))
            participant.append(i)
            timepoint.append(tp)
            arm.append("control" if i < n else "app")
    result = mixed_model_arm_time(values, participant, timepoint, arm, times, ["control", "app"])
    y = np.array(values).reshape(2 * n, 3)
    for interaction, column in zip(result["interactions"], (1, 2), strict=True):
        change = y[:, column] - y[:, 0]
        assert interaction["estimate"] == pytest.approx(change[n:].mean() - change[:n].mean(), abs=1e-8)
        assert interaction["df"] == 6 * n - 2 * n - 4
    assert result["arm_at_baseline"][0]["df"] == 2 * n - 2
    json.dumps(result, allow_nan=False)


@pytest.mark.parametrize(
    "values, participant, timepoint, code",
    [
        ([1.0, 2.0], ["a", "a"], ["t0", "t1"], "too_few"),
        ([1.0, 2.0, 3.0], ["a", "b", "c"], ["t0", "t0", "t0"], "too_few"),
        ([2.0] * 6, ["a", "a", "b", "b", "c", "c"], ["t0", "t1"] * 3, "no_variance"),
    ],
)
def test_mixed_model_declines_with_codes(values, participant, timepoint, code):
    with pytest.raises(NotTestable) as refusal:
        mixed_model_time(values, participant, timepoint, ["t0", "t1"])
    assert refusal.value.code == code


def test_friedman_declines_without_complete_cases():
    with pytest.raises(NotTestable) as refusal:
        friedman([[1.0, None], [None, 2.0]])
    assert refusal.value.code == "too_few"


def test_friedman_declines_a_single_timepoint_saying_how_many_it_had():
    with pytest.raises(NotTestable) as refusal:  # a NameError before: the reason named an unknown variable
        friedman([[1.0], [2.0], [3.0]])
    assert refusal.value.reason == {"code": "too_few", "what": "timepoints", "n": 1, "minimum": 2}


row = st.lists(st.integers(0, 10).map(float), min_size=3, max_size=3)


@settings(deadline=None, max_examples=12)
@given(st.lists(row, min_size=4, max_size=8), st.lists(st.integers(-20, 20), min_size=8, max_size=8))
def test_mixed_model_ignores_each_participants_level(matrix, shifts):
    # a constant added to all of one participant's values is absorbed by the random intercept: with complete,
    # balanced data the time effects do not move (they are within-participant differences)
    y = np.array(matrix)
    assume(np.ptp(y - y.mean(axis=1, keepdims=True)) > 0)
    shifted = y + np.array(shifts[: len(y)], dtype=float)[:, None]
    try:
        plain = mixed_model_time(*_long(y, ["a", "b", "c"]), timepoints=["a", "b", "c"])
    except NotTestable:
        assume(False)
    moved = mixed_model_time(*_long(shifted, ["a", "b", "c"]), timepoints=["a", "b", "c"])
    for p, m in zip(plain["contrasts"], moved["contrasts"], strict=True):
        assert m["estimate"] == pytest.approx(p["estimate"], abs=1e-6)
        assert p["ci95"][0] <= p["estimate"] <= p["ci95"][1]
        assert 0 <= p["p_value"] <= 1
    json.dumps(plain, allow_nan=False)
    f = friedman(y)
    assert 0 <= f["p_value"] <= 1


def test_statsmodels_engine_matches_nlme_on_ergo_stool():
    # the same nlme fm2Stool output, fitted by statsmodels' MixedLM (REML, BFGS with a tight gradient tolerance)
    result = mixed_model_time(*_long(ERGO_STOOL, TYPES), timepoints=TYPES, engine="statsmodels")
    assert result["engine"] == "statsmodels"
    assert result["random_intercept_sd"] == printed("1.332465")
    assert result["residual_sd"] == printed("1.100295")
    assert [c["se"] for c in result["contrasts"]] == [printed("0.5186838")] * 3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_profile_engine_agrees_with_statsmodels_mixedlm_on_unbalanced_data(seed):
    # unbalanced: participants miss visits at random and arms differ in size; both engines maximise the
    # same REML likelihood, so they agree to MixedLM's optimiser tolerance
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(40):
        arm = "control" if i % 3 else "app"
        level = rng.normal(0, 2)
        for j, tp in enumerate(["t0", "t1", "t2"]):
            if j and rng.random() < 0.25:
                continue
            rows.append((level + j * (0.4 if arm == "app" else 0.1) + rng.normal(), i, tp, arm))
    values, participant, timepoint, arm = (list(c) for c in zip(*rows, strict=True))
    for fit in (mixed_model_time, mixed_model_arm_time):
        args = (values, participant, timepoint) + (
            (arm, ["t0", "t1", "t2"], ["control", "app"]) if fit is mixed_model_arm_time else (["t0", "t1", "t2"],)
        )
        fast, slow = fit(*args), fit(*args, engine="statsmodels")
        assert fast["random_intercept_sd"] == pytest.approx(slow["random_intercept_sd"], rel=1e-4)
        assert fast["residual_sd"] == pytest.approx(slow["residual_sd"], rel=1e-4)
        key = "contrasts" if fit is mixed_model_time else "interactions"
        for a, b in zip(fast[key], slow[key], strict=True):
            assert a["estimate"] == pytest.approx(b["estimate"], abs=1e-5)
            assert a["se"] == pytest.approx(b["se"], rel=1e-4)
            assert a["df"] == b["df"]


def test_friedman_tie_correction_by_hand():
    # rows (1, 1, 2), (2, 2, 2), (3, 1, 1): ranks (1.5, 1.5, 3), (2, 2, 2), (3, 1.5, 1.5); column sums 6.5, 5, 6.5
    # against n(k + 1)/2 = 6: 12 × 1.5 = 18; ties Σ(t³ − t) = 6 + 24 + 6 = 36, denominator 3·3·4 − 36/2 = 18
    result = friedman([[1, 1, 2], [2, 2, 2], [3, 1, 1]])
    assert result["statistic"] == pytest.approx(1.0)
    assert result["p_value"] == pytest.approx(stats.chi2.sf(1.0, 2))
