"""Effect sizes with intervals, NPS, Cronbach's alpha and median intervals, Benjamini–Hochberg."""

import json
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from livinglab.analysis.effect_sizes import cohens_dz, hedges_correction, hedges_g_exact
from livinglab.analysis.errors import NotTestable
from livinglab.analysis.false_discovery import benjamini_hochberg
from livinglab.analysis.intervals import cronbach_alpha_interval, median_interval, nps_interval
from livinglab.analysis.multiplicity import holm
from tests.analysis.reference_data import MPG_AUTOMATIC, MPG_MANUAL, SLEEP_1, SLEEP_2, printed


def test_hedges_g_matches_r_effectsize():
    # effectsize 0.8.3, hedges_g(mpg ~ am, data = mtcars) (stored by the tidystats package in
    # tests/data/effectsize.json): Hedges' g = -1.440635, 95 % CI [-2.208767, -0.65364]
    result = hedges_g_exact(MPG_AUTOMATIC, MPG_MANUAL)
    assert result["value"] == printed("-1.440635")
    assert result["ci95"] == [printed("-2.208767"), printed("-0.65364")]


def test_cohens_dz_matches_r_effectsize():
    # effectsize 0.8.3, cohens_d(Pair(extra[group == 1], extra[group == 2]) ~ 1, data = sleep)
    # (tidystats tests/data/effectsize.json): d = -1.284558, 95 % CI [-2.118017, -0.414628]
    result = cohens_dz(SLEEP_1, SLEEP_2)
    assert result["value"] == printed("-1.284558")
    assert result["ci95"] == [printed("-2.118017"), printed("-0.414628")]


def test_exact_correction_by_hand():
    # J(m) = Γ(m/2) / (√(m/2) Γ((m − 1)/2)): J(2) = Γ(1) / Γ(½) = 1/√π; the approximation
    # 1 − 3/(4m − 1) of ../shared/API.md differs in the fourth or fifth digit (m = 18: 0.95765 vs 0.95775)
    assert hedges_correction(2) == pytest.approx(1 / math.sqrt(math.pi), rel=1e-14)
    assert hedges_correction(18) == pytest.approx(0.9576464, abs=1e-7)
    assert abs(hedges_correction(18) - (1 - 3 / 71)) > 5e-5


def test_nps_interval_by_hand():
    # 10 answers: promoters 10, 10, 9, 9, 10 (5), detractors 6, 0, 3 (3): NPS = 20.
    # Adjusted Wald (Rocks 2016; MeasuringU): n' = 13, p' = 5.75/13 = 0.4423077, d' = 3.75/13 = 0.2884615,
    # centre 0.1538462, Var = (p' + d' − centre²)/n' = 0.05439235, half = 1.959964 × 0.2332217:
    # [-30.32599, 61.09523]
    result = nps_interval([10, 10, 9, 8, 7, 6, 0, 3, 9, 10])
    assert result["score"] == 20 and (result["promoters"], result["passives"], result["detractors"]) == (5, 2, 3)
    assert result["ci95"] == [pytest.approx(-30.32599, abs=1e-5), pytest.approx(61.09523, abs=1e-5)]
    assert result["ci_method"] == "adjusted_wald"


def test_feldt_interval_matches_published_r_code():
    # MRC CBU statswiki FAQ "cafun" (Chris Evans' R code for Feldt's interval):
    # feldt1.return(0.913, 873, 20, 0.95) gives 0.9044024 and 0.9211588
    assert cronbach_alpha_interval(0.913, 873, 20) == [printed("0.9044024"), printed("0.9211588")]


def test_median_interval_by_hand():
    # n = 10: qbinom(0.025, 10, ½) = 2 (P(B ≤ 1) = 11/1024 < 0.025 ≤ P(B ≤ 2) = 56/1024), so the 2nd and
    # 9th order statistics, at level 1 − 2 × 11/1024 (DescTools::MedianCI(method = "exact"))
    result = median_interval([7, 3, 10, 1, 5, 9, 2, 8, 4, 6])
    assert result["ci95"] == [2, 9]
    assert result["conf_level"] == pytest.approx(1 - 22 / 1024)
    assert result["median"] == 5.5


def test_median_interval_declines_below_six_values():
    # n = 5: P(B ≤ 0) = 1/32 > 0.025, no order statistic gives 95 %
    with pytest.raises(NotTestable) as refusal:
        median_interval([1, 2, 3, 4, 5])
    assert refusal.value.code == "too_few"


def test_benjamini_hochberg_agrees_with_r_documentation():
    # R's ?p.adjust (stats-Ex.Rout.save): the "none" and "BH" columns of
    # noquote(apply(p.adj, 2, format.pval, digits = 3)); the inputs are printed to 3 significant digits,
    # so the adjusted values agree within that rounding (0.5 %)
    raw = [
        2.35e-07,
        2.10e-05,
        2.58e-05,
        9.81e-05,
        0.000105,
        0.000124,
        0.000133,
        0.000157,
        0.000225,
        0.000380,
        0.000611,
        0.001614,
        0.003302,
        0.003538,
        0.005237,
        0.006832,
        0.007059,
        0.008805,
        0.009401,
        0.011298,
        0.021150,
        0.049227,
        0.060533,
        0.062622,
        0.073952,
        0.082811,
        0.086333,
        0.119065,
        0.189080,
        0.205849,
        0.220921,
        0.285600,
        0.304889,
        0.466068,
        0.483081,
        0.492175,
        0.531945,
        0.575155,
        0.578319,
        0.618589,
        0.636362,
        0.644859,
        0.655841,
        0.688588,
        0.718986,
        0.817954,
        0.827449,
        0.897130,
        0.911868,
        0.943789,
    ]
    bh = [
        1.18e-05,
        0.000429,
        0.000429,
        0.000947,
        0.000947,
        0.000947,
        0.000947,
        0.000980,
        0.001253,
        0.001898,
        0.002780,
        0.006725,
        0.012637,
        0.012637,
        0.017457,
        0.020762,
        0.020762,
        0.024459,
        0.024740,
        0.028245,
        0.050358,
        0.111880,
        0.130463,
        0.130463,
        0.147903,
        0.159252,
        0.159877,
        0.212617,
        0.325999,
        0.343082,
        0.356325,
        0.446250,
        0.461954,
        0.683577,
        0.683577,
        0.683577,
        0.718845,
        0.741435,
        0.741435,
        0.762606,
        0.762606,
        0.762606,
        0.762606,
        0.782487,
        0.798874,
        0.880265,
        0.880265,
        0.930478,
        0.930478,
        0.943789,
    ]
    assert benjamini_hochberg(raw) == [pytest.approx(v, rel=5e-3) for v in bh]


def test_benjamini_hochberg_reproduces_the_1995_example():
    # Benjamini & Hochberg (1995) JRSS B 57:289, §4: 15 p values, FDR 0.05 rejects the four smallest
    raw = [
        0.0001,
        0.0004,
        0.0019,
        0.0095,
        0.0201,
        0.0278,
        0.0298,
        0.0344,
        0.0459,
        0.3240,
        0.4262,
        0.5719,
        0.6528,
        0.7590,
        1.000,
    ]
    adjusted = benjamini_hochberg(raw)
    assert sum(a <= 0.05 for a in adjusted) == 4
    # by hand: the 4th is 0.0095 × 15/4, the 5th min over j ≥ 5 of p(j) × 15/j = 0.0201 × 3
    assert adjusted[3] == pytest.approx(0.035625) and adjusted[4] == pytest.approx(0.0603)


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1)), max_size=40))
def test_benjamini_hochberg_is_monotone_bounded_and_below_holm(p_values):
    adjusted = benjamini_hochberg(p_values)
    strict = holm(p_values)
    tested = sorted((p, a, h) for p, a, h in zip(p_values, adjusted, strict, strict=True) if p is not None)
    for (_p, a, _h), (_, a_next, _) in zip(tested, tested[1:], strict=False):
        assert a <= a_next
    assert all(p <= a <= 1 and a <= h + 1e-12 for p, a, h in tested)
    assert [a is None for a in adjusted] == [p is None for p in p_values]


sample = st.lists(st.integers(-10, 10).map(float), min_size=2, max_size=25)


@settings(deadline=None, max_examples=50)
@given(sample, sample, st.integers(-100, 100))
def test_effect_size_properties(x, y, shift):
    try:
        forward = hedges_g_exact(x, y)
    except NotTestable:
        assume(False)
    backward = hedges_g_exact(y, x)
    moved = hedges_g_exact([v + shift for v in x], [v + shift for v in y])
    assert backward["value"] == pytest.approx(-forward["value"], abs=1e-9)
    assert backward["ci95"] == pytest.approx([-forward["ci95"][1], -forward["ci95"][0]], abs=1e-6)
    assert moved["value"] == pytest.approx(forward["value"], abs=1e-9)
    assert forward["ci95"][0] <= forward["value"] <= forward["ci95"][1]
    json.dumps(forward, allow_nan=False)
    n = min(len(x), len(y))
    try:
        dz = cohens_dz(x[:n], y[:n])
    except NotTestable:
        return
    assert dz["ci95"][0] <= dz["value"] <= dz["ci95"][1]
    assert cohens_dz(y[:n], x[:n])["value"] == pytest.approx(-dz["value"], abs=1e-9)


@settings(deadline=None, max_examples=50)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_nps_interval_stays_on_the_scale(values):
    result = nps_interval(values)
    assert -100 <= result["ci95"][0] <= result["ci95"][1] <= 100
    assert -100 <= result["score"] <= 100
    json.dumps(result, allow_nan=False)


@settings(deadline=None, max_examples=50)
@given(st.floats(-0.5, 0.99), st.integers(2, 500), st.integers(2, 40))
def test_alpha_interval_contains_alpha(alpha, n, k):
    lower, upper = cronbach_alpha_interval(alpha, n, k)
    assert lower <= alpha <= upper


@settings(deadline=None, max_examples=50)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=6, max_size=80))
def test_median_interval_contains_the_median(values):
    result = median_interval(values)
    assert result["ci95"][0] <= np.median(values) <= result["ci95"][1]
    assert result["conf_level"] >= 0.95
