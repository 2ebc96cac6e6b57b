"""Issue 13, items 2 and 8, for yes/no variables: the risk difference (Newcombe) and Fisher's conditional odds
ratio of each yes/no question compared between arms in the categorical family, and the extreme-case analysis of
a yes/no primary outcome on every participant allocated. Reference values printed by R 4.x (calls cited)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livinglab.analysis.results import build_results
from tests.analysis.builders import MOOD, SLEEP, frame, pre_post, study
from tests.analysis.reference_data import printed

WALKS = {"key": "walks", "text": "Do you walk daily?", "type": "yes_no"}


def parallel(arms=("control", "app"), primary="sleep", items=None) -> dict:
    items = items or {"baseline": [SLEEP], "follow_up": [SLEEP, WALKS, MOOD]}
    return study(design="parallel_groups", arms=list(arms), items=items, primary=primary)


def walkers(yes_by_arm: dict, missing_by_arm: dict | None = None) -> list:
    """Per arm (yes, total): yes/no answers at follow-up and a sleep value at both timepoints; the last
    `missing_by_arm[arm]` of the arm answered sleep only (present, but without the yes/no answer)."""
    rows = []
    for arm, (yes, total) in yes_by_arm.items():
        missing = (missing_by_arm or {}).get(arm, 0)
        for i in range(total):
            code = f"{arm}{i}"
            rows += [(code, arm, "baseline", "sleep", float(i)), (code, arm, "follow_up", "sleep", float(i + 1))]
            rows.append((code, arm, "follow_up", "mood", "good" if i % 2 else "bad"))
            if i < total - missing:
                rows.append((code, arm, "follow_up", "walks", float(i < yes)))
    return rows


def categorical(results, key="walks") -> list[dict]:
    return [entry for entry in results["categorical"] if entry["variable"] == key]


def test_a_yes_no_question_between_arms_gets_the_risk_difference_and_fishers_odds_ratio():
    # Fisher's convictions of like-sex twins (R's ?fisher.test): 2 of 17 against 10 of 13.
    # R: fisher.test(matrix(c(2, 10, 15, 3), 2)): odds ratio 0.04693660883, 95 % CI 0.003325764034 0.363182271475;
    # chisq.test(matrix(c(2, 10, 15, 3), 2))$p.value 0.001221098516 (the smallest expected count is 5.2);
    # Newcombe's method 10 from R's Wilson bounds (prop.test(x, n, correct = FALSE)$conf.int):
    # -0.6515837104, 95 % CI -0.8229859522 -0.2982847147
    results = build_results(frame(walkers({"app": (2, 17), "control": (10, 13)})), parallel())
    [entry] = categorical(results)
    assert entry["test"] == "chi_square" and entry["p_value"] == printed("0.001221098516")
    assert entry["estimate"] == printed("-0.6515837104")
    assert entry["ci95"] == [printed("-0.8229859522"), printed("-0.2982847147")]
    assert entry["ci_method"] == "newcombe_hybrid_score"
    assert entry["odds_ratio"]["value"] == printed("0.04693660883")
    assert entry["odds_ratio"]["ci95"] == [printed("0.003325764034"), printed("0.363182271475")]
    assert entry["proportions"]["arm"]["count"] == 2 and entry["proportions"]["control"]["n"] == 13
    # the family's p values are adjusted as before; the intervals are not (no adjusted interval exists)
    assert entry["adjustment"] == "holm" and "p_adjusted" in entry and "supported_after_holm" not in entry
    # a choice question of the same family gets none of them
    [mood] = categorical(results, "mood")
    assert "estimate" not in mood and "odds_ratio" not in mood
    assert "categorical_yes_no" in results["methods"]
    json.dumps(results, allow_nan=False)


def test_with_three_arms_each_arm_is_compared_with_the_control():
    # R: fisher.test(matrix(c(2, 10, 15, 3), 2)) as above for app; coaching 10 of 13 as the control: odds ratio 1
    results = build_results(
        frame(walkers({"control": (10, 13), "coaching": (10, 13), "app": (2, 17)})),
        parallel(arms=("control", "coaching", "app")),
    )
    entries = {entry["arms"][1]: entry for entry in categorical(results)}
    assert set(entries) == {"coaching", "app"} and all(e["arms"][0] == "control" for e in entries.values())
    assert entries["app"]["odds_ratio"]["value"] == printed("0.04693660883")
    assert entries["coaching"]["estimate"] == pytest.approx(0) and entries["coaching"]["odds_ratio"]["value"] == 1


def test_a_yes_no_question_that_cannot_be_tested_gives_no_effect_sizes():
    results = build_results(frame(walkers({"app": (5, 5), "control": (4, 4)})), parallel())  # everyone said yes
    [entry] = categorical(results)
    assert entry["test"] is None and entry["reason"]["code"] == "same_answer"
    assert (entry["estimate"], entry["ci95"], entry["odds_ratio"]) == (None, None, None)
    assert "categorical_yes_no" not in results["methods"], "no effect size was computed"


@settings(deadline=None, max_examples=25)
@given(
    st.tuples(st.integers(1, 12), st.integers(1, 12)).flatmap(
        lambda n: st.tuples(st.integers(0, n[0]), st.just(n[0]), st.integers(0, n[1]), st.just(n[1]))
    )
)
def test_swapping_the_arms_flips_the_risk_difference_and_inverts_the_odds_ratio(counts):
    x1, n1, x2, n2 = counts
    rows = frame(walkers({"a": (x1, n1), "b": (x2, n2)}))
    forward = categorical(build_results(rows, parallel(arms=("a", "b"))))[0]
    backward = categorical(build_results(rows, parallel(arms=("b", "a"))))[0]
    if forward["estimate"] is None:
        assert backward["estimate"] is None
        return
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-12)
    assert backward["ci95"] == pytest.approx([-forward["ci95"][1], -forward["ci95"][0]], abs=1e-12)
    assert backward["p_value"] == pytest.approx(forward["p_value"], rel=1e-9)
    odds, back = forward["odds_ratio"], backward["odds_ratio"]
    if odds["value"] is None or back["value"] is None:  # unbounded one way, 0 the other
        assert 0 in (odds["value"], back["value"])
    elif 0.05 < odds["value"] < 20:  # R's uniroot tolerance (tests/analysis/test_binary.py)
        assert back["value"] * odds["value"] == pytest.approx(1, abs=0.05)


# --- The extreme cases of a yes/no primary outcome ----------------------------------------------------------


def extremes(results) -> dict:
    return {line["assumption"]: line for line in results["primary_outcome"]["missing_data_sensitivity"]}


def test_between_arms_the_extreme_cases_match_r():
    # app: 8 answered (5 yes), 2 without the answer; control: 7 answered (2 yes), 3 without it; 10 allocated each.
    # Largest difference: app 7 of 10, control 2 of 10. R: fisher.test(matrix(c(7, 2, 3, 8), 2)): p-value
    # 0.06977851869, odds ratio 8.15306260436, 95 % CI 0.88211748932 127.05584183011; Newcombe (Wilson bounds of
    # prop.test(x, 10, correct = FALSE)): 0.5, 95 % CI 0.06647631449 0.73975863404.
    # Smallest: app 5 of 10, control 5 of 10. R: fisher.test(matrix(c(5, 5, 5, 5), 2)): p-value 1, odds ratio 1,
    # 95 % CI 0.1258916153 7.9433407644; Newcombe: 0, 95 % CI -0.3725136238 0.3725136238
    rows = walkers({"app": (5, 10), "control": (2, 10)}, missing_by_arm={"app": 2, "control": 3})
    spec = parallel(primary="walks")
    spec["primary_outcome"]["hypothesis"] = "increase"
    results = build_results(frame(rows), spec, {"allocated": {"app": 10, "control": 10}})
    primary = results["primary_outcome"]
    assert primary["n"] == 15 and primary["estimate"] == pytest.approx(5 / 8 - 2 / 7)  # complete cases
    upper, lower = extremes(results)["extreme_case_upper"], extremes(results)["extreme_case_lower"]
    assert (upper["n_randomised"], upper["n"], upper["imputed"]) == (20, 20, 5)
    assert upper["imputed_as"] == {"app": True, "control": False}
    assert lower["imputed_as"] == {"app": False, "control": True}
    assert upper["test"] == "fisher_exact" and upper["p_value"] == printed("0.06977851869")
    assert upper["estimate"] == pytest.approx(0.5)
    assert upper["ci95"] == [printed("0.06647631449"), printed("0.73975863404")]
    assert upper["odds_ratio"]["value"] == printed("8.15306260436")
    assert upper["odds_ratio"]["ci95"] == [printed("0.88211748932"), printed("127.05584183011")]
    assert lower["p_value"] == printed("1") and lower["estimate"] == pytest.approx(0)
    assert lower["ci95"] == [printed("-0.3725136238"), printed("0.3725136238")]
    assert lower["odds_ratio"]["ci95"] == [printed("0.1258916153"), printed("7.9433407644")]
    assert upper["supported"] is False and lower["supported"] is False  # p ≥ 0.05 at both ends
    assert lower["estimate"] <= primary["estimate"] <= upper["estimate"]
    assert "missing_data_extreme_cases" in results["methods"] and "missing_data_sensitivity" not in results["methods"]


def test_before_and_after_the_extreme_cases_match_r():
    # 12 allocated; 10 pairs (yes→yes 2, yes→no 1, no→yes 5, no→no 2), one answered yes at first only, one never
    # answered. Largest change (missing first = no, missing last = yes): table 3, 1, 6, 2: R binom.test(1, 7)$p.value
    # 0.125; estimate 9/12 − 4/12; Newcombe's paired method 10 from R's Wilson bounds: 0.41666666667, 95 % CI
    # 0.02182883785 0.66974372238. Smallest (the reverse): 2, 3, 5, 2: binom.test(3, 8)$p.value 0.7265625;
    # 0.1666666667, 95 % CI -0.2610645372 0.5288724751
    first = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    last = [1, 1, 0, 1, 1, 1, 1, 1, 0, 0, None]
    spec = study(items={tp: [WALKS] for tp in ("baseline", "follow_up")}, primary="walks")
    results = build_results(
        frame(pre_post([float(v) for v in first], [v if v is None else float(v) for v in last], item="walks")),
        spec,
        {"allocated": {"intervention": 12}},
    )
    assert results["primary_outcome"]["test"] == "mcnemar" and results["primary_outcome"]["n"] == 10
    upper, lower = extremes(results)["extreme_case_upper"], extremes(results)["extreme_case_lower"]
    assert upper["imputed_as"] == {"baseline": False, "follow_up": True}
    assert (upper["n"], upper["imputed"], upper["n_randomised"]) == (12, 2, 12)
    assert upper["test"] == "mcnemar" and upper["p_value"] == printed("0.125")
    assert upper["estimate"] == printed("0.41666666667")
    assert upper["ci95"] == [printed("0.02182883785"), printed("0.66974372238")]
    assert lower["p_value"] == printed("0.7265625") and lower["estimate"] == printed("0.1666666667")
    assert lower["ci95"] == [printed("-0.2610645372"), printed("0.5288724751")]
    assert "odds_ratio" not in upper
    assert "extreme_cases" in results["methods"], "one group: attrition is not compared"


answers = st.sampled_from([0.0, 1.0, None])


@settings(deadline=None, max_examples=30)
@given(
    st.lists(answers, min_size=2, max_size=14),
    st.lists(answers, min_size=2, max_size=14),
    st.randoms(use_true_random=False),
)
def test_the_extreme_cases_bound_the_difference_whatever_the_missing_answers_and_swap_with_the_arms(a, b, rng):
    rows = [(f"a{i}", "a", "follow_up", "sleep", 1.0) for i in range(len(a))]
    rows += [(f"b{i}", "b", "follow_up", "sleep", 1.0) for i in range(len(b))]
    rows += [(f"a{i}", "a", "follow_up", "walks", v) for i, v in enumerate(a) if v is not None]
    rows += [(f"b{i}", "b", "follow_up", "walks", v) for i, v in enumerate(b) if v is not None]
    items = {"baseline": [], "follow_up": [SLEEP, WALKS]}
    counts = {"allocated": {"a": len(a), "b": len(b)}}
    forward = extremes(build_results(frame(rows), parallel(arms=("a", "b"), primary="walks", items=items), counts))
    backward = extremes(build_results(frame(rows), parallel(arms=("b", "a"), primary="walks", items=items), counts))
    upper, lower = forward["extreme_case_upper"], forward["extreme_case_lower"]
    # swapping the arms: the largest difference becomes minus the smallest one
    assert (backward["extreme_case_lower"]["estimate"] is None) == (upper["estimate"] is None)
    if upper["estimate"] is not None:
        assert backward["extreme_case_lower"]["estimate"] == pytest.approx(-upper["estimate"], abs=1e-12)
    # any filling of the missing answers gives a difference between the two (where both were computed)
    if upper["estimate"] is None or lower["estimate"] is None:
        return
    filled_b = [v if v is not None else float(rng.random() < 0.5) for v in b]
    filled_a = [v if v is not None else float(rng.random() < 0.5) for v in a]
    difference = sum(filled_b) / len(b) - sum(filled_a) / len(a)
    assert lower["estimate"] - 1e-12 <= difference <= upper["estimate"] + 1e-12
    json.dumps(forward, allow_nan=False)


def test_when_one_extreme_case_cannot_be_tested_the_paragraph_names_only_the_other(app):
    # everyone who answered said yes; two of the app's answers are missing: counted yes, everyone says yes (nothing
    # to test); counted no, 5 of 7 against 4 of 4 (R: fisher.test(matrix(c(5, 4, 2, 0), 2))$p.value 0.4909090909)
    from flask_babel import force_locale

    from livinglab.results.methods_text import _missing

    rows = walkers({"app": (7, 7), "control": (4, 4)}, missing_by_arm={"app": 2})
    results = build_results(frame(rows), parallel(primary="walks"), {"allocated": {"app": 7, "control": 4}})
    upper, lower = extremes(results)["extreme_case_upper"], extremes(results)["extreme_case_lower"]
    assert upper["reason"]["code"] == "no_variance" and upper["estimate"] is None
    assert lower["test"] == "fisher_exact" and lower["p_value"] == printed("0.4909090909")
    assert lower["estimate"] == pytest.approx(5 / 7 - 1)
    with app.test_request_context(), force_locale("en"):
        text = _missing(results["primary_outcome"])
    assert "the extreme case counting each missing answer the way that makes the difference smallest" in text
    assert "largest" not in text


def test_the_sensitivity_analyses_compare_the_declared_primary_arm():
    # three arms, the protocol declares the third as the primary contrast (primary_arm): carrying the baseline
    # forward with nobody missing is the primary analysis itself, so the same arms and the same estimate
    from tests.analysis.builders import pre_post as pairs

    rows = pairs([1, 2, 3, 4], [1, 2, 3, 4], arm="c")
    rows += pairs([1, 2, 3, 4], [2, 3, 4, 5], arm="b", start=10) + pairs([1, 2, 3, 4], [5, 6, 7, 9], arm="a", start=20)
    spec = study(design="parallel_groups", arms=["c", "b", "a"])
    spec |= {"primary_arm": "a", "primary_analysis": "unadjusted"}
    primary = build_results(frame(rows), spec, None)["primary_outcome"]
    assert primary["arms"] == ["c", "a"] and primary["estimate"] == pytest.approx(4.25)
    carried = {line["assumption"]: line for line in primary["missing_data_sensitivity"]}["baseline_carried_forward"]
    assert carried["estimate"] == pytest.approx(4.25) and carried["n"] == 8
