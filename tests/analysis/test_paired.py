"""Paired t and Wilcoxon signed-rank against values printed by R."""

import pytest
from scipy import stats

from livinglab.analysis.errors import NotTestable
from livinglab.analysis.paired import paired_t, signed_rank
from tests.analysis.reference_data import SLEEP_1, SLEEP_2, printed


def test_paired_t_matches_r_on_sleep():
    # R: with(sleep, t.test(extra[group == 2], extra[group == 1], paired = TRUE))
    # t = 4.0621, df = 9, p-value = 0.002833, 95 % CI 0.7001142 2.4598858, mean difference 1.58
    result = paired_t(SLEEP_2, SLEEP_1)
    assert result["statistic"] == printed("4.0621")
    assert result["df"] == 9
    assert result["p_value"] == printed("0.002833")
    assert result["ci95"] == [printed("0.7001142"), printed("2.4598858")]
    assert result["estimate"] == pytest.approx(1.58)
    assert result["method"] == "Paired t-test"
    assert result["p_value"] == pytest.approx(stats.ttest_rel(SLEEP_2, SLEEP_1).pvalue)


def test_cohens_dz_is_mean_over_sd_of_differences():
    # by hand: differences 1.2 2.4 1.3 1.3 0 1 1.8 0.8 4.6 1.4, mean 1.58, sd 1.229995 (R: sd(d))
    result = paired_t(SLEEP_2, SLEEP_1)
    assert result["effect_size"] == {"name": "cohens_dz", "value": pytest.approx(1.58 / 1.229995, rel=1e-6)}


def test_signed_rank_with_ties_and_a_zero_uses_corrected_normal_approximation():
    # R: with(sleep, wilcox.test(extra[group == 2], extra[group == 1], paired = TRUE))
    # "Wilcoxon signed rank test with continuity correction", V = 45, p-value = 0.009091
    result = signed_rank(SLEEP_2, SLEEP_1)
    assert result["statistic"] == 45
    assert result["p_value"] == printed("0.009091")
    assert result["method"] == "Wilcoxon signed rank test with continuity correction"
    assert (result["exact"], result["zeros_dropped"], result["n"]) == (False, 1, 9)


def test_signed_rank_statistic_is_the_positive_rank_sum_of_x_minus_y():
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) works on group 1 − group 2: V = 0
    reverse = signed_rank(SLEEP_1, SLEEP_2)
    assert reverse["statistic"] == 0
    assert reverse["p_value"] == pytest.approx(signed_rank(SLEEP_2, SLEEP_1)["p_value"])


def test_signed_rank_exact_without_ties_matches_r_documentation():
    # R's ?wilcox.test, Hollander & Wolfe (1973) p. 29, Hamilton depression scale:
    # wilcox.test(x, y, paired = TRUE, alternative = "greater"): V = 40, p-value = 0.01953,
    # so the two-sided exact p (symmetric null distribution) is 2 × 0.01953 = 0.03906
    x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    result = signed_rank(x, y)
    assert result["statistic"] == 40
    assert result["p_value"] == pytest.approx(0.0390625)  # 20 of the 512 sign patterns
    assert result["method"] == "Wilcoxon signed rank exact test"
    assert result["p_value"] == pytest.approx(stats.wilcoxon(x, y, method="exact").pvalue)


def test_signed_rank_with_many_ties_and_zeros():
    # stats.stackexchange.com/q/514618 (BruceET): d = x1 − x2, four zeros and many ties;
    # R: wilcox.test(d): V = 99.5, p-value = 0.01842
    x1 = [5, 6, 3, 3, 4, 2, 5, 3, 4, 3, 4, 5, 3, 2, 2, 5, 4, 1, 3]
    x2 = [4, 5, 3, 2, 2, 1, 4, 5, 4, 2, 2, 4, 2, 1, 3, 5, 3, 1, 2]
    result = signed_rank(x1, x2)
    assert result["statistic"] == 99.5
    assert result["p_value"] == printed("0.01842")
    assert result["zeros_dropped"] == 4


def test_signed_rank_tiny_sample_with_a_zero():
    # stats.stackexchange.com/q/510275 (BruceET): q1 = c(6, 19.5, 5.1, 4.7, 10.6),
    # q4 = c(6, 5, 2.5, 2.1, 5.4); R: wilcox.test(q1, q4, pair = T): V = 10, p-value = 0.1003
    # (a zero difference, so no exact p even with 4 pairs left)
    result = signed_rank([6, 19.5, 5.1, 4.7, 10.6], [6, 5, 2.5, 2.1, 5.4])
    assert result["statistic"] == 10
    assert result["p_value"] == printed("0.1003")
    assert not result["exact"]


def test_incomplete_pairs_are_dropped_as_r_does():
    full = paired_t(SLEEP_2, SLEEP_1)
    with_gap = paired_t(SLEEP_2 + [float("nan"), 3.0], SLEEP_1 + [1.0, float("nan")])
    assert with_gap["p_value"] == pytest.approx(full["p_value"])


@pytest.mark.parametrize(
    "x, y, reason",
    [
        ([], [], {"code": "too_few_pairs", "n": 0, "minimum": 2}),
        ([1.0], [2.0], {"code": "too_few_pairs", "n": 1, "minimum": 2}),
        ([3, 4, 5], [3, 4, 5], {"code": "no_change"}),  # all differences are zero: no variance
        ([4, 5, 6], [3, 4, 5], {"code": "constant_change"}),  # all differences are equal (sd 0)
    ],
)
def test_paired_t_declines_with_a_reason(x, y, reason):
    with pytest.raises(NotTestable) as refusal:
        paired_t(x, y)
    assert refusal.value.reason == reason


def test_signed_rank_declines_when_every_difference_is_zero():
    with pytest.raises(NotTestable) as refusal:
        signed_rank([3, 4, 5], [3, 4, 5])
    assert refusal.value.reason == {"code": "no_change"}  # all differences are zero


def test_signed_rank_still_runs_when_all_differences_are_equal():
    # sd 0 stops the t test, but ranks still say every pair moved up
    result = signed_rank([4, 5, 6, 7, 8, 9], [3, 4, 5, 6, 7, 8])
    assert result["statistic"] == 21
    assert 0 < result["p_value"] < 0.05
