"""Issue 9, item 1: Cronbach's alpha of an instrument is computed on its scored items.

The SUS alternates positively (odd) and negatively (even) worded statements: someone who finds the
system easy agrees with the odd ones and disagrees with the even ones. On raw answers such a
consistent respondent looks inconsistent and alpha comes out near −1; on the scored items
(odd x − 1, even 5 − x, as the SUS score counts them) it is high."""

import numpy as np
import pytest

from livinglab.analysis.descriptives import cronbach_alpha, instrument_alpha
from livinglab.analysis.results import build_results
from livinglab.surveys.instruments import INSTRUMENTS, score
from tests.analysis.builders import frame, study

# Hand-worked example: four respondents whose scored SUS items are all 4, 3, 2 and 1, except the first
# respondent's first item, scored 3. Raw answers: odd item = scored + 1, even item = 5 − scored.
SCORED = np.array([[3] + [4] * 9, [3] * 10, [2] * 10, [1] * 10], dtype=float)
RAW = np.array([[s + 1 if i % 2 == 0 else 5 - s for i, s in enumerate(row)] for row in SCORED])
# Item 1: 3, 3, 2, 1 → variance 2.75 / 3; items 2–10: 4, 3, 2, 1 → variance 5 / 3 each: Σ = 15.91667.
# Totals 39, 30, 20, 10 → variance 470.75 / 3 = 156.91667.
# alpha = 10/9 × (1 − 15.91667 / 156.91667) = 0.998407 (psych::alpha's raw_alpha is the same formula).
HAND_ALPHA = 10 / 9 * (1 - (2.75 / 3 + 9 * 5 / 3) / (470.75 / 3))


def test_the_hand_worked_example():
    assert HAND_ALPHA == pytest.approx(0.998407, abs=1e-6)
    assert cronbach_alpha(SCORED)["value"] == pytest.approx(HAND_ALPHA, abs=1e-12)


def test_sus_alpha_reverses_the_even_items():
    result = instrument_alpha("sus", RAW)
    assert result["value"] == pytest.approx(HAND_ALPHA, abs=1e-12)
    assert (result["n"], result["k"]) == (4, 10)
    # the bug: the raw answers themselves give a strongly negative alpha
    assert cronbach_alpha(RAW)["value"] < -0.5


def test_the_scored_items_are_what_the_sus_score_adds_up():
    answers = [4, 2, 5, 1, 4, 2, 5, 1, 4, 3]
    scored = INSTRUMENTS["sus"].scored_items(answers)
    assert scored == [3, 3, 4, 4, 3, 3, 4, 4, 3, 2]
    assert 2.5 * sum(scored) == score("sus", answers) == 82.5


def test_umux_lite_and_who5_items_all_point_the_same_way():
    assert INSTRUMENTS["umux_lite"].scored_items([7, 6]) == [6, 5]
    assert (sum(INSTRUMENTS["umux_lite"].scored_items([7, 6]))) * 100 / 12 == score("umux_lite", [7, 6])
    assert INSTRUMENTS["who5"].scored_items([5, 4, 3, 2, 1]) == [5, 4, 3, 2, 1]
    assert 4 * sum(INSTRUMENTS["who5"].scored_items([5, 4, 3, 2, 1])) == score("who5", [5, 4, 3, 2, 1])
    # no reversal, so alpha is that of the raw answers (a shift changes no variance)
    who = np.array([[5, 4, 5, 4, 5], [3, 3, 2, 3, 3], [1, 2, 1, 0, 1], [4, 4, 3, 4, 4]], dtype=float)
    assert instrument_alpha("who5", who)["value"] == pytest.approx(cronbach_alpha(who)["value"], abs=1e-12)
    ux = np.array([[7, 6], [4, 4], [2, 3], [5, 6]], dtype=float)
    assert instrument_alpha("umux_lite", ux)["value"] == pytest.approx(cronbach_alpha(ux)["value"], abs=1e-12)


def test_consistent_sus_respondents_give_a_high_alpha_in_the_results():
    """Thirty respondents who each hold one opinion of the system, answered with a little noise."""
    rng = np.random.default_rng(3)
    rows = []
    for person in range(30):
        opinion = rng.normal(0, 1.2)  # positive: finds it usable
        for item in range(1, 11):
            lean = opinion if item % 2 else -opinion  # agree with the odd, disagree with the even
            value = int(np.clip(np.rint(3 + lean + rng.normal(0, 0.5)), 1, 5))
            rows.append((f"P{person}", "intervention", "follow_up", f"sus_{item}", value))
        rows.append((f"P{person}", "intervention", "baseline", "sleep", 6.0))
        rows.append((f"P{person}", "intervention", "follow_up", "sleep", 7.0))
    spec = study(
        items={
            "baseline": [{"key": "sleep", "text": "Sleep", "type": "number"}],
            "follow_up": [{"key": "sleep", "text": "Sleep", "type": "number"}, {"key": "sus", "instrument": "sus"}],
        }
    )
    alpha = build_results(frame(rows), spec)["variables"]["sus"]["cronbach_alpha"]["follow_up"]
    assert alpha["n"] == 30 and alpha["value"] > 0.9
    raw = cronbach_alpha(
        np.array([[r[4] for r in rows if r[0] == f"P{p}" and r[3].startswith("sus_")] for p in range(30)], dtype=float)
    )
    assert raw["value"] < -0.9  # what the page showed before
