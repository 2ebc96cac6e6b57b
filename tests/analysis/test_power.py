"""Sample size and power against R's printed power.t.test and power.prop.test output."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.power import ancova_sample_size, power_prop_test, power_t_test, smallest_detectable_effect
from livinglab.analysis.rootfinding import uniroot
from tests.analysis.reference_data import printed


def test_power_t_test_matches_r_documentation():
    # R's ?power.t.test (stats-Ex.Rout.save): power.t.test(n = 20, delta = 1): power = 0.8689528;
    # power.t.test(power = .90, delta = 1): n = 22.02110;
    # power.t.test(power = .90, delta = 1, alternative = "one.sided"): n = 17.84713
    assert power_t_test(n=20, delta=1)["power"] == printed("0.8689528")
    assert power_t_test(power=0.90, delta=1)["n"] == printed("22.02110")
    assert power_t_test(power=0.90, delta=1, alternative="one.sided")["n"] == printed("17.84713")


def test_power_prop_test_matches_r_documentation():
    # R's ?power.prop.test (stats-Ex.Rout.save): power.prop.test(n = 50, p1 = .50, p2 = .75): power = 0.7401659;
    # power.prop.test(p1 = .50, p2 = .75, power = .90): n = 76.70693;
    # power.prop.test(n = 50, p1 = .5, power = .90): p2 = 0.8026141
    assert power_prop_test(n=50, p1=0.5, p2=0.75)["power"] == printed("0.7401659")
    assert power_prop_test(p1=0.5, p2=0.75, power=0.90)["n"] == printed("76.70693")
    assert power_prop_test(n=50, p1=0.5, power=0.90)["p2"] == printed("0.8026141")


def test_paired_power_agrees_with_an_independent_implementation():
    # type = "paired": tsample = 1, nu = n − 1, ncp = √n · δ/sd (R's p.body); statsmodels' TTestPower (its own
    # noncentral-t power and root finder) gives the same n to within uniroot's tolerance
    from statsmodels.stats.power import TTestPower

    paired = power_t_test(power=0.90, delta=1, type="paired")
    assert paired["n"] == pytest.approx(TTestPower().solve_power(effect_size=1, alpha=0.05, power=0.90), abs=1e-3)
    assert power_t_test(n=paired["n"], delta=1, type="paired")["power"] == pytest.approx(0.90, abs=1e-4)


def test_ancova_sample_size_follows_borm():
    # Borm, Fransen & Lemmens (2007): ANCOVA needs (1 − ρ²) times the t test's n; ρ = 0.5 → 3/4 of 22.02110
    result = ancova_sample_size(delta=1, sd=1, rho=0.5, power=0.90)
    assert result["n_t_test"] == printed("22.02110")
    assert result["n"] == pytest.approx(0.75 * 22.02110, abs=1e-4)
    assert result["n_per_arm"] == 17
    assert ancova_sample_size(delta=1, sd=1, rho=0.0, power=0.9)["n"] == pytest.approx(22.02110, abs=1e-5)


def test_smallest_detectable_effect_inverts_the_sample_size():
    # R: power.t.test(power = .90, delta = 1) gives n = 22.02110, so n = 22.02110 detects δ = 1 with 90 %
    assert smallest_detectable_effect(22.02110, power=0.90)["delta"] == pytest.approx(1, abs=1e-4)


def test_uniroot_finds_r_roots():
    # R: uniroot(function(x) x^2 - 2, c(0, 2))$root, within uniroot's default tolerance of √2
    assert uniroot(lambda x: x * x - 2, 0, 2) == pytest.approx(2**0.5, abs=1.3e-4)
    with pytest.raises(ValueError):
        uniroot(lambda x: x * x + 1, 0, 2)


@settings(deadline=None, max_examples=40)
@given(st.floats(0.2, 2.0), st.floats(0.55, 0.95))
def test_power_grows_with_n_and_round_trips(delta, power):
    n = power_t_test(delta=delta, power=power)["n"]
    assert power_t_test(n=n, delta=delta)["power"] == pytest.approx(power, abs=1e-3)
    assert power_t_test(n=n + 5, delta=delta)["power"] > power_t_test(n=n, delta=delta)["power"]


def test_a_huge_effect_extends_the_interval_downwards_as_r_does():
    # R 4.2.2: power.t.test(delta = 20, power = 0.9)$n: 1.539519053; power.t.test(delta = 100, power = 0.99)$n:
    # 1.363670649, with type = "paired": 1.65063594. uniroot extends its lower end below 2, where
    # ν = max(1e-7, n − 1)·2 is tiny: qt(0.975, ν) is Inf in R and the power 0 (scipy's quantile is finite there
    # and its noncentral tail wrong, which sent n below 0: "math domain error", a 500 on the protocol page).
    # At δ = 100 the root lies where ν < 1 and the noncentral t's tail at ncp ≈ 60 differs between R's pnt and
    # scipy's nct in the third digit (pt(qt(.975, .74), .74, ncp = 100 * sqrt(1.37 / 2), lower = FALSE):
    # 0.9944, scipy 0.9888), so only to 0.02 there
    assert power_t_test(delta=20, power=0.9)["n"] == pytest.approx(1.539519053, abs=2e-4)
    assert power_t_test(delta=100, power=0.99)["n"] == pytest.approx(1.363670649, abs=0.02)
    assert power_t_test(delta=100, power=0.99, type="paired")["n"] == pytest.approx(1.65063594, abs=0.02)
