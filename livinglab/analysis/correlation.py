"""Correlations between two numeric variables, as R's cor.test computes them (exploratory results)."""

import math
from functools import lru_cache
from itertools import permutations

import numpy as np
from scipy import stats

from .errors import NotTestable
from .jsonsafe import clean

EXACT_UP_TO = 1290  # R: pspearman is exact when n <= 1290 (n·(n² − 1) must not overflow)
ENUMERATE_UP_TO = 9  # prho.c: n_small, exact enumeration; Edgeworth series beyond


def _pairs(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError("x and y must have the same length")
    keep = np.isfinite(x) & np.isfinite(y)  # R: complete.cases
    return x[keep], y[keep]


def fisher_z_interval(r: float, n: int, conf_level: float = 0.95) -> list[float]:
    """R's cor.test CI for Pearson's r: tanh(atanh(r) ± z / √(n − 3)) (needs n ≥ 4)."""
    if n < 4:
        raise NotTestable("too_few", what="pairs", n=n, minimum=4)
    if abs(r) >= 1:
        return [float(r), float(r)]  # R: tanh(atanh(±1) ± …) = ±1
    z, sigma = math.atanh(r), 1 / math.sqrt(n - 3)
    q = float(stats.norm.ppf((1 + conf_level) / 2))
    return [math.tanh(z - q * sigma), math.tanh(z + q * sigma)]


def pearson(x, y, conf_level: float = 0.95) -> dict:
    """R's `cor.test(x, y)`: t on n − 2 df, two-sided p, Fisher's z interval."""
    x, y = _pairs(x, y)
    n = len(x)
    if n < 3:
        raise NotTestable("too_few", what="pairs", n=n, minimum=3)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise NotTestable("no_variance", what="no_spread")
    r = float(np.clip(np.corrcoef(x, y)[0, 1], -1.0, 1.0))
    df = n - 2
    t = math.sqrt(df) * r / math.sqrt(1 - r * r) if abs(r) < 1 else math.copysign(math.inf, r)
    p = 2 * min(stats.t.cdf(t, df), stats.t.sf(t, df))
    out = {
        "test": "pearson",
        "method": "Pearson's product-moment correlation",
        "n": n,
        "estimate": r,
        "statistic_name": "t",
        "statistic": t,
        "df": df,
        "p_value": float(min(1.0, p)),
    }
    if n >= 4:
        out["ci95"] = fisher_z_interval(r, n, conf_level)
    return clean(out)


@lru_cache(maxsize=ENUMERATE_UP_TO)
def _sums_of_squared_differences(n: int) -> np.ndarray:
    """Σ (i − π(i))² over every permutation π of 1..n (n ≤ 9: at most 362,880 of them)."""
    perms = np.array(list(permutations(range(1, n + 1))), dtype=np.int16)
    return np.sum((perms - np.arange(1, n + 1, dtype=np.int16)) ** 2, axis=1)


def _prho(n: int, is_: float, lower_tail: bool) -> float:
    """R's prho (AS 89, src/library/stats/src/prho.c): P(S ≥ is), or P(S < is) when lower_tail."""
    pv = 0.0 if lower_tail else 1.0
    if n <= 1 or is_ <= 0:
        return pv
    n3 = float(n) * (float(n) * n - 1) / 3
    if is_ > n3:
        return 1 - pv
    if n <= ENUMERATE_UP_TO:
        # every permutation of the ranks, counting those whose Σd² reaches is (prho.c's loop)
        ifr = 1 if is_ == n3 else int(np.sum(_sums_of_squared_differences(n) >= is_))
        nfac = math.factorial(n)
        return (nfac - ifr if lower_tail else ifr) / nfac
    c = (0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932, 0.0879, 0.0151, 0.0072, 0.0831, 0.0131, 4.6e-4)
    y = float(n)
    b = 1 / y
    x = (6 * (is_ - 1) * b / (y * y - 1) - 1) * math.sqrt(y - 1)
    y = x * x
    u = (
        x
        * b
        * (
            c[0]
            + b * (c[1] + c[2] * b)
            + y
            * (
                -c[3]
                + b * (c[4] + c[5] * b)
                - y * b * (c[6] + c[7] * b - y * (c[8] - c[9] * b + y * b * (c[10] - c[11] * y)))
            )
        )
    )
    y = u / math.exp(y / 2)
    pv = (-y if lower_tail else y) + float(stats.norm.cdf(x) if lower_tail else stats.norm.sf(x))
    return min(1.0, max(0.0, pv))


def spearman(x, y) -> dict:
    """R's `cor.test(x, y, method = "spearman")`: S = (n³ − n)(1 − ρ)/6; exact (AS 89: enumeration up to
    n = 9, Edgeworth series beyond) for n ≤ 1290 without ties, otherwise the t approximation."""
    x, y = _pairs(x, y)
    n = len(x)
    if n < 2:
        raise NotTestable("too_few", what="pairs", n=n, minimum=2)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise NotTestable("no_variance", what="all_tied")
    rx, ry = stats.rankdata(x), stats.rankdata(y)
    rho = float(np.clip(np.corrcoef(rx, ry)[0, 1], -1.0, 1.0))
    q = (n**3 - n) * (1 - rho) / 6
    ties = min(len(np.unique(x)), len(np.unique(y))) < n
    exact = n <= EXACT_UP_TO and not ties

    def tail(lower: bool) -> float:
        if exact:
            return _prho(n, round(q) + 2 * lower, lower)
        den = n * (n * n - 1) / 6
        r = 1 - q / den
        t = r / math.sqrt((1 - r * r) / (n - 2)) if abs(r) < 1 else math.copysign(math.inf, r)
        return float(stats.t.sf(t, n - 2) if lower else stats.t.cdf(t, n - 2))

    if not exact and n < 3:
        raise NotTestable("too_few", what="pairs", n=n, minimum=3)
    p = tail(False) if q > (n**3 - n) / 6 else tail(True)
    return clean(
        {
            "test": "spearman",
            "method": "Spearman's rank correlation rho",
            "n": n,
            "estimate": rho,
            "statistic_name": "S",
            "statistic": q,
            "exact": exact,
            "ties": bool(ties),
            "p_value": min(2 * p, 1.0),
        }
    )
