"""The supportive analysis over three or more timepoints in the results dict (analysis.repeated): which
entries get it, and properties that hold whatever the data (by hand, not from the code under test)."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.results import build_results
from tests.analysis.builders import frame, study

TP = ["t0", "t1", "t2"]
ARMS = ["control", "app"]
row = st.lists(st.integers(0, 20).map(float), min_size=3, max_size=3)


def _rows(matrix, arms=None, shift=0.0, shifted_arm=None):
    out = []
    for i, values in enumerate(matrix):
        arm = arms[i % len(arms)] if arms else "intervention"
        for tp, v in zip(TP, values, strict=True):
            out.append((f"P{i}", arm, tp, "sleep", v + (shift if arm == shifted_arm else 0.0)))
    return out


@settings(deadline=None, max_examples=15)
@given(st.lists(row, min_size=4, max_size=10), st.integers(-50, 50))
def test_complete_data_the_model_agrees_with_the_mean_changes_and_ignores_a_common_shift(matrix, shift):
    # complete, balanced data: each timepoint's effect is the mean change from the first (by hand), so the
    # last one equals the primary's paired estimate; adding a constant to every value changes nothing
    y = np.array(matrix)
    spec = study(timepoints=TP)
    primary = build_results(frame(_rows(matrix)), spec)["primary_outcome"]
    moved = build_results(frame(_rows([[v + shift for v in r] for r in matrix])), spec)["primary_outcome"]
    over = primary["longitudinal"]
    if over["model"].get("reason"):  # e.g. every value equal: declined with a code, the same after the shift
        assert moved["longitudinal"]["model"]["reason"] == over["model"]["reason"]
        return
    for term, column in zip(over["model"]["contrasts"], (1, 2), strict=True):
        assert term["estimate"] == pytest.approx(y[:, column].mean() - y[:, 0].mean(), abs=1e-7)
    assert over["model"]["contrasts"][-1]["estimate"] == pytest.approx(primary["estimate"], abs=1e-7)
    for a, b in zip(over["model"]["contrasts"], moved["longitudinal"]["model"]["contrasts"], strict=True):
        assert b["estimate"] == pytest.approx(a["estimate"], abs=1e-6)
        assert b["p_value"] == pytest.approx(a["p_value"], abs=1e-6)
    assert over["friedman"]["n"] == len(matrix)
    json.dumps(over, allow_nan=False)


@settings(deadline=None, max_examples=10)
@given(st.lists(row, min_size=8, max_size=12), st.integers(1, 30))
def test_shifting_one_arm_moves_only_its_baseline_difference(matrix, shift):
    # an arm shifted by a constant at every timepoint changes by that constant at baseline and not at all in
    # its change over time (the arm × time terms)
    spec = study(design="parallel_groups", arms=ARMS, timepoints=TP)
    before = build_results(frame(_rows(matrix, ARMS)), spec)["primary_outcome"]["longitudinal"]["model"]
    after = build_results(frame(_rows(matrix, ARMS, shift, "app")), spec)["primary_outcome"]["longitudinal"]["model"]
    if before.get("reason"):
        return
    assert after["arm_at_baseline"][0]["estimate"] == pytest.approx(before["arm_at_baseline"][0]["estimate"] + shift)
    for a, b in zip(before["interactions"], after["interactions"], strict=True):
        assert b["estimate"] == pytest.approx(a["estimate"], abs=1e-6)


def test_only_numeric_variables_at_three_timepoints_get_it():
    walks = {"key": "walks", "text": "Walks daily", "type": "yes_no"}
    short = {"key": "short", "text": "Short", "type": "number"}
    sleep = {"key": "sleep", "text": "Sleep", "type": "number"}
    items = {"t0": [sleep, walks, short], "t1": [sleep, walks, short], "t2": [sleep, walks]}
    rows = []
    for i in range(6):
        for j, tp in enumerate(TP):
            rows += [
                (f"P{i}", "intervention", tp, "sleep", 5.0 + j + i % 3),
                (f"P{i}", "intervention", tp, "walks", 1.0),
            ]
            if tp != "t2":
                rows.append((f"P{i}", "intervention", tp, "short", float(i + j)))
    results = build_results(frame(rows), study(items=items, timepoints=TP))
    assert "longitudinal" in results["primary_outcome"]
    assert [e["variable"] for e in results["secondary"] if "longitudinal" in e] == []
    assert "longitudinal" in results["methods"]


@pytest.mark.parametrize("engine", ["profile", "statsmodels"])
def test_values_the_time_terms_fit_exactly_are_declined_not_fitted(engine):
    # every participant rises by exactly 1 at each timepoint: nothing varies within participants, so the
    # REML likelihood has no maximum (the optimiser wandered into NaN, or gave p = 1e-20 from rounding noise)
    from livinglab.analysis.errors import NotTestable
    from livinglab.analysis.longitudinal import mixed_model_arm_time, mixed_model_time

    values = [float(i + j) for i in range(5) for j in range(3)]
    participant = [i for i in range(5) for _ in range(3)]
    timepoint = TP * 5
    with pytest.raises(NotTestable) as refusal:
        mixed_model_time(values, participant, timepoint, TP, engine=engine)
    assert refusal.value.reason == {"code": "no_variance", "what": "within_participants"}
    arm = ["control" if i % 2 else "app" for i in range(5) for _ in range(3)]
    constant = [5.0 if a == "app" else 0.0 for a in arm]  # each arm constant: only the arm explains anything
    with pytest.raises(NotTestable):
        mixed_model_arm_time(constant, participant, timepoint, arm, TP, ["control", "app"], engine=engine)
