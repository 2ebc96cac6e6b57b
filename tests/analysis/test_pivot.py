"""The wide table is built from the labels' codes (analysis/variables.pivot): it must be the frame pandas' own
pivot gives (values, index and its levels, columns and their order), whatever the labels and row order."""

import numpy as np
import pandas as pd
import pytest

from livinglab.analysis.variables import ROW, pivot


def answers(seed: int, *, participants=30, arms=("a", "b"), timepoints=("t0", "t1", "t2"), items=8, unused=False):
    """Long rows with at most one number per participant, arm, timepoint and item, in a shuffled order."""
    rng = np.random.default_rng(seed)
    codes = [f"P-{n:03d}" for n in range(participants)]
    keys = [f"q{n}" for n in range(items)]
    grid = [(c, arms[i % len(arms)], tp, k) for i, c in enumerate(codes) for tp in timepoints for k in keys]
    chosen = rng.choice(len(grid), size=len(grid) // 2, replace=False)  # half the cells answered, any order
    frame = pd.DataFrame([grid[i] for i in chosen], columns=[*ROW, "item"])
    frame["number"] = rng.normal(size=len(frame)).round(3)
    frame.loc[frame.index[::7], "number"] = np.nan  # a cell kept with no number
    for n, column in enumerate((*ROW, "item")):
        extra = {"zz-unused"} if unused and (seed + n) % 2 else set()  # a category no row uses, in some labels
        categories = sorted(set(frame[column]) | extra)
        frame[column] = pd.Categorical(frame[column], categories=categories)
    return frame


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("unused", [False, True])
def test_the_wide_table_is_pandas_pivot(seed, unused):
    rows = answers(seed, unused=unused, arms=("a", "b", "c")[: 1 + seed % 3], items=1 + seed * 3)
    expected = rows.pivot(index=ROW, columns="item", values="number")
    pd.testing.assert_frame_equal(pivot(rows), expected)
    for mine, theirs in zip(pivot(rows).index.levels, expected.index.levels, strict=True):
        pd.testing.assert_index_equal(mine, theirs, exact=True)


def test_labels_that_are_text_or_missing_give_the_same_table():
    rows = answers(7)
    as_text = rows.astype({"participant_code": str})
    pd.testing.assert_frame_equal(pivot(as_text), as_text.pivot(index=ROW, columns="item", values="number"))
    missing = rows.copy()
    missing.loc[missing.index[:3], "timepoint"] = np.nan  # a label the database had not: its rows drop out
    pd.testing.assert_frame_equal(pivot(missing), missing.pivot(index=ROW, columns="item", values="number"))
