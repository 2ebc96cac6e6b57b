"""Three or more arms against values printed by R."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from livinglab.analysis.errors import NotTestable
from livinglab.analysis.multiarm import against_control, kruskal_wallis, welch_anova
from livinglab.analysis.two_groups import welch_t
from tests.analysis.reference_data import SLEEP_1, SLEEP_2, printed
from tests.analysis.reference_published import ANOREXIA, MUCOCILIARY


def test_welch_anova_matches_r_documentation():
    # R's ?oneway.test (stats-Ex.Rout.save): oneway.test(extra ~ group, data = sleep):
    # F = 3.4626, num df = 1.000, denom df = 17.776, p-value = 0.0794
    result = welch_anova([SLEEP_1, SLEEP_2])
    assert result["test"] == "welch_anova"
    assert result["method"] == "One-way analysis of means (not assuming equal variances)"
    assert result["statistic"] == printed("3.4626")
    assert result["df"] == [1, printed("17.776")]
    assert result["p_value"] == printed("0.0794")


def test_welch_anova_with_two_arms_is_welch_t_squared():
    # Welch's F for k = 2 is the square of Welch's t, with the same df and p (algebra, by hand)
    result = welch_anova([SLEEP_2, SLEEP_1])
    t = welch_t(SLEEP_2, SLEEP_1)
    assert result["statistic"] == pytest.approx(t["statistic"] ** 2, rel=1e-12)
    assert result["p_value"] == pytest.approx(t["p_value"], rel=1e-9)


def test_welch_anova_three_arms_by_hand():
    # Welch (1951) by hand for the anorexia weight gains: w = n / s²,
    # F = Σw(m − M)² / ((k − 1)(1 + 2(k − 2)·A)),
    # A = Σ(1 − w/Σw)² / (n − 1) / (k² − 1), df2 = 1 / (3A); checked against these formulas with numpy
    gains = [np.subtract(ANOREXIA[a][1], ANOREXIA[a][0]) for a in ("Cont", "CBT", "FT")]
    n = np.array([len(g) for g in gains], float)
    m = np.array([g.mean() for g in gains])
    w = n / np.array([g.var(ddof=1) for g in gains])
    big_m = (w * m).sum() / w.sum()
    a = ((1 - w / w.sum()) ** 2 / (n - 1)).sum() / 8
    f = (w * (m - big_m) ** 2).sum() / (2 * (1 + 2 * a))
    result = welch_anova(gains)
    assert result["statistic"] == pytest.approx(f, rel=1e-12)
    assert result["df"][1] == pytest.approx(1 / (3 * a), rel=1e-12)
    assert result["p_value"] == pytest.approx(stats.f.sf(f, 2, 1 / (3 * a)), rel=1e-9)


def test_kruskal_wallis_matches_r_documentation():
    # R's ?kruskal.test, Hollander & Wolfe (1973) p. 116 (stats-Ex.Rout.save): kruskal.test(list(x, y, z)):
    # Kruskal-Wallis chi-squared = 0.7714, df = 2, p-value = 0.68
    result = kruskal_wallis(MUCOCILIARY)
    assert result["statistic"] == printed("0.7714")
    assert result["df"] == 2
    assert result["p_value"] == printed("0.68")
    assert result["p_value"] == pytest.approx(stats.kruskal(*MUCOCILIARY).pvalue, rel=1e-12)


def test_kruskal_wallis_with_ties_matches_scipy():
    # the tie correction 1 − Σ(t³ − t)/(n³ − n), as R and scipy.stats.kruskal apply it
    groups = [[1, 2, 2, 3], [2, 3, 3, 4, 5], [5, 5, 6]]
    assert kruskal_wallis(groups)["statistic"] == pytest.approx(stats.kruskal(*groups).statistic, rel=1e-12)


def test_each_arm_against_control_is_holm_adjusted():
    samples = {"control": [1.0, 2.0, 3.0, 4.0, 2.5], "a": [3.0, 4.0, 5.0, 6.0, 4.2], "b": [1.5, 2.2, 3.1, 4.4, 2.0]}
    result = against_control(samples)
    pa = welch_t(samples["a"], samples["control"])["p_value"]
    pb = welch_t(samples["b"], samples["control"])["p_value"]
    low, high = sorted([pa, pb])
    # Holm by hand: the smaller p × 2, the larger max(that, p × 1)
    adjusted = {c["arm"]: c["p_adjusted"] for c in result["contrasts"]}
    expected_low, expected_high = min(1, 2 * low), max(min(1, 2 * low), high)
    assert sorted(adjusted.values()) == [pytest.approx(expected_low), pytest.approx(expected_high)]
    assert result["overall"]["welch_anova"]["test"] == "welch_anova"
    assert result["overall"]["kruskal_wallis"]["df"] == 2
    assert result["adjustment"] == "holm"


def test_against_control_reports_a_reason_for_an_arm_it_cannot_test():
    result = against_control({"control": [1.0, 2.0, 3.0], "a": [4.0], "b": [2.0, 5.0, 1.0]})
    untested = result["contrasts"][0]
    assert untested["p_value"] is None and untested["reason"]["code"] == "too_few"
    assert result["overall"]["welch_anova"]["reason"]["code"] == "too_few"
    json.dumps(result, allow_nan=False)


@pytest.mark.parametrize(
    "samples, code",
    [
        ([[1.0, 2.0]], "too_few"),
        ([[1.0, 2.0], [3.0]], "too_few"),
        ([[1.0, 1.0], [3.0, 4.0]], "no_variance"),
    ],
)
def test_welch_anova_declines_with_codes(samples, code):
    with pytest.raises(NotTestable) as refusal:
        welch_anova(samples)
    assert refusal.value.code == code


def test_kruskal_wallis_declines_when_all_values_tie():
    with pytest.raises(NotTestable) as refusal:
        kruskal_wallis([[2, 2], [2, 2, 2]])
    assert refusal.value.code == "no_variance"


arm = st.lists(st.integers(-10, 10).map(float), min_size=2, max_size=15)


@settings(deadline=None, max_examples=60)
@given(st.lists(arm, min_size=3, max_size=4), st.integers(-30, 30), st.randoms())
def test_overall_tests_ignore_arm_order_and_shifts(samples, shift, random):
    try:
        welch = welch_anova(samples)
    except NotTestable:
        assume(False)
    shuffled = samples[:]
    random.shuffle(shuffled)
    moved = [[v + shift for v in s] for s in samples]
    assert welch_anova(shuffled)["statistic"] == pytest.approx(welch["statistic"], rel=1e-9)
    assert welch_anova(moved)["p_value"] == pytest.approx(welch["p_value"], rel=1e-6, abs=1e-12)
    kw = kruskal_wallis(samples)
    assert kruskal_wallis(shuffled)["statistic"] == pytest.approx(kw["statistic"], rel=1e-9, abs=1e-12)
    assert kruskal_wallis(moved)["statistic"] == pytest.approx(kw["statistic"], rel=1e-9, abs=1e-12)
    assert 0 <= welch["p_value"] <= 1 and 0 <= kw["p_value"] <= 1
    json.dumps(against_control({str(i): s for i, s in enumerate(samples)}), allow_nan=False)
