"""Confidence intervals for the scores a pilot reports: NPS, Cronbach's alpha, the median."""

import math
from functools import lru_cache

import numpy as np
from scipy import stats

from .errors import NotTestable
from .jsonsafe import clean


def nps_interval(values, conf_level: float = 0.95) -> dict:
    """Net Promoter Score (−100..100) with the adjusted-Wald interval of Rocks (2016, Am Stat 70:365),
    as MeasuringU describes it: add 3 to n and ¾ to promoters and to detractors, then the Wald interval
    of the difference of the two proportions, Var = (p + d − (p − d)²) / n'; bounds kept within ±100."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        raise NotTestable("too_few", what="answers", n=0, minimum=1)
    promoters, detractors = int(np.sum(v >= 9)), int(np.sum(v <= 6))
    adjusted_n = n + 3
    p, d = (promoters + 0.75) / adjusted_n, (detractors + 0.75) / adjusted_n
    centre = p - d
    half = float(stats.norm.ppf((1 + conf_level) / 2)) * math.sqrt((p + d - centre**2) / adjusted_n)
    return clean(
        {
            "n": n,
            "score": 100 * (promoters - detractors) / n,
            "promoters": promoters,
            "passives": n - promoters - detractors,
            "detractors": detractors,
            "ci95": [100 * max(-1.0, centre - half), 100 * min(1.0, centre + half)],
            "ci_method": "adjusted_wald",
        }
    )


def cronbach_alpha_interval(alpha: float, n: int, k: int, conf_level: float = 0.95) -> list[float]:
    """Feldt's interval for Cronbach's alpha (Feldt, Woodruff & Salih 1987; R's cocron::cronbach.alpha.CI,
    psych::alpha.ci): 1 − (1 − α)·F, F quantiles on n − 1 and (n − 1)(k − 1) degrees of freedom.

    Takes descriptives.cronbach_alpha's value, n and k."""
    if n < 2 or k < 2:
        raise NotTestable("too_few", what="items_and_answers", k=k, n=n, minimum=2)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - conf_level) / 2
    return [
        1 - (1 - alpha) * float(stats.f.ppf(1 - tail, df1, df2)),
        1 - (1 - alpha) * float(stats.f.ppf(tail, df1, df2)),
    ]


@lru_cache(maxsize=4096)
def _order_statistic(n: int, conf_level: float) -> tuple[int, float]:
    """k and the achieved level for n values (cached: the results ask it for every group of every variable)."""
    k = int(stats.binom.ppf((1 - conf_level) / 2, n, 0.5))
    return k, (1 - 2 * float(stats.binom.cdf(k - 1, n, 0.5)) if k >= 1 else 0.0)


def median_interval(values, conf_level: float = 0.95) -> dict:
    """Distribution-free interval for the median from order statistics and the binomial(n, ½), as
    R's DescTools::MedianCI(method = "exact"): k = qbinom((1 − level)/2, n, ½), [x(k), x(n − k + 1)];
    the achieved level 1 − 2·pbinom(k − 1, n, ½) is at least the one asked for."""
    v = np.sort(np.asarray(values, dtype=float))
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        raise NotTestable("too_few", what="values", n=0, minimum=1)
    k, achieved = _order_statistic(n, conf_level)
    if k < 1:
        raise NotTestable("too_few", what="values_for_median_interval", n=n, conf_level=conf_level)
    return clean(
        {
            "median": float(np.median(v)),
            "ci95": [float(v[k - 1]), float(v[n - k])],
            "conf_level": achieved,
            "ci_method": "order_statistics_binomial",
            "n": n,
        }
    )
