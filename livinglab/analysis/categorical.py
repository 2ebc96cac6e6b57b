"""Choice answers compared between arms: chi-square (Yates on 2 × 2) or Fisher's exact test."""

import numpy as np
from scipy import stats

from .errors import NotTestable
from .fisher import TooLarge, fisher_exact


def chi_square(table) -> dict:
    """R's `chisq.test(table)` with correct = TRUE."""
    observed = np.asarray(table, dtype=float)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    gap = np.abs(observed - expected)
    yates = observed.shape == (2, 2)
    if yates:
        gap = gap - min(0.5, float(gap.min()))  # R: YATES <- min(0.5, abs(x - E))
    statistic = float(np.sum(gap**2 / expected))
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    method = "Pearson's Chi-squared test" + (" with Yates' continuity correction" if yates else "")
    return {
        "test": "chi_square",
        "method": method,
        "statistic_name": "X-squared",
        "statistic": statistic,
        "df": df,
        "p_value": float(stats.chi2.sf(statistic, df)),
    }


def contingency_test(table) -> dict:
    """Chi-square, or Fisher's exact test when any expected count is below 5; says which ran."""
    observed = np.asarray(table, dtype=np.int64)
    if observed.ndim != 2 or observed.size == 0:
        raise NotTestable("no_answers")
    observed = observed[observed.sum(axis=1) > 0][:, observed.sum(axis=0) > 0]
    if observed.shape[0] < 2:
        raise NotTestable("too_few_arms_answered")
    if observed.shape[1] < 2:
        raise NotTestable("same_answer")
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    smallest = float(expected.min())
    warnings = []
    if smallest < 5:
        try:
            return {
                "test": "fisher_exact",
                "method": "Fisher's Exact Test for Count Data",
                "statistic_name": None,
                "statistic": None,
                "df": None,
                "p_value": fisher_exact(observed),
                "expected_min": smallest,
                "warnings": [],
            }
        except TooLarge:
            # some expected counts are below 5, but the table is too large for Fisher's exact test
            warnings.append({"code": "approximation", "expected_min": smallest})
    return chi_square(observed) | {"expected_min": smallest, "warnings": warnings}
