"""Descriptive statistics, instrument scores and Cronbach's alpha against hand-worked examples."""

import numpy as np
import pandas as pd
import pytest

from livinglab.analysis.descriptives import choice_summary, cronbach_alpha, nps_summary, numeric_summary
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
