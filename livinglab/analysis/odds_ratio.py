"""The conditional maximum-likelihood odds ratio of a 2 × 2 table and its exact interval, as R's fisher.test."""

import math

import numpy as np
from scipy import stats

from .jsonsafe import clean
from .rootfinding import EPSILON, uniroot


class _NoncentralHypergeometric:
    """R's dnhyper / mnhyper / pnhyper (stats:::fisher.test) for the table's margins."""

    def __init__(self, table):
        t = np.asarray(table, dtype=np.int64)
        self.m = int(t[:, 0].sum())  # R: m <- sum(x[, 1L]); n <- sum(x[, 2L]); k <- sum(x[1L, ])
        self.n = int(t[:, 1].sum())
        self.k = int(t[0, :].sum())
        self.x = int(t[0, 0])
        self.lo = max(0, self.k - self.n)
        self.hi = min(self.k, self.m)
        self.support = np.arange(self.lo, self.hi + 1)
        self.logdc = stats.hypergeom.logpmf(self.support, self.m + self.n, self.m, self.k)

    def density(self, ncp: float) -> np.ndarray:
        d = self.logdc + math.log(ncp) * self.support
        d = np.exp(d - d.max())
        return d / d.sum()

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if math.isinf(ncp):
            return float(self.hi)
        return float(np.sum(self.support * self.density(ncp)))

    def cdf(self, q: int, ncp: float, upper: bool = False) -> float:
        if ncp == 1:
            total, good, draws = self.m + self.n, self.m, self.k
            if upper:
                return float(stats.hypergeom.sf(self.x - 1, total, good, draws))
            return float(stats.hypergeom.cdf(self.x, total, good, draws))
        if ncp == 0:
            return float(q <= self.lo if upper else q >= self.lo)
        if math.isinf(ncp):
            return float(q <= self.hi if upper else q >= self.hi)
        d = self.density(ncp)
        return float(d[self.support >= q].sum() if upper else d[self.support <= q].sum())


def conditional_odds_ratio(table, conf_level: float = 0.95) -> dict:
    """R's `fisher.test(table)$estimate` and `$conf.int` (two-sided): conditional MLE, exact interval.

    Where R answers Inf (an empty cell), the value or bound is None: unbounded, and JSON-safe."""
    h = _NoncentralHypergeometric(table)
    x, lo, hi = h.x, h.lo, h.hi
    alpha = (1 - conf_level) / 2

    def mle() -> float:
        if x == lo:
            return 0.0
        if x == hi:
            return math.inf
        mu = h.mean(1)
        if mu > x:
            return uniroot(lambda t: h.mean(t) - x, 0, 1)
        if mu < x:
            return 1 / uniroot(lambda t: h.mean(1 / t) - x, EPSILON, 1)
        return 1.0

    def upper() -> float:
        if x == hi:
            return math.inf
        p = h.cdf(x, 1)
        if p < alpha:
            return uniroot(lambda t: h.cdf(x, t) - alpha, 0, 1)
        if p > alpha:
            return 1 / uniroot(lambda t: h.cdf(x, 1 / t) - alpha, EPSILON, 1)
        return 1.0

    def lower() -> float:
        if x == lo:
            return 0.0
        p = h.cdf(x, 1, upper=True)
        if p > alpha:
            return uniroot(lambda t: h.cdf(x, t, upper=True) - alpha, 0, 1)
        if p < alpha:
            return 1 / uniroot(lambda t: h.cdf(x, 1 / t, upper=True) - alpha, EPSILON, 1)
        return 1.0

    return clean(
        {
            "name": "odds_ratio",
            "method": "conditional maximum likelihood (R fisher.test)",
            "value": mle(),
            "ci95": [lower(), upper()],
        }
    )
