"""Shapiro–Wilk against R, and Holm's adjustment against a hand computation of R's p.adjust."""

import pytest

from livinglab.analysis.multiplicity import holm
from livinglab.analysis.normality import shapiro_wilk
from tests.analysis.reference_data import WT, printed


def test_shapiro_wilk_matches_r_on_mtcars_weight():
    # rstudio-pubs-static.s3.amazonaws.com/222982_d47a487411fb45b5b0634f391abcda0c.html:
    # shapiro.test(mtcars$wt): W = 0.94326, p-value = 0.09265
    result = shapiro_wilk(WT)
    assert result["statistic"] == printed("0.94326")
    assert result["p_value"] == printed("0.09265")


def test_shapiro_wilk_is_scale_free_even_for_tiny_ranges():
    # R rescales data whose range is below 1 before calling the algorithm; W does not depend on scale
    small = shapiro_wilk([w / 1000 for w in WT])
    assert small["statistic"] == pytest.approx(shapiro_wilk(WT)["statistic"], rel=1e-9)


@pytest.mark.parametrize(
    "values, reason",
    [
        # Shapiro–Wilk needs 3 to 5000 values; R stops when all values are equal
        ([1.0, 2.0], {"code": "normality_sample_size", "n": 2, "minimum": 3, "maximum": 5000}),
        ([3.0] * 10, {"code": "all_equal"}),
        (list(range(5001)), {"code": "normality_sample_size", "n": 5001, "minimum": 3, "maximum": 5000}),
    ],
)
def test_shapiro_wilk_declines_with_a_reason(values, reason):
    result = shapiro_wilk(values)
    assert (result["p_value"], result["reason"]) == (None, reason)


def test_holm_matches_a_hand_computation_of_r_p_adjust():
    # p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm"): sorted 0.005·4 = 0.02, 0.01·3 = 0.03,
    # 0.03·2 = 0.06, 0.04·1 = 0.04 → cummax 0.06 → in input order 0.03, 0.06, 0.06, 0.02
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_skips_untested():
    assert holm([0.5, None, 0.9]) == [pytest.approx(1.0), None, pytest.approx(1.0)]
    assert holm([]) == []
    assert holm([None]) == [None]
