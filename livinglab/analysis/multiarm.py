"""Three or more arms: Welch's one-way ANOVA, Kruskal–Wallis, then each arm against the control with Holm."""

import numpy as np
from scipy import stats

from .errors import NotTestable
from .jsonsafe import clean
from .multiplicity import holm
from .ranks import tie_sizes
from .two_groups import mann_whitney, welch_t


def _groups(samples) -> list[np.ndarray]:
    groups = [np.asarray(s, dtype=float) for s in samples]
    return [g[np.isfinite(g)] for g in groups]


def welch_anova(samples) -> dict:
    """R's `oneway.test(y ~ g, var.equal = FALSE)`: Welch's F with df [k − 1, 1 / (3 · tmp)]."""
    groups = [g for g in _groups(samples) if len(g)]
    k = len(groups)
    if k < 2:
        raise NotTestable("too_few", what="arms_with_values", n=len(groups), minimum=2)
    sizes = np.array([len(g) for g in groups], dtype=float)
    if np.any(sizes < 2):
        raise NotTestable("too_few", what="values_per_arm", n_by_arm=[int(s) for s in sizes], minimum=2)
    means = np.array([g.mean() for g in groups])
    variances = np.array([g.var(ddof=1) for g in groups])
    if np.any(variances == 0):
        raise NotTestable("no_variance", what="arm_without_spread")
    w = sizes / variances
    total = w.sum()
    tmp = np.sum((1 - w / total) ** 2 / (sizes - 1)) / (k * k - 1)
    grand = np.sum(w * means) / total
    statistic = np.sum(w * (means - grand) ** 2) / ((k - 1) * (1 + 2 * (k - 2) * tmp))
    df2 = 1 / (3 * tmp)
    return clean(
        {
            "test": "welch_anova",
            "method": "One-way analysis of means (not assuming equal variances)",
            "n": int(sizes.sum()),
            "statistic_name": "F",
            "statistic": float(statistic),
            "df": [k - 1, float(df2)],
            "p_value": float(stats.f.sf(statistic, k - 1, df2)),
        }
    )


def kruskal_wallis(samples) -> dict:
    """R's `kruskal.test(list(...))`: chi-squared with the tie correction, df = k − 1."""
    groups = [g for g in _groups(samples) if len(g)]
    k = len(groups)
    if k < 2:
        raise NotTestable("too_few", what="arms_with_values", n=len(groups), minimum=2)
    values = np.concatenate(groups)
    n = len(values)
    ranks = stats.rankdata(values)
    ties = tie_sizes(ranks).astype(float)
    correction = 1 - np.sum(ties**3 - ties) / (n**3 - n)
    if correction == 0:
        raise NotTestable("no_variance", what="all_equal")
    bounds = np.cumsum([0] + [len(g) for g in groups])
    sums = np.array([ranks[a:b].sum() for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
    statistic = (12 * np.sum(sums**2 / np.diff(bounds)) / (n * (n + 1)) - 3 * (n + 1)) / correction
    return clean(
        {
            "test": "kruskal_wallis",
            "method": "Kruskal-Wallis rank sum test",
            "n": n,
            "statistic_name": "Kruskal-Wallis chi-squared",
            "statistic": float(statistic),
            "df": k - 1,
            "p_value": float(stats.chi2.sf(statistic, k - 1)),
        }
    )


def _tested(test, *args) -> dict:
    try:
        return test(*args)
    except NotTestable as refusal:
        return {"p_value": None, "reason": refusal.reason}


COARSE = {"too_few_per_arm": "too_few", "empty_group": "too_few", "all_equal_in_arms": "no_variance"}


def _coded(test):
    """two_groups' reasons in the coarse codes of API.md v1.1 (too few values, or no variance)."""

    def run(x, y):
        try:
            return test(x, y)
        except NotTestable as refusal:
            if refusal.code not in COARSE:
                raise
            raise NotTestable(COARSE[refusal.code], what=refusal.code, **refusal.details) from None

    return run


def against_control(samples: dict) -> dict:
    """Each arm against the first (the control): Welch's t and Mann–Whitney, Holm-adjusted across arms
    (R: `p.adjust(p, "holm")`); plus the overall Welch ANOVA and Kruskal–Wallis when they can run."""
    names = list(samples)
    if len(names) < 2:
        raise ValueError("needs a control and at least one arm")
    control = samples[names[0]]
    contrasts = []
    for name in names[1:]:
        welch = _tested(_coded(welch_t), samples[name], control)
        rank = _tested(_coded(mann_whitney), samples[name], control)
        contrasts.append({"arm": name, "control": names[0], **welch, "robustness": rank})
    for key, family in (
        ("p_adjusted", [c["p_value"] for c in contrasts]),
        ("robustness_p_adjusted", [c["robustness"]["p_value"] for c in contrasts]),
    ):
        for contrast, adjusted in zip(contrasts, holm(family), strict=True):
            contrast[key] = adjusted
    overall = {}
    for name, test in (("welch_anova", welch_anova), ("kruskal_wallis", kruskal_wallis)):
        overall[name] = _tested(test, [samples[a] for a in names])
    return clean({"contrasts": contrasts, "overall": overall, "adjustment": "holm"})
