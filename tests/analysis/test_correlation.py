"""Pearson and Spearman correlations against R's printed cor.test output."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from livinglab.analysis.correlation import fisher_z_interval, pearson, spearman
from livinglab.analysis.errors import NotTestable
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import TUNA_X, TUNA_Y


def test_pearson_matches_r_documentation():
    # R's ?cor.test (stats-Ex.Rout.save), Hollander & Wolfe tuna: cor.test(x, y, alternative = "g"):
    # t = 1.8411, df = 7, p-value = 0.05409, 95 percent CI -0.02223023 1.00000000, cor 0.5711816.
    # The one-sided p is half the two-sided one, the one-sided 95 % bound the two-sided 90 % one.
    result = pearson(TUNA_X, TUNA_Y)
    assert result["estimate"] == printed("0.5711816")
    assert result["statistic"] == printed("1.8411") and result["df"] == 7
    assert result["p_value"] / 2 == printed("0.05409")
    assert pearson(TUNA_X, TUNA_Y, conf_level=0.90)["ci95"][0] == printed("-0.02223023")


def test_fisher_z_interval_matches_r_documentation():
    # R's ?cor.test: cor.test(~ CONT + INTG, data = USJudgeRatings): cor -0.1331909 (n = 43, df = 41),
    # 95 percent confidence interval -0.4168591 0.1741182 (the interval depends on r and n only)
    assert fisher_z_interval(-0.1331909, 43) == [printed("-0.4168591"), printed("0.1741182")]


def test_spearman_exact_matches_r_documentation():
    # R's ?cor.test: cor.test(x, y, method = "spearm", alternative = "g"): S = 48, p-value = 0.0484, rho 0.6
    # (n = 9: R's prho enumerates the permutations); two-sided is twice the one-sided p here
    result = spearman(TUNA_X, TUNA_Y)
    assert result["statistic"] == 48 and result["estimate"] == pytest.approx(0.6)
    assert result["exact"] and result["p_value"] / 2 == printed("0.0484")


def test_spearman_edgeworth_matches_r_for_n_ten():
    # n = 10, S = 36: R's cor.test calls prho(n, round(S) + 2, lower.tail = TRUE) (AS 89's Edgeworth series);
    # the pspearman package documents that value: pspearman(36, 10, approximation = "AS89") # 0.005825634
    x = list(range(1, 11))
    y = [1, 2, 3, 4, 5, 9, 10, 7, 8, 6]  # d = (0, 0, 0, 0, 0, −3, −3, 1, 1, 4): Σd² = 9 + 9 + 1 + 1 + 16 = 36
    assert sum((a - b) ** 2 for a, b in zip(x, y, strict=True)) == 36
    result = spearman(x, y)
    assert result["statistic"] == pytest.approx(36) and result["exact"]
    assert result["p_value"] / 2 == printed("0.005825634")


def test_spearman_with_ties_uses_the_t_approximation():
    # R: with ties exact = FALSE, p from pt(r / sqrt((1 − r²)/(n − 2)), n − 2) (by hand below)
    x, y = [1, 2, 2, 3, 4, 5, 6, 6], [2, 1, 3, 3, 5, 4, 7, 8]
    result = spearman(x, y)
    rho = stats.spearmanr(x, y).statistic
    t = rho / np.sqrt((1 - rho**2) / 6)
    assert not result["exact"] and result["ties"]
    assert result["estimate"] == pytest.approx(rho, rel=1e-12)
    assert result["p_value"] == pytest.approx(2 * stats.t.sf(abs(t), 6), rel=1e-9)


@pytest.mark.parametrize(
    "x, y, code",
    [
        ([1, 2], [2, 1], "too_few"),
        ([1, 1, 1, 1], [1, 2, 3, 4], "no_variance"),
    ],
)
def test_pearson_declines_with_codes(x, y, code):
    with pytest.raises(NotTestable) as refusal:
        pearson(x, y)
    assert refusal.value.code == code


pairs = st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20)), min_size=4, max_size=30)


@settings(deadline=None, max_examples=60)
@given(pairs)
def test_correlation_properties(rows):
    x, y = (list(c) for c in zip(*rows, strict=True))
    try:
        forward = pearson(x, y)
    except NotTestable:
        assume(False)
    assert pearson(y, x)["estimate"] == pytest.approx(forward["estimate"], abs=1e-12)
    assert pearson(x, [-v for v in y])["estimate"] == pytest.approx(-forward["estimate"], abs=1e-12)
    assert 0 <= forward["p_value"] <= 1
    if "ci95" in forward:
        assert forward["ci95"][0] - 1e-12 <= forward["estimate"] <= forward["ci95"][1] + 1e-12
    rank = spearman(x, y)
    assert spearman(y, x)["p_value"] == pytest.approx(rank["p_value"], rel=1e-9, abs=1e-12)
    assert spearman(x, [-v for v in y])["estimate"] == pytest.approx(-rank["estimate"], abs=1e-12)
    assert 0 <= rank["p_value"] <= 1
    json.dumps([forward, rank], allow_nan=False)


def test_spearman_is_exact_up_to_1290_pairs_as_r():
    # R's cor.test: pspearman uses prho when n <= 1290 (and no ties), the t approximation beyond
    rng = np.random.default_rng(0)
    assert spearman(rng.permutation(1290), np.arange(1290))["exact"]
    assert not spearman(rng.permutation(1291), np.arange(1291))["exact"]
