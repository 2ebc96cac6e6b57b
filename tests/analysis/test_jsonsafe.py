"""Nothing the analysis returns may break `json.dumps(..., allow_nan=False)`."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from livinglab.analysis.jsonsafe import clean, number


@pytest.mark.parametrize(
    "value, expected",
    [
        (1.5, 1.5),
        (np.float64(2.0), 2.0),
        (np.int64(3), 3.0),
        (float("nan"), None),
        (math.inf, None),
        (-math.inf, None),
        (None, None),
        (pd.NA, None),
        (np.nan, None),
        ("abc", None),
        (True, 1.0),
    ],
)
def test_number_is_finite_or_none(value, expected):
    assert number(value) == expected


def test_clean_makes_any_nested_result_serialisable():
    dirty = {
        "a": np.float64("nan"),
        "b": [np.int64(2), (np.inf, pd.NA)],
        3: {"c": np.bool_(True)},
        "d": np.array([1.0, np.nan]),
        "e": pd.NaT,
        "f": pd.Timestamp("2026-01-02"),
    }
    cleaned = clean(dirty)
    assert cleaned == {
        "a": None,
        "b": [2, [None, None]],
        "3": {"c": True},
        "d": [1.0, None],
        "e": None,
        "f": "2026-01-02 00:00:00",
    }
    json.dumps(cleaned, allow_nan=False)
    assert type(cleaned["b"][0]) is int and type(cleaned["3"]["c"]) is bool
