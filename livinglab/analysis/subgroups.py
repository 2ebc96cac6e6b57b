"""The flow and the primary outcome read by subgroup: by site, or by the age stratum of the randomisation (one
function for both, grouping the participants by one column).

Pure: the loader's long frame, the study as plain data, each participant's group and the flow's tallies per
group in; a plain dict out. Each group's primary outcome is described per arm at the timepoint of the primary
contrast (the protocol's primary_timepoint, else the last timepoint that measures it); a cell (group × arm) with fewer than `MIN_CELL` values gives its `n` only (`withheld`): its mean
would be one person's answer, or nearly, and says nothing about the group."""

import pandas as pd

from .descriptives import numeric_summary
from .variables import catalogue, declared_at, is_numeric, long_frame, wide_numbers

MIN_CELL = 5


def by_group(frame: pd.DataFrame | None, study: dict, group_of: dict[str, str], tallies: dict[str, dict]) -> dict:
    """`{variable, timepoint, min_cell, groups: [{key, screened, enrolled, completed, withdrawn, primary}]}`.

    `group_of`: each participant code's group (the participants whose data are kept); `tallies`: per group, in
    the order to show them, `{"screened": n or None (not known), "enrolled": n, "withdrawn": n}`. `completed`
    counts the participants of the group who answered at the primary outcome's timepoint (the declared one, else
    the last that measures it; the last timepoint when there is no primary outcome), as the flow's `completed` does; `primary`: per arm,
    the descriptives of the primary outcome there (null when it is not numeric)."""
    arms, timepoints = list(study.get("arms") or []), list(study.get("timepoints") or [])
    frame = long_frame(frame)
    frame = frame[frame["timepoint"].isin(timepoints)]
    variables = catalogue(study.get("surveys"), timepoints)
    key = (study.get("primary_outcome") or {}).get("variable")
    variable = variables.get(key) if key else None
    variable = declared_at(variable, study.get("primary_timepoint")) if variable else None
    timepoint = variable["timepoints"][-1] if variable else (timepoints[-1] if timepoints else None)
    answered = frame.loc[frame["timepoint"] == timepoint, "participant_code"].astype(str).unique()
    completed = pd.Series([group_of.get(code) for code in answered], dtype=object).value_counts().to_dict()
    values = None
    if variable is not None and is_numeric(variable):
        wide = wide_numbers(frame, {str(key): variable})
        if len(wide):
            at = wide.loc[wide.index.get_level_values("timepoint") == timepoint, key].dropna()  # none yet: empty
            codes = at.index.get_level_values("participant_code").astype(str)
            values = pd.DataFrame(
                {
                    "group": [group_of.get(code) for code in codes],
                    "arm": at.index.get_level_values("arm").astype(str),
                    "value": at.to_numpy(dtype=float),
                }
            )
        else:
            values = pd.DataFrame(columns=["group", "arm", "value"])
    groups = []
    for group, counts in tallies.items():
        line = {
            "key": group,
            "screened": counts.get("screened"),
            "enrolled": int(counts.get("enrolled", 0)),
            "completed": int(completed.get(group, 0)),
            "withdrawn": int(counts.get("withdrawn", 0)),
            "primary": None,
        }
        if values is not None:
            here = values[values["group"] == group]
            line["primary"] = {arm: _cell(here.loc[here["arm"] == arm, "value"].to_numpy()) for arm in arms}
        groups.append(line)
    return {"variable": key, "timepoint": timepoint, "min_cell": MIN_CELL, "groups": groups}


def _cell(values) -> dict:
    """The descriptives of one group × arm, or its `n` alone under `MIN_CELL` values."""
    summary = numeric_summary(values)
    if summary["n"] < MIN_CELL:
        return {"n": summary["n"], "withheld": True}
    return summary | {"withheld": False}
