"""Invariants that must hold for any data (Hypothesis)."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from livinglab.analysis.descriptives import numeric_summary
from livinglab.analysis.errors import NotTestable
from livinglab.analysis.multiplicity import holm
from livinglab.analysis.paired import paired_t, signed_rank
from livinglab.analysis.results import build_results
from livinglab.analysis.two_groups import mann_whitney, welch_t
from tests.analysis.builders import MOOD, NOTE, SLEEP, USABILITY, frame, study

# Likert-like values make ties and zeros common; a decimal part keeps the t tests honest too
value = st.one_of(st.integers(-5, 5).map(float), st.floats(-100, 100, allow_nan=False).map(lambda v: round(v, 2)))
sample = st.lists(value, min_size=2, max_size=30)
shift = st.integers(-20, 20).map(float)


def _tested(test, *args):
    try:
        return test(*args)
    except NotTestable:
        assume(False)


@settings(deadline=None)
@given(sample, sample)
def test_swapping_arms_flips_the_sign_and_keeps_p(x, y):
    forward, backward = _tested(welch_t, x, y), welch_t(y, x)
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-9)
    assert backward["statistic"] == pytest.approx(-forward["statistic"], rel=1e-9, abs=1e-12)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-9, abs=1e-15)
    assert backward["effect_size"]["value"] == pytest.approx(-forward["effect_size"]["value"], abs=1e-9)
    u, u_back = _tested(mann_whitney, x, y), mann_whitney(y, x)
    assert u["statistic"] + u_back["statistic"] == len(x) * len(y)
    assert u_back["p_value"] == pytest.approx(u["p_value"], rel=1e-9)


@settings(deadline=None)
@given(st.lists(st.tuples(value, value), min_size=2, max_size=30), shift)
def test_adding_a_constant_to_the_follow_up_moves_the_estimate_by_that_constant(pairs, c):
    # (p itself must change: the mean difference moves while its spread does not)
    before, after = np.array(pairs).T
    plain, moved = _tested(paired_t, after, before), paired_t(after + c, before)
    assert moved["estimate"] == pytest.approx(plain["estimate"] + c, abs=1e-9)
    assert moved["ci95"] == pytest.approx([b + c for b in plain["ci95"]], abs=1e-6)
    assert moved["df"] == plain["df"]


@settings(deadline=None)
@given(st.lists(st.tuples(value, value), min_size=2, max_size=30), shift)
def test_adding_a_constant_to_both_timepoints_changes_nothing(pairs, c):
    before, after = np.array(pairs).T
    plain = _tested(paired_t, after, before)
    moved = paired_t(after + c, before + c)
    assert moved["estimate"] == pytest.approx(plain["estimate"], abs=1e-9)
    assert moved["p_value"] == pytest.approx(plain["p_value"], rel=1e-6, abs=1e-12)


@settings(deadline=None)
@given(sample, sample)
def test_swapping_before_and_after_mirrors_the_signed_rank_statistic(x, y):
    n = min(len(x), len(y))
    forward, backward = _tested(signed_rank, x[:n], y[:n]), signed_rank(y[:n], x[:n])
    assert forward["statistic"] + backward["statistic"] == forward["n"] * (forward["n"] + 1) / 2
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-9)


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=40))
def test_holm_is_monotone_bounded_and_never_below_raw(p_values):
    adjusted = holm(p_values)
    tested = sorted((p, a) for p, a in zip(p_values, adjusted, strict=True) if p is not None)
    for (_p, a), (_, a_next) in zip(tested, tested[1:], strict=False):
        assert a <= a_next
    assert all(p <= a <= 1 for p, a in tested)
    assert [a is None for a in adjusted] == [p is None for p in p_values]


@settings(deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60))
def test_descriptives_are_ordered(values):
    s = numeric_summary(values)
    slack = 1e-9 * max(1.0, max(abs(v) for v in values))  # a mean of equal floats may round past them
    assert s["min"] <= s["q1"] <= s["median"] <= s["q3"] <= s["max"]
    assert s["min"] - slack <= s["mean"] <= s["max"] + slack


answer = st.tuples(
    st.sampled_from(["P1", "P2", "P3", "P4", "P5", "P6"]),
    st.sampled_from(["baseline", "follow_up"]),
    st.sampled_from(["sleep", "ux_1", "ux_2", "mood", "note"]),
    st.one_of(st.integers(1, 7).map(float), st.sampled_from(["good", "bad", "", "=1+1"])),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(answer, max_size=40), st.sampled_from(["single_group_pre_post", "parallel_groups"]))
def test_results_are_always_json_serialisable(answers, design):
    arms = ["intervention"] if design == "single_group_pre_post" else ["control", "intervention"]
    rows = []
    for code, timepoint, item, v in answers:
        if (item in ("mood", "note")) != isinstance(v, str):
            continue
        arm = arms[int(code[1]) % len(arms)]
        rows.append((code, arm, timepoint, item, v if item != "mood" or v in ("good", "bad") else "good"))
    items = {tp: [SLEEP, USABILITY, MOOD, NOTE] for tp in ("baseline", "follow_up")}
    out = build_results(frame(rows), study(design, items=items))
    json.dumps(out, allow_nan=False)


@settings(deadline=None, max_examples=40)
@given(sample, sample)
def test_swapping_which_arm_is_control_flips_the_primary_outcome(x, y):
    from tests.analysis.builders import at_follow_up

    assume(np.std(x) + np.std(y) > 0)
    rows = frame(at_follow_up(x, "a") + at_follow_up(y, "b"))
    one = build_results(rows, study("parallel_groups", arms=["a", "b"]))["primary_outcome"]
    other = build_results(rows, study("parallel_groups", arms=["b", "a"]))["primary_outcome"]
    assume(one["p_value"] is not None)
    assert other["estimate"] == pytest.approx(-one["estimate"], abs=1e-9)
    assert other["statistic"] == pytest.approx(-one["statistic"], rel=1e-9, abs=1e-12)
    assert other["p_value"] == pytest.approx(one["p_value"], rel=1e-9, abs=1e-15)
    assert other["robustness"]["p_value"] == pytest.approx(one["robustness"]["p_value"], rel=1e-9)
