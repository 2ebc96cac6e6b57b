"""Variables measured at three or more timepoints (issue 13 item 4): the mixed model over every timepoint and,
in a single group, Friedman's test on complete cases, written into each outcome entry as `longitudinal`.

The registered contrast (last against first, or arm against control at the last timepoint) stays the primary
analysis; this one is supportive (`role`). Parallel groups: one arm × time model per variable, fitted on every
arm, each entry keeping the terms of its own arm; Friedman's test is not run there (it tests time within one
sample, not whether the arms change differently), with the reason `not_for_parallel_groups`."""

import numpy as np
import pandas as pd

from .comparisons import PARALLEL, SINGLE
from .errors import NotTestable, reason
from .longitudinal import friedman, mixed_model_arm_time, mixed_model_time
from .variables import column_at, is_numeric

MINIMUM_TIMEPOINTS = 3


def add_longitudinal(entries: list[dict], panel: pd.DataFrame, variables: dict, design: str, arms: list) -> None:
    """Give each numeric outcome entry whose variable is measured at 3 or more timepoints its `longitudinal`."""
    fits: dict[str, dict] = {}  # one model per variable, whichever entries share it
    for entry in entries:
        variable = variables.get(entry.get("variable"))
        if variable is None or not is_numeric(variable) or len(variable["timepoints"]) < MINIMUM_TIMEPOINTS:
            continue
        if variable["key"] not in fits:
            fits[variable["key"]] = over_time(panel, variable, design, arms)
        entry["longitudinal"] = _for_arm(fits[variable["key"]], entry.get("arms") or [])


def over_time(panel: pd.DataFrame, variable: dict, design: str, arms: list) -> dict:
    """The supportive analysis of one variable over all its timepoints, from the (participant, arm) panel."""
    timepoints = list(variable["timepoints"])
    matrix = np.column_stack([column_at(panel, variable["key"], tp) for tp in timepoints])
    in_arm = panel.index.get_level_values("arm").to_numpy().astype(object) if len(panel) else np.array([], object)
    if design == PARALLEL:
        keep = np.isin(in_arm, arms)
        matrix, in_arm = matrix[keep], in_arm[keep]
    answered = np.isfinite(matrix)
    complete = answered.all(axis=1)
    out = {
        "role": "supportive",
        "timepoints": timepoints,
        "reference": timepoints[0],
        "n_participants": int(answered.any(axis=1).sum()),
        "n_complete": int(complete.sum()),
    }
    # long form: one row per participant and timepoint measured; a participant is their row of the panel
    rows, columns = np.nonzero(answered)
    values, participant = matrix[rows, columns], rows
    timepoint = np.asarray(timepoints, dtype=object)[columns]
    if design == PARALLEL:
        out["model"] = _tried(
            "mixed_model",
            lambda: mixed_model_arm_time(values, participant, timepoint, in_arm[rows], timepoints, list(arms)),
        )
        out["friedman"] = {"test": "friedman", "p_value": None, "reason": reason("not_for_parallel_groups")}
    elif design == SINGLE:
        out["model"] = _tried("mixed_model", lambda: mixed_model_time(values, participant, timepoint, timepoints))
        out["friedman"] = _tried("friedman", lambda: friedman(matrix) | {"timepoints": timepoints})
    else:
        out["model"] = {"test": "mixed_model", "p_value": None, "reason": reason("unknown_design", design=design)}
        out["friedman"] = {"test": "friedman", "p_value": None, "reason": reason("unknown_design", design=design)}
    return out


def _tried(test: str, run) -> dict:
    try:
        return run()
    except NotTestable as refusal:
        return {"test": test, "p_value": None, "reason": refusal.reason}


def _for_arm(fit: dict, compared: list) -> dict:
    """A parallel-group entry (control, arm) keeps the arm's own terms of the model fitted on every arm."""
    model = fit.get("model") or {}
    if len(compared) != 2 or "interactions" not in model:
        return fit
    arm = compared[1]
    return fit | {
        "model": model
        | {
            "arms": [compared[0]] + [term["arm"] for term in model["arm_at_baseline"]],
            "arm_at_baseline": [term for term in model["arm_at_baseline"] if term["arm"] == arm],
            "interactions": [term for term in model["interactions"] if term["arm"] == arm],
        }
    }
