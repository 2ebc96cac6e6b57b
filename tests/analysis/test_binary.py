"""Yes/no outcomes against values printed by R and published worked examples."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.binary import compare_binary, compare_proportions, mcnemar, mcnemar_table
from livinglab.analysis.errors import NotTestable
from livinglab.analysis.odds_ratio import conditional_odds_ratio
from livinglab.analysis.proportions import newcombe_difference, newcombe_paired_difference, wilson
from tests.analysis.reference_data import printed


def test_wilson_matches_r_prop_test_without_correction():
    # R's ?prop.test output (tests/Examples/stats-Ex.Rout.save in R's sources): heads = 52 of 100,
    # prop.test(heads, 100, correct = FALSE): 95 percent confidence interval 0.4231658 0.6153545
    assert wilson(52, 100) == [printed("0.4231658"), printed("0.6153545")]


def test_wilson_at_the_edges_is_zero_and_one_exactly():
    # R's prop.test sets the bound to 0 when x = 0 and to 1 when x = n
    assert wilson(0, 20)[0] == 0.0 and wilson(20, 20)[1] == 1.0
    # by hand: x = 0, n = 20, z = 1.959964: upper = z² / (n + z²) = 3.841459 / 23.841459
    assert wilson(0, 20)[1] == pytest.approx(3.841459 / 23.841459, abs=1e-6)


@pytest.mark.parametrize(
    "x1, n1, x2, n2, lower, upper",
    [
        (56, 70, 48, 80, "0.05243147", "0.3338727"),
        (9, 10, 3, 10, "0.1705", "0.8090"),
    ],
)
def test_risk_difference_matches_newcombe_method_10(x1, n1, x2, n2, lower, upper):
    # Newcombe (1998) Stat Med 17:873, Table II, method 10; R package propint's tests and README print
    # ci.two.indep.props(ci=95, a=56, m=70, b=48, n=80): $l 0.05243147, $u 0.3338727; (9/10, 3/10): 0.1705, 0.8090
    result = newcombe_difference(x1, n1, x2, n2)
    assert result["ci95"] == [printed(lower), printed(upper)]


@pytest.mark.parametrize(
    "table, lower, upper",
    [
        ((36, 12, 2, 0), "0.0569", "0.3404"),
        ((18, 12, 2, 18), "0.0562", "0.3290"),
        ((53, 0, 0, 1), "-0.0729", "0.0729"),
        ((0, 30, 0, 0), "0.8395", "1.0000"),
    ],
)
def test_paired_difference_matches_newcombe_paired_method_10(table, lower, upper):
    # Newcombe (1998) Stat Med 17:2635, method 10, as tested in R package propint
    # (ci.two.dep.props(ci=95, e, f, g, h): e = both yes, f = first only, g = second only, h = neither)
    result = newcombe_paired_difference(*table)
    assert result["ci95"] == [printed(lower), printed(upper)]


def test_paired_difference_matches_fagerland_lydersen_laake():
    # Fagerland, Lydersen & Laake, Statistical Analysis of Contingency Tables, ch. 8 (Cavo et al. 2012),
    # their R test: Newcombe_square_and_add_CI_paired_2x2(matrix(c(59, 6, 16, 80), 2, byrow=TRUE)):
    # "estimate = -0.0621 (95% CI -0.1186 to -0.0046)"
    result = newcombe_paired_difference(59, 6, 16, 80)
    assert result["estimate"] == printed("-0.0621")
    assert result["ci95"] == [printed("-0.1186"), printed("-0.0046")]


def test_mcnemar_matches_r_documentation():
    # R's ?mcnemar.test, Agresti (1990) p. 350, presidential approval (stats-Ex.Rout.save):
    # Performance <- matrix(c(794, 86, 150, 570), nrow = 2): 1st survey rows, 2nd survey columns;
    # McNemar's chi-squared = 16.8178, df = 1, p-value = 4.115e-05
    result = mcnemar_table([[794, 150], [86, 570]])
    assert result["test"] == "mcnemar" and not result["exact"]
    assert result["method"] == "McNemar's Chi-squared test with continuity correction"
    assert result["statistic"] == printed("16.8178")
    assert result["df"] == 1
    assert result["p_value"] == printed("4.115e-05")
    # last − first = 880/1600 − 944/1600
    assert result["estimate"] == pytest.approx(-64 / 1600)
    assert result["ci95"][0] < result["estimate"] < result["ci95"][1]


def test_mcnemar_is_exact_below_25_discordant_pairs():
    # 2 changed yes → no, 10 no → yes: binom.test(2, 12) two-sided p = 2 × (1 + 12 + 66) / 4096 (by hand)
    result = mcnemar_table([[5, 2], [10, 3]])
    assert result["exact"]
    assert result["p_value"] == pytest.approx(2 * 79 / 4096, rel=1e-12)
    assert result["statistic"] == pytest.approx((10 - 2 - 1) ** 2 / 12)  # still reported, non-negative
    assert mcnemar_table([[5, 12], [12, 3]])["exact"] and not mcnemar_table([[5, 12], [13, 3]])["exact"]


def test_mcnemar_from_answers_drops_incomplete_pairs():
    first = [True, True, False, None, 1, 0, 0]
    last = [False, True, True, True, 1, 1, None]
    result = mcnemar(first, last)
    assert result["n"] == 5
    assert result["discordant"] == {"yes_to_no": 1, "no_to_yes": 2}


def test_mcnemar_declines_without_discordant_pairs():
    with pytest.raises(NotTestable) as refusal:
        mcnemar_table([[4, 0], [0, 6]])
    assert refusal.value.code == "no_discordant_pairs"


def test_odds_ratio_matches_r_fisher_test():
    # R's ?fisher.test (stats-Ex.Rout.save), Fisher's convictions of like-sex twins:
    # Convictions <- matrix(c(2, 10, 15, 3), nrow = 2): odds ratio 0.04693661;
    # conf.level 0.95: 0.003325764 0.363182271; 0.99: 0.001386333 0.578851645
    table = [[2, 15], [10, 3]]
    result = conditional_odds_ratio(table)
    assert result["value"] == printed("0.04693661")
    assert result["ci95"] == [printed("0.003325764"), printed("0.363182271")]
    assert conditional_odds_ratio(table, 0.99)["ci95"] == [printed("0.001386333"), printed("0.578851645")]


def test_odds_ratio_matches_r_tea_tasting():
    # R's ?fisher.test: fisher.test(TeaTasting, alternative = "greater"): odds ratio 6.408309,
    # 95 % one-sided lower bound 0.3135693 = the lower bound of the two-sided 90 % interval
    result = conditional_odds_ratio([[3, 1], [1, 3]], 0.90)
    assert result["value"] == printed("6.408309")
    assert result["ci95"][0] == printed("0.3135693")


def test_between_arms_uses_the_expected_count_rule_and_reports_all_estimates():
    # Convictions as arm (2 of 17) against control (10 of 13): smallest expected count 5.2, so chi-square
    result = compare_proportions(2, 17, 10, 13)
    assert result["test"] == "chi_square"
    assert result["estimate"] == pytest.approx(2 / 17 - 10 / 13)
    assert result["odds_ratio"]["value"] == printed("0.04693661")
    # an expected count below 5: Fisher's exact test, as categorical.contingency_test decides
    small = compare_proportions(1, 8, 6, 7)
    assert small["test"] == "fisher_exact"


def test_between_arms_declines_with_codes():
    with pytest.raises(NotTestable) as refusal:
        compare_proportions(0, 5, 0, 7)
    assert refusal.value.code == "no_variance"
    with pytest.raises(NotTestable) as refusal:
        compare_proportions(0, 0, 3, 7)
    assert refusal.value.code == "too_few"


counts = st.tuples(st.integers(1, 40), st.integers(1, 40)).flatmap(
    lambda n: st.tuples(st.integers(0, n[0]), st.just(n[0]), st.integers(0, n[1]), st.just(n[1]))
)


@settings(deadline=None, max_examples=60)
@given(counts)
def test_swapping_arms_flips_the_risk_difference_and_inverts_the_odds_ratio(c):
    x1, n1, x2, n2 = c
    try:
        forward = compare_proportions(x1, n1, x2, n2)
    except NotTestable:
        return
    backward = compare_proportions(x2, n2, x1, n1)
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-12)
    assert backward["ci95"] == pytest.approx([-forward["ci95"][1], -forward["ci95"][0]], abs=1e-12)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-9)
    assert forward["ci95"][0] <= forward["estimate"] <= forward["ci95"][1]
    assert -1 <= forward["ci95"][0] and forward["ci95"][1] <= 1
    assert 0 <= forward["p_value"] <= 1
    odds, back = forward["odds_ratio"], backward["odds_ratio"]
    if odds["value"] is not None and 0.05 < odds["value"] < 20:
        # R's uniroot stops at tol = 1.2e-4 on its (0, 1) scale: the inverse holds to that precision
        assert back["value"] * odds["value"] == pytest.approx(1, abs=0.05)
    json.dumps(forward, allow_nan=False)


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_mcnemar_is_json_safe_bounded_and_mirrors_when_time_is_reversed(pairs):
    first, last = [p[0] for p in pairs], [p[1] for p in pairs]
    try:
        forward = mcnemar(first, last)
    except NotTestable as refusal:
        assert refusal.code == "no_discordant_pairs"
        return
    backward = mcnemar(last, first)
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-12)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-9)
    assert forward["statistic"] >= 0 and 0 <= forward["p_value"] <= 1
    assert forward["ci95"][0] <= forward["estimate"] <= forward["ci95"][1]
    json.dumps(forward, allow_nan=False)


def test_compare_binary_counts_answers():
    result = compare_binary([True, False, None, True], [False, False, True, 0])
    assert result["proportions"]["arm"]["n"] == 3 and result["proportions"]["control"]["count"] == 1


def test_warnings_carry_codes(monkeypatch):
    # when Fisher's exact test would take too long, the chi-square fallback is flagged with a code
    from livinglab.analysis import fisher

    monkeypatch.setattr(fisher, "MAX_TABLES", 1)
    result = compare_proportions(1, 8, 6, 7)
    assert result["test"] == "chi_square"
    assert result["warnings"][0]["code"] == "approximate_p_value"


def test_odds_ratio_with_an_empty_cell_is_unbounded():
    # R: fisher.test(matrix(c(4, 0, 0, 4), 2)) gives odds ratio Inf and an upper bound Inf; here None (JSON-safe),
    # the lower bound finite; with the empty cell the other way the estimate and lower bound are 0
    result = conditional_odds_ratio([[4, 0], [0, 4]])
    assert result["value"] is None and result["ci95"][1] is None and result["ci95"][0] > 0
    other_way = conditional_odds_ratio([[0, 4], [4, 0]])
    assert other_way["value"] == 0 and other_way["ci95"][0] == 0
    json.dumps(result, allow_nan=False)
