"""A participant to whom the primary outcome did not apply (branching) had no value to give: the attrition
table and the missing-data analyses leave them out, as the comparison does; only the truly missing are lost
and imputed. Eight participants: P0's outcome did not apply, P7 answered nothing of it."""

import pandas as pd

from livinglab.analysis import not_applicable
from livinglab.analysis.results import build_results

ITEMS = [
    {"key": "a", "type": "likert", "min": 1, "max": 5, "text": "a"},
    {"key": "b", "type": "likert", "min": 1, "max": 5, "text": "b"},
    {"key": "c", "type": "likert", "min": 1, "max": 5, "text": "c"},
]
STUDY = {
    "id": 1,
    "design": "single_group_pre_post",
    "arms": ["intervention"],
    "timepoints": ["baseline", "follow_up"],
    "surveys": [{"timepoint": tp, "items": ITEMS} for tp in ("baseline", "follow_up")],
    "primary_outcome": {"variable": "b", "hypothesis": "increase"},
    "alpha": 0.05,
}


def frame() -> pd.DataFrame:
    rows = []
    for i in range(7):
        for tp, base in (("baseline", 2), ("follow_up", 3)):
            rows.append((f"P{i}", "intervention", tp, "a", base + i % 3, None))
            if i:
                rows.append((f"P{i}", "intervention", tp, "b", base + (i + 1) % 3, None))
            rows.append((f"P{i}", "intervention", tp, "c", 1.0, None))
    rows += [("P7", "intervention", tp, "c", 1.0, None) for tp in ("baseline", "follow_up")]
    out = pd.DataFrame(rows, columns=["participant_code", "arm", "timepoint", "item", "number", "text"])
    out.attrs[not_applicable.ATTRIBUTE] = pd.DataFrame(
        [("P0", tp, "b") for tp in ("baseline", "follow_up")], columns=not_applicable.COLUMNS, dtype=object
    )
    return out


def test_the_attrition_counts_only_the_truly_missing_as_lost():
    results = build_results(frame(), STUDY, {"allocated": {"intervention": 8}, "kept_by_arm": {"intervention": 8}})
    arm = results["attrition"]["by_arm"]["intervention"]
    assert (arm["randomised"], arm["completed"], arm["lost"], arm["not_applicable"]) == (7, 6, 1, 1)
    primary = results["primary_outcome"]
    assert (primary["n"], primary["dropped_missing"]) == (6, 1)


def test_multiple_imputation_imputes_only_the_truly_missing():
    results = build_results(frame(), STUDY, {"allocated": {"intervention": 8}, "kept_by_arm": {"intervention": 8}})
    by = {m["assumption"]: m for m in results["primary_outcome"]["missing_data_sensitivity"]}
    assert by["multiple_imputation"]["n_randomised"] == 7 and by["multiple_imputation"]["imputed"] == 1
