"""Welch t, Hedges' g and Mann–Whitney against values printed by R."""

import statistics

import pytest
from scipy import stats

from livinglab.analysis.errors import NotTestable
from livinglab.analysis.two_groups import hedges_g, mann_whitney, welch_t
from tests.analysis.reference_data import MPG_AUTOMATIC, MPG_MANUAL, SLEEP_1, SLEEP_2, printed


def test_welch_matches_r_on_sleep():
    # R: t.test(extra ~ group, data = sleep) (Welch by default; group 1 first):
    # t = -1.8608, df = 17.776, p-value = 0.07939, 95 % CI -3.3654832 0.2054832
    result = welch_t(SLEEP_1, SLEEP_2)
    assert result["statistic"] == printed("-1.8608")
    assert result["df"] == printed("17.776")
    assert result["p_value"] == printed("0.07939")
    assert result["ci95"] == [printed("-3.3654832"), printed("0.2054832")]
    assert result["estimate"] == pytest.approx(-1.58)
    assert result["method"] == "Welch Two Sample t-test"
    assert result["p_value"] == pytest.approx(stats.ttest_ind(SLEEP_1, SLEEP_2, equal_var=False).pvalue)


def test_welch_matches_r_on_mtcars():
    # R: t.test(mpg ~ am, data = mtcars), printed in rstudio-pubs-static.s3.amazonaws.com/
    # 1153739_a5fe0fd14dbd4ee1b282076152a7d495.html: t = -3.7671, df = 18.332, p-value = 0.001374,
    # 95 % CI -11.280194 -3.209684, means 17.14737 and 24.39231
    result = welch_t(MPG_AUTOMATIC, MPG_MANUAL)
    assert result["statistic"] == printed("-3.7671")
    assert result["df"] == printed("18.332")
    assert result["p_value"] == printed("0.001374")
    assert result["ci95"] == [printed("-11.280194"), printed("-3.209684")]


def test_welch_matches_r_documentation_example():
    # R's ?t.test: t.test(1:10, y = c(7:20))  # P = .00001855
    result = welch_t(range(1, 11), range(7, 21))
    assert result["p_value"] == printed("0.00001855")


def test_hedges_g_follows_the_api_definition():
    # by hand, ../shared/API.md: (mean difference / pooled sd) × (1 − 3 / (4(n1 + n2) − 9))
    pooled = ((9 * statistics.variance(SLEEP_2) + 9 * statistics.variance(SLEEP_1)) / 18) ** 0.5
    expected = (statistics.mean(SLEEP_2) - statistics.mean(SLEEP_1)) / pooled * (1 - 3 / 71)
    assert hedges_g(SLEEP_2, SLEEP_1) == pytest.approx(expected, rel=1e-12)
    assert welch_t(SLEEP_2, SLEEP_1)["effect_size"] == {"name": "hedges_g", "value": pytest.approx(0.7970185)}


def test_mann_whitney_with_ties_matches_r_on_sleep():
    # R: wilcox.test(extra ~ group, data = sleep): W = 25.5, p-value = 0.06933 (ties: corrected normal)
    result = mann_whitney(SLEEP_1, SLEEP_2)
    assert result["statistic"] == 25.5
    assert result["p_value"] == printed("0.06933")
    assert result["method"] == "Wilcoxon rank sum test with continuity correction"


def test_mann_whitney_statistic_is_u_of_the_first_sample():
    swapped = mann_whitney(SLEEP_2, SLEEP_1)
    assert swapped["statistic"] == 10 * 10 - 25.5
    assert swapped["p_value"] == pytest.approx(mann_whitney(SLEEP_1, SLEEP_2)["p_value"])


def test_mann_whitney_matches_r_on_mtcars():
    # R: wilcox.test(mpg ~ am, data = mtcars)$p.value = 0.001871391 (stats.stackexchange.com/q/290830);
    # W = 42
    result = mann_whitney(MPG_AUTOMATIC, MPG_MANUAL)
    assert result["statistic"] == 42
    assert result["p_value"] == printed("0.001871391")


@pytest.mark.parametrize(
    "y, w, p",
    [
        ([12, 15, 5, 9, 9, 14, 56, 22, 3, 7, 32, 5], 51.5, "0.5966"),
        ([1233, 4356, 987, 39999, 1111, 200000], 0, "0.001364"),
    ],
)
def test_mann_whitney_ties_match_r(y, w, p):
    # endmemo.com/r/wilcoxon.php: x <- c(1,5,9,24,56,21,3,7,21,4); wilcox.test(x, y):
    # "Wilcoxon rank sum test with continuity correction", W = 51.5, p-value = 0.5966;
    # and W = 0, p-value = 0.001364 for the second y (x has a tie, so no exact p)
    result = mann_whitney([1, 5, 9, 24, 56, 21, 3, 7, 21, 4], y)
    assert result["statistic"] == w
    assert result["p_value"] == printed(p)


def test_mann_whitney_exact_without_ties_matches_r_documentation():
    # R's ?wilcox.test, Hollander & Wolfe (1973) p. 69, permeability constants:
    # wilcox.test(x, y, alternative = "g"): W = 35, p-value = 0.1272; two-sided exact p is twice that
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    result = mann_whitney(x, y)
    assert result["statistic"] == 35
    assert result["p_value"] / 2 == printed("0.1272")
    assert result["method"] == "Wilcoxon rank sum exact test"
    assert result["p_value"] == pytest.approx(stats.mannwhitneyu(x, y, method="exact").pvalue)


def test_mann_whitney_exact_on_tiny_samples():
    # 2 against 2, no ties: U of x = 4 is the most extreme of C(4, 2) = 6 arrangements, p = 2/6
    result = mann_whitney([3, 4], [1, 2])
    assert (result["statistic"], result["exact"]) == (4, True)
    assert result["p_value"] == pytest.approx(1 / 3)


def test_mann_whitney_switches_to_normal_at_50():
    small = mann_whitney(range(49), range(100, 149))
    large = mann_whitney(range(50), range(100, 150))
    assert small["exact"] and not large["exact"]


@pytest.mark.parametrize(
    "x, y, reason",
    [
        ([1.0], [2.0, 3.0], {"code": "too_few_per_arm", "arm_n": 1, "control_n": 2, "minimum": 2}),
        ([], [2.0, 3.0], {"code": "too_few_per_arm", "arm_n": 0, "control_n": 2, "minimum": 2}),
        ([5, 5, 5], [5, 5], {"code": "all_equal_in_arms"}),  # sd 0: no variance to test against
    ],
)
def test_welch_declines_with_a_reason(x, y, reason):
    with pytest.raises(NotTestable) as refusal:
        welch_t(x, y)
    assert refusal.value.reason == reason


def test_welch_runs_when_only_one_arm_has_no_spread():
    # R too: the standard error comes from the other arm alone
    result = welch_t([5, 5, 5], [4, 6, 7])
    assert result["df"] == pytest.approx(2)


def test_mann_whitney_declines_when_everything_is_equal():
    with pytest.raises(NotTestable) as refusal:
        mann_whitney([5, 5, 5], [5, 5])
    assert refusal.value.reason == {"code": "all_equal_in_arms"}
    with pytest.raises(NotTestable) as refusal:
        mann_whitney([], [5, 5])
    assert refusal.value.reason == {"code": "empty_group", "arm_n": 0, "control_n": 2}
