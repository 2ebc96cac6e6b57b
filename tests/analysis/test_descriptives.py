"""Descriptive statistics, instrument scores and Cronbach's alpha against hand-worked examples."""

import numpy as np
import pandas as pd
import pytest

from livinglab.analysis.descriptives import choice_summary, cronbach_alpha, describe_all, nps_summary, numeric_summary
from livinglab.analysis.variables import COLUMNS, catalogue, long_frame, wide_numbers
from livinglab.surveys.instruments import score


def test_quartiles_are_r_type_7():
    # R: quantile(1:10) → 25% 3.25, 50% 5.5, 75% 7.75 (type 7: 1 + p·(n − 1) interpolated)
    summary = numeric_summary(range(1, 11))
    assert (summary["q1"], summary["median"], summary["q3"]) == (3.25, 5.5, 7.75)
    # R: sd(1:10) = 3.02765
    assert summary["sd"] == pytest.approx(3.0276504, abs=5e-8)
    assert (summary["n"], summary["mean"], summary["min"], summary["max"]) == (10, 5.5, 1, 10)


def test_numeric_summary_of_nothing_and_of_one_value():
    assert numeric_summary([]) == {
        "n": 0,
        "mean": None,
        "sd": None,
        "median": None,
        "q1": None,
        "q3": None,
        "min": None,
        "max": None,
    }
    one = numeric_summary([4.0, float("nan")])
    assert one["n"] == 1 and one["sd"] is None and one["median"] == 4.0


def test_net_promoter_score():
    # 3 promoters (9, 10, 10), 2 passives (7, 8), 5 detractors (0..6): (3 − 5) / 10 = −20
    result = nps_summary([9, 10, 10, 7, 8, 0, 3, 5, 6, 6])
    assert result == {"score": -20.0, "promoters": 3, "passives": 2, "detractors": 5}
    assert nps_summary([])["score"] is None


def test_choice_counts_keep_every_choice_and_count_respondents():
    result = choice_summary([["tea"], ["coffee", "tea"], ["tea"]], ["coffee", "tea", "water"])
    assert result["n"] == 3
    assert result["counts"] == {"coffee": 1, "tea": 3, "water": 0}
    assert result["percentages"] == pytest.approx({"coffee": 100 / 3, "tea": 100.0, "water": 0.0})


def test_cronbach_alpha_by_hand():
    # items (rows = people): 1 2 3 / 2 3 3 / 3 4 5 / 4 4 5
    # item variances 5/3, 11/12, 4/3 (sum 47/12); totals 6 8 12 13, variance 131/12
    # alpha = 3/2 × (1 − 47/131) = 126/131
    result = cronbach_alpha([[1, 2, 3], [2, 3, 3], [3, 4, 5], [4, 4, 5]])
    assert result == {"value": pytest.approx(126 / 131), "n": 4, "k": 3}


def test_cronbach_alpha_uses_complete_answers_and_explains_refusals():
    assert cronbach_alpha([[1, 2, 3], [2, 3, 3], [3, 4, 5], [4, 4, 5], [1, np.nan, 2]])["n"] == 4
    # fewer than 2 complete answers (1); everyone has the same total: no variance
    assert cronbach_alpha([[1, 2], [np.nan, 3]])["reason"] == {"code": "too_few_complete", "n": 1, "minimum": 2}
    assert cronbach_alpha([[2, 3], [3, 2]])["reason"] == {"code": "same_total"}


SUS_ALL_THREES, SUS_BEST, SUS_WORST = [3] * 10, [5, 1] * 5, [1, 5] * 5


@pytest.mark.parametrize(
    "code, answers, expected",
    [
        ("sus", SUS_ALL_THREES, 50),  # 2.5 × (5·(3 − 1) + 5·(5 − 3)) = 50
        ("sus", SUS_BEST, 100),  # 2.5 × (5·4 + 5·4)
        ("sus", SUS_WORST, 0),
        ("umux_lite", [7, 7], 100),  # (7 + 7 − 2) × 100 / 12
        ("umux_lite", [4, 4], 50),
        ("umux_lite", [1, 1], 0),
        ("who5", [5] * 5, 100),  # 4 × 25
        ("who5", [3] * 5, 60),
        ("who5", [0] * 5, 0),
    ],
)
def test_instrument_scores_by_hand(code, answers, expected):
    assert score(code, answers) == expected
    variables = catalogue({"t0": [{"key": "ux", "instrument": code}]}, ["t0"])
    rows = [("P1", "a", "t0", f"ux_{i}", float(v), None) for i, v in enumerate(answers, 1)]
    wide = wide_numbers(long_frame(pd.DataFrame(rows, columns=COLUMNS)), variables)
    assert wide["ux"].iloc[0] == pytest.approx(expected)


def test_a_score_needs_every_item():
    variables = catalogue({"t0": [{"key": "ux", "instrument": "sus"}]}, ["t0"])
    rows = [("P1", "a", "t0", f"ux_{i}", 3.0, None) for i in range(1, 11)]
    rows += [("P2", "a", "t0", f"ux_{i}", 3.0, None) for i in range(1, 10)]
    wide = wide_numbers(long_frame(pd.DataFrame(rows, columns=COLUMNS)), variables)
    assert wide["ux"].tolist()[0] == 50 and np.isnan(wide["ux"].tolist()[1])


def test_choices_are_counted_per_respondent_new_ones_in_the_order_first_given():
    # Counted from each distinct answer once (issue 15): the same figures and the same order as one by one
    single = {"key": "diet", "type": "single_choice", "text": "Diet", "choices": ["Omnivore", "Vegetarian"]}
    several = {"key": "habits", "type": "multiple_choice", "text": "Habits", "choices": ["Naps", "Sport"]}
    keep = {"key": "keep", "type": "yes_no", "text": "Keep it?"}
    note = {"key": "note", "type": "text", "text": "Anything else?"}
    variables = catalogue({"t0": [single, several, keep, note]}, ["t0"])
    diets = ["Vegetarian", "Pescatarian", "Vegetarian", "Omnivore", "Raw", "Pescatarian"]
    habits = ['["Sport", "Late"]', '["Naps"]', '["Sport", "Late"]', "[]", '["Early", "Naps", "Naps"]', None]
    keeps = [1.0, 0.0, 1.0, None, 1.0, -0.0]
    notes = ["fine", "  ", "fine", "", None, "ok"]
    rows = []
    for i in range(6):
        arm = "a" if i < 3 else "b"
        rows += [
            (f"P{i}", arm, "t0", "diet", None, diets[i]),
            (f"P{i}", arm, "t0", "habits", None, habits[i]),
            (f"P{i}", arm, "t0", "keep", keeps[i], None),
            (f"P{i}", arm, "t0", "note", None, notes[i]),
        ]
    frame = long_frame(pd.DataFrame(rows, columns=COLUMNS))
    described = describe_all(variables, wide_numbers(frame, variables), frame, ["a", "b"])

    diet = described["diet"]["by_timepoint"]["t0"]
    assert diet["n"] == 6
    assert list(diet["counts"].items()) == [("Omnivore", 1), ("Vegetarian", 2), ("Pescatarian", 2), ("Raw", 1)]
    assert diet["percentages"]["Vegetarian"] == pytest.approx(100 * 2 / 6)
    habit = described["habits"]["by_timepoint"]["t0"]
    assert habit["n"] == 5
    assert list(habit["counts"].items()) == [("Naps", 3), ("Sport", 2), ("Late", 2), ("Early", 1)]
    assert described["habits"]["by_arm"]["b"]["t0"]["counts"] == {"Naps": 2, "Sport": 0, "Early": 1}
    keep_t0 = described["keep"]["by_timepoint"]["t0"]
    assert {k: keep_t0[k] for k in ("n", "counts", "percentages", "proportion", "ci_method")} == {
        "n": 5,
        "counts": {"yes": 3, "no": 2},
        "percentages": {"yes": 60.0, "no": 40.0},
        "proportion": 0.6,
        "ci_method": "wilson",
    }
    # Wilson's interval of 3 in 5 (binom::binom.wilson(3, 5): 0.2307243 0.8823792)
    assert keep_t0["ci95"] == pytest.approx([0.2307243, 0.8823792], abs=1e-7)
    assert described["note"]["by_timepoint"]["t0"] == {"n": 3, "not_applicable": 0}  # blank answers are not counted
    assert described["note"]["by_arm"]["a"]["t0"] == {"n": 2, "not_applicable": 0}


def test_the_same_item_twice_at_one_timepoint_keeps_the_answer_read_last():
    # two surveys at one timepoint asking the same key: the row the database returned last wins
    variables = catalogue({"t0": [{"key": "x", "type": "number", "text": "X"}]}, ["t0"])
    rows = [("P1", "a", "t0", "x", 1.0, None), ("P2", "a", "t0", "x", 5.0, None), ("P1", "a", "t0", "x", 2.0, None)]
    wide = wide_numbers(long_frame(pd.DataFrame(rows, columns=COLUMNS)), variables)
    assert wide["x"].to_dict() == {("P1", "a", "t0"): 2.0, ("P2", "a", "t0"): 5.0}
