"""Survey definitions and long-form answers turned into variables and a wide table of numbers."""

import math

import numpy as np
import pandas as pd

from .computed_scores import add_to_catalogue, computed_columns
from .instruments import NUMERIC_TYPES, SCORING, answer_keys, variable_type
from .question_types import as_variables

COLUMNS = ("participant_code", "arm", "timepoint", "item", "number", "text")
ROW = ["participant_code", "arm", "timepoint"]
CHOICE_TYPES = ("single_choice", "multiple_choice", "yes_no")


def surveys_by_timepoint(surveys) -> list[tuple[str, list[dict]]]:
    """Accept `{timepoint: [item, ...]}` or `[{"timepoint": ..., "items": [...]}, ...]`."""
    if isinstance(surveys, dict):
        return list(surveys.items())
    return [(survey["timepoint"], survey["items"]) for survey in surveys or []]


def catalogue(surveys, timepoints: list[str]) -> dict[str, dict]:
    """Every variable the surveys measure, in the order first asked, with its timepoints in protocol order."""
    found: dict[str, dict] = {}
    for timepoint, items in surveys_by_timepoint(surveys):
        for item in as_variables(items):
            code = item.get("instrument")
            entry = found.setdefault(
                item["key"],
                {
                    "key": item["key"],
                    "type": variable_type(item),
                    "label": SCORING[code].name if code else item.get("text", item["key"]),
                    "instrument": code,
                    "items": answer_keys(item) if code else [item["key"]],
                    "choices": ["yes", "no"] if item.get("type") == "yes_no" else item.get("choices"),
                    "unit": item.get("unit"),
                    "timepoints": [],
                },
            )
            add_to_catalogue(entry, item, items, timepoint)
            if timepoint not in entry["timepoints"]:
                entry["timepoints"].append(timepoint)
    rank = {tp: i for i, tp in enumerate(timepoints)}
    for entry in found.values():
        entry["timepoints"].sort(key=lambda tp: rank.get(tp, len(rank)))
    return found


def declared_at(variable: dict, timepoint: str | None) -> dict:
    """The variable as the primary contrast reads it: its timepoints up to `timepoint` (the protocol's
    primary_timepoint), so that its last is the declared one; unchanged when nothing is declared, or when the
    variable is not measured there after an earlier timepoint (the registered default: the last measuring it)."""
    timepoints = variable.get("timepoints") or []
    if not timepoint or timepoint not in timepoints[1:]:
        return variable
    return {**variable, "timepoints": timepoints[: timepoints.index(timepoint) + 1]}


def declared_variables(variables: dict[str, dict], key, timepoint: str | None) -> dict[str, dict]:
    """The catalogue with the primary variable `key` cut at the declared timepoint (`declared_at`); the others
    as they are."""
    if key not in variables:
        return variables
    return {**variables, key: declared_at(variables[key], timepoint)}


def is_numeric(variable: dict) -> bool:
    return variable["type"] in NUMERIC_TYPES


def long_frame(frame: pd.DataFrame | None) -> pd.DataFrame:
    """The loader's frame with every expected column, whatever arrived (even nothing at all)."""
    if frame is None or len(frame.columns) == 0:
        frame = pd.DataFrame(columns=list(COLUMNS))
    frame = frame.copy()
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    frame["number"] = pd.to_numeric(frame["number"], errors="coerce").astype(float)
    for column in ("participant_code", "arm", "timepoint", "item"):
        frame[column] = _labels(frame[column])
    return frame


def _labels(column: pd.Series) -> pd.Series:
    """Text labels as a categorical: every later grouping and pivot then works on integer codes."""
    column = column.astype("category") if not isinstance(column.dtype, pd.CategoricalDtype) else column
    names = [str(c) for c in column.cat.categories]
    if len(set(names)) < len(names):  # e.g. 1 and "1": let them merge as text
        return column.astype(str).astype("category")
    return column.cat.rename_categories(names)


def wide_numbers(frame: pd.DataFrame, variables: dict[str, dict]) -> pd.DataFrame:
    """Numeric answers and instrument scores, one row per participant × arm × timepoint."""
    # NaN spreads through the formulas of analysis.instruments, so a missing item means no score
    keys = {key for v in variables.values() if is_numeric(v) for key in v["items"]}
    rows = frame.loc[frame["item"].isin(keys) & frame["number"].notna(), ROW + ["item", "number"]]
    if has_duplicates(rows, ["participant_code", "timepoint", "item"]):  # the same item at one timepoint twice
        rows = rows.drop_duplicates(["participant_code", "timepoint", "item"], keep="last")
    wide = pivot(rows) if len(rows) else pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=ROW))
    wide = wide.reindex(columns=sorted(keys)).astype(float)
    wide.columns.name = None
    scores = {}
    for key, variable in variables.items():
        if variable["instrument"]:
            columns = [wide[item].to_numpy() for item in variable["items"]]
            scores[key] = SCORING[variable["instrument"]].score(columns) if len(wide) else np.array([])
    scores.update(computed_columns(wide, variables))
    return pd.concat([wide, pd.DataFrame(scores, index=wide.index, dtype=float)], axis=1)


def yes_no_panel(frame: pd.DataFrame, variables: dict[str, dict]) -> pd.DataFrame:
    """Yes/no answers as 1/0, one row per (participant, arm), columns (variable, timepoint), as by_participant."""
    keys = [key for key, v in variables.items() if v["type"] == "yes_no"]
    rows = frame[frame["item"].isin(keys) & frame["number"].notna()]
    if not len(rows):
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=ROW[:2]))
    rows = rows.drop_duplicates(["participant_code", "timepoint", "item"], keep="last")
    wide = pivot(rows).astype(float)
    wide.columns.name = None
    return wide.unstack("timepoint")


def pivot(rows: pd.DataFrame) -> pd.DataFrame:
    """`rows.pivot(index=ROW, columns="item", values="number")` for rows with at most one number per participant,
    arm, timepoint and item: the same frame (values, index and levels, columns, in pandas' order), built from the
    labels' categorical codes in a few array operations, where pandas factorises the four labels of every row
    (five times as long at millions of answers, issue 15). Pandas does it when a label is text or missing."""
    labels = [rows[column] for column in (*ROW, "item")]
    if all(isinstance(column.dtype, pd.CategoricalDtype) for column in labels):
        levels = [_level(column) for column in labels]
        sizes = tuple(len(level) for _codes, level in levels[:3])
        # a flag per possible row must not outweigh the rows
        if (
            all(codes.min(initial=0) >= 0 for codes, _level_index in levels)
            and math.prod(sizes) <= 4 * len(rows) + 1024
        ):
            return _from_codes(rows["number"], levels, sizes)
    return rows.pivot(index=ROW, columns="item", values="number")


def _from_codes(numbers: pd.Series, levels: list, sizes: tuple) -> pd.DataFrame:
    key = np.ravel_multi_index([codes for codes, _level_index in levels[:3]], sizes)
    present = np.zeros(math.prod(sizes), dtype=bool)
    present[key] = True
    found = np.flatnonzero(present)  # the result's rows, in the order of their codes
    item_codes, columns = levels[3]
    values = np.full((len(found), len(columns)), np.nan)
    values[(np.cumsum(present) - 1)[key], item_codes] = numbers.to_numpy(dtype=float)
    index = pd.MultiIndex(
        levels=[level for _codes, level in levels[:3]],
        codes=list(np.unravel_index(found, sizes)),
        names=ROW,
        verify_integrity=False,
    )
    return pd.DataFrame(values, index=index, columns=columns)


def _level(column: pd.Series) -> tuple[np.ndarray, pd.CategoricalIndex]:
    """A categorical label as pandas' pivot orders it: by its categories when every one is used, else the
    used ones in the order they first come."""
    codes = column.cat.codes.to_numpy().astype(np.intp)
    if np.bincount(codes[codes >= 0], minlength=len(column.cat.categories)).all():  # every category used
        order = np.arange(len(column.cat.categories))
    else:
        order = used = pd.unique(codes[codes >= 0])
        renumbered = np.full(len(column.cat.categories), -1, dtype=np.intp)
        renumbered[used] = np.arange(len(used))
        codes = np.where(codes >= 0, renumbered[codes], -1)
    level = pd.CategoricalIndex(pd.Categorical.from_codes(order, dtype=column.dtype), name=column.name)
    return codes, level


def codes_of(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """A column of labels as integer codes (−1 where missing) and the labels they stand for."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype(np.intp), column.cat.categories
    codes, labels = pd.factorize(column)
    return codes.astype(np.intp), pd.Index(labels)


def has_duplicates(frame: pd.DataFrame, columns: list[str]) -> bool:
    """Whether two rows have the same labels in these columns (missing ones alike, as `duplicated` sees them)."""
    coded = [codes_of(frame[column]) for column in columns]
    shape = tuple(len(labels) + 1 for _codes, labels in coded)  # 0: missing
    key = np.ravel_multi_index(tuple(codes + 1 for codes, _labels in coded), shape)
    if math.prod(shape) <= 4 * len(key):  # a count per possible key is cheaper than hashing the keys
        return bool(len(key)) and int(np.bincount(key).max()) > 1
    return not pd.Index(key).is_unique


def by_participant(wide: pd.DataFrame) -> pd.DataFrame:
    """One row per (participant, arm), columns (variable, timepoint): pairs line up by position."""
    if not len(wide):
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=ROW[:2]))
    return wide.unstack("timepoint")


def column_at(panel: pd.DataFrame, key: str, timepoint: str) -> np.ndarray:
    """One variable at one timepoint, aligned with the panel's rows (NaN where missing)."""
    if (key, timepoint) in panel.columns:
        return panel[(key, timepoint)].to_numpy(dtype=float)
    return np.full(len(panel), np.nan)


def text_answers(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows answering one non-numeric question."""
    return frame.loc[frame["item"] == key, ["participant_code", "arm", "timepoint", "number", "text"]]


def roster(frame: pd.DataFrame) -> pd.Series:
    """Each participant who answered anything, mapped to their arm."""
    return frame.drop_duplicates("participant_code").set_index("participant_code")["arm"]
