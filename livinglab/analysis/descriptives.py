"""Descriptive statistics per variable, per timepoint and per arm × timepoint."""

import json

import numpy as np
import pandas as pd

from . import not_applicable
from .computed_scores import score_items
from .descriptive_intervals import alpha_ci, median_ci, nps_ci
from .errors import reason
from .instruments import SCORING
from .proportions import proportion
from .variables import CHOICE_TYPES, is_numeric, roster, text_answers


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def numeric_summary(values) -> dict:
    """n, mean, sd (n − 1), median, quartiles (linear interpolation, R's type 7), min, max."""
    v = _finite(values)
    n = len(v)
    if n == 0:
        return {"n": 0} | dict.fromkeys(("mean", "sd", "median", "q1", "q3", "min", "max"))
    q1, median, q3 = np.quantile(v, [0.25, 0.5, 0.75], method="linear")
    return {
        "n": n,
        "mean": float(v.mean()),
        "sd": float(v.std(ddof=1)) if n > 1 else None,
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "min": float(v.min()),
        "max": float(v.max()),
    }


def nps_summary(values) -> dict:
    """Net Promoter Score: % promoters (9–10) minus % detractors (0–6)."""
    v = _finite(values)
    promoters, detractors = int(np.sum(v >= 9)), int(np.sum(v <= 6))
    return {
        "score": 100 * (promoters - detractors) / len(v) if len(v) else None,
        "promoters": promoters,
        "passives": len(v) - promoters - detractors,
        "detractors": detractors,
    }


def choice_summary(answers: list[list[str]], choices: list[str] | None, times: list[int] | None = None) -> dict:
    """Counts and percentages of respondents per choice (multiple choice may sum past 100 %). `times`:
    how many respondents gave each answer (one each if not given)."""
    counts = dict.fromkeys(choices or [], 0)
    times = times if times is not None else [1] * len(answers)
    for picked, k in zip(answers, times, strict=True):
        for choice in picked:
            counts[choice] = counts.get(choice, 0) + k
    n = sum(times)
    return {"n": n, "counts": counts, "percentages": {c: (100 * k / n if n else None) for c, k in counts.items()}}


def cronbach_alpha(items) -> dict:
    """Cronbach's alpha, k/(k − 1) × (1 − Σ item variances / total variance), on complete rows.

    `items` must already be scored so that they all point the same way (see `instrument_alpha`):
    on raw answers of an instrument with negatively worded items, alpha comes out near −1."""
    matrix = np.asarray(items, dtype=float)
    matrix = matrix[np.all(np.isfinite(matrix), axis=1)]
    n, k = matrix.shape
    out = {"value": None, "n": int(n), "k": int(k)}
    if k < 2:
        return out | {"reason": reason("too_few_items", k=int(k), minimum=2)}
    if n < 2:
        return out | {"reason": reason("too_few_complete", n=int(n), minimum=2)}
    total = matrix.sum(axis=1).var(ddof=1)
    if total == 0:
        return out | {"reason": reason("same_total")}
    value = k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum() / total)
    return out | {"value": float(value)}


def instrument_alpha(code: str, answers) -> dict:
    """Cronbach's alpha of an instrument from its raw answers (one column per item, in order): the
    items are scored first, negatively worded ones reversed, as the instrument's score counts them."""
    instrument = SCORING[code]
    matrix = np.asarray(answers, dtype=float).reshape(-1, instrument.n_items)
    return cronbach_alpha(np.column_stack(instrument.scored_items(list(matrix.T))))


def _distinct(answers) -> tuple[list, list[int]]:
    """The different answers given, in the order first given, and how many times each was given."""
    codes, distinct = pd.factorize(np.asarray(answers, dtype=object))
    return list(distinct), np.bincount(codes, minlength=len(distinct)).tolist()


def _picks(rows: pd.DataFrame, kind: str) -> tuple[list[list[str]], list[int]]:
    """The different answers given, each as the list of choices it names, and how many gave each: a
    multiple choice answer is read once however many respondents gave it."""
    if kind == "yes_no":
        numbers = rows["number"].to_numpy(dtype=float)
        given, times = _distinct(np.where(numbers[~np.isnan(numbers)] != 0, "yes", "no"))
    else:
        given, times = _distinct(rows["text"].dropna().to_numpy(dtype=object))
    if kind == "multiple_choice":
        return [json.loads(answer) for answer in given], times
    return [[answer] for answer in given], times


def _summary(variable: dict, values=None, rows=None) -> dict:
    kind = variable["type"]
    if is_numeric(variable):
        out = numeric_summary(values) | median_ci(values)
        return out | {"nps": nps_summary(values) | nps_ci(values)} if kind == "nps" else out
    if kind == "yes_no":
        answers, times = _picks(rows, kind)
        out = choice_summary(answers, variable["choices"], times)
        yes = proportion(out["counts"].get("yes", 0), out["n"])  # API.md v1.1: the Wilson interval of "yes"
        return out | {"proportion": yes["value"], "ci95": yes["ci95"], "ci_method": "wilson"}
    if kind in CHOICE_TYPES:
        answers, times = _picks(rows, kind)
        return choice_summary(answers, variable["choices"], times)
    texts, times = _distinct(rows["text"].dropna().to_numpy(dtype=object))  # text: counted, never analysed
    return {"n": sum(k for text, k in zip(texts, times, strict=True) if str(text).strip())}


class Groups:
    """Row masks per (timepoint, arm), computed once and shared by every variable of one table."""

    def __init__(self, timepoints, arms):
        self.timepoints, self.arms, self.cache = np.asarray(timepoints), np.asarray(arms), {}

    @classmethod
    def of(cls, wide: pd.DataFrame) -> "Groups":
        return cls(wide.index.get_level_values("timepoint"), wide.index.get_level_values("arm"))

    def __call__(self, timepoint: str, arm: str | None = None) -> np.ndarray:
        if (timepoint, arm) not in self.cache:
            mask = self.timepoints == timepoint
            self.cache[(timepoint, arm)] = mask & (self.arms == arm) if arm is not None else mask
        return self.cache[(timepoint, arm)]


class NotApplicable:
    """How many participants each question did not apply to (branching, not_applicable.py), per timepoint and per
    arm × timepoint: read from the loader's not-applicable cells, grouped by answer key once for every variable."""

    def __init__(self, cells: pd.DataFrame | None, frame: pd.DataFrame):
        self.by_item: dict[str, pd.DataFrame] = {}
        if cells is None or not len(cells):
            return
        cells = cells.astype({column: str for column in not_applicable.COLUMNS})
        if "arm" not in cells:  # the loader says each one's arm; otherwise their arm in the answers
            arms = roster(frame)
            arm_of = dict(zip(arms.index.astype(str), arms.astype(str), strict=True))
            cells = cells.assign(arm=cells["participant_code"].map(arm_of))
        for item, rows in cells.groupby("item", sort=False):
            self.by_item[str(item)] = rows[["participant_code", "timepoint", "arm"]]

    def counter(self, variable: dict):
        """count(timepoint, arm=None): the participants the variable did not apply to there. A question (each
        statement of an instrument); never a computed score, which may have its value all the same (the half rule)."""
        keys = [] if variable.get("computed") else variable["items"] if variable["instrument"] else [variable["key"]]
        found = [self.by_item[key] for key in keys if key in self.by_item]
        counts: dict = {}
        if found:
            rows = pd.concat(found).drop_duplicates(["participant_code", "timepoint"])
            counts = rows.groupby("timepoint", sort=False).size().to_dict()
            counts.update(rows.groupby(["timepoint", "arm"], sort=False).size().to_dict())

        def count(timepoint: str, arm: str | None = None) -> int:
            return int(counts.get(timepoint if arm is None else (timepoint, arm), 0))

        return count


def describe(
    variable: dict,
    wide: pd.DataFrame,
    frame: pd.DataFrame,
    arms: list[str],
    groups: Groups | None = None,
    skipped: NotApplicable | None = None,
) -> dict:
    """The API's variable entry: type, by_timepoint, by_arm (each summary with `not_applicable`, the participants
    the question did not apply to, never in its n), and Cronbach's alpha for instruments."""
    if is_numeric(variable):
        groups = groups or Groups.of(wide)
        values = wide[variable["key"]].to_numpy()

        def summary(mask):
            return _summary(variable, values=values[mask])
    else:
        rows = text_answers(frame, variable["key"])
        groups = Groups(rows["timepoint"], rows["arm"])

        def summary(mask):
            return _summary(variable, rows=rows[mask])

    did_not_apply = (skipped or NotApplicable(None, frame)).counter(variable)
    timepoints = variable["timepoints"]
    out = {
        "type": variable["type"],
        "label": variable["label"],
        "timepoints": timepoints,
        "by_timepoint": {tp: summary(groups(tp)) | {"not_applicable": did_not_apply(tp)} for tp in timepoints},
        "by_arm": {
            arm: {tp: summary(groups(tp, arm)) | {"not_applicable": did_not_apply(tp, arm)} for tp in timepoints}
            for arm in arms
        },
    }
    if variable["instrument"]:
        out["cronbach_alpha"] = {
            tp: alpha_ci(instrument_alpha(variable["instrument"], wide.loc[groups(tp), variable["items"]].to_numpy()))
            for tp in timepoints
        }
    if variable.get("computed"):  # a score computed from items (computed_scores.py): how, and its alpha
        out["computed"] = variable["computed"]
        out["cronbach_alpha"] = {
            tp: alpha_ci(cronbach_alpha(score_items(variable, wide, groups(tp), tp))) for tp in timepoints
        }
    return out


def describe_all(
    variables: dict[str, dict],
    wide: pd.DataFrame,
    frame: pd.DataFrame,
    arms: list[str],
    cells: pd.DataFrame | None = None,
) -> dict:
    """Every variable described, in the order of the catalogue. `cells`: the loader's not-applicable answers
    (`not_applicable.of`; those attached to `frame` if not given)."""
    groups = Groups.of(wide)
    skipped = NotApplicable(cells if cells is not None else not_applicable.of(frame), frame)
    return {key: describe(variable, wide, frame, arms, groups, skipped) for key, variable in variables.items()}
