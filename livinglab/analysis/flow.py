"""CONSORT-style participant flow: who was screened, excluded, enrolled, allocated, followed up, analysed."""

import numpy as np
import pandas as pd

from .variables import codes_of

KNOWN = {"screened", "eligible", "excluded", "enrolled", "allocated", "withdrawn", "withdrawn_erased", "kept_by_arm"}


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
    per_timepoint, per_arm = _completed(frame)
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


def _completed(frame: pd.DataFrame) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """How many participants answered something (a number or a text) at each timepoint, and per arm at
    each timepoint; answers without a participant code or a timepoint (or arm, for the latter) do not count."""
    answered = (frame["number"].notna() | frame["text"].notna()).to_numpy()
    (arm, arms), (timepoint, timepoints), (person, people) = (
        codes_of(frame[column]) for column in ("arm", "timepoint", "participant_code")
    )
    counted = answered & (timepoint >= 0) & (person >= 0)
    seen = np.zeros((len(arms) + 1, len(timepoints), len(people)), dtype=bool)  # arm 0: none
    seen[arm[counted] + 1, timepoint[counted], person[counted]] = True
    per_timepoint, per_arm = seen.any(axis=0).sum(axis=1), seen[1:].sum(axis=2)
    return (
        {tp: int(per_timepoint[t]) for t, tp in enumerate(timepoints)},
        {(a, tp): int(per_arm[i, t]) for i, a in enumerate(arms) for t, tp in enumerate(timepoints)},
    )
