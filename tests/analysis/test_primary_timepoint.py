"""Issue 13 item 4: the pre-registered contrast stays the primary. A protocol may declare the timepoint of the
primary comparison (`primary_timepoint`): the primary analysis is then made there, not at the last timepoint, and
its figures equal those computed independently (scipy, numpy) on that timepoint alone."""

import numpy as np
import pytest
from scipy import stats

from livinglab.analysis.results import build_results
from livinglab.analysis.subgroups import by_group
from tests.analysis.builders import SLEEP, frame, study

TIMEPOINTS = ("baseline", "week_4", "week_12")
RNG = np.random.RandomState(20261201)
N = 14
BASE = RNG.normal(6.0, 1.0, size=(2, N)).round(1)
# week 4 a small change, week 12 a large one: the two contrasts differ clearly
WEEK_4 = (BASE + RNG.normal(0.5, 0.8, size=(2, N))).round(1)
WEEK_12 = (BASE + RNG.normal(3.0, 0.8, size=(2, N))).round(1)
WEEK_4[1] += 1.0  # the intervention arm (row 1) gains one hour more than the control at week 4...
WEEK_12[1] += 2.5  # ...and much more at week 12


def rows(arms=("intervention",), item="sleep", values=(BASE, WEEK_4, WEEK_12)) -> list:
    out = []
    for a, arm in enumerate(arms):
        for i in range(N):
            for tp, data in zip(TIMEPOINTS, values, strict=True):
                out.append((f"{arm}{i}", arm, tp, item, float(data[a][i])))
    return out


def three_timepoints(design="single_group_pre_post", declared="week_4", **overrides) -> dict:
    spec = study(design=design, timepoints=TIMEPOINTS, **overrides)
    spec["primary_timepoint"] = declared
    return spec


def test_a_single_group_compares_the_first_timepoint_with_the_declared_one():
    results = build_results(frame(rows()), three_timepoints())
    primary = results["primary_outcome"]
    expected = stats.ttest_rel(WEEK_4[0], BASE[0])
    assert primary["timepoints"] == ["baseline", "week_4"] and primary["comparison"] == "baseline → week_4"
    assert primary["declared_timepoint"] == "week_4"
    assert primary["estimate"] == pytest.approx(float(np.mean(WEEK_4[0] - BASE[0])), abs=1e-12)
    assert primary["statistic"] == pytest.approx(expected.statistic, rel=1e-9)
    assert primary["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert primary["df"] == N - 1
    diff = WEEK_4[0] - BASE[0]
    assert primary["effect_size"]["value"] == pytest.approx(diff.mean() / diff.std(ddof=1), rel=1e-9)
    # the week-12 contrast is clearly another one: the test would fail if the last timepoint were used
    assert abs(primary["estimate"] - float(np.mean(WEEK_12[0] - BASE[0]))) > 1.5
    # the mixed model over every timepoint stays as it is: three timepoints, each against the first
    assert primary["longitudinal"]["timepoints"] == list(TIMEPOINTS)
    assert "primary_timepoint" in results["methods"]


def test_without_a_declared_timepoint_the_last_one_is_compared_as_before():
    for declared in ("", None, "week_12"):
        results = build_results(frame(rows()), three_timepoints(declared=declared))
        primary = results["primary_outcome"]
        assert primary["timepoints"] == ["baseline", "week_12"]
        assert primary["estimate"] == pytest.approx(float(np.mean(WEEK_12[0] - BASE[0])), abs=1e-12)
        assert primary["declared_timepoint"] == (declared or None)
        assert ("primary_timepoint" in results["methods"]) == bool(declared)


@pytest.mark.parametrize("declared", ["baseline", "nope", "week_4\r\n"])
def test_a_declared_timepoint_the_variable_cannot_be_compared_at_falls_back_to_the_last(declared):
    results = build_results(frame(rows()), three_timepoints(declared=declared))
    assert results["primary_outcome"]["timepoints"] == ["baseline", "week_12"]
    assert results["primary_outcome"]["declared_timepoint"] is None
    assert "primary_timepoint" not in results["methods"]


def test_parallel_groups_ancova_at_the_declared_timepoint():
    spec = three_timepoints(design="parallel_groups")
    spec["primary_analysis"] = "ancova"
    results = build_results(frame(rows(arms=("control", "intervention"))), spec)
    primary = results["primary_outcome"]
    # week_4 ~ arm + baseline by ordinary least squares, computed here with numpy
    outcome = np.concatenate([WEEK_4[0], WEEK_4[1]])
    baseline = np.concatenate([BASE[0], BASE[1]])
    arm = np.concatenate([np.zeros(N), np.ones(N)])
    design = np.column_stack([np.ones(2 * N), arm, baseline])
    coef, residual_ss, *_ = np.linalg.lstsq(design, outcome, rcond=None)
    df = 2 * N - 3
    se = np.sqrt(residual_ss[0] / df * np.linalg.inv(design.T @ design)[1, 1])
    assert primary["test"] == "ancova" and primary["timepoints"] == ["baseline", "week_4"]
    assert primary["adjusted_for"] == ["sleep@baseline"]
    assert primary["estimate"] == pytest.approx(coef[1], rel=1e-9)
    assert primary["df"] == df
    assert primary["statistic"] == pytest.approx(coef[1] / se, rel=1e-9)
    assert primary["p_value"] == pytest.approx(2 * stats.t.sf(abs(coef[1] / se), df), rel=1e-7)
    # its sensitivity analysis, Welch unadjusted, at week 4 too
    welch = stats.ttest_ind(WEEK_4[1], WEEK_4[0], equal_var=False)
    assert primary["sensitivity"]["timepoints"] == ["week_4"]
    assert primary["sensitivity"]["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert primary["longitudinal"]["timepoints"] == list(TIMEPOINTS)


def test_parallel_groups_welch_at_the_declared_timepoint_and_the_attrition_there():
    spec = three_timepoints(design="parallel_groups")
    data = rows(arms=("control", "intervention"))
    # two controls did not answer at week 4 (they did at week 12): attrition counts them at week 4
    data = [r for r in data if not (r[0] in ("control0", "control1") and r[2] == "week_4")]
    results = build_results(frame(data), spec)
    primary = results["primary_outcome"]
    welch = stats.ttest_ind(WEEK_4[1], WEEK_4[0][2:], equal_var=False)
    assert primary["test"] == "welch_t" and primary["comparison"] == "intervention vs control at week_4"
    assert primary["estimate"] == pytest.approx(float(WEEK_4[1].mean() - WEEK_4[0][2:].mean()), rel=1e-12)
    assert primary["statistic"] == pytest.approx(welch.statistic, rel=1e-9)
    assert primary["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert primary["dropped_missing"] == 2
    assert results["attrition"]["timepoint"] == "week_4"
    assert results["attrition"]["by_arm"]["control"]["completed"] == N - 2
    # the missing-data sensitivity analyses fill week 4 (baseline carried forward: the two controls' baselines)
    carried = next(s for s in primary["missing_data_sensitivity"] if s["assumption"] == "baseline_carried_forward")
    filled = np.concatenate([BASE[0][:2], WEEK_4[0][2:]])
    expected = stats.ttest_ind(WEEK_4[1], filled, equal_var=False)
    assert carried["imputed"] == 2 and carried["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)


def test_three_arms_the_overall_test_and_every_contrast_at_the_declared_timepoint():
    arms = ("control", "intervention", "coach")
    values = (np.vstack([BASE, BASE[:1]]), np.vstack([WEEK_4, WEEK_4[:1] + 2]), np.vstack([WEEK_12, WEEK_12[:1]]))
    results = build_results(frame(rows(arms=arms, values=values)), three_timepoints("parallel_groups", arms=list(arms)))
    primary = results["primary_outcome"]
    assert primary["overall"]["timepoint"] == "week_4"
    coach = next(e for e in results["secondary"] if e["variable"] == "sleep" and e["arms"] == ["control", "coach"])
    assert coach["timepoints"] == ["week_4"]
    assert coach["estimate"] == pytest.approx(2.0, abs=1e-9)
    kruskal = stats.kruskal(*values[1])  # the overall test's robustness, on the week-4 values of the three arms
    assert primary["overall"]["robustness"]["statistic"] == pytest.approx(kruskal.statistic, rel=1e-9)
    assert primary["overall"]["robustness"]["p_value"] == pytest.approx(kruskal.pvalue, rel=1e-9)


def test_a_yes_no_primary_outcome_is_compared_at_the_declared_timepoint():
    walks = {"key": "walks", "text": "Walks daily", "type": "yes_no"}
    spec = three_timepoints(items={tp: [walks] for tp in TIMEPOINTS}, primary="walks")
    answers = {"baseline": [0] * 10, "week_4": [1] * 3 + [0] * 7, "week_12": [1] * 9 + [0]}
    data = [(f"P{i}", "intervention", tp, "walks", float(v)) for tp, vs in answers.items() for i, v in enumerate(vs)]
    primary = build_results(frame(data), spec)["primary_outcome"]
    assert primary["test"] == "mcnemar" and primary["timepoints"] == ["baseline", "week_4"]
    assert primary["estimate"] == pytest.approx(0.3)  # 3 of 10 say yes at week 4 (9 of 10 at week 12)
    assert primary["p_value"] == pytest.approx(stats.binomtest(3, 3).pvalue)  # exact: 3 discordant pairs, all one way


def test_the_secondary_outcomes_keep_their_last_timepoint():
    mood = {"key": "mood_score", "text": "Mood", "type": "number"}
    spec = three_timepoints(items={tp: [SLEEP, mood] for tp in TIMEPOINTS})
    data = rows() + rows(item="mood_score")
    secondary = build_results(frame(data), spec)["secondary"]
    assert [e["timepoints"] for e in secondary if e["variable"] == "mood_score"] == [["baseline", "week_12"]]


def test_the_subgroups_describe_the_primary_outcome_at_the_declared_timepoint():
    spec = three_timepoints()
    data = rows()
    group_of = {f"intervention{i}": "north" if i % 2 else "south" for i in range(N)}
    out = by_group(frame(data), spec, group_of, {"north": {"enrolled": 7}, "south": {"enrolled": 7}})
    assert out["timepoint"] == "week_4"
    north = [WEEK_4[0][i] for i in range(N) if i % 2]
    assert out["groups"][0]["primary"]["intervention"]["mean"] == pytest.approx(float(np.mean(north)))
