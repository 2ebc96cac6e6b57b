"""Attrition, baseline carried forward, Rubin's rules and MICE (hand-checked; deterministic with a seed)."""

import json

import numpy as np
import pytest
from scipy import stats

from livinglab.analysis.ancova import ancova
from livinglab.analysis.errors import NotTestable
from livinglab.analysis.missing import attrition, baseline_carried_forward, mice_ancova, rubin_pool
from tests.analysis.reference_published import ANOREXIA


def _two_arms():
    last = ANOREXIA["Cont"][1] + ANOREXIA["FT"][1]
    baseline = ANOREXIA["Cont"][0] + ANOREXIA["FT"][0]
    return np.array(last), np.array(baseline), ["Cont"] * 26 + ["FT"] * 17


def test_attrition_per_arm_and_test():
    result = attrition({"control": 30, "app": 30}, {"control": 25, "app": 20})
    assert result["by_arm"]["app"] == {
        "randomised": 30,
        "completed": 20,
        "lost": 10,
        "proportion_lost": pytest.approx(1 / 3),
        "ci95": result["by_arm"]["app"]["ci95"],
    }
    # expected counts ≥ 5: chi-square with Yates on [[5, 25], [10, 20]] (R: chisq.test(...)$statistic by hand)
    # |O − E| = 2.5, minus ½ → 2; X² = 4 × (1/7.5 + 1/22.5 + 1/7.5 + 1/22.5) = 1.422222
    assert result["test"]["test"] == "chi_square"
    assert result["test"]["statistic"] == pytest.approx(1.422222, abs=1e-6)


def test_attrition_without_losses_gives_a_reason():
    result = attrition({"a": 10, "b": 12}, {"a": 10, "b": 12})
    assert result["test"]["p_value"] is None and result["test"]["reason"]["code"] == "no_variance"


def test_baseline_carried_forward():
    result = baseline_carried_forward([1, 2, None, 4], [5, None, None, 8])
    assert result == {"values": [5.0, 2.0, None, 8.0], "imputed": 1, "still_missing": 1}


def test_rubin_pool_by_hand():
    # Rubin (1987): Q̄ = 1.033333, W = 0.045, B = var(1.0, 1.2, 0.9) = 0.0233333, T = W + (1 + 1/3)B = 0.0761111,
    # r = (1 + 1/3)B/W = 0.691358, df = (m − 1)(1 + 1/r)² = 11.97003
    result = rubin_pool([1.0, 1.2, 0.9], [0.04, 0.05, 0.045])
    assert result["estimate"] == pytest.approx(1.033333, abs=1e-6)
    assert result["total"] == pytest.approx(0.0761111, abs=1e-7)
    assert result["df"] == pytest.approx(11.97003, abs=1e-5)
    half = stats.t.ppf(0.975, result["df"]) * np.sqrt(0.0761111)
    assert result["ci95"] == [pytest.approx(1.033333 - half, abs=1e-5), pytest.approx(1.033333 + half, abs=1e-5)]


def test_rubin_pool_barnard_rubin_df_by_hand():
    # Barnard & Rubin (1999), as R's mice::pool: λ = (1 + 1/m)B/T = 0.4087591, ν_old = (m − 1)/λ² = 11.97003,
    # ν_obs = (ν_com + 1)/(ν_com + 3) · ν_com · (1 − λ) = 21/23 × 20 × 0.5912409 = 10.79657, ν = 5.676634
    result = rubin_pool([1.0, 1.2, 0.9], [0.04, 0.05, 0.045], complete_df=20)
    assert result["lambda"] == pytest.approx(0.4087591, abs=1e-7)
    assert result["df"] == pytest.approx(11.97003 * 10.79657 / (11.97003 + 10.79657), abs=1e-4)


def test_mice_without_missing_values_is_the_ancova():
    last, baseline, arm = _two_arms()
    plain = ancova(last, baseline, arm, ["Cont", "FT"])
    imputed = mice_ancova(last, baseline, arm, ["Cont", "FT"], imputations=3)
    assert imputed["estimate"] == pytest.approx(plain["estimate"], abs=1e-10)
    assert imputed["contrasts"][0]["se"] == pytest.approx(plain["se"], abs=1e-10)
    assert imputed["imputed_participants"] == 0


def test_mice_is_deterministic_with_a_seed_and_uses_everyone():
    last, baseline, arm = _two_arms()
    last[::4] = np.nan
    first = mice_ancova(last, baseline, arm, ["Cont", "FT"], imputations=3, burn_in=5, seed=7)
    again = mice_ancova(last, baseline, arm, ["Cont", "FT"], imputations=3, burn_in=5, seed=7)
    assert first == again
    assert first["n"] == 43 and first["imputed_participants"] == 11
    assert first["ci95"][0] <= first["estimate"] <= first["ci95"][1]
    assert 0 <= first["p_value"] <= 1
    json.dumps(first, allow_nan=False)


def test_mice_declines_with_too_few_outcomes():
    with pytest.raises(NotTestable) as refusal:
        mice_ancova([1.0, None, None, None], [1, 2, 3, 4], ["a", "b", "a", "b"], ["a", "b"])
    assert refusal.value.code == "too_few"
