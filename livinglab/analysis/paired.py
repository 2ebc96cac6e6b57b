"""Paired comparisons, as R computes them: the paired t test and the Wilcoxon signed-rank test."""

import math

import numpy as np
from scipy import stats

from .errors import NotTestable
from .ranks import exact_two_sided, normal_two_sided, signrank_counts, tie_sizes

EPS = np.finfo(float).eps


def _differences(x, y) -> np.ndarray:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    keep = np.isfinite(x) & np.isfinite(y)  # R drops incomplete pairs
    return x[keep] - y[keep]


def paired_t(x, y, conf_level: float = 0.95) -> dict:
    """R's t.test(x, y, paired = TRUE): estimate mean(x − y); Cohen's dz = mean / sd of the differences."""
    d = _differences(x, y)
    n = len(d)
    if n < 2:
        raise NotTestable("too_few_pairs", n=n, minimum=2)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    # R refuses "essentially constant" data with this very threshold (stats:::t.test.default)
    if se <= 10 * EPS * abs(mean):
        raise NotTestable("no_change" if mean == 0 else "constant_change")
    df = n - 1
    t = mean / se
    half = float(stats.t.ppf(0.5 + conf_level / 2, df)) * se
    return {
        "test": "paired_t",
        "method": "Paired t-test",
        "n": n,
        "estimate": mean,
        "ci95": [mean - half, mean + half],
        "statistic": t,
        "df": df,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "effect_size": {"name": "cohens_dz", "value": mean / sd},
    }


def signed_rank(x, y) -> dict:
    """R's wilcox.test(x, y, paired = TRUE): V = sum of the ranks of the positive differences x − y."""
    d = _differences(x, y)
    zeros = int(np.sum(d == 0))
    d = d[d != 0]
    n = len(d)
    if n == 0:
        raise NotTestable("no_change" if zeros else "no_pairs")
    ranks = stats.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    sizes = tie_sizes(ranks)
    ties = bool(np.any(sizes > 1))
    out = {
        "test": "wilcoxon_signed_rank",
        "statistic_name": "V",
        "statistic": v,
        "n": n,
        "zeros_dropped": zeros,
        "ties": ties,
    }
    # R (exact = NULL, correct = TRUE): exact below 50 differences without ties or zeros, otherwise
    # the normal approximation with continuity and tie corrections
    if n < 50 and not ties and not zeros:
        return out | {
            "method": "Wilcoxon signed rank exact test",
            "exact": True,
            "p_value": exact_two_sided(v, signrank_counts(n)),
        }
    z = v - n * (n + 1) / 4
    sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float(np.sum(sizes**3 - sizes)) / 48)
    z = (z - math.copysign(0.5, z) * (z != 0)) / sigma
    return out | {
        "method": "Wilcoxon signed rank test with continuity correction",
        "exact": False,
        "p_value": normal_two_sided(z),
    }
