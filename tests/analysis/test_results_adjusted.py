"""Properties of the results' v1.1 analyses (ANCOVA primary, yes/no outcomes), on literal frames."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.results import build_results
from tests.analysis.builders import frame, study

KEEP = {"key": "keep", "text": "Keep it?", "type": "yes_no"}


def _trial(seed: int, arms=("control", "coached"), shift: float = 0.0, analysis="ancova") -> dict:
    rng = np.random.default_rng(seed)
    rows = []
    for a, arm in enumerate(("control", "coached")):
        for i in range(6 + seed % 5):
            before = float(np.round(rng.normal(6, 1), 1))
            after = float(np.round(before * 0.6 + 2.5 + a + rng.normal(0, 0.8), 1))
            rows += [
                (f"{arm}{i}", arm, "baseline", "sleep", before + shift),
                (f"{arm}{i}", arm, "follow_up", "sleep", after + shift),
            ]
    spec = study(design="parallel_groups", arms=list(arms)) | {"primary_analysis": analysis}
    return build_results(frame(rows), spec)["primary_outcome"]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_swapping_the_arms_flips_the_adjusted_difference(seed):
    forward, backward = _trial(seed), _trial(seed, arms=("coached", "control"))
    assert forward["test"] == backward["test"] == "ancova"
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-9)
    assert backward["statistic"] == pytest.approx(-forward["statistic"], abs=1e-9)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-9)
    assert backward["ci95"] == [pytest.approx(-forward["ci95"][1]), pytest.approx(-forward["ci95"][0])]
    assert backward["effect_size"]["value"] == pytest.approx(-forward["effect_size"]["value"])


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(-50, 50, allow_nan=False))
def test_adding_a_constant_to_every_value_changes_no_comparison(seed, shift):
    plain, shifted = _trial(seed), _trial(seed, shift=shift)
    for key in ("estimate", "statistic", "p_value"):
        assert shifted[key] == pytest.approx(plain[key], rel=1e-6, abs=1e-9)
        assert shifted["sensitivity"][key] == pytest.approx(plain["sensitivity"][key], rel=1e-6, abs=1e-9)


def test_unadjusted_protocols_and_studies_without_the_field_keep_welch():
    assert _trial(3, analysis="unadjusted")["test"] == "welch_t"
    assert _trial(3, analysis=None)["test"] == "welch_t"


@pytest.mark.parametrize("yes_arm, yes_control", [(2, 10), (7, 3), (0, 4)])
def test_swapping_the_arms_flips_the_risk_difference_and_inverts_the_odds_ratio(yes_arm, yes_control):
    def primary(arms):
        rows = [(f"a{i}", "arm", "follow_up", "keep", float(i < yes_arm)) for i in range(12)]
        rows += [(f"c{i}", "control", "follow_up", "keep", float(i < yes_control)) for i in range(13)]
        spec = study(design="parallel_groups", arms=arms, items={"follow_up": [KEEP]}, primary="keep")
        return build_results(frame(rows), spec | {"primary_analysis": "ancova"})["primary_outcome"]

    forward, backward = primary(["control", "arm"]), primary(["arm", "control"])
    assert forward["type"] == "yes_no" and forward["test"] in ("fisher_exact", "chi_square")
    assert backward["estimate"] == pytest.approx(-forward["estimate"])
    assert backward["p_value"] == pytest.approx(forward["p_value"])
    if forward["odds_ratio"]["value"]:
        assert backward["odds_ratio"]["value"] == pytest.approx(1 / forward["odds_ratio"]["value"], rel=1e-3)
