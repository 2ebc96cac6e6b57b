"""One variable compared as ../shared/API.md (Results) defines it, for either design."""

import numpy as np
import pandas as pd

from .ancova import ancova
from .effect_sizes import cohens_dz, hedges_g_exact
from .errors import NotTestable, reason, warning
from .normality import shapiro_wilk
from .paired import paired_t, signed_rank
from .two_groups import mann_whitney, welch_t
from .variables import column_at

SINGLE, PARALLEL = "single_group_pre_post", "parallel_groups"
NORMALITY_ALPHA = 0.05


def supported(p_value, estimate, hypothesis: str, alpha: float):
    """True when p < alpha and the estimate points the hypothesised way; None when nothing was tested."""
    if p_value is None or estimate is None:
        return None
    direction = {"increase": estimate > 0, "decrease": estimate < 0}.get(hypothesis, estimate != 0)
    return bool(p_value < alpha and direction)


def empty_outcome(
    variable: dict, design: str, hypothesis: str = "change", alpha: float = 0.05, exploratory: bool = False
) -> dict:
    """Every field of an outcome entry, nothing computed yet."""
    paired = design == SINGLE
    return {
        "variable": variable["key"],
        "label": variable["label"],
        "type": variable["type"],
        "design": design,
        "comparison": None,
        "timepoints": [],
        "arms": [],
        "exploratory": exploratory,
        "n": 0,
        "n_by_group": {},
        "means": {},
        "dropped_missing": 0,
        "estimate": None,
        "ci95": None,
        "test": "paired_t" if paired else "welch_t",
        "method": None,
        "statistic": None,
        "df": None,
        "p_value": None,
        "effect_size": {"name": "cohens_dz" if paired else "hedges_g", "value": None},
        "robustness": {
            "test": "wilcoxon_signed_rank" if paired else "mann_whitney",
            "statistic": None,
            "p_value": None,
        },
        "normality": None,
        "hypothesis": hypothesis,
        "alpha": alpha,
        "supported": None,
        "reason": None,
        "warnings": [],
    }


def compare(
    panel: pd.DataFrame,
    roster: pd.Series,
    variable: dict,
    design: str,
    arms: list[str],
    *,
    arm: str | None = None,
    hypothesis: str = "change",
    alpha: float = 0.05,
    exploratory: bool = False,
) -> dict:
    """The API's outcome entry for one numeric variable of `panel` (variables.by_participant)."""
    # roster maps each participant with any data to their arm, to count who was left out
    entry = empty_outcome(variable, design, hypothesis, alpha, exploratory)
    if design == SINGLE:
        return _pre_post(entry, panel, variable, roster)
    if design == PARALLEL:
        return _between_arms(entry, panel, variable, arms, arm or (arms[1:] or [None])[0], roster)  # type: ignore[list-item]  # no second arm: None
    entry["reason"] = reason("unknown_design", design=design)
    return entry


def _pre_post(entry: dict, panel: pd.DataFrame, variable: dict, roster: pd.Series) -> dict:
    timepoints = variable["timepoints"]
    if len(timepoints) < 2:
        entry["reason"] = reason("one_timepoint", timepoint=timepoints[0]) if timepoints else reason("not_measured")
        return entry
    first, last = timepoints[0], timepoints[-1]
    before, after = column_at(panel, variable["key"], first), column_at(panel, variable["key"], last)
    both = np.isfinite(before) & np.isfinite(after)
    before, after = before[both], after[both]
    n = len(before)
    entry.update(
        comparison=f"{first} → {last}",
        timepoints=[first, last],
        n=n,
        n_by_group={first: n, last: n},
        means={first: _mean(before), last: _mean(after)},
        dropped_missing=max(0, len(roster) - n),
    )
    if n:
        entry["estimate"] = float(np.mean(after - before))
    return _run(
        entry,
        lambda: paired_t(after, before),
        lambda: signed_rank(after, before),
        lambda: after - before,
        "paired_differences",
        lambda: cohens_dz(after, before),
    )


def _between_arms(entry: dict, panel: pd.DataFrame, variable: dict, arms: list[str], arm, roster: pd.Series) -> dict:
    control = arms[0] if arms else None
    if arm is None or control is None:
        entry["reason"] = reason("no_control")
        return entry
    if not variable["timepoints"]:
        entry["reason"] = reason("not_measured")
        return entry
    timepoint = variable["timepoints"][-1]
    values = column_at(panel, variable["key"], timepoint)
    in_arm = panel.index.get_level_values("arm").to_numpy() if len(panel) else np.array([])
    x = values[(in_arm == arm) & np.isfinite(values)]
    y = values[(in_arm == control) & np.isfinite(values)]
    in_arms = int(roster.isin([arm, control]).sum())
    entry.update(
        comparison=f"{arm} vs {control} at {timepoint}",
        timepoints=[timepoint],
        arms=[control, arm],
        n=len(x) + len(y),
        n_by_group={control: len(y), arm: len(x)},
        means={control: _mean(y), arm: _mean(x)},
        dropped_missing=max(0, in_arms - len(x) - len(y)),
    )
    if len(x) and len(y):
        entry["estimate"] = float(x.mean() - y.mean())
    return _run(
        entry,
        lambda: welch_t(x, y),
        lambda: mann_whitney(x, y),
        lambda: np.concatenate([x - x.mean(), y - y.mean()]),
        "residuals_within_arms",
        lambda: hedges_g_exact(x, y),
    )


def compare_adjusted(
    panel: pd.DataFrame,
    roster: pd.Series,
    variable: dict,
    arms: list[str],
    baseline: str,
    *,
    arm: str | None = None,
    hypothesis: str = "change",
    alpha: float = 0.05,
    exploratory: bool = False,
) -> dict:
    """Parallel groups with the variable measured at `baseline` (the first timepoint) and later: ANCOVA
    `last ~ arm + baseline` as API.md v1.1 defines it, the unadjusted Welch comparison in `sensitivity`.
    Without such a baseline, the unadjusted comparison itself."""
    sensitivity = compare(
        panel, roster, variable, PARALLEL, arms, arm=arm, hypothesis=hypothesis, alpha=alpha, exploratory=exploratory
    )
    timepoints = variable["timepoints"]
    control, arm = (arms[0] if arms else None), arm or (arms[1] if len(arms) > 1 else None)
    if arm is None or control is None or len(timepoints) < 2 or timepoints[0] != baseline:
        return sensitivity
    last = timepoints[-1]
    entry = empty_outcome(variable, PARALLEL, hypothesis, alpha, exploratory)
    outcome, before = column_at(panel, variable["key"], last), column_at(panel, variable["key"], baseline)
    in_arm = panel.index.get_level_values("arm").to_numpy().astype(object) if len(panel) else np.array([], object)
    # one model of every arm (as R's lm with the arm as a factor): each arm's coefficient against the control
    keep = np.isin(in_arm, arms) & np.isfinite(outcome) & np.isfinite(before)
    outcome, before, groups = outcome[keep], before[keep], in_arm[keep]
    order = [control, arm] + [a for a in arms[1:] if a != arm]
    n_by_group = {a: int(np.sum(groups == a)) for a in arms}
    entry.update(
        test="ancova",
        comparison=f"{arm} vs {control} at {last} adjusted for {baseline}",
        timepoints=[baseline, last],
        arms=[control, arm],
        n=n_by_group[control] + n_by_group[arm],
        n_model=int(keep.sum()),
        n_by_group=n_by_group,
        means={g: _mean(outcome[groups == g]) for g in (control, arm)},
        baseline_means={g: _mean(before[groups == g]) for g in (control, arm)},
        dropped_missing=max(0, int(roster.isin([control, arm]).sum()) - n_by_group[control] - n_by_group[arm]),
        adjusted_for=[f"{variable['key']}@{baseline}"],
        # the standardised size of the unadjusted difference at the last timepoint (API.md: g or dz)
        effect_size=sensitivity["effect_size"],
        sensitivity=sensitivity,
    )
    x, y = outcome[groups == arm], outcome[groups == control]
    return _run(
        entry,
        lambda: ancova(outcome, before, groups, order),
        lambda: mann_whitney(x, y),
        lambda: _residuals(outcome, before, groups, order),
        "residuals_of_model",
    )


def _residuals(outcome: np.ndarray, before: np.ndarray, groups: np.ndarray, arms: list[str]) -> np.ndarray:
    design = np.column_stack([np.ones(len(outcome))] + [(groups == a).astype(float) for a in arms[1:]] + [before])
    coefficients, *_ = np.linalg.lstsq(design, outcome, rcond=None)
    return outcome - design @ coefficients


def _mean(values) -> float | None:
    return float(np.mean(values)) if len(values) else None


def _run(entry, main, robust, residuals, what: str, effect=None) -> dict:
    """Run the t test, its robustness test and Shapiro–Wilk, filling the entry and its warnings."""
    try:
        entry.update({k: v for k, v in main().items() if k not in ("n", "contrasts", "n_by_arm")})
    except NotTestable as refusal:
        entry["reason"] = refusal.reason
    if effect is not None and entry["reason"] is None:
        # API.md v1.1: the effect size with its noncentral-t interval (Hedges' g with the exact correction J)
        try:
            entry["effect_size"] = effect()
        except NotTestable as refusal:
            entry["effect_size"] = {**entry["effect_size"], "value": None, "ci95": None, "reason": refusal.reason}
    try:
        entry["robustness"] = robust()
    except NotTestable as refusal:
        entry["robustness"]["reason"] = refusal.reason
    entry["supported"] = supported(entry["p_value"], entry["estimate"], entry["hypothesis"], entry["alpha"])
    if entry["reason"] is None:
        entry["normality"] = shapiro_wilk(residuals()) | {"on": what}
        p = entry["normality"]["p_value"]
        if p is not None and p < NORMALITY_ALPHA:
            # rely on the robustness test rather than the t test
            entry["warnings"].append(
                _warning(entry, "not_normal", p_value=p, on=what, robustness=entry["robustness"]["test"])
            )
    if entry["dropped_missing"]:
        entry["warnings"].append(_warning(entry, "missing_data", n=entry["dropped_missing"]))
    robust_p = entry["robustness"].get("p_value")
    if (
        entry["p_value"] is not None
        and robust_p is not None
        and (entry["p_value"] < entry["alpha"]) != (robust_p < entry["alpha"])
    ):
        entry["warnings"].append(
            _warning(
                entry,
                "tests_disagree",
                alpha=entry["alpha"],
                p_value=entry["p_value"],
                robustness=entry["robustness"]["test"],
                robustness_p_value=robust_p,
            )
        )
    return entry


def _warning(entry: dict, code: str, **numbers) -> dict:
    return warning(code, variable=entry["variable"], comparison=entry["comparison"], **numbers)
