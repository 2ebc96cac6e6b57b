"""Two independent groups as R computes them: Welch's t test and the Mann–Whitney test."""

import math

import numpy as np
from scipy import stats

from .errors import NotTestable
from .ranks import exact_two_sided, normal_two_sided, ranksum_counts, tie_sizes

EPS = np.finfo(float).eps


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def hedges_g(x, y) -> float:
    """(mean(x) − mean(y)) / pooled sd × (1 − 3 / (4(n1 + n2) − 9)), as ../shared/API.md defines it."""
    x, y = _finite(x), _finite(y)
    n1, n2 = len(x), len(y)
    pooled = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / (n1 + n2 - 2))
    return float((x.mean() - y.mean()) / pooled * (1 - 3 / (4 * (n1 + n2) - 9)))


def welch_t(x, y, conf_level: float = 0.95) -> dict:
    """R's `t.test(x, y)` (var.equal = FALSE): estimate = mean(x) − mean(y), Welch–Satterthwaite df."""
    x, y = _finite(x), _finite(y)
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        raise NotTestable("too_few_per_arm", arm_n=nx, control_n=ny, minimum=2)
    mx, my = float(x.mean()), float(y.mean())
    vx, vy = float(x.var(ddof=1)) / nx, float(y.var(ddof=1)) / ny
    se = math.sqrt(vx + vy)
    # R's "data are essentially constant" threshold (stats:::t.test.default)
    if se <= 10 * EPS * max(abs(mx), abs(my)):
        raise NotTestable("all_equal_in_arms")
    df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    estimate = mx - my
    t = estimate / se
    half = float(stats.t.ppf(0.5 + conf_level / 2, df)) * se
    return {
        "test": "welch_t",
        "method": "Welch Two Sample t-test",
        "n": nx + ny,
        "estimate": estimate,
        "ci95": [estimate - half, estimate + half],
        "statistic": t,
        "df": df,
        "p_value": float(2 * stats.t.sf(abs(t), df)),
        "effect_size": {"name": "hedges_g", "value": hedges_g(x, y)},
    }


def mann_whitney(x, y) -> dict:
    """R's wilcox.test(x, y): W is the Mann–Whitney U of x, the first sample."""
    x, y = _finite(x), _finite(y)
    nx, ny = len(x), len(y)
    if nx == 0 or ny == 0:
        raise NotTestable("empty_group", arm_n=nx, control_n=ny)
    ranks = stats.rankdata(np.concatenate([x, y]))
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2)
    sizes = tie_sizes(ranks)
    ties = bool(np.any(sizes > 1))
    out = {"test": "mann_whitney", "statistic_name": "W", "statistic": w, "n": nx + ny, "ties": ties}
    # R (exact = NULL, correct = TRUE): exact when both samples are under 50 and nothing ties
    if nx < 50 and ny < 50 and not ties:
        return out | {
            "method": "Wilcoxon rank sum exact test",
            "exact": True,
            "p_value": exact_two_sided(w, ranksum_counts(nx, ny)),
        }
    n = nx + ny
    sigma = math.sqrt(nx * ny / 12 * ((n + 1) - float(np.sum(sizes**3 - sizes)) / (n * (n - 1))))
    if sigma == 0:
        raise NotTestable("all_equal_in_arms")
    z = w - nx * ny / 2
    z = (z - math.copysign(0.5, z) * (z != 0)) / sigma
    return out | {
        "method": "Wilcoxon rank sum test with continuity correction",
        "exact": False,
        "p_value": normal_two_sided(z),
    }
