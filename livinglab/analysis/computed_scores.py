"""Scores computed from a survey's items (issue 14, item 6): the sum or the mean of numeric items, some of
them reverse-coded, declared in the survey (`surveys/scores.py` checks the declaration) and computed here,
the same way for the analysis and the exports.

A score item is `{"key", "text", "score": "sum" | "mean", "of": [answer keys], "reverse": [some of them]}`.
A reversed item counts as `min + max − value` on its scale (on a 1..5 scale, 5 counts 1).

Missing items (the missing rule, stated in the data dictionary and the README):
- a **sum** is given only when every item is answered (a sum of fewer items is not on the same scale);
- a **mean** is given when at least half of the items are answered (rounded up: 2 of 3, 2 of 4, 3 of 5), the
  mean of those answered: the "half rule" of scale scoring (as the SF-36 manual's), which keeps a
  participant who skipped one optional item without inventing the missing answer."""

from collections.abc import Sequence

import numpy as np

from .instruments import SCORING, answer_keys
from .question_types import as_variables

METHODS = ("sum", "mean")
FIXED_SCALES = {
    "nps": (0, 10),
    "yes_no": (0, 1),
    "slider": (0, 100),
}  # the scale of each numeric question type without min and max


def is_score(item: dict) -> bool:
    return "score" in item


def scales(items: list[dict]) -> dict[str, tuple | None]:
    """Every numeric answer key of a survey that a score may use, with its scale's (min, max), or None
    when it has none (a number without both bounds): questions, a matrix's rows, and an instrument's statements."""
    out: dict[str, tuple | None] = {}
    for item in as_variables(items):  # a matrix as its rows (each a Likert scale); no section break
        code = item.get("instrument")
        if code:
            instrument = SCORING[code]
            for key in answer_keys(item):  # its statements' keys, from their one home
                out[key] = (instrument.min, instrument.max)
        elif item.get("type") == "likert":
            out[item["key"]] = (item["min"], item["max"])
        elif item.get("type") in FIXED_SCALES:
            out[item["key"]] = FIXED_SCALES[item["type"]]
        elif item.get("type") == "number":
            lo, hi = item.get("min"), item.get("max")
            out[item["key"]] = (lo, hi) if lo is not None and hi is not None else None
    return out


def recipe(item: dict, items: list[dict]) -> dict:
    """What computing the score needs: its method, items in order, and the scale of each reversed one."""
    known = scales(items)
    return {
        "method": item["score"],
        "of": list(item["of"]),
        "reverse": {key: list(known[key]) for key in item.get("reverse") or [] if known.get(key)},  # type: ignore[arg-type]  # checked: reversed items have a scale
    }


def needed(n_items: int, method: str) -> int:
    """How many items must be answered for the score to be given."""
    return n_items if method == "sum" else (n_items + 1) // 2


def compute(recipe: dict, columns: Sequence[np.ndarray]) -> np.ndarray:
    """The score of each row, from one array per item (in `recipe["of"]` order; NaN: not answered)."""
    if not len(columns):
        return np.array([])
    matrix = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    matrix = reversed_items(recipe, matrix)
    answered = np.isfinite(matrix).sum(axis=1)
    total = np.nansum(matrix, axis=1)
    enough = answered >= needed(matrix.shape[1], recipe["method"])
    value = total if recipe["method"] == "sum" else total / np.maximum(answered, 1)
    return np.where(enough, value, np.nan)


def reversed_items(recipe: dict, matrix: np.ndarray) -> np.ndarray:
    """The items as the score counts them (one column each, in `recipe["of"]` order)."""
    matrix = np.array(matrix, dtype=float)
    for position, key in enumerate(recipe["of"]):
        if key in recipe["reverse"]:
            lo, hi = recipe["reverse"][key]
            matrix[:, position] = lo + hi - matrix[:, position]
    return matrix


def compute_one(recipe: dict, values: Sequence) -> float | None:
    """One row's score (the exports'): `values` in `recipe["of"]` order, None where not answered."""
    counted = []
    for key, value in zip(recipe["of"], values, strict=True):
        if value is None:
            continue
        if key in recipe["reverse"]:
            lo, hi = recipe["reverse"][key]
            value = lo + hi - value
        counted.append(float(value))
    if len(counted) < needed(len(recipe["of"]), recipe["method"]):
        return None
    return sum(counted) if recipe["method"] == "sum" else sum(counted) / len(counted)


def score_range(recipe: dict, items: list[dict]) -> tuple | None:
    """The lowest and highest score possible, when every item has a scale."""
    known = scales(items)
    bounds = [known.get(key) for key in recipe["of"]]
    if any(b is None for b in bounds):
        return None
    lo: float = sum(b[0] for b in bounds)  # type: ignore[index]  # None excluded above
    hi: float = sum(b[1] for b in bounds)  # type: ignore[index]
    if recipe["method"] == "mean":
        lo, hi = lo / len(bounds), hi / len(bounds)
    return lo, hi


def add_to_catalogue(entry: dict, item: dict, items: list[dict], timepoint: str) -> None:
    """A score variable of `variables.catalogue`: the answer keys it is made of (loaded and pivoted with the
    numbers) and its recipe at each timepoint (the same key measured again uses the same recipe; a reversed
    number's bounds are those of its survey)."""
    if not is_score(item):
        return
    made_of = recipe(item, items)
    entry["items"] = list(dict.fromkeys([*(entry["items"] if entry.get("score") else []), *made_of["of"]]))
    entry.setdefault("score", {})[timepoint] = made_of
    entry["computed"] = made_of  # the results' entry says how it is computed


def computed_columns(wide, variables: dict[str, dict]) -> dict[str, np.ndarray]:
    """Each computed score of `variables`, one value per row of `wide` (rows: participant × arm × timepoint;
    columns: the answer keys). A timepoint the score is not declared at gives NaN."""
    out: dict[str, np.ndarray] = {}
    if not any(v.get("score") for v in variables.values()):
        return out
    at = wide.index.get_level_values("timepoint").to_numpy() if len(wide) else np.array([])
    for key, variable in variables.items():
        if not variable.get("score"):
            continue
        values = np.full(len(wide), np.nan)
        for timepoint, made_of in variable["score"].items():
            rows = at == timepoint
            if rows.any():
                columns = [
                    wide[k].to_numpy()[rows] if k in wide else np.full(rows.sum(), np.nan) for k in made_of["of"]
                ]
                values[rows] = compute(made_of, columns)
        out[key] = values
    return out


def score_items(variable: dict, wide, rows, timepoint: str) -> np.ndarray:
    """The items of a computed score at a timepoint as it counts them (reversed ones reversed), on some rows of
    `wide`: for its Cronbach's alpha."""
    made_of = variable["score"].get(timepoint)
    if made_of is None:
        return np.empty((0, 0))
    columns = [wide[k].to_numpy()[rows] if k in wide else np.full(int(np.sum(rows)), np.nan) for k in made_of["of"]]
    return reversed_items(made_of, np.column_stack(columns)) if columns else np.empty((0, 0))
