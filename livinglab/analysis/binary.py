"""Yes/no outcomes: McNemar's test before/after, and arm against control (risk difference, odds ratio)."""

import numpy as np
from scipy import stats

from .categorical import contingency_test
from .errors import NotTestable
from .jsonsafe import clean
from .odds_ratio import conditional_odds_ratio
from .proportions import newcombe_difference, newcombe_paired_difference, proportion

EFFECTS = ("estimate", "ci95", "ci_method", "odds_ratio", "proportions")  # what `arm_effects` gives
EXACT_BELOW = 25  # ../shared/API.md (v1.1): the exact binomial test when fewer discordant pairs than this


def _booleans(values) -> np.ndarray:
    """Answers as floats 1/0 with NaN for missing (None, NaN)."""
    out = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    known = np.isfinite(out)
    if np.any((out[known] != 0) & (out[known] != 1)):
        raise ValueError("yes/no answers must be true/false, 1/0 or missing")
    return out


def paired_table(first, last) -> list[list[int]]:
    """Rows: first answer yes/no; columns: last answer yes/no; incomplete pairs dropped (as R's table)."""
    first, last = _booleans(first), _booleans(last)
    if first.shape != last.shape:
        raise ValueError("paired answers must have the same length")
    keep = np.isfinite(first) & np.isfinite(last)
    yes_first, yes_last = first[keep] == 1, last[keep] == 1
    return [
        [int(np.sum(yes_first & yes_last)), int(np.sum(yes_first & ~yes_last))],
        [int(np.sum(~yes_first & yes_last)), int(np.sum(~yes_first & ~yes_last))],
    ]


def mcnemar_table(table, conf_level: float = 0.95) -> dict:
    """R's `mcnemar.test(table)` (continuity correction), switching to exact2x2's `mcnemar.exact`
    (R `binom.test` on the discordant pairs) below 25 discordant pairs; estimate = p(last) − p(first)."""
    (both, yes_no), (no_yes, neither) = [[int(v) for v in row] for row in table]
    n = both + yes_no + no_yes + neither
    discordant = yes_no + no_yes
    if n == 0:
        raise NotTestable("too_few", what="pairs", n=0, minimum=1)
    if discordant == 0:
        raise NotTestable("no_discordant_pairs", n=n)
    # R: STATISTIC <- (abs(x[1, 2] - x[2, 1]) - YATES)^2 / (x[1, 2] + x[2, 1]), YATES = 1
    statistic = (abs(yes_no - no_yes) - 1) ** 2 / discordant
    exact = discordant < EXACT_BELOW
    if exact:
        p_value = float(stats.binomtest(yes_no, discordant, 0.5).pvalue)
        method = "Exact McNemar test (binomial test on the discordant pairs)"
    else:
        p_value = float(stats.chi2.sf(statistic, 1))
        method = "McNemar's Chi-squared test with continuity correction"
    # p(last) − p(first) is minus Newcombe's p(first) − p(last)
    paired = newcombe_paired_difference(both, yes_no, no_yes, neither, conf_level)
    lower, upper = paired["ci95"]
    return clean(
        {
            "test": "mcnemar",
            "method": method,
            "exact": exact,
            "n": n,
            "statistic_name": "McNemar's chi-squared",
            "statistic": statistic,
            "df": 1,
            "p_value": p_value,
            "discordant": {"yes_to_no": yes_no, "no_to_yes": no_yes},
            "estimate": -paired["estimate"],
            "ci95": [-upper, -lower],
            "ci_method": paired["ci_method"],
            "proportions": {
                "first": proportion(both + yes_no, n, conf_level),
                "last": proportion(both + no_yes, n, conf_level),
            },
        }
    )


def mcnemar(first, last, conf_level: float = 0.95) -> dict:
    """McNemar's test on paired yes/no answers (first and last timepoint), see `mcnemar_table`."""
    return mcnemar_table(paired_table(first, last), conf_level)


def coded_contingency_test(table) -> dict:
    """categorical.contingency_test with its warnings coded as API.md v1.1 names them; the only one it
    raises is the chi-square fallback when Fisher's exact test would take too long."""
    test = contingency_test(table)
    return test | {"warnings": [w | {"code": "approximate_p_value"} for w in test.get("warnings", [])]}


def compare_proportions(arm_yes: int, arm_n: int, control_yes: int, control_n: int, conf_level: float = 0.95) -> dict:
    """Arm against control on a yes/no outcome: risk difference (Newcombe), odds ratio (R `fisher.test`),
    and Fisher's exact or chi-square test chosen as categorical.contingency_test does (expected < 5)."""
    if arm_n <= 0 or control_n <= 0:
        raise NotTestable("too_few", what="answers_per_arm", arm_n=arm_n, control_n=control_n, minimum=1)
    table = [[arm_yes, arm_n - arm_yes], [control_yes, control_n - control_yes]]
    if arm_yes + control_yes in (0, arm_n + control_n):
        raise NotTestable("no_variance", what="same_answer")
    test = coded_contingency_test(table)
    return clean(test | {"n": arm_n + control_n} | arm_effects(arm_yes, arm_n, control_yes, control_n, conf_level))


def arm_effects(arm_yes: int, arm_n: int, control_yes: int, control_n: int, conf_level: float = 0.95) -> dict:
    """The effect sizes of arm against control on a yes/no outcome, whatever test goes with them: the risk
    difference arm − control with Newcombe's hybrid score interval, the odds ratio as R's `fisher.test`
    (conditional MLE, exact interval) and each arm's proportion of yes (Wilson). The one home of these figures:
    the yes/no outcomes and the yes/no questions of the categorical family both read them here."""
    table = [[arm_yes, arm_n - arm_yes], [control_yes, control_n - control_yes]]
    difference = newcombe_difference(arm_yes, arm_n, control_yes, control_n, conf_level)
    return clean(
        {
            "estimate": difference["estimate"],
            "ci95": difference["ci95"],
            "ci_method": difference["ci_method"],
            "odds_ratio": conditional_odds_ratio(table, conf_level),
            "proportions": {
                "arm": proportion(arm_yes, arm_n, conf_level),
                "control": proportion(control_yes, control_n, conf_level),
            },
        }
    )


def compare_binary(arm, control, conf_level: float = 0.95) -> dict:
    """`compare_proportions` from raw answers (true/false, 1/0, missing dropped)."""
    arm, control = _booleans(arm), _booleans(control)
    arm, control = arm[np.isfinite(arm)], control[np.isfinite(control)]
    return compare_proportions(int(arm.sum()), len(arm), int(control.sum()), len(control), conf_level)


def table_effects(table: dict, arms: list[str], conf_level: float = 0.95) -> dict:
    """`arm_effects` from a yes/no question's table by arm ({arm: {"yes": n, "no": n}}), `arms` = [control, arm]."""
    control, arm = (table[a] for a in arms)
    return arm_effects(arm["yes"], arm["yes"] + arm["no"], control["yes"], control["yes"] + control["no"], conf_level)
