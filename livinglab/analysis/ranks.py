"""Exact null distributions of the Wilcoxon statistics, as R's psignrank and pwilcox count them."""

from functools import lru_cache

import numpy as np
from scipy import stats


@lru_cache(maxsize=128)
def signrank_counts(n: int) -> tuple[int, ...]:
    """How many subsets of the ranks 1..n have each sum 0..n(n+1)/2 (integers, so nothing rounds)."""
    counts = [1]
    for rank in range(1, n + 1):
        grown = counts + [0] * rank
        for total in range(len(counts)):
            grown[total + rank] += counts[total]
        counts = grown
    return tuple(counts)


@lru_cache(maxsize=128)
def ranksum_counts(m: int, n: int) -> tuple[int, ...]:
    """How often the Mann–Whitney U of m values against n takes each value 0..m·n."""
    # the Gaussian binomial coefficient: multiply by (1 − q^(n+i)), divide by (1 − q^i), i = 1..m
    size = m * n + 1
    counts = [1] + [0] * (size - 1)
    for i in range(1, m + 1):
        shift = n + i
        for total in range(size - 1, shift - 1, -1):
            counts[total] -= counts[total - shift]
        for total in range(i, size):
            counts[total] += counts[total - i]
    return tuple(counts)


def exact_two_sided(statistic: float, counts: tuple[int, ...]) -> float:
    """R's two-sided exact p: twice the smaller tail beyond the statistic, at most 1."""
    whole = sum(counts)
    k = int(round(statistic))
    middle = (len(counts) - 1) / 2
    tail = sum(counts[k:]) if statistic > middle else sum(counts[: k + 1])
    return min(1.0, 2 * tail / whole)


def normal_two_sided(z: float) -> float:
    return float(2 * min(stats.norm.cdf(z), stats.norm.sf(z)))


def tie_sizes(ranks: np.ndarray) -> np.ndarray:
    _, sizes = np.unique(ranks, return_counts=True)
    return sizes
