"""Score intervals for proportions and their differences (Wilson, Newcombe's method 10)."""

import math

from scipy import stats

from .errors import NotTestable


def _z(conf_level: float) -> float:
    return float(stats.norm.ppf((1 + conf_level) / 2))


def wilson(x: int, n: int, conf_level: float = 0.95) -> list[float]:
    """Wilson score interval, R's `prop.test(x, n, correct = FALSE)$conf.int` (PropCIs::scoreci)."""
    if n <= 0:
        raise NotTestable("too_few", what="answers", n=0, minimum=1)
    if not 0 <= x <= n:
        raise ValueError("x must lie between 0 and n")
    z = _z(conf_level)
    p = x / n
    z22n = z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z22n / (2 * n))
    upper = 1.0 if p >= 1 else (p + z22n + spread) / (1 + 2 * z22n)
    lower = 0.0 if p <= 0 else (p + z22n - spread) / (1 + 2 * z22n)
    return [max(lower, 0.0), min(upper, 1.0)]


def proportion(x: int, n: int, conf_level: float = 0.95) -> dict:
    """A proportion with its Wilson interval, as ../shared/API.md (v1.1) asks for yes/no variables."""
    return {
        "n": int(n),
        "count": int(x),
        "value": x / n if n else None,
        "ci95": wilson(x, n, conf_level) if n else None,
        "ci_method": "wilson",
    }


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, conf_level: float = 0.95) -> dict:
    """x1/n1 − x2/n2 with Newcombe's hybrid score interval (1998, method 10; R's propint, Epi::ci.pd)."""
    if n1 <= 0 or n2 <= 0:
        raise NotTestable("too_few", what="answers_per_arm", arm_n=n1, control_n=n2, minimum=1)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, conf_level)
    l2, u2 = wilson(x2, n2, conf_level)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return {"estimate": d, "ci95": [lower, upper], "ci_method": "newcombe_hybrid_score"}


def newcombe_paired_difference(
    both: int, first_only: int, second_only: int, neither: int, conf_level: float = 0.95
) -> dict:
    """p(first) − p(second) for paired yes/no answers, Newcombe's paired method 10 (Stat Med 1998;17:2635)."""
    a, b, c, d = both, first_only, second_only, neither
    n = a + b + c + d
    if n <= 0:
        raise NotTestable("too_few", what="pairs", n=0, minimum=1)
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n, conf_level)
    l2, u2 = wilson(a + c, n, conf_level)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    # Newcombe's phi: a positive association is shrunk by n/2 (never below 0); 0 when a margin is empty
    cross: float = a * d - b * c
    if cross > 0:
        cross = max(cross - n / 2, 0.0)
    phi = cross / math.sqrt(margins) if margins > 0 else 0.0
    theta = p1 - p2
    lower = theta - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    upper = theta + math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return {"estimate": theta, "ci95": [lower, upper], "ci_method": "newcombe_paired_score"}
