"""ANCOVA against R's summary(lm(post ~ group + pre)) for published data."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from livinglab.analysis.ancova import ancova
from livinglab.analysis.errors import NotTestable
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import ANOREXIA

ARMS = ["Cont", "CBT", "FT"]


def _anorexia(arms=ARMS):
    last, baseline, arm = [], [], []
    for name in arms:
        pre, post = ANOREXIA[name]
        baseline += pre
        last += post
        arm += [name] * len(pre)
    return last, baseline, arm


def test_ancova_matches_r_on_anorexia():
    # MASS::anorexia, R: anorexia$Treat <- factor(anorexia$Treat, levels = c("Cont", "CBT", "FT"));
    # summary(lm(Postwt ~ Prewt + Treat, data = anorexia)), printed at commres.net/wiki/ancova:
    # TreatCBT 4.0971 1.8935 2.164 0.033999; TreatFT 8.6601 2.1931 3.949 0.000189;
    # Prewt 0.4345 0.1612; Residual standard error: 6.978 on 68 degrees of freedom
    result = ancova(*_anorexia(), arms=ARMS)
    cbt, ft = result["contrasts"]
    assert (cbt["arm"], ft["arm"]) == ("CBT", "FT")
    assert cbt["estimate"] == printed("4.0971") and cbt["se"] == printed("1.8935")
    assert cbt["statistic"] == printed("2.164") and cbt["p_value"] == printed("0.033999")
    assert ft["estimate"] == printed("8.6601") and ft["se"] == printed("2.1931")
    assert ft["statistic"] == printed("3.949") and ft["p_value"] == printed("0.000189")
    assert result["df"] == 68 and cbt["df"] == 68
    assert result["residual_sd"] == printed("6.978")
    assert result["baseline_coefficient"]["estimate"] == printed("0.4345")
    assert result["baseline_coefficient"]["se"] == printed("0.1612")
    # the primary contrast is the second arm listed
    assert result["estimate"] == cbt["estimate"] and result["test"] == "ancova"


def test_ancova_interval_is_confint():
    # R's confint.lm: estimate ± qt(0.975, 68) × se; by hand from the printed 4.0971 and 1.8935
    result = ancova(*_anorexia(), arms=ARMS)
    q = stats.t.ppf(0.975, 68)
    assert result["ci95"] == [
        pytest.approx(4.0971 - q * 1.8935, abs=2e-4),
        pytest.approx(4.0971 + q * 1.8935, abs=2e-4),
    ]


def test_ancova_two_arms_only_uses_those_arms():
    # the same model restricted to Cont and FT has 43 participants and 40 residual df
    result = ancova(*_anorexia(), arms=["Cont", "FT"])
    assert result["n"] == 43 and result["df"] == 40
    assert len(result["contrasts"]) == 1


def test_ancova_drops_incomplete_rows():
    last, baseline, arm = _anorexia()
    last[0] = np.nan
    baseline[1] = None
    assert ancova(last, baseline, arm, ARMS)["n"] == 70


@pytest.mark.parametrize(
    "last, baseline, arm, code",
    [
        ([1, 2, 3], [1, 2, 3], ["a", "a", "a"], "too_few"),
        ([1, 2, 3], [1, 2, 4], ["a", "b", "a"], "too_few"),
        ([1, 2, 3, 4, 5], [2, 2, 2, 2, 2], ["a", "b", "a", "b", "a"], "not_estimable"),
        ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], ["a", "b", "a", "b", "a"], "no_variance"),
    ],
)
def test_ancova_declines_with_codes(last, baseline, arm, code):
    with pytest.raises(NotTestable) as refusal:
        ancova(last, baseline, arm, ["a", "b"])
    assert refusal.value.code == code


value = st.integers(-20, 20).map(float)
participant = st.tuples(value, value, st.sampled_from(["a", "b"]))


@settings(deadline=None, max_examples=60)
@given(st.lists(participant, min_size=5, max_size=30), st.integers(-50, 50))
def test_ancova_properties(rows, shift):
    last, baseline, arm = (list(c) for c in zip(*rows, strict=True))
    try:
        forward = ancova(last, baseline, arm, ["a", "b"])
    except NotTestable:
        assume(False)
    backward = ancova(last, baseline, arm, ["b", "a"])
    moved = ancova([v + shift for v in last], [v + shift for v in baseline], arm, ["a", "b"])
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-8)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-6, abs=1e-12)
    assert moved["estimate"] == pytest.approx(forward["estimate"], abs=1e-8)
    assert forward["ci95"][0] <= forward["estimate"] <= forward["ci95"][1]
    assert 0 <= forward["p_value"] <= 1
    json.dumps(forward, allow_nan=False)
