"""CONSORT-style participant flow: who was screened, excluded, enrolled, allocated, followed up, analysed."""

import pandas as pd

KNOWN = {"screened", "eligible", "excluded", "enrolled", "allocated", "withdrawn", "withdrawn_erased"}


def consort(
    counts: dict | None, frame: pd.DataFrame, arms: list[str], timepoints: list[str], analysed: dict[str, int]
) -> dict:
    """The API's `flow`, from the caller's tallies and the answers that remain."""
    # counts: screened, eligible, excluded {reason: n}, enrolled, allocated {arm: n}, withdrawn,
    # withdrawn_erased; any other key is an exclusion reason as tallied (e.g. "age", "criterion:0").
    # Completion is read from the answers, so those who withdrew and had their data erased are
    # gone from it; `analysed` is per arm, from the comparisons of the primary outcome.
    counts = dict(counts or {})
    excluded = dict(counts.get("excluded") or {})
    excluded.update({reason: n for reason, n in counts.items() if reason not in KNOWN})
    allocated = dict(counts.get("allocated") or {})
    answered = frame.loc[frame["number"].notna() | frame["text"].notna(), ["participant_code", "arm", "timepoint"]]
    answered = answered.drop_duplicates()
    per_timepoint = answered.groupby("timepoint")["participant_code"].nunique()
    per_arm = answered.groupby(["arm", "timepoint"])["participant_code"].nunique()
    return {
        "screened": int(counts.get("screened", 0)),
        "eligible": int(counts.get("eligible", 0)),
        "excluded": {reason: int(n) for reason, n in excluded.items()},
        "enrolled": int(counts.get("enrolled", 0)),
        "allocated": {arm: int(allocated.get(arm, 0)) for arm in arms},
        "withdrawn": int(counts.get("withdrawn", 0)),
        "withdrawn_erased": int(counts.get("withdrawn_erased", 0)),
        "completed": {tp: int(per_timepoint.get(tp, 0)) for tp in timepoints},
        "completed_by_arm": {arm: {tp: int(per_arm.get((arm, tp), 0)) for tp in timepoints} for arm in arms},
        "analysed": int(sum(analysed.values())),
        "analysed_by_arm": {arm: int(analysed.get(arm, 0)) for arm in arms},
    }
