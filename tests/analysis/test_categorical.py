"""Chi-square (with Yates on 2 × 2) and Fisher's exact test against values printed by R."""

import itertools
from math import exp, lgamma, log

import numpy as np
import pytest
from scipy import stats

from livinglab.analysis import fisher
from livinglab.analysis.categorical import chi_square, contingency_test
from livinglab.analysis.errors import NotTestable
from tests.analysis.reference_data import printed


def test_yates_correction_on_two_by_two_matches_r():
    # rstudio-pubs-static.s3.amazonaws.com/1217934_f757e3bac4324a4495432b02d533258d.html:
    # dt <- matrix(c(45, 5, 15, 15), nrow = 2, byrow = T); chisq.test(dt)$p.value = 0.0001889622
    result = contingency_test([[45, 5], [15, 15]])
    assert result["test"] == "chi_square"
    assert result["method"] == "Pearson's Chi-squared test with Yates' continuity correction"
    assert result["p_value"] == printed("0.0001889622")
    assert result["df"] == 1
    assert result["statistic"] == pytest.approx(stats.chi2_contingency([[45, 5], [15, 15]]).statistic)


def test_no_yates_correction_beyond_two_by_two():
    # statology.org, "Chi-Square Test of Independence in R": matrix(c(120, 90, 40, 110, 95, 45),
    # ncol = 3, byrow = TRUE); chisq.test(data): X-squared = 0.86404, df = 2, p-value = 0.6492
    result = contingency_test([[120, 90, 40], [110, 95, 45]])
    assert result["method"] == "Pearson's Chi-squared test"
    assert result["statistic"] == printed("0.86404")
    assert result["p_value"] == printed("0.6492")


def test_fisher_runs_when_an_expected_count_is_below_five_tea_tasting():
    # R's ?fisher.test, Agresti (1990) tea tasting: TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2);
    # fisher.test(TeaTasting, alternative = "greater"): p = 0.2429; the two-sided p is 0.4857
    result = contingency_test([[3, 1], [1, 3]])
    assert result["test"] == "fisher_exact"
    assert result["method"] == "Fisher's Exact Test for Count Data"
    assert result["p_value"] == printed("0.4857")
    assert result["p_value"] == pytest.approx(stats.fisher_exact([[3, 1], [1, 3]]).pvalue)


def test_fisher_on_a_larger_table_matches_r_documentation():
    # R's ?fisher.test, Agresti (2002) p. 57, job satisfaction by income:
    # Job <- matrix(c(1,2,1,0, 3,3,6,1, 10,10,14,9, 6,7,12,11), 4, 4); fisher.test(Job)  # 0.7827
    job = np.array([1, 2, 1, 0, 3, 3, 6, 1, 10, 10, 14, 9, 6, 7, 12, 11]).reshape(4, 4).T
    assert fisher.fisher_exact(job) == printed("0.7827")


def _brute_force(table) -> float:
    """Every table with the same margins, enumerated naively; R's tolerance for equal probabilities."""
    table = np.asarray(table)
    rows, cols, n = table.sum(axis=1), table.sum(axis=0), table.sum()

    def log_p(t):
        return sum(lgamma(v + 1) for v in [*rows, *cols]) - lgamma(n + 1) - sum(lgamma(v + 1) for v in t.ravel())

    observed, total = log_p(table), 0.0
    for cells in itertools.product(*[range(min(r, c) + 1) for r in rows[:-1] for c in cols]):
        head = np.array(cells).reshape(len(rows) - 1, len(cols))
        last = cols - head.sum(axis=0)
        candidate = np.vstack([head, last])
        if (last >= 0).all() and (candidate.sum(axis=1) == rows).all():
            if log_p(candidate) <= observed + log(1 + 1e-7):
                total += exp(log_p(candidate))
    return total


@pytest.mark.parametrize(
    "table",
    [
        [[2, 0, 1], [0, 3, 1]],
        [[1, 2], [3, 0], [2, 2]],
        [[3, 0, 0, 1], [0, 2, 2, 0]],
        [[1, 1, 2], [2, 0, 1], [0, 3, 1]],
        [[5, 0], [0, 5]],
        [[2, 2, 2], [2, 2, 2]],
    ],
)
def test_fisher_agrees_with_brute_force_enumeration(table):
    assert fisher.fisher_exact(table) == pytest.approx(_brute_force(table), rel=1e-9)


def test_fisher_too_large_falls_back_on_chi_square_with_a_warning(monkeypatch):
    monkeypatch.setattr(fisher, "MAX_TABLES", 10)
    result = contingency_test([[20, 15, 3, 40], [21, 14, 2, 45]])
    assert result["test"] == "chi_square"
    # some expected counts are below 5, but the table is too large for Fisher's exact test
    assert result["warnings"] == [{"code": "approximation", "expected_min": pytest.approx(2.4375)}]


def test_empty_rows_and_columns_are_dropped_before_testing():
    assert contingency_test([[3, 0, 1], [1, 0, 3], [0, 0, 0]])["p_value"] == pytest.approx(
        contingency_test([[3, 1], [1, 3]])["p_value"]
    )


@pytest.mark.parametrize(
    "table, reason",
    [
        ([[3, 1], [0, 0]], {"code": "too_few_arms_answered"}),  # fewer than two arms have answers
        ([[3, 0], [4, 0]], {"code": "same_answer"}),  # everyone gave the same answer
    ],
)
def test_contingency_declines_with_a_reason(table, reason):
    with pytest.raises(NotTestable) as refusal:
        contingency_test(table)
    assert refusal.value.reason == reason


def test_chi_square_yates_never_overcorrects():
    # R caps the correction at |O − E|: a table equal to its expectation gives 0, not a negative gap
    assert chi_square([[5, 5], [5, 5]])["statistic"] == 0
