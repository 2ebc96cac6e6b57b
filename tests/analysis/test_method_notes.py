"""The method notes the results list (their keys): only those of methods that ran. Several arms with a yes/no
outcome have no overall test; attrition is compared only between groups; the missing-data analyses are listed
only when at least one of them ran."""

import json

from livinglab.analysis.results import build_results
from tests.analysis.builders import at_follow_up, frame, pre_post, study
from tests.analysis.reference_data import SLEEP_1, SLEEP_2

AGAIN = {"key": "again", "text": "Would you use it again?", "type": "yes_no"}
THREE_ARMS = ["control", "coaching", "app"]
MISSING_DATA_NOTES = {
    "missing_data_sensitivity",
    "attrition_test",
    "missing_data_imputation",
    "missing_data_extreme_cases",
    "extreme_cases",
}


def methods(rows, the_study, counts=None) -> list[str]:
    out = build_results(frame(rows), the_study, counts)
    json.dumps(out, allow_nan=False)
    return out["methods"]


def yes_no_rows(yes_by_arm: dict, total: int = 10) -> list:
    return [
        row
        for arm, yes in yes_by_arm.items()
        for row in at_follow_up([1.0 if i < yes else 0.0 for i in range(total)], arm, item="again")
    ]


def test_a_yes_no_outcome_with_three_arms_has_contrasts_but_no_overall_test_note():
    spec = study("parallel_groups", arms=THREE_ARMS, items={"follow_up": [AGAIN]}, primary="again")
    spec["timepoints"] = ["follow_up"]
    out = build_results(frame(yes_no_rows({"control": 3, "coaching": 6, "app": 8})), spec)
    primary = out["primary_outcome"]
    assert "overall" not in primary and [c["arm"] for c in primary["arm_contrasts"]["contrasts"]] == ["coaching", "app"]
    assert "multiarm" not in out["methods"]  # its note says Welch's ANOVA and Kruskal–Wallis ran
    assert "multiarm_contrasts" in out["methods"]


def test_a_numeric_outcome_with_three_arms_keeps_the_overall_test_note():
    rows = at_follow_up(SLEEP_1, "control") + at_follow_up(SLEEP_2, "coaching") + at_follow_up(SLEEP_2, "app")
    listed = methods(rows, study("parallel_groups", arms=THREE_ARMS, timepoints=("follow_up",)))
    assert "multiarm" in listed and "multiarm_contrasts" not in listed


def test_one_group_lists_the_missing_data_analyses_without_a_comparison_of_attrition():
    # 10 allocated, 9 with the last value: both assumptions run; one group, so no attrition test (one_group)
    after = SLEEP_2[:-1] + [None]
    listed = methods(pre_post(SLEEP_1, after), study(), {"allocated": {"intervention": 10}})
    assert MISSING_DATA_NOTES & set(listed) == {"missing_data_imputation"}


def test_two_groups_with_losses_list_the_whole_missing_data_note():
    # 10 allocated per arm; one lost in each: Fisher's test of attrition runs, and both assumptions
    rows = pre_post(SLEEP_1, SLEEP_1[:-1] + [None], arm="control") + pre_post(
        SLEEP_1, SLEEP_2[:-1] + [None], arm="intervention", start=10
    )
    counts = {"allocated": {"control": 10, "intervention": 10}}
    listed = methods(rows, study("parallel_groups"), counts)
    assert MISSING_DATA_NOTES & set(listed) == {"missing_data_sensitivity"}


def test_a_yes_no_outcome_lists_the_attrition_test_and_its_extreme_cases_but_no_imputation():
    # no carrying forward nor imputation for a yes/no outcome: its extreme cases; 12 allocated per arm, 10 answered:
    # attrition runs too, so the note naming both
    spec = study("parallel_groups", items={"follow_up": [AGAIN]}, primary="again", timepoints=("follow_up",))
    counts = {"allocated": {"control": 12, "intervention": 12}}
    listed = methods(yes_no_rows({"control": 3, "intervention": 8}), spec, counts)
    assert MISSING_DATA_NOTES & set(listed) == {"missing_data_extreme_cases"}


def test_a_yes_no_outcome_in_one_group_lists_its_extreme_cases_alone():
    # 10 allocated, 8 answered both times: the extreme cases run; one group, so attrition is not compared
    rows = pre_post([0.0] * 6 + [1.0] * 4, [1.0] * 5 + [0.0] * 3 + [None] * 2, item="again")
    spec = study(items={tp: [AGAIN] for tp in ("baseline", "follow_up")}, primary="again")
    listed = methods(rows, spec, {"allocated": {"intervention": 10}})
    assert MISSING_DATA_NOTES & set(listed) == {"extreme_cases"}


def test_nothing_about_missing_data_ran_lists_no_missing_data_note():
    # measured once (no baseline: both assumptions declined) and nobody lost (attrition cannot be tested)
    rows = at_follow_up(SLEEP_1, "control") + at_follow_up(SLEEP_2, "intervention")
    counts = {"allocated": {"control": 10, "intervention": 10}}
    listed = methods(rows, study("parallel_groups", timepoints=("follow_up",)), counts)
    assert not MISSING_DATA_NOTES & set(listed)
