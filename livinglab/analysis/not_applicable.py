"""Answers that did not apply (a question whose `show_if` condition was not met, surveys/branching.py): never
analysed, and never counted as missing.

The loader keeps them out of the answers frame (nothing counts them as answers: descriptives, choice counts,
data quality) and hands them over beside it, in `frame.attrs[ATTRIBUTE]`, as a frame of (participant_code,
timepoint, item, arm). The descriptives count them per variable, timepoint and arm (`not_applicable`, apart from
their n). A comparison leaves the participants to whom its variable did not apply out of those it counts as dropped
for a missing value (`dropped_missing`)."""

import pandas as pd

ATTRIBUTE = "not_applicable"
COLUMNS = ["participant_code", "timepoint", "item"]


def set_aside(rows: list[tuple], aside: list[tuple]) -> list[tuple]:
    """A batch of the loader's rows (response id, item, number, text): those that apply; the others' (response
    id, item) go to `aside`. A not-applicable answer is the row with neither number nor text: the database holds
    it so (a CHECK on `answer.not_applicable`), and an answer given always has one or the other. Read so, the
    loader's query stays the one it was (the same plan, so the rows in the same order)."""
    if all(row[2] is not None or row[3] is not None for row in rows):
        return rows
    aside.extend((row[0], row[1]) for row in rows if row[2] is None and row[3] is None)
    return [row for row in rows if row[2] is not None or row[3] is not None]


def cells(aside: list[tuple], respondents: list[tuple]) -> pd.DataFrame:
    """The set-aside answers with who and when: `respondents` are (response id, code, arm, timepoint). The arm
    comes last, beside the COLUMNS (the descriptives count them per arm, even someone with no answer given)."""
    who = {row[0]: row[1:4] for row in respondents}
    found = []
    for rid, item in aside:
        if rid in who:
            code, arm, timepoint = who[rid]
            found.append((code, timepoint, item, arm))
    return pd.DataFrame(found, columns=[*COLUMNS, "arm"], dtype=object)


def of(frame) -> pd.DataFrame | None:
    """The not-applicable cells the loader attached to its frame, if any."""
    return None if frame is None else frame.attrs.get(ATTRIBUTE)


def applicable(who: pd.Series, not_applicable: pd.DataFrame | None, variable: dict) -> pd.Series:
    """`who` (participant → arm: everyone who answered something) without the participants to whom the
    variable did not apply: they are not missing a value, they had none to give. A question only: a computed
    score whose items did not apply may still have its value (the half rule), and one without is missing."""
    return who[~who.index.isin(_codes(not_applicable, variable))]


def did_not_apply(who: pd.Series, not_applicable: pd.DataFrame | None, variable: dict, timepoint) -> pd.Series:
    """Participant → arm of those to whom the variable did not apply at `timepoint` (for the attrition and the
    missing-data analyses, which count the randomised who lack the outcome there)."""
    return who[who.index.isin(_codes(not_applicable, variable, timepoint))]


def _codes(not_applicable: pd.DataFrame | None, variable: dict, timepoint=None) -> set:
    if not_applicable is None or not len(not_applicable):
        return set()
    rows = not_applicable["item"] == variable["key"]
    if timepoint is not None:
        rows &= not_applicable["timepoint"] == timepoint
    return set(not_applicable.loc[rows, "participant_code"].astype(str))
