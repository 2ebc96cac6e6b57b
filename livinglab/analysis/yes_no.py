"""A yes/no variable compared as API.md v1.1 defines it: McNemar before/after, or arm against control
(risk difference with Newcombe's interval, odds ratio as R's fisher.test, Fisher's exact or chi-square)."""

import numpy as np
import pandas as pd

from .binary import compare_binary, mcnemar
from .comparisons import PARALLEL, SINGLE, empty_outcome, supported
from .errors import NotTestable, reason, warning
from .variables import column_at


def binary_outcome(variable: dict, design: str, hypothesis: str, alpha: float, exploratory: bool) -> dict:
    """An outcome entry for a yes/no variable: no t test, no robustness test, no standardised effect size."""
    entry = empty_outcome(variable, design, hypothesis, alpha, exploratory)
    entry.update(
        test="mcnemar" if design == SINGLE else "fisher_exact",
        effect_size={"name": None, "value": None},
        robustness={"test": None, "statistic": None, "p_value": None},
        proportions={},
    )
    return entry


def compare_yes_no(
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
    """The outcome entry of one yes/no variable of `panel` (variables.yes_no_panel, answers as 1/0)."""
    entry = binary_outcome(variable, design, hypothesis, alpha, exploratory)
    timepoints = variable["timepoints"]
    if design == SINGLE:
        if len(timepoints) < 2:
            entry["reason"] = reason("one_timepoint", timepoint=timepoints[0]) if timepoints else reason("not_measured")
            return entry
        first, last = timepoints[0], timepoints[-1]
        before, after = column_at(panel, variable["key"], first), column_at(panel, variable["key"], last)
        both = np.isfinite(before) & np.isfinite(after)
        n = int(both.sum())
        entry.update(
            comparison=f"{first} → {last}",
            timepoints=[first, last],
            n=n,
            n_by_group={first: n, last: n},
            dropped_missing=max(0, len(roster) - n),
        )
        run = lambda: mcnemar(before, after)  # noqa: E731
    elif design == PARALLEL:
        control, arm = (arms[0] if arms else None), arm or (arms[1] if len(arms) > 1 else None)
        if arm is None or control is None:
            entry["reason"] = reason("no_control")
            return entry
        if not timepoints:
            entry["reason"] = reason("not_measured")
            return entry
        last = timepoints[-1]
        values = column_at(panel, variable["key"], last)
        in_arm = panel.index.get_level_values("arm").to_numpy() if len(panel) else np.array([])
        x = values[(in_arm == arm) & np.isfinite(values)]
        y = values[(in_arm == control) & np.isfinite(values)]
        entry.update(
            comparison=f"{arm} vs {control} at {last}",
            timepoints=[last],
            arms=[control, arm],
            n=len(x) + len(y),
            n_by_group={control: len(y), arm: len(x)},
            dropped_missing=max(0, int(roster.isin([arm, control]).sum()) - len(x) - len(y)),
        )
        run = lambda: compare_binary(x, y)  # noqa: E731
    else:
        entry["reason"] = reason("unknown_design", design=design)
        return entry
    try:
        found = run()
    except NotTestable as refusal:
        entry["reason"] = refusal.reason
    else:
        entry.update({k: v for k, v in found.items() if k not in ("n", "warnings")})
        # the proportions of "yes" (Wilson intervals) by timepoint or arm, also where numeric outcomes give means
        shares = found["proportions"]
        names = (
            {timepoints[0]: "first", timepoints[-1]: "last"}
            if design == SINGLE
            else {entry["arms"][0]: "control", entry["arms"][1]: "arm"}
        )
        entry["proportions"] = {name: shares[side] for name, side in names.items()}
        entry["means"] = {name: shares[side]["value"] for name, side in names.items()}
        entry["warnings"].extend(
            warning(w["code"], variable=variable["key"], comparison=entry["comparison"])
            for w in found.get("warnings", [])
        )
    entry["supported"] = supported(entry["p_value"], entry["estimate"], hypothesis, alpha)
    if entry["dropped_missing"]:
        entry["warnings"].append(
            warning(
                "missing_data", variable=variable["key"], comparison=entry["comparison"], n=entry["dropped_missing"]
            )
        )
    return entry
