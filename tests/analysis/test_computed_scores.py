"""Scores computed from items (issue 14, item 6), in the pure analysis: the arithmetic, the reversal, the missing
rule, and a score as a variable of the results (described, compared, the primary outcome). Expected values are
worked out by hand in the comments."""

import numpy as np
import pytest

from livinglab.analysis.computed_scores import compute, compute_one, recipe, scales, score_range
from livinglab.analysis.results import build_results
from livinglab.analysis.variables import catalogue, wide_numbers
from tests.analysis.builders import frame, study

NAN = np.nan
A = {"key": "a", "text": "I sleep well", "type": "likert", "min": 1, "max": 5, "required": True}
B = {"key": "b", "text": "I wake up tired", "type": "likert", "min": 1, "max": 5, "required": False}
C = {"key": "c", "text": "I feel rested", "type": "likert", "min": 1, "max": 5, "required": False}
QUALITY = {"key": "quality", "text": "Sleep quality", "score": "mean", "of": ["a", "b", "c"], "reverse": ["b"]}
TOTAL = {**QUALITY, "key": "total", "score": "sum"}
ITEMS = [A, B, C, QUALITY, TOTAL]


def test_reversed_items_count_as_min_plus_max_minus_the_answer():
    made = recipe(QUALITY, ITEMS)
    assert made == {"method": "mean", "of": ["a", "b", "c"], "reverse": {"b": [1, 5]}}
    # a = 4, b = 2 reversed to 6 − 2 = 4, c = 5: mean 13 / 3, sum 13
    assert compute_one(made, [4, 2, 5]) == pytest.approx(13 / 3)
    assert compute_one(recipe(TOTAL, ITEMS), [4, 2, 5]) == 13


def test_a_mean_needs_half_of_the_items_rounded_up_and_a_sum_needs_them_all():
    mean, total = recipe(QUALITY, ITEMS), recipe(TOTAL, ITEMS)
    assert compute_one(mean, [4, 2, None]) == 4.0  # (4 + 4) / 2: two of three answered
    assert compute_one(mean, [4, None, None]) is None  # one of three: fewer than half
    assert compute_one(total, [4, 2, None]) is None  # a sum of two items is not on the scale of three
    four = {"method": "mean", "of": ["w", "x", "y", "z"], "reverse": {}}
    assert compute_one(four, [1, None, 3, None]) == 2.0  # two of four is half: (1 + 3) / 2
    assert compute_one(four, [1, None, None, None]) is None


def test_the_vectorised_score_agrees_with_the_row_by_row_one():
    made = recipe(QUALITY, ITEMS)
    columns = [np.array([4, 4, 4, 1]), np.array([2, 2, NAN, 5]), np.array([5, NAN, NAN, 1])]
    got = compute(made, columns)
    assert got[0] == pytest.approx(13 / 3) and got[1] == 4.0 and np.isnan(got[2]) and got[3] == 1.0
    rows = list(zip(*[[None if np.isnan(v) else v for v in c] for c in columns], strict=True))
    assert [compute_one(made, row) for row in rows][:2] == [pytest.approx(13 / 3), 4.0]


def test_yes_no_numbers_and_instrument_statements_have_their_scales():
    items = [
        {"key": "ok", "text": "OK?", "type": "yes_no", "required": True},
        {"key": "kg", "text": "Weight", "type": "number", "min": 30, "max": 200, "required": True},
        {"key": "who", "instrument": "who5"},
    ]
    score = {"key": "s", "text": "S", "score": "sum", "of": ["ok", "kg", "who_2"], "reverse": ["ok", "kg", "who_2"]}
    made = recipe(score, items)
    assert made["reverse"] == {"ok": [0, 1], "kg": [30, 200], "who_2": [0, 5]}
    # 1 − 1 = 0; 230 − 80 = 150; 5 − 1 = 4
    assert compute_one(made, [1, 80, 1]) == 154
    assert score_range(made, items) == (30, 206)


def test_the_range_of_a_mean_is_the_mean_of_the_scales():
    assert score_range(recipe(QUALITY, ITEMS), ITEMS) == (1, 5)
    assert score_range(recipe(TOTAL, ITEMS), ITEMS) == (3, 15)


def test_a_score_is_a_numeric_variable_loaded_from_its_items():
    variables = catalogue({"baseline": ITEMS}, ["baseline"])
    assert variables["quality"]["type"] == "score" and variables["quality"]["items"] == ["a", "b", "c"]
    rows = [("P1", "x", "baseline", "a", 4), ("P1", "x", "baseline", "b", 2), ("P1", "x", "baseline", "c", 5)]
    rows += [("P2", "x", "baseline", "a", 2), ("P2", "x", "baseline", "b", 5)]
    wide = wide_numbers(frame(rows), variables)
    assert list(wide["quality"]) == [pytest.approx(13 / 3), 1.5]  # P2: (2 + 1) / 2
    assert wide["total"].iloc[0] == 13 and np.isnan(wide["total"].iloc[1])


PAIRS = [  # participant, (a, b) at baseline, (a, b) at follow-up; score = mean(a, 6 − b)
    ("P1", (2, 4), (4, 2)),  # 2 → 4: +2
    ("P2", (3, 3), (4, 3)),  # 3 → 3.5: +0.5
    ("P3", (1, 5), (3, 1)),  # 1 → 4: +3
    ("P4", (2, None), (2, 2)),  # 2 (one of two is half) → 3: +1
]


def pre_post_rows():
    rows = []
    for code, *answers in PAIRS:
        for timepoint, (a, b) in zip(("baseline", "follow_up"), answers, strict=True):
            rows.append((code, "intervention", timepoint, "a", a))
            if b is not None:
                rows.append((code, "intervention", timepoint, "b", b))
    return rows


def test_a_score_can_be_the_primary_outcome():
    items = [
        {**A},
        {**B, "required": False},
        {"key": "rest", "text": "Restfulness", "score": "mean", "of": ["a", "b"], "reverse": ["b"]},
    ]
    spec = study(items={"baseline": items, "follow_up": items}, primary="rest")
    results = build_results(frame(pre_post_rows()), spec)
    primary = results["primary_outcome"]
    assert primary["variable"] == "rest" and primary["test"] == "paired_t" and primary["n"] == 4
    assert primary["estimate"] == pytest.approx((2 + 0.5 + 3 + 1) / 4)
    described = results["variables"]["rest"]
    assert described["type"] == "score" and described["label"] == "Restfulness"
    assert described["by_timepoint"]["baseline"]["mean"] == pytest.approx((2 + 3 + 1 + 2) / 4)
    assert described["computed"] == {"method": "mean", "of": ["a", "b"], "reverse": {"b": [1, 5]}}
    assert set(described["cronbach_alpha"]) == {"baseline", "follow_up"}


def test_a_score_may_use_a_matrix_rows_and_a_slider_but_never_a_section():
    """The question types of issue 14 (item 2) and the section breaks (item 4) met the scores at their merge."""
    items = [
        {"key": "about", "section": "About you"},
        {"key": "feel", "text": "How do you feel", "type": "matrix", "rows": ["Calm", "Rested"], "min": 1, "max": 5},
        {"key": "pain", "text": "Pain", "type": "slider", "labels": ["None", "Worst"]},
        {"key": "when", "text": "When", "type": "date"},
    ]
    assert scales(items) == {"feel_1": (1, 5), "feel_2": (1, 5), "pain": (0, 100)}
