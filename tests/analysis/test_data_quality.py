"""Data quality in the results (issue 13, item 7): the flags of each response computed on the loader's frame
agree with quality.py's hand-checked checks; the sensitivity analysis without the excluded responses is the
registered analysis run on the frame without them; the registered analysis never changes.

Reference values: R's `t.test(c(1, 2, 3))` prints t = 3.4641, df = 2, p-value = 0.07418, 95 percent confidence
interval -0.4841377 4.4841377 (by hand: sd 1, t = 2 / (1 / √3); for 2 df the two-sided p is 1 − t / √(t² + 2)).
All four differences 1, 2, 3, 15, by hand: mean 5.25, sd √(128.75 / 3) = 6.5511, t = 5.25 / (6.5511 / 2) = 1.6028."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.data_quality import Assessment
from livinglab.analysis.quality import out_of_range, straight_lining, too_fast
from livinglab.analysis.results import build_results
from tests.analysis.builders import SLEEP, frame, pre_post, study

SLEEP_RANGED = {**SLEEP, "plausible_min": 3, "plausible_max": 14}
WHO = {"key": "who", "instrument": "who5"}


def surveys(items=(SLEEP_RANGED,)) -> dict:
    return {tp: {"timepoint": tp, "items": list(items)} for tp in ("baseline", "follow_up")}


def responses(codes, seconds=None) -> list[dict]:
    """Responses numbered 1.. : each participant's baseline, then their follow-up."""
    out, n = [], 0
    for code in codes:
        for tp in ("baseline", "follow_up"):
            n += 1
            out.append({"id": n, "participant_code": code, "survey": tp, "seconds": (seconds or {}).get(n)})
    return out


def spec(excluded=(), items=(SLEEP_RANGED,), codes=("P0", "P1", "P2", "P3"), seconds=None) -> dict:
    return study(items={tp: list(items) for tp in ("baseline", "follow_up")}) | {
        "quality": {"surveys": surveys(items), "responses": responses(codes, seconds), "excluded": list(excluded)}
    }


ROWS = pre_post([5, 5, 5, 5], [6, 7, 8, 20])


def test_the_registered_analysis_keeps_every_response_and_the_sensitivity_leaves_the_excluded_out():
    out = build_results(frame(ROWS), spec(excluded=[8]))  # response 8: P3's follow-up
    primary = out["primary_outcome"]
    assert (primary["n"], primary["estimate"]) == (4, 5.25)
    assert primary["statistic"] == pytest.approx(1.6028, abs=5e-5) and primary["df"] == 3
    without = primary["without_exclusions"]
    assert (without["n"], without["estimate"]) == (3, 2)
    assert without["statistic"] == pytest.approx(3.4641, abs=5e-5) and without["df"] == 2
    assert without["p_value"] == pytest.approx(0.07418, abs=5e-6)
    assert without["ci95"] == pytest.approx([-0.4841377, 4.4841377], abs=5e-7)
    assert (without["excluded_responses"], without["excluded_participants"]) == (1, 1)
    assert out["data_quality"] == {
        "responses": 8,
        "timed": 0,
        "flagged": 1,
        "flags": {"straight_lining": 0, "too_fast": 0, "out_of_range": 1},
        "excluded": 1,
        "excluded_participants": 1,
    }


def test_nothing_excluded_means_no_sensitivity_and_no_quality_input_means_no_counts():
    assert build_results(frame(ROWS), spec())["primary_outcome"]["without_exclusions"] is None
    plain = build_results(frame(ROWS), study())
    assert plain["data_quality"] is None and plain["primary_outcome"]["without_exclusions"] is None
    # an id that is not one of the study's responses excludes nothing
    assert build_results(frame(ROWS), spec(excluded=[999]))["primary_outcome"]["without_exclusions"] is None


def test_too_fast_counts_the_answers_of_each_timed_response():
    out = build_results(frame(ROWS), spec(seconds={1: 1.0, 2: 60.0}))
    assert out["data_quality"]["timed"] == 2 and out["data_quality"]["flags"]["too_fast"] == 1
    rows = ROWS + [(p, "intervention", tp, f"who_{i}", 3) for p in ("P0",) for tp in ("baseline",) for i in range(1, 6)]
    assessment = Assessment(frame(rows), spec(items=(SLEEP_RANGED, WHO), seconds={1: 11.0})["quality"])
    # P0's baseline: the sleep question and five WHO-5 items, 6 answers in 11 s (under 12 s)
    assert assessment.flags[1] == [
        {"code": "straight_lining", "instrument": "who", "items": 5, "value": 3.0},
        {"code": "too_fast", "seconds": 11.0, "threshold": 12.0, "items": 6},
    ]


values = st.integers(0, 5)


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.lists(values, min_size=5, max_size=5), st.booleans()), min_size=1, max_size=8))
def test_straight_lining_on_the_frame_agrees_with_the_hand_checked_check(answers):
    rows, expected_input = [], {}
    for n, (given_values, skip_one) in enumerate(answers):
        kept = given_values[:-1] if skip_one else given_values
        rows += [(f"P{n}", "intervention", "baseline", f"who_{i}", v) for i, v in enumerate(kept, start=1)]
        expected_input[2 * n + 1] = kept + [None] * (5 - len(kept))
    quality = spec(items=(WHO,), codes=[f"P{n}" for n in range(len(answers))])["quality"]
    found = {
        r: [f for f in fl if f["code"] == "straight_lining"] for r, fl in Assessment(frame(rows), quality).flags.items()
    }
    expected = {r: [f | {"instrument": "who"} for f in fl] for r, fl in straight_lining(expected_input).items()}
    assert {r: fl for r, fl in found.items() if fl} == expected


@settings(deadline=None, max_examples=40)
@given(
    st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=10),
    st.sampled_from([(3, 14), (None, 14), (3, None)]),
)
def test_plausible_ranges_on_the_frame_agree_with_the_hand_checked_check(numbers, bounds):
    low, high = bounds
    item = {**SLEEP, "plausible_min": low, "plausible_max": high}
    rows = [(f"P{n}", "intervention", "follow_up", "sleep", x) for n, x in enumerate(numbers)]
    quality = spec(items=(item,), codes=[f"P{n}" for n in range(len(numbers))])["quality"]
    found = Assessment(frame(rows), quality).flags
    expected = out_of_range({2 * n + 2: {"sleep": x} for n, x in enumerate(numbers)}, {"sleep": (low, high)})
    assert found == expected


@settings(deadline=None, max_examples=30)
@given(
    st.lists(st.integers(0, 10), min_size=4, max_size=8),
    st.lists(st.integers(0, 10), min_size=4, max_size=8),
    st.data(),
)
def test_the_sensitivity_is_the_registered_analysis_of_the_frame_without_the_excluded_answers(before, after, data):
    n = min(len(before), len(after))
    rows = pre_post(before[:n], after[:n])
    codes = [f"P{i}" for i in range(n)]
    excluded = data.draw(st.lists(st.integers(1, 2 * n), min_size=1, max_size=n, unique=True))
    out = build_results(frame(rows), spec(excluded=excluded, codes=codes))
    gone = {(codes[(r - 1) // 2], "baseline" if r % 2 else "follow_up") for r in excluded}
    kept = [row for row in rows if (row[0], row[2]) not in gone]
    alone = build_results(frame(kept), spec(codes=codes))["primary_outcome"]
    without = out["primary_outcome"]["without_exclusions"]
    for name in ("n", "estimate", "statistic", "p_value", "ci95", "test"):
        assert without[name] == alone[name], name
    registered = build_results(frame(rows), study())["primary_outcome"]
    assert {k: v for k, v in out["primary_outcome"].items() if k != "without_exclusions"} == {
        k: v for k, v in registered.items() if k != "without_exclusions"
    }


def test_too_fast_reference():
    assert too_fast({1: 11.0}, {1: 6}) == {1: [{"code": "too_fast", "seconds": 11.0, "threshold": 12.0, "items": 6}]}


def test_an_empty_frame_flags_nothing():
    assessment = Assessment(frame([]), spec()["quality"])
    assert assessment.flags == {} and assessment.summary()["responses"] == 8
    assert isinstance(assessment.kept(pd.DataFrame(columns=["participant_code"])), pd.DataFrame)
