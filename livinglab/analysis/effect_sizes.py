"""Standardised effect sizes with noncentral-t intervals, as R's effectsize package computes them."""

import math

import numpy as np
from scipy import optimize, special, stats

from .errors import NotTestable
from .jsonsafe import clean


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def _ncp(t: float, df: float, probability: float) -> float:
    """The noncentrality δ with P(T ≤ t | df, δ) = probability (the CDF falls as δ grows)."""

    def gap(delta):
        return float(stats.nct.cdf(t, df, delta)) - probability

    width = 2.0 + abs(t) * 0.5
    low, high = t - width, t + width
    while gap(low) < 0:
        low -= width
        width *= 2
    while gap(high) > 0:
        high += width
        width *= 2
    return float(optimize.brentq(gap, low, high, xtol=1e-12, rtol=1e-14, maxiter=500))


def ncp_interval(t: float, df: float, conf_level: float = 0.95) -> list[float]:
    """effectsize:::.get_ncp_t: the interval of the noncentrality parameter of a t statistic."""
    alpha = 1 - conf_level
    return [_ncp(t, df, 1 - alpha / 2), _ncp(t, df, alpha / 2)]


def hedges_correction(df: float) -> float:
    """J = Γ(m/2) / (√(m/2) Γ((m − 1)/2)), the exact small-sample correction (effectsize, Hedges 1981)."""
    return float(math.exp(special.gammaln(df / 2) - math.log(math.sqrt(df / 2)) - special.gammaln((df - 1) / 2)))


def hedges_g_exact(x, y, conf_level: float = 0.95) -> dict:
    """R's `effectsize::hedges_g(x, y)`: (mean(x) − mean(y)) / pooled sd × J(n1 + n2 − 2), noncentral-t CI."""
    x, y = _finite(x), _finite(y)
    n1, n2 = len(x), len(y)
    if n1 < 2 or n2 < 2:
        raise NotTestable("too_few", what="values_per_arm", arm_n=n1, control_n=n2, minimum=2)
    df = n1 + n2 - 2
    pooled = math.sqrt(((n1 - 1) * x.var(ddof=1) + (n2 - 1) * y.var(ddof=1)) / df)
    if pooled == 0:
        raise NotTestable("no_variance", what="pooled_sd_zero")
    if df < 2:
        raise NotTestable("too_few", what="values_for_correction", n=n1 + n2, minimum=4)
    d = (x.mean() - y.mean()) / pooled
    scale = math.sqrt(1 / n1 + 1 / n2)
    j = hedges_correction(df)
    lower, upper = (delta * scale * j for delta in ncp_interval(d / scale, df, conf_level))
    return clean(
        {"name": "hedges_g", "value": d * j, "ci95": [lower, upper], "correction": j, "ci_method": "noncentral_t"}
    )


def cohens_dz(x, y, conf_level: float = 0.95) -> dict:
    """R's `effectsize::cohens_d(x, y, paired = TRUE)`: mean(x − y) / sd(x − y), noncentral-t CI."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError("paired samples must have the same length")
    keep = np.isfinite(x) & np.isfinite(y)
    d = x[keep] - y[keep]
    n = len(d)
    if n < 2:
        raise NotTestable("too_few", what="pairs", n=n, minimum=2)
    sd = d.std(ddof=1)
    if sd == 0:
        raise NotTestable("no_variance", what="differences_all_equal")
    dz = d.mean() / sd
    root = math.sqrt(n)
    lower, upper = (delta / root for delta in ncp_interval(dz * root, n - 1, conf_level))
    return clean({"name": "cohens_dz", "value": dz, "ci95": [lower, upper], "ci_method": "noncentral_t"})
