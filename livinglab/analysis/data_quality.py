"""Data quality of a study's responses: the flags of each (quality.py's checks, run on the loader's frame) and
the sensitivity analysis without the responses a person excluded, with a reason.

The loader gives, beside the answers' frame, `quality` as plain data:
`{"surveys": {key: {"timepoint", "items"}}, "responses": [{"id", "participant_code", "survey", "seconds"}],
"excluded": [response id, ...]}` (`seconds`: from the start to the submission, null when the start is unknown;
a response may also say how many answers it holds, `answered`, when the frame does not hold them all).
An answer belongs to the response of its participant to the survey that asks its key at its timepoint (a key
is asked once per timepoint), so the frame needs no response column.

Flags never exclude anything: the registered analysis runs on all data. Only the responses excluded by a
person are left out, and only from the sensitivity analysis beside the primary outcome."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .instruments import answer_keys
from .quality import DEFAULT_SECONDS_PER_ITEM, MIN_ITEMS_FOR_STRAIGHT_LINING, merge_flags, too_fast

CODES = ("straight_lining", "too_fast", "out_of_range")


class Assessment:
    """The flags of every response of a study, and its exclusions; nothing at all when the loader gave no
    `quality` (the pure tests' studies)."""

    def __init__(self, frame: pd.DataFrame, quality: dict | None, seconds_per_item: float = DEFAULT_SECONDS_PER_ITEM):
        self.known = quality is not None
        quality = quality or {}
        self.surveys: dict = quality.get("surveys") or {}
        self.responses: list[dict] = list(quality.get("responses") or [])
        ids = {r["id"] for r in self.responses}
        self.excluded = sorted({rid for rid in quality.get("excluded") or () if rid in ids})
        self.located = locate(frame, self.surveys, self.responses) if self.known else _empty()
        self.flags = (
            merge_flags(
                straight_lined(self.located, self.surveys, self.responses),
                too_fast(
                    {r["id"]: r.get("seconds") for r in self.responses if r.get("seconds") is not None},
                    self._answered(),
                    seconds_per_item,
                ),
                implausible(self.located, self.surveys),
            )
            if self.known
            else {}
        )

    def _answered(self) -> dict:
        """How many answers each response holds: as the loader counted them (`answered`), else in the frame."""
        counted = self.located.groupby("response").size().to_dict()
        return {r["id"]: r["answered"] if "answered" in r else counted.get(r["id"], 0) for r in self.responses}

    def summary(self) -> dict | None:
        """Counts for the results: responses, those timed, flagged (by code: responses with that flag) and
        excluded."""
        if not self.known:
            return None
        by_code = dict.fromkeys(CODES, 0)
        for found in self.flags.values():
            for code in {flag["code"] for flag in found}:
                by_code[code] = by_code.get(code, 0) + 1
        return {
            "responses": len(self.responses),
            "timed": sum(1 for r in self.responses if r.get("seconds") is not None),
            "flagged": len(self.flags),
            "flags": by_code,
            "excluded": len(self.excluded),
            "excluded_participants": len(self._excluded_codes()),
        }

    def _excluded_codes(self) -> set[str]:
        excluded = set(self.excluded)
        return {r["participant_code"] for r in self.responses if r["id"] in excluded}

    def kept(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame without the answers of the excluded responses (by the frame's own row labels)."""
        rows = self.located.loc[self.located["response"].isin(self.excluded), "row"]
        return frame.drop(index=rows.to_numpy())

    def sensitivity(self, analyse: Callable[[pd.DataFrame], dict], frame: pd.DataFrame) -> dict | None:
        """`analyse` run again without the excluded responses, with how many were excluded; None when none is."""
        if not self.excluded:
            return None
        entry = analyse(self.kept(frame))
        entry["excluded_responses"] = len(self.excluded)
        entry["excluded_participants"] = len(self._excluded_codes())
        return entry


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"row": [], "item": [], "number": [], "response": [], "survey": [], "pair": []})


def locate(frame: pd.DataFrame, surveys: dict, responses: list[dict]) -> pd.DataFrame:
    """Each answer of the frame with its response: columns row (the frame's label), item, number, response,
    survey. Answers of no known response (another timepoint's, a survey since removed) are left out. Looked up by
    the categorical codes of the frame's labels (two small tables), never row by row nor by joining strings."""
    if not len(frame) or not surveys or not responses:
        return _empty()
    participants, timepoints, items = (
        pd.Categorical(frame[column]) for column in ("participant_code", "timepoint", "item")
    )
    names = list(surveys)
    at = {name: i for i, name in enumerate(names)}
    tp_index = {value: i for i, value in enumerate(timepoints.categories)}
    item_index = {value: i for i, value in enumerate(items.categories)}
    survey_of = np.full((len(tp_index) + 1, len(item_index) + 1), -1, dtype=np.int64)  # the last row/column: NaN
    for name, survey in surveys.items():
        for item in survey["items"]:
            for key in answer_keys(item):
                if survey["timepoint"] in tp_index and key in item_index:
                    survey_of[tp_index[survey["timepoint"]], item_index[key]] = at[name]
    row_survey = survey_of[timepoints.codes, items.codes]  # a code of -1 (NaN) reads the last row or column
    response_of = np.full((len(participants.categories) + 1, len(names) + 1), -1, dtype=np.int64)
    who = pd.Index(participants.categories).get_indexer([r["participant_code"] for r in responses])
    which = np.array([at.get(r["survey"], -1) for r in responses], dtype=np.int64)
    known = (who >= 0) & (which >= 0)
    response_of[who[known], which[known]] = np.array([r["id"] for r in responses], dtype=np.int64)[known]
    row_response = response_of[participants.codes, row_survey]
    kept = (row_survey >= 0) & (row_response >= 0) & (participants.codes >= 0)
    located = pd.DataFrame(
        {
            "row": frame.index.to_numpy()[kept],
            "item": np.asarray(items.categories, dtype=object)[items.codes[kept]],
            "number": pd.to_numeric(frame["number"], errors="coerce").to_numpy(dtype=float)[kept],
            "response": row_response[kept],
            "survey": np.asarray(names, dtype=object)[row_survey[kept]],
            "pair": row_survey[kept] * (len(item_index) + 1) + items.codes[kept],  # (survey, item) as one integer
        }
    )
    located.attrs["pairs"] = {
        (name, key): at[name] * (len(item_index) + 1) + code for name in names for key, code in item_index.items()
    }
    return located


def straight_lined(located: pd.DataFrame, surveys: dict, responses: list[dict]) -> dict:
    """Responses that gave one same answer to every item of an instrument (of at least 3 items): quality.py's
    `straight_lining`, on all the responses at once."""
    flags: dict[Any, list] = {}
    instruments = {
        (name, item["key"]): answer_keys(item)
        for name, s in surveys.items()
        for item in s["items"]
        if "instrument" in item and len(answer_keys(item)) >= MIN_ITEMS_FOR_STRAIGHT_LINING
    }
    pairs = located.attrs.get("pairs", {})
    pair, response, number = (located[c].to_numpy() for c in ("pair", "response", "number"))
    for (survey, key), items in instruments.items():
        codes = np.array([pairs.get((survey, item), -1) for item in items], dtype=np.int64)
        rows = np.isin(pair, codes)
        if not rows.any():
            continue
        ids, where = np.unique(response[rows], return_inverse=True)
        grid = np.full((len(ids), len(items)), np.nan)
        grid[where, np.searchsorted(np.sort(codes), pair[rows])] = number[rows]
        grid = grid[:, np.argsort(np.argsort(codes))]  # columns back in the items' order
        same = (grid == grid[:, :1]).all(axis=1)  # a missing item (NaN) equals nothing: never flagged
        for found, value in zip(ids[same], grid[same, 0], strict=True):
            flags.setdefault(int(found), []).append(
                {"code": "straight_lining", "instrument": key, "items": len(items), "value": float(value)}
            )
    return flags


def plausible_ranges(surveys: dict) -> dict[tuple[str, str], tuple]:
    """The declared plausible range of each number question, by (survey, key)."""
    return {
        (name, item["key"]): (item.get("plausible_min"), item.get("plausible_max"))
        for name, s in surveys.items()
        for item in s["items"]
        if item.get("plausible_min") is not None or item.get("plausible_max") is not None
    }


def implausible(located: pd.DataFrame, surveys: dict) -> dict:
    """Answers outside their question's plausible range: quality.py's `out_of_range`, on all at once."""
    flags: dict[Any, list] = {}
    pairs = located.attrs.get("pairs", {})
    for (survey, key), (low, high) in plausible_ranges(surveys).items():
        rows = located[located["pair"].to_numpy() == pairs.get((survey, key), -1)]
        numbers = rows["number"].to_numpy(dtype=float)
        outside = np.zeros(len(rows), dtype=bool)
        if low is not None:
            outside |= numbers < low
        if high is not None:
            outside |= numbers > high
        for response, value in zip(rows["response"].to_numpy()[outside], numbers[outside], strict=True):
            flags.setdefault(int(response), []).append(
                {"code": "out_of_range", "item": key, "value": float(value), "min": low, "max": high}
            )
    return flags
