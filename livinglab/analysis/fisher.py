"""Fisher's exact test on r × c tables, two-sided as R's fisher.test computes it."""

# p = Σ P(table) over every table with the observed margins that is no more likely than the observed
# one. Columns are filled one at a time and partial tables of equal probability merged: the idea of
# Mehta and Patel's network algorithm (R's FEXACT), without its bounds.
from collections import defaultdict
from math import log

import numpy as np
from scipy.special import gammaln

REL_ERR = 1 + 1e-7  # R's tolerance for "no more likely", so that ties in probability count
MAX_TABLES = 8_000_000  # partial tables examined before giving up: a few seconds at most


class TooLarge(Exception):
    """The exact enumeration would take too long; the caller falls back on chi-square."""


def _splits(total: int, caps: tuple[int, ...]) -> np.ndarray:
    """Every way to share `total` among cells holding at most `caps` each, one row per way."""
    room_after = np.cumsum(caps[::-1])[::-1].tolist()[1:] + [0]  # what later cells can still take
    ways = np.zeros((1, 0), dtype=np.int64)
    placed = np.zeros(1, dtype=np.int64)
    for cap, room in zip(caps[:-1], room_after, strict=False):
        choice = np.arange(min(cap, total) + 1)
        placed = (placed[:, None] + choice[None, :]).ravel()
        ways = np.column_stack([np.repeat(ways, len(choice), axis=0), np.tile(choice, len(ways))])
        keep = (placed <= total) & (placed >= total - room)  # prune hopeless prefixes at once
        ways, placed = ways[keep], placed[keep]
    last = total - placed
    keep = last <= caps[-1]
    return np.column_stack([ways[keep], last[keep]])


def _advance(layer: dict, column: int, logf: np.ndarray, budget: list) -> dict:
    """Fill one more column every way the row totals allow, merging paths of equal probability."""
    grouped = defaultdict(list)
    for state, (lengths, weights) in layer.items():
        splits = _splits(column, state)
        budget[0] += len(splits) * len(lengths)
        if budget[0] > MAX_TABLES:
            raise TooLarge
        steps = -logf[splits].sum(axis=1)
        for split, step in zip(splits, steps, strict=True):
            grouped[tuple(int(v) for v in np.subtract(state, split))].append((lengths + step, weights))
    merged = {}
    for state, parts in grouped.items():
        lengths = np.round(np.concatenate([p[0] for p in parts]), 9)
        keys, inverse = np.unique(lengths, return_inverse=True)
        merged[state] = (keys, np.bincount(inverse, weights=np.concatenate([p[1] for p in parts])))
    return merged


def _finish(layer: dict, column: int, logf: np.ndarray, constant: float, limit: float, budget: list) -> float:
    """The last two columns at once: the second is whatever the row totals leave."""
    total = 0.0
    for state, (lengths, weights) in layer.items():
        splits = _splits(column, state)
        budget[0] += len(splits)
        if budget[0] > MAX_TABLES:
            raise TooLarge
        future = np.sort(-logf[splits].sum(axis=1) - logf[np.subtract(state, splits)].sum(axis=1))
        top = future[-1]
        cumulative = np.cumsum(np.exp(future - top))
        index = np.searchsorted(future, limit - lengths, side="right")
        reached = np.where(index > 0, cumulative[np.maximum(index - 1, 0)], 0.0)
        total += float(np.sum(weights * np.exp(constant + lengths + top) * reached))
    return total


def fisher_exact(table) -> float:
    """Two-sided p value of Fisher's exact test; raises TooLarge when the table is too big to enumerate."""
    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.ndim != 2 or min(t.shape) < 2:
        return 1.0
    if t.shape[0] > t.shape[1]:
        t = t.T  # fewer rows means fewer ways to fill each column
    rows = tuple(int(v) for v in t.sum(axis=1))
    columns = sorted(int(v) for v in t.sum(axis=0))  # small columns first keep the layers narrow
    n = sum(rows)
    logf = gammaln(np.arange(n + 1) + 1)  # log k! looked up, far cheaper than computed per cell
    constant = float(logf[list(rows)].sum() + logf[columns].sum() - logf[n])
    limit = float(-logf[t].sum()) + log(REL_ERR)
    budget = [0]
    layer = {rows: (np.array([0.0]), np.array([1.0]))}
    for column in columns[:-2]:
        layer = _advance(layer, column, logf, budget)
    return min(1.0, _finish(layer, columns[-2], logf, constant, limit, budget))
