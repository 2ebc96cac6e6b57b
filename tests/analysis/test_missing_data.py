"""Missing data in the results (issue 13, item 8): attrition per arm, and the primary analysis on every
randomised participant under a stated assumption (baseline carried forward, multiple imputation)."""

import json

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from livinglab.analysis.missing_data import BCF, IMPUTATIONS, MI
from livinglab.analysis.results import build_results
from tests.analysis.builders import frame, pre_post, study
from tests.analysis.reference_data import SLEEP_1, SLEEP_2, printed
from tests.analysis.reference_published import ANOREXIA


def parallel(analysis="ancova", arms=("Cont", "FT"), **fields) -> dict:
    spec = study(design="parallel_groups", arms=list(arms), **fields)
    spec["primary_analysis"] = analysis
    return spec


def anorexia_rows(names=("Cont", "FT"), drop_last=()) -> list:
    rows, start = [], 0
    for name in names:
        before, after = ANOREXIA[name]
        after = [None if start + i in drop_last else v for i, v in enumerate(after)]
        rows += pre_post(before, after, arm=name, start=start)
        start += len(before)
    return rows


def lines(results) -> dict:
    return {line["assumption"]: line for line in results["primary_outcome"]["missing_data_sensitivity"]}


def test_without_missing_data_both_assumptions_give_rs_ancova():
    # MASS::anorexia (Cont, CBT, FT): summary(lm(Postwt ~ Prewt + Treat)): TreatCBT 4.0971, t 2.164, p 0.033999,
    # 68 residual df (commres.net/wiki/ancova, as tests/analysis/test_ancova.py). Nobody is missing: carrying the
    # baseline forward changes nothing, and there is nothing to impute.
    names = ("Cont", "CBT", "FT")
    results = build_results(
        frame(anorexia_rows(names)), parallel(arms=names), {"allocated": {"Cont": 26, "CBT": 29, "FT": 17}}
    )
    primary = results["primary_outcome"]
    for line in lines(results).values():
        assert line["test"] == "ancova" and line["reason"] is None
        assert line["estimate"] == printed("4.0971") and line["statistic"] == printed("2.164")
        assert line["p_value"] == printed("0.033999") and line["df"] == 68
        assert line["ci95"] == pytest.approx(primary["ci95"])
        assert line["n"] == line["n_randomised"] == 26 + 29 and line["imputed"] == 0
        assert line["supported"] is True


def test_without_missing_data_the_paired_analysis_is_rs_on_the_sleep_data():
    # R: t.test(sleep$extra[11:20], sleep$extra[1:10], paired = TRUE): t = 4.0621, df = 9, p-value = 0.002833,
    # mean difference 1.58
    results = build_results(frame(pre_post(SLEEP_1, SLEEP_2)), study(), {"allocated": {"intervention": 10}})
    for line in lines(results).values():
        assert line["test"] == "paired_t"
        assert line["estimate"] == pytest.approx(1.58) and line["statistic"] == printed("4.0621")
        assert line["p_value"] == printed("0.002833") and line["df"] == 9 and line["n"] == 10


@pytest.mark.parametrize("shift", [0.0, 7.5, -120.0])
def test_property_no_missing_data_means_the_sensitivity_equals_the_primary(shift):
    # whatever the values (here moved by a constant), with everyone measured both times every line is the primary
    rng = np.random.default_rng(int(abs(shift)) + 1)
    before = rng.normal(50, 8, 30) + shift
    after = before * 0.5 + rng.normal(25, 5, 30) + np.r_[np.zeros(15), np.full(15, 3.0)] + shift
    rows = pre_post(before[:15], after[:15], arm="control") + pre_post(before[15:], after[15:], arm="app", start=15)
    for analysis in ("ancova", "unadjusted"):
        results = build_results(frame(rows), parallel(analysis, arms=("control", "app")), None)
        primary = results["primary_outcome"]
        for line in lines(results).values():
            assert line["test"] == primary["test"]
            for field in ("estimate", "statistic", "df", "p_value"):
                assert line[field] == pytest.approx(primary[field], rel=1e-9, abs=1e-12), (analysis, field)
            assert line["ci95"] == pytest.approx(primary["ci95"], rel=1e-9)
            assert line["n"] == primary["n"] == 30 and line["supported"] == primary["supported"]


def test_baseline_carried_forward_is_the_paired_t_test_of_the_filled_values():
    # the last two participants of the sleep data never come back: their first value stands for the last one
    after = SLEEP_2[:8] + [None, None]
    results = build_results(frame(pre_post(SLEEP_1, after)), study(), {"allocated": {"intervention": 10}})
    line = lines(results)[BCF]
    expected = stats.ttest_rel(SLEEP_2[:8] + SLEEP_1[8:], SLEEP_1)
    assert line["statistic"] == pytest.approx(expected.statistic) and line["p_value"] == pytest.approx(expected.pvalue)
    assert line["estimate"] == pytest.approx((sum(SLEEP_2[:8]) - sum(SLEEP_1[:8])) / 10)
    assert (line["n"], line["imputed"], line["n_randomised"]) == (10, 2, 10)
    assert results["primary_outcome"]["n"] == 8  # the primary analysis keeps the complete pairs only


def test_baseline_carried_forward_with_ancova_is_the_model_of_the_filled_values():
    dropped = {1, 5, 30, 40}
    results = build_results(frame(anorexia_rows(drop_last=dropped)), parallel(), None)
    line = lines(results)[BCF]
    before = np.array(ANOREXIA["Cont"][0] + ANOREXIA["FT"][0])
    after = np.array(ANOREXIA["Cont"][1] + ANOREXIA["FT"][1])
    filled = np.where(np.isin(np.arange(43), list(dropped)), before, after)
    design = sm.add_constant(np.column_stack([np.r_[np.zeros(26), np.ones(17)], before]))
    fit = sm.OLS(filled, design).fit()  # R: lm(filled ~ Treat + Prewt)
    assert line["estimate"] == pytest.approx(fit.params[1]) and line["p_value"] == pytest.approx(fit.pvalues[1])
    assert line["df"] == 40 and (line["n"], line["imputed"]) == (43, 4)
    assert results["primary_outcome"]["n"] == 39


def test_multiple_imputation_uses_every_randomised_participant_and_is_seeded_by_the_study_id():
    dropped = set(range(0, 43, 5))
    rows = anorexia_rows(drop_last=dropped)
    counts = {"allocated": {"Cont": 28, "FT": 19}, "kept_by_arm": {"Cont": 28, "FT": 18}}  # 3 never answered, 1 erased
    first = lines(build_results(frame(rows), parallel(), counts))[MI]
    again = lines(build_results(frame(list(reversed(rows))), parallel(), counts))[MI]  # any row order
    assert first == again
    assert first["n_randomised"] == first["n"] == 46 and first["imputed"] == len(dropped) + 3
    assert (first["imputations"], first["seed"], first["method"]) == (IMPUTATIONS, 7, "mice_pmm")
    assert first["ci95"][0] < first["estimate"] < first["ci95"][1] and 0 < first["p_value"] < 1
    other = parallel()
    other["id"] = 8
    assert lines(build_results(frame(rows), other, counts))[MI]["seed"] == 8
    json.dumps(first, allow_nan=False)


def test_attrition_per_arm_matches_rs_fisher_test_on_the_tea_tasting_table():
    # R's ?fisher.test example, TeaTasting = matrix(c(3, 1, 1, 3), 2): p-value = 0.4857. Here lost × completed:
    # arm a 3 lost and 1 measured, arm b 1 lost and 3 measured, of 4 allocated each (one of a's lost was erased)
    rows = pre_post([5, 6, 7, 8], [6, None, None, None], arm="a") + pre_post(
        [5, 6, 7, 8], [7, 8, 9, None], arm="b", start=4
    )
    counts = {"allocated": {"a": 4, "b": 4}, "kept_by_arm": {"a": 3, "b": 4}}
    rows = [r for r in rows if r[0] != "P3"]  # the erased participant's answers are gone
    attrition = build_results(frame(rows), parallel(arms=("a", "b")), counts)["attrition"]
    assert attrition["variable"] == "sleep" and attrition["timepoint"] == "follow_up"
    assert (
        attrition["by_arm"]["a"] | {"ci95": None}
        == {
            "randomised": 4,
            "completed": 1,
            "lost": 3,
            "proportion_lost": 0.75,
            "ci95": None,
            "erased": 1,
            "not_applicable": 0,  # the outcome applied to everyone here (branching: tests/analysis/test_not_applicable_missing.py)
        }
    )
    assert attrition["by_arm"]["b"]["lost"] == 1 and attrition["by_arm"]["b"]["erased"] == 0
    # Wilson interval of 3/4 (R: prop.test(3, 4, correct = FALSE)$conf.int: 0.3006418 0.9544127)
    assert attrition["by_arm"]["a"]["ci95"] == [printed("0.3006418"), printed("0.9544127")]
    assert attrition["test"]["test"] == "fisher_exact" and attrition["test"]["p_value"] == printed("0.4857")


def test_one_group_has_attrition_without_a_test_and_a_yes_no_outcome_runs_its_extreme_cases():
    results = build_results(frame(pre_post([1, 2, 3], [2, None, 4])), study(), {"allocated": {"intervention": 3}})
    assert results["attrition"]["by_arm"]["intervention"]["lost"] == 1
    assert results["attrition"]["test"]["reason"] == {"code": "one_group"}
    walks = {"key": "walks", "text": "Do you walk daily?", "type": "yes_no"}
    items = {tp: [walks] for tp in ("baseline", "follow_up")}
    rows = [(f"P{i}", "intervention", tp, "walks", float(i % 2)) for i in range(6) for tp in ("baseline", "follow_up")]
    results = build_results(frame(rows), study(items=items, primary="walks"), None)
    # a yes/no outcome: no carrying forward nor imputation, the extreme cases instead; nobody is missing and nobody
    # changed their answer, so McNemar's test declines in both, as in the primary analysis
    assert [
        (line["assumption"], line["reason"]["code"]) for line in results["primary_outcome"]["missing_data_sensitivity"]
    ] == [("extreme_case_upper", "no_discordant_pairs"), ("extreme_case_lower", "no_discordant_pairs")]
    assert results["attrition"]["by_arm"]["intervention"]["completed"] == 6


def test_an_outcome_measured_once_cannot_carry_anything_forward():
    rows = [
        (f"{arm}{i}", arm, "follow_up", "sleep", float(i + (arm == "app")))
        for arm in ("control", "app")
        for i in range(5)
    ]
    results = build_results(
        frame(rows),
        parallel(
            items={"baseline": [], "follow_up": [{"key": "sleep", "type": "number", "text": "Sleep"}]},
            arms=("control", "app"),
        ),
        None,
    )
    assert {line["reason"]["code"] for line in results["primary_outcome"]["missing_data_sensitivity"]} == {
        "no_baseline"
    }
    assert results["primary_outcome"]["test"] == "welch_t"
