"""Shapiro–Wilk, to say when a t test leans on normality that the data do not show."""

import numpy as np
from scipy import stats

from .errors import reason


def shapiro_wilk(values) -> dict:
    """R's `shapiro.test`: run when 3 ≤ n ≤ 5000 and the values are not all equal, else a reason."""
    values = np.sort(np.asarray(values, dtype=float))
    values = values[np.isfinite(values)]
    n = len(values)
    out = {"test": "shapiro_wilk", "method": "Shapiro-Wilk normality test", "n": n, "statistic": None, "p_value": None}
    if n < 3 or n > 5000:
        return out | {"reason": reason("normality_sample_size", n=n, minimum=3, maximum=5000)}
    spread = values[-1] - values[0]
    if spread < 1e-10:  # R stops here: "all 'x' values are identical"
        return out | {"reason": reason("all_equal")}
    if spread * (1 + 1e-10) < 1:
        values = values / spread  # as R does, so that the algorithm never sees a tiny range
    result = stats.shapiro(values)
    return out | {"statistic": float(result.statistic), "p_value": float(result.pvalue)}
