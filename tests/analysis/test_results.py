"""The whole results dict: the API contract, the edge cases of issue 4, and honesty."""

import json

import pytest
from scipy import stats

from livinglab.analysis.results import build_results
from tests.analysis.builders import MOOD, NOTE, SLEEP, USABILITY, at_follow_up, frame, pre_post, study
from tests.analysis.reference_data import SLEEP_1, SLEEP_2, printed

API_OUTCOME_KEYS = {
    "variable",
    "design",
    "comparison",
    "n",
    "estimate",
    "ci95",
    "test",
    "statistic",
    "df",
    "p_value",
    "effect_size",
    "robustness",
    "hypothesis",
    "alpha",
    "supported",
}
API_FLOW_KEYS = {"screened", "eligible", "enrolled", "allocated", "withdrawn", "completed", "analysed"}
# API.md's numbers, then the median's interval (issue 13, item 5)
NUMBERS = {"n", "mean", "sd", "median", "q1", "q3", "min", "max"} | {"median_ci95", "median_ci_level"}


def results(rows, the_study=None, counts=None) -> dict:
    out = build_results(frame(rows) if rows is not None else None, the_study or study(), counts)
    json.dumps(out, allow_nan=False)  # the API serialises exactly this
    return out


def test_pre_post_primary_outcome_follows_the_api_and_r():
    # the API.md example is R's sleep data: with(sleep, t.test(extra[group == 2], extra[group == 1],
    # paired = TRUE)): t = 4.0621, df = 9, p-value = 0.002833, CI 0.7001142 2.4598858
    out = results(pre_post(SLEEP_1, SLEEP_2))
    primary = out["primary_outcome"]
    assert API_OUTCOME_KEYS <= primary.keys()
    assert (primary["variable"], primary["design"], primary["comparison"]) == (
        "sleep",
        "single_group_pre_post",
        "baseline → follow_up",
    )
    assert (primary["n"], primary["test"], primary["df"]) == (10, "paired_t", 9)
    assert primary["estimate"] == pytest.approx(1.58)
    assert primary["ci95"] == [printed("0.7001142"), printed("2.4598858")]
    assert primary["statistic"] == printed("4.0621") and primary["p_value"] == printed("0.002833")
    assert primary["effect_size"]["name"] == "cohens_dz"
    assert primary["robustness"]["test"] == "wilcoxon_signed_rank"
    assert primary["robustness"]["statistic"] == 45 and primary["robustness"]["p_value"] == printed("0.009091")
    assert primary["supported"] is True and primary["exploratory"] is False


def test_parallel_primary_outcome_follows_the_api_and_r():
    # R: t.test(extra ~ group, data = sleep), here with group 1 as control: the sign flips
    rows = at_follow_up(SLEEP_1, "control") + at_follow_up(SLEEP_2, "intervention")
    primary = results(rows, study("parallel_groups"))["primary_outcome"]
    assert primary["comparison"] == "intervention vs control at follow_up"
    assert (primary["test"], primary["effect_size"]["name"]) == ("welch_t", "hedges_g")
    assert primary["statistic"] == printed("1.8608") and primary["df"] == printed("17.776")
    assert primary["ci95"] == [printed("-0.2054832"), printed("3.3654832")]
    assert primary["robustness"]["test"] == "mann_whitney"
    assert primary["robustness"]["statistic"] == 100 - 25.5  # U of the intervention arm
    assert primary["robustness"]["p_value"] == printed("0.06933")
    assert primary["supported"] is False


def test_variables_give_numbers_per_timepoint_and_per_arm():
    out = results(pre_post(SLEEP_1, SLEEP_2))
    sleep = out["variables"]["sleep"]
    assert sleep["type"] == "number"
    assert set(sleep["by_timepoint"]["baseline"]) == NUMBERS | {"not_applicable"}
    assert sleep["by_timepoint"]["follow_up"]["mean"] == pytest.approx(2.33)
    assert sleep["by_arm"]["intervention"]["baseline"]["n"] == 10


def test_flow_counts_follow_the_api():
    counts = {
        "screened": 14,
        "eligible": 12,
        "age": 1,
        "criterion:0": 1,
        "enrolled": 12,
        "allocated": {"intervention": 12},
        "withdrawn": 2,
    }
    flow = results(pre_post(SLEEP_1, SLEEP_2), counts=counts)["flow"]
    assert API_FLOW_KEYS <= flow.keys()
    assert flow["excluded"] == {"age": 1, "criterion:0": 1}
    assert flow["completed"] == {"baseline": 10, "follow_up": 10}
    assert flow["analysed"] == 10 and flow["allocated"] == {"intervention": 12}


@pytest.mark.parametrize("rows", [None, []])
def test_no_answers_at_all(rows):
    out = results(rows)
    assert out["primary_outcome"]["reason"] == {"code": "too_few_pairs", "n": 0, "minimum": 2}
    assert out["primary_outcome"]["p_value"] is None and out["primary_outcome"]["supported"] is None
    assert out["variables"]["sleep"]["by_timepoint"]["baseline"]["n"] == 0
    assert out["flow"]["completed"] == {"baseline": 0, "follow_up": 0} and out["flow"]["analysed"] == 0
    assert "no_data" in [w["code"] for w in out["warnings"]]


def test_one_participant():
    primary = results(pre_post([6.0], [7.5]))["primary_outcome"]
    assert primary["reason"] == {"code": "too_few_pairs", "n": 1, "minimum": 2}
    assert primary["estimate"] == 1.5 and primary["ci95"] is None
    parallel = results(at_follow_up([6.0], "control"), study("parallel_groups"))["primary_outcome"]
    assert parallel["reason"] == {"code": "too_few_per_arm", "arm_n": 0, "control_n": 1, "minimum": 2}


def test_all_answers_equal():
    out = results(pre_post([7.0] * 5, [7.0] * 5))
    # all differences are zero: no variance, nothing to rank
    assert out["primary_outcome"]["reason"] == {"code": "no_change"}
    assert out["primary_outcome"]["robustness"]["reason"] == {"code": "no_change"}
    assert out["variables"]["sleep"]["by_timepoint"]["baseline"]["sd"] == 0


def test_an_arm_with_nobody():
    out = results(at_follow_up([6.0, 7.0, 8.0], "control"), study("parallel_groups"))
    assert out["primary_outcome"]["reason"] == {"code": "too_few_per_arm", "arm_n": 0, "control_n": 3, "minimum": 2}
    # no participant of the arm “intervention” has answered yet
    assert {"code": "empty_arm", "arm": "intervention"} in out["warnings"]
    assert out["variables"]["sleep"]["by_arm"]["intervention"]["follow_up"]["mean"] is None


def test_participant_with_erased_data_counts_only_as_withdrawn():
    counts = {"enrolled": 11, "withdrawn": 1, "withdrawn_erased": 1, "allocated": {"intervention": 11}}
    out = results(pre_post(SLEEP_1, SLEEP_2), counts=counts)
    assert out["flow"]["withdrawn"] == 1 and out["flow"]["analysed"] == 10
    assert out["primary_outcome"]["dropped_missing"] == 0


def test_missing_follow_up_is_counted_and_warned():
    primary = results(pre_post(SLEEP_1 + [1.0, 2.0], SLEEP_2 + [None, None]))["primary_outcome"]
    assert (primary["n"], primary["dropped_missing"]) == (10, 2)
    assert any(w["code"] == "missing_data" for w in primary["warnings"])


def test_a_variable_measured_once_cannot_be_compared_pre_post():
    items = {"baseline": [SLEEP, USABILITY], "follow_up": [SLEEP]}
    rows = pre_post(SLEEP_1, SLEEP_2) + [
        ("P1", "intervention", "baseline", "ux_1", 5),
        ("P1", "intervention", "baseline", "ux_2", 6),
    ]
    out = results(rows, study(items=items))
    # measured at baseline only: a pre/post comparison needs two timepoints
    assert out["not_compared"] == [
        {"variable": "ux", "label": "UMUX-Lite", "reason": {"code": "one_timepoint", "timepoint": "baseline"}}
    ]
    assert out["variables"]["ux"]["by_timepoint"]["baseline"]["mean"] == pytest.approx(75)
    only_once = results(pre_post(SLEEP_1, [None] * 10), study(items={"baseline": [SLEEP]}))
    assert only_once["primary_outcome"]["reason"] == {"code": "one_timepoint", "timepoint": "baseline"}


def test_text_answers_are_only_counted():
    items = {"baseline": [SLEEP], "follow_up": [SLEEP, NOTE]}
    rows = pre_post(SLEEP_1, SLEEP_2) + [
        ("P1", "intervention", "follow_up", "note", '=HYPERLINK("x")'),
        ("P2", "intervention", "follow_up", "note", "  "),
    ]
    out = results(rows, study(items=items))
    assert out["variables"]["note"]["by_timepoint"]["follow_up"] == {"n": 1, "not_applicable": 0}
    assert all(e["variable"] != "note" for e in out["secondary"] + out["categorical"] + out["not_compared"])


def test_secondary_outcomes_are_exploratory_with_holm():
    items = {tp: [SLEEP, USABILITY] for tp in ("baseline", "follow_up")}
    rows = pre_post(SLEEP_1, SLEEP_2)
    for i, (b, a) in enumerate(zip([2, 3, 4, 3, 5, 4], [4, 6, 5, 7, 6, 6], strict=True)):
        rows += [
            (f"P{i}", "intervention", tp, f"ux_{k}", v) for tp, v in (("baseline", b), ("follow_up", a)) for k in (1, 2)
        ]
    out = results(rows, study(items=items))
    (ux,) = out["secondary"]
    assert ux["exploratory"] is True and ux["hypothesis"] == "change"
    assert ux["p_adjusted"] == ux["p_value"]  # a family of one
    assert "exploratory" in [w["code"] for w in out["warnings"]]


def test_three_arms_compare_each_with_the_control():
    rows = (
        at_follow_up(SLEEP_1, "control")
        + at_follow_up(SLEEP_2, "coaching")
        + at_follow_up([v + 1 for v in SLEEP_2], "app")
    )
    out = results(rows, study("parallel_groups", arms=["control", "coaching", "app"]))
    assert out["primary_outcome"]["comparison"] == "coaching vs control at follow_up"
    (other,) = out["secondary"]
    assert other["comparison"] == "app vs control at follow_up" and other["hypothesis"] == "change"
    assert out["flow"]["analysed_by_arm"] == {"control": 10, "coaching": 10, "app": 10}


def test_choice_questions_are_compared_between_arms():
    items = {"follow_up": [SLEEP, MOOD]}
    rows = at_follow_up(SLEEP_1, "control") + at_follow_up(SLEEP_2, "intervention")
    rows += at_follow_up(["good"] * 3 + ["bad"] * 7, "control", item="mood")
    rows += at_follow_up(["good"] * 8 + ["bad"] * 2, "intervention", item="mood")
    (mood,) = results(rows, study("parallel_groups", items=items, timepoints=("follow_up",)))["categorical"]
    assert mood["table"] == {"control": {"good": 3, "bad": 7}, "intervention": {"good": 8, "bad": 2}}
    assert mood["test"] == "fisher_exact"  # expected counts 5.5 and 4.5
    assert mood["p_value"] == pytest.approx(stats.fisher_exact([[3, 7], [8, 2]]).pvalue)


@pytest.mark.parametrize(
    "primary, reason",
    [
        # not measured by any survey; a single_choice question: only numbers, Likert, NPS and instrument
        # scores are compared with a t test
        ("weight", {"code": "primary_not_measured", "variable": "weight"}),
        ("mood", {"code": "primary_not_numeric", "variable": "mood", "type": "single_choice"}),
    ],
)
def test_primary_outcome_that_cannot_be_tested(primary, reason):
    items = {tp: [SLEEP, MOOD] for tp in ("baseline", "follow_up")}
    out = results(pre_post(SLEEP_1, SLEEP_2), study(items=items, primary=primary))
    assert out["primary_outcome"]["reason"] == reason
    assert "primary_not_tested" in [w["code"] for w in out["warnings"]]


@pytest.mark.parametrize(
    "hypothesis, shift, expected",
    [
        ("decrease", -2, True),
        ("increase", -2, False),
        ("change", -2, True),
        ("increase", 2, True),
    ],
)
def test_supported_needs_the_hypothesised_direction(hypothesis, shift, expected):
    before = [5.0, 6.0, 5.5, 6.5, 5.0, 6.0]
    after = [b + shift + d for b, d in zip(before, [0.1, -0.2, 0.3, 0.0, -0.1, 0.2], strict=True)]
    primary = results(pre_post(before, after), study(hypothesis=hypothesis))["primary_outcome"]
    assert primary["p_value"] < 0.05 and primary["supported"] is expected


def test_non_normal_differences_point_to_the_robustness_test():
    before = [10.0] * 12
    after = [10.1, 10.2, 10.1, 10.0, 10.3, 10.1, 10.2, 10.1, 10.2, 10.1, 10.3, 19.0]
    primary = results(pre_post(before, after))["primary_outcome"]
    assert primary["normality"]["p_value"] < 0.05
    (warning,) = [w for w in primary["warnings"] if w["code"] == "not_normal"]
    assert warning["robustness"] == "wilcoxon_signed_rank" and warning["p_value"] == primary["normality"]["p_value"]


def test_choice_yes_no_nps_and_instrument_descriptives():
    items = {
        "baseline": [
            {"key": "again", "text": "Would you use it again?", "type": "yes_no"},
            {"key": "uses", "text": "What for?", "type": "multiple_choice", "choices": ["sleep", "stress", "sport"]},
            {"key": "recommend", "text": "Recommend?", "type": "nps"},
            USABILITY,
            SLEEP,
        ]
    }
    rows = [
        ("P1", "intervention", "baseline", "again", 1),
        ("P2", "intervention", "baseline", "again", 0),
        ("P3", "intervention", "baseline", "again", 1),
        ("P1", "intervention", "baseline", "uses", '["sleep", "sport"]'),
        ("P2", "intervention", "baseline", "uses", '["sleep"]'),
    ]
    rows += [(f"P{i}", "intervention", "baseline", "recommend", v) for i, v in enumerate([10, 9, 7, 3], 1)]
    rows += [
        (f"P{i}", "intervention", "baseline", f"ux_{k}", v)
        for i, (a, b) in enumerate([(7, 6), (5, 5), (2, 3)], 1)
        for k, v in ((1, a), (2, b))
    ]
    out = results(rows, study(items=items, timepoints=("baseline",)))["variables"]
    assert out["again"]["by_timepoint"]["baseline"] == {
        "n": 3,
        "counts": {"yes": 2, "no": 1},
        "percentages": {"yes": pytest.approx(200 / 3), "no": pytest.approx(100 / 3)},
        # R: prop.test(2, 3, correct = FALSE)$conf.int -> 0.2076596 0.9385081 (Wilson)
        "proportion": pytest.approx(2 / 3),
        "ci95": [pytest.approx(0.2076596, abs=5e-8), pytest.approx(0.9385081, abs=5e-8)],
        "ci_method": "wilson",
        "not_applicable": 0,
    }
    assert out["uses"]["by_timepoint"]["baseline"]["counts"] == {"sleep": 2, "stress": 0, "sport": 1}
    assert out["uses"]["by_timepoint"]["baseline"]["percentages"]["sleep"] == 100
    assert out["recommend"]["by_timepoint"]["baseline"]["nps"] == {
        "score": 25.0,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        # adjusted Wald (Rocks 2016), by hand: n' = 7, p' = 2.75/7, d' = 1.75/7, centre 1/7,
        # Var = (p' + d' − centre²)/7 = 0.08892128, half = 1.959964 × 0.2981967 → [−44.15977, 72.73120]
        "ci95": [pytest.approx(-44.15977, abs=1e-5), pytest.approx(72.73120, abs=1e-5)],
        "ci_method": "adjusted_wald",
    }
    # UMUX-Lite scores (a + b − 2) × 100 / 12: 91.67, 66.67, 25; alpha on the two items, by hand:
    # item variances 6.3333 and 2.3333, total variance 16.3333 → 2 × (1 − 8.6667 / 16.3333) = 0.9388
    assert out["ux"]["by_timepoint"]["baseline"]["mean"] == pytest.approx((1100 / 12 + 800 / 12 + 300 / 12) / 3)
    assert out["ux"]["cronbach_alpha"]["baseline"]["value"] == pytest.approx(2 * (1 - 26 / 49))


def test_surveys_may_come_as_a_list_and_unknown_designs_are_explained():
    surveys = [{"timepoint": "baseline", "items": [SLEEP]}, {"timepoint": "follow_up", "items": [SLEEP]}]
    out = results(pre_post(SLEEP_1, SLEEP_2), dict(study(), surveys=surveys))
    assert out["primary_outcome"]["n"] == 10
    odd = results(pre_post(SLEEP_1, SLEEP_2), dict(study(), design="crossover"))
    assert odd["primary_outcome"]["reason"] == {"code": "unknown_design", "design": "crossover"}


def test_answers_at_unknown_timepoints_or_items_are_ignored():
    rows = pre_post(SLEEP_1, SLEEP_2) + [
        ("P1", "intervention", "week_9", "sleep", 99.0),
        ("P1", "intervention", "baseline", "old_item", 5.0),
    ]
    out = results(rows)
    assert out["primary_outcome"]["estimate"] == pytest.approx(1.58)
    assert set(out["variables"]) == {"sleep"}
