"""Correlations on request (issue 13, item 5): two numeric variables, each at one timepoint ("measures",
written `<variable>@<timepoint>`), paired by participant; Pearson's r and Spearman's rho as R's cor.test
computes them. Exploratory: nothing in the protocol asked for them, so nothing is adjusted or concluded."""

import numpy as np
import pandas as pd

from .correlation import pearson, spearman
from .errors import NotTestable
from .jsonsafe import clean
from .variables import by_participant, catalogue, column_at, is_numeric, long_frame, wide_numbers

SEPARATOR = "@"


def measures(variables: dict[str, dict]) -> list[str]:
    """Every measure a reader may correlate: each numeric variable (instrument scores included) at each
    timepoint it is asked, in the catalogue's order."""
    return [
        f"{key}{SEPARATOR}{tp}"
        for key, variable in variables.items()
        if is_numeric(variable)
        for tp in variable["timepoints"]
    ]


def split(measure: str) -> tuple[str, str]:
    """`<variable>@<timepoint>` as (variable, timepoint); measures() names them so."""
    key, _sep, timepoint = measure.rpartition(SEPARATOR)
    return key, timepoint


def correlate(frame: pd.DataFrame | None, study: dict, x: str, y: str) -> dict:
    """Pearson (t test, Fisher's z interval) and Spearman (R's exact p without ties up to n = 1290) between two
    measures of the study, over the participants with both; where one cannot be computed, its `reason`.
    `study`: {timepoints, surveys} as results.build_results reads them. Raises KeyError for a measure
    the study does not have, ValueError for the same measure twice."""
    timepoints = list(study.get("timepoints") or [])
    variables = catalogue(study.get("surveys"), timepoints)
    known = set(measures(variables))
    for measure in (x, y):
        if measure not in known:
            raise KeyError(measure)
    if x == y:
        raise ValueError("the same measure twice")
    frame = long_frame(frame)
    frame = frame[frame["timepoint"].isin(timepoints)]
    (x_key, x_tp), (y_key, y_tp) = split(x), split(y)
    chosen = {key: variables[key] for key in (x_key, y_key)}
    panel = by_participant(wide_numbers(frame, chosen))
    xs, ys = column_at(panel, x_key, x_tp), column_at(panel, y_key, y_tp)
    both = np.isfinite(xs) & np.isfinite(ys)
    return clean(
        {
            "x": {"measure": x, "variable": x_key, "timepoint": x_tp, "label": variables[x_key]["label"]},
            "y": {"measure": y, "variable": y_key, "timepoint": y_tp, "label": variables[y_key]["label"]},
            "n": int(both.sum()),
            "exploratory": True,
            "pearson": _tested(pearson, xs, ys),
            "spearman": _tested(spearman, xs, ys),
        }
    )


def _tested(test, xs: np.ndarray, ys: np.ndarray) -> dict:
    try:
        return test(xs, ys) | {"reason": None}
    except NotTestable as refusal:
        name = "pearson" if test is pearson else "spearman"
        return {"test": name, "estimate": None, "p_value": None, "reason": refusal.reason}
