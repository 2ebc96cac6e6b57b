"""Issue 13, item 5 in the results dict: the intervals of the variables table, Benjamini–Hochberg for the
secondary families, and correlations on request (analysis.correlations). Reference values from R's printed
output or worked by hand from the published definitions, cited at each."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.correlations import correlate, measures
from livinglab.analysis.results import build_results
from livinglab.analysis.variables import catalogue
from tests.analysis.builders import SLEEP, USABILITY, frame, pre_post, study
from tests.analysis.reference_data import printed
from tests.analysis.reference_published import TUNA_X, TUNA_Y


def test_the_median_of_each_group_carries_its_order_statistic_interval():
    # DescTools::MedianCI(1:10, method = "exact"): n = 10, k = qbinom(0.025, 10, ½) = 2, so x(2) and x(9),
    # at level 1 − 2 × pbinom(1, 10, ½) = 1 − 22/1024 (the binomial sums by hand: (1 + 10)/1024 per tail)
    rows = pre_post(range(1, 11), [5] * 5 + [None] * 5)  # follow-up: 5 values, fewer than 6
    sleep = build_results(frame(rows), study())["variables"]["sleep"]
    baseline, follow_up = sleep["by_timepoint"]["baseline"], sleep["by_timepoint"]["follow_up"]
    assert baseline["median"] == 5.5 and baseline["median_ci95"] == [2, 9]
    assert baseline["median_ci_level"] == pytest.approx(1 - 22 / 1024)
    # n = 5: P(B ≤ 0) = 1/32 > 0.025, no pair of order statistics reaches 95 %: no interval, not a made-up one
    assert follow_up["n"] == 5 and follow_up["median_ci95"] is None and follow_up["median_ci_level"] is None
    assert sleep["by_arm"]["intervention"]["baseline"]["median_ci95"] == [2, 9]


def test_an_instruments_alpha_carries_feldts_interval():
    # UMUX-Lite answered by 3 people: alpha = 2 × (1 − 26/49) = 0.9387755 (tests/analysis/test_results.py);
    # Feldt with n = 3, k = 2: F on 2 and 2 df, whose cdf is x / (1 + x), so F(0.975) = 39 and F(0.025) = 1/39:
    # [1 − (1 − alpha) × 39, 1 − (1 − alpha) / 39] = [1 − 3/49 × 39, 1 − 3/49 / 39]
    answers = [(7, 6), (5, 5), (2, 3)]
    rows = [
        (f"P{i}", "intervention", "baseline", f"ux_{k}", v)
        for i, pair in enumerate(answers)
        for k, v in zip((1, 2), pair, strict=True)
    ]
    items = {"baseline": [USABILITY]}
    alpha = build_results(frame(rows), study(items=items, primary="ux", timepoints=("baseline",)))["variables"]["ux"][
        "cronbach_alpha"
    ]["baseline"]
    assert alpha["value"] == pytest.approx(1 - 3 / 49)
    assert alpha["ci95"] == [pytest.approx(1 - 3 / 49 * 39), pytest.approx(1 - 3 / 49 / 39)]
    assert alpha["ci_method"] == "feldt"


def _family(adjustment=None, n=12):
    """A pre/post pilot with the primary outcome and four secondary numbers of different strengths."""
    keys = ["sleep", "steps", "water", "screen", "naps"]
    items = {
        tp: [SLEEP] + [{"key": k, "text": k, "type": "number"} for k in keys[1:]] for tp in ("baseline", "follow_up")
    }
    rows = []
    for shift, key in zip((1.0, 0.9, 0.45, 0.2, 0.1), keys, strict=True):
        before = [10 + ((i * 7) % 5) for i in range(n)]
        after = [b + shift + ((i * 3) % 4 - 1.5) * 0.6 for i, b in enumerate(before)]
        rows += pre_post(before, after, item=key)
    spec = study(items=items) | ({"secondary_adjustment": adjustment} if adjustment else {})
    return build_results(frame(rows), spec)


def _bh_by_hand(p):
    # R's p.adjust(p, "BH"): sorted decreasingly, pmin(1, cummin(m / rank × p)), back in the input order
    m, order = len(p), sorted(range(len(p)), key=lambda i: -p[i])
    out, running = [0.0] * m, 1.0
    for position, i in enumerate(order):
        running = min(running, m / (m - position) * p[i])
        out[i] = running
    return out


def test_benjamini_hochberg_is_used_when_the_protocol_registered_it_and_named_everywhere():
    holm_results, bh_results = _family(), _family("benjamini_hochberg")
    raw = [e["p_value"] for e in bh_results["secondary"]]
    assert len(raw) == 4 and all(0 < p < 1 for p in raw)
    assert [e["p_adjusted"] for e in bh_results["secondary"]] == pytest.approx(_bh_by_hand(raw), rel=1e-12)
    assert {e["adjustment"] for e in bh_results["secondary"]} == {"benjamini_hochberg"}
    assert {e["adjustment"] for e in holm_results["secondary"]} == {"holm"}
    # Holm by hand (R's p.adjust(p, "holm")): sorted increasingly, cummax((m − rank + 1) × p)
    order = sorted(range(4), key=lambda i: raw[i])
    holm, running = [0.0] * 4, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (4 - rank) * raw[i]))
        holm[i] = running
    assert [e["p_adjusted"] for e in holm_results["secondary"]] == pytest.approx(holm, rel=1e-12)
    # supported_after_holm keeps its meaning; supported_after_adjustment follows p_adjusted
    # secondary outcomes test "change" (either way): supported is p < alpha
    for entry, p_holm in zip(bh_results["secondary"], holm, strict=True):
        assert entry["hypothesis"] == "change"
        assert entry["supported_after_holm"] == (p_holm < 0.05)
        assert entry["supported_after_adjustment"] == (entry["p_adjusted"] < 0.05)
    # the method notes name the correction actually used, never both
    assert "secondary_benjamini_hochberg" in bh_results["methods"] and "secondary" not in bh_results["methods"]
    assert "secondary" in holm_results["methods"] and "secondary_benjamini_hochberg" not in holm_results["methods"]
    assert "descriptive_intervals" in holm_results["methods"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 3.0), min_size=5, max_size=5), st.integers(6, 15))
def test_benjamini_hochberg_never_adjusts_more_than_holm(shifts, n):
    keys = ["sleep", "a", "b", "c", "d"]
    items = {
        tp: [SLEEP] + [{"key": k, "text": k, "type": "number"} for k in keys[1:]] for tp in ("baseline", "follow_up")
    }
    rows = []
    for shift, key in zip(shifts, keys, strict=True):
        before = [10 + ((i * 7) % 5) for i in range(n)]
        rows += pre_post(before, [b + shift + ((i * 3) % 4 - 1.5) for i, b in enumerate(before)], item=key)
    holm = build_results(frame(rows), study(items=items))["secondary"]
    bh = build_results(frame(rows), study(items=items) | {"secondary_adjustment": "benjamini_hochberg"})["secondary"]
    for by_holm, by_bh in zip(holm, bh, strict=True):
        assert by_holm["p_value"] == by_bh["p_value"], "the adjustment changes nothing but p_adjusted"
        if by_bh["p_value"] is not None:
            assert (
                by_bh["p_value"] <= by_bh["p_adjusted"] + 1e-15 and by_bh["p_adjusted"] <= by_holm["p_adjusted"] + 1e-15
            )


def _tuna(extra=()):
    """Hollander & Wolfe's tuna data (R's ?cor.test) as x = sleep at baseline, y = sleep at follow-up."""
    return frame(pre_post(list(TUNA_X) + [None, 50.0], list(TUNA_Y) + [3.0, None]) + list(extra))


def test_a_correlation_on_request_matches_r_cor_test():
    # R's ?cor.test (stats-Ex.Rout.save): cor.test(x, y, alternative = "g"): t = 1.8411, df = 7, cor 0.5711816,
    # one-sided p 0.05409; method = "spearm": S = 48, one-sided p 0.0484, rho 0.6. Two-sided p: twice these.
    # Two more participants answered only one of the two: they are not pairs.
    found = correlate(_tuna(), study(), "sleep@baseline", "sleep@follow_up")
    assert found["n"] == 9 and found["exploratory"] is True
    pearson, spearman = found["pearson"], found["spearman"]
    assert pearson["estimate"] == printed("0.5711816") and pearson["statistic"] == printed("1.8411")
    assert pearson["df"] == 7 and pearson["p_value"] / 2 == printed("0.05409")
    # cor.test(x, y)$conf.int, two-sided: tanh(atanh(r) ± 1.959964 / √6) by hand
    z = math.atanh(0.5711816)
    assert pearson["ci95"] == [
        pytest.approx(math.tanh(z - 1.959964 / math.sqrt(6)), abs=1e-6),
        pytest.approx(math.tanh(z + 1.959964 / math.sqrt(6)), abs=1e-6),
    ]
    assert spearman["statistic"] == 48 and spearman["estimate"] == pytest.approx(0.6) and spearman["exact"]
    assert spearman["p_value"] / 2 == printed("0.0484")
    assert pearson["reason"] is None and spearman["reason"] is None


def test_a_correlation_declines_what_it_cannot_compute_and_refuses_what_is_not_a_measure():
    spec = study(
        items={tp: [SLEEP, {"key": "note", "text": "Note", "type": "text"}] for tp in ("baseline", "follow_up")}
    )
    assert measures(catalogue(spec["surveys"], spec["timepoints"])) == ["sleep@baseline", "sleep@follow_up"]
    two = frame(pre_post([1, 2], [3, 5]))
    found = correlate(two, spec, "sleep@baseline", "sleep@follow_up")
    assert found["n"] == 2 and found["pearson"]["estimate"] is None and found["pearson"]["reason"]["code"] == "too_few"
    for bad in ("note@baseline", "sleep@never", "sleep", "sleep@baseline\r\n", "other@baseline"):
        with pytest.raises(KeyError):
            correlate(two, spec, "sleep@baseline", bad)
    with pytest.raises(ValueError):
        correlate(two, spec, "sleep@baseline", "sleep@baseline")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=4, max_size=12), st.floats(-50, 50))
def test_correlations_are_symmetric_and_ignore_a_shift(pairs, shift):
    before, after = [a for a, _b in pairs], [b for _a, b in pairs]
    xy = correlate(frame(pre_post(before, after)), study(), "sleep@baseline", "sleep@follow_up")
    yx = correlate(frame(pre_post(before, after)), study(), "sleep@follow_up", "sleep@baseline")
    shifted = correlate(
        frame(pre_post(before, [b + shift for b in after])), study(), "sleep@baseline", "sleep@follow_up"
    )
    for name in ("pearson", "spearman"):
        assert yx[name]["estimate"] == xy[name]["estimate"] or yx[name]["estimate"] == pytest.approx(
            xy[name]["estimate"]
        )
        assert (
            yx[name]["p_value"] == pytest.approx(xy[name]["p_value"])
            if xy[name]["p_value"] is not None
            else yx[name]["p_value"] is None
        )
        if xy[name]["estimate"] is not None:
            assert shifted[name]["estimate"] == pytest.approx(xy[name]["estimate"], abs=1e-9)
            assert -1 <= xy[name]["estimate"] <= 1 and 0 <= xy[name]["p_value"] <= 1
