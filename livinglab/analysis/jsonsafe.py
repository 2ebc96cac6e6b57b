"""Make results safe for `json.dumps(allow_nan=False)`: plain Python types, no NaN or infinity."""

import math
from collections.abc import Mapping

import numpy as np


def number(value) -> float | None:
    """A finite float, or None for NaN, infinity, None and pandas' missing markers."""
    if value is None or isinstance(value, bool):
        return None if value is None else float(value)
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def clean(obj):
    """`obj` with numpy values made plain Python and every non-finite float made None."""
    if isinstance(obj, Mapping):
        return {str(key): clean(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [clean(value) for value in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return number(obj)
    if obj is None or isinstance(obj, str):
        return obj
    try:
        if obj != obj:  # pandas.NA, NaT: missing markers that are not equal to themselves
            return None
    except (TypeError, ValueError):
        return None
    return str(obj)
