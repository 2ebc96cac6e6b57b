"""analysis/subgroups.py: the flow and the primary outcome per group, from a tiny literal frame."""

import pandas as pd
import pytest

from livinglab.analysis.subgroups import MIN_CELL, by_group

STUDY = {
    "arms": ["control", "active"],
    "timepoints": ["t0", "t1"],
    "surveys": [{"timepoint": tp, "items": [{"key": "y", "type": "number", "text": "Y"}]} for tp in ("t0", "t1")],
    "primary_outcome": {"variable": "y"},
}


def frame(rows):
    return pd.DataFrame(
        [(code, arm, tp, "y", value, None) for code, arm, tp, value in rows],
        columns=["participant_code", "arm", "timepoint", "item", "number", "text"],
    )


def test_each_group_counts_its_own_and_describes_cells_of_five_or_more():
    rows = [(f"A{n}", "active", "t1", value) for n, value in enumerate([1, 2, 3, 4, 10])]
    rows += [("B1", "control", "t0", 5), ("B2", "control", "t1", 7), ("X", "active", "t1", 99)]
    group_of = {f"A{n}": "north" for n in range(5)} | {"B1": "south", "B2": "south"}  # X: not in any group
    tallies = {"north": {"screened": 9, "enrolled": 6, "withdrawn": 1}, "south": {"screened": 2, "enrolled": 2}}
    out = by_group(frame(rows), STUDY, group_of, tallies)
    assert (out["variable"], out["timepoint"], out["min_cell"]) == ("y", "t1", MIN_CELL)
    north, south = out["groups"]
    assert (north["key"], north["screened"], north["enrolled"], north["completed"], north["withdrawn"]) == (
        "north",
        9,
        6,
        5,
        1,
    )
    active = north["primary"]["active"]
    assert (active["n"], active["mean"], active["median"], active["withheld"]) == (5, 4.0, 3.0, False)
    assert active["sd"] == pytest.approx(3.5355339, abs=1e-6)  # sd(c(1, 2, 3, 4, 10)) in R
    assert north["primary"]["control"] == {"n": 0, "withheld": True}
    assert (south["completed"], south["withdrawn"]) == (1, 0)  # B1 answered only at t0
    assert south["primary"]["control"] == {"n": 1, "withheld": True}


def test_a_primary_outcome_that_is_not_numeric_gives_counts_only():
    study = {**STUDY, "primary_outcome": {"variable": None}}
    out = by_group(frame([("A", "active", "t1", 3)]), study, {"A": "north"}, {"north": {"enrolled": 1}})
    assert out["timepoint"] == "t1" and out["groups"][0]["completed"] == 1 and out["groups"][0]["primary"] is None
    empty = by_group(None, STUDY, {}, {"north": {"enrolled": 0}})
    assert empty["groups"][0]["completed"] == 0 and empty["groups"][0]["primary"] == {
        "control": {"n": 0, "withheld": True},
        "active": {"n": 0, "withheld": True},
    }


def test_a_running_pilot_with_no_answer_at_the_last_timepoint_yet_has_empty_cells():
    """Between enrolment and follow-up nobody has answered at t1: the cells are empty, never an error (the
    results of every pilot with sites failed so while it ran)."""
    rows = [(f"A{n}", "active", "t0", n) for n in range(6)]
    out = by_group(frame(rows), STUDY, {f"A{n}": "north" for n in range(6)}, {"north": {"enrolled": 6}})
    assert out["groups"][0]["completed"] == 0
    assert out["groups"][0]["primary"] == {"control": {"n": 0, "withheld": True}, "active": {"n": 0, "withheld": True}}
