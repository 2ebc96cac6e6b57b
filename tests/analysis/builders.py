"""Tiny literal studies and frames for the results tests."""

import pandas as pd

from livinglab.analysis.variables import COLUMNS

SLEEP = {"key": "sleep", "text": "Hours of sleep", "type": "number", "unit": "h"}
MOOD = {"key": "mood", "text": "Mood", "type": "single_choice", "choices": ["good", "bad"]}
NOTE = {"key": "note", "text": "Anything to add?", "type": "text", "required": False}
USABILITY = {"key": "ux", "instrument": "umux_lite"}


def study(
    design="single_group_pre_post",
    arms=None,
    items=None,
    primary="sleep",
    hypothesis="increase",
    timepoints=("baseline", "follow_up"),
) -> dict:
    items = items or {tp: [SLEEP] for tp in timepoints}
    arms = arms or (["intervention"] if design == "single_group_pre_post" else ["control", "intervention"])
    return {
        "id": 7,
        "design": design,
        "arms": arms,
        "timepoints": list(timepoints),
        "surveys": items,
        "primary_outcome": {"variable": primary, "hypothesis": hypothesis},
        "alpha": 0.05,
    }


def frame(rows) -> pd.DataFrame:
    """Rows as (participant, arm, timepoint, item, number or text)."""
    return pd.DataFrame(
        [(p, a, t, i, v, None) if not isinstance(v, str) else (p, a, t, i, None, v) for p, a, t, i, v in rows],
        columns=COLUMNS,
    )


def pre_post(before, after, arm="intervention", item="sleep", start=0) -> list:
    rows = []
    for i, (b, a) in enumerate(zip(before, after, strict=True), start):
        if b is not None:
            rows.append((f"P{i}", arm, "baseline", item, b))
        if a is not None:
            rows.append((f"P{i}", arm, "follow_up", item, a))
    return rows


def at_follow_up(values, arm, item="sleep", start=0) -> list:
    return [(f"{arm}{i}", arm, "follow_up", item, v) for i, v in enumerate(values, start)]
