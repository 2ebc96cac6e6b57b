"""The codes SPSS and Stata files give a question that did not apply (surveys/branching.py), apart from missing.

Stata: the extended missing value `.n` in numeric variables. SPSS: a code no answer can take (numbers are kept
within ±10⁹), declared a user-missing value of the variable and labelled “not applicable”. Strings (multiple
choice, text) hold the text `not_applicable` in both, as the CSV does."""

from typing import TYPE_CHECKING

from .cells import NOT_APPLICABLE, NOT_APPLICABLE_TEXT

SPSS_NOT_APPLICABLE = -9_999_999_999
STATA_NOT_APPLICABLE = "n"  # written `.n`
ATTRIBUTE = "livinglab_not_applicable"  # on the frame: {variable name: the rows that did not apply}

if TYPE_CHECKING:
    import pandas as pd


def set_aside(aside: dict, name: str, bucket: list, string: bool) -> list:
    """A column's values with its not-applicable cells made plain for the frame (the text in a string, else
    nothing until `mark_not_applicable` writes the format's code), their rows kept in `aside`."""
    rows = [n for n, value in enumerate(bucket) if value is NOT_APPLICABLE]
    if not rows:
        return bucket
    aside[name] = rows
    return [(NOT_APPLICABLE_TEXT if string else None) if value is NOT_APPLICABLE else value for value in bucket]


def mark_not_applicable(frame: "pd.DataFrame", value_labels: dict, spss: bool) -> dict:
    """Write the format's code in the numeric cells set aside, label it, and return the missing values to
    declare (pyreadstat's `missing_ranges` for SPSS, `missing_user_values` for Stata)."""
    import pandas as pd  # only when a file is written: the dictionary reads this module's codes at start-up

    declared: dict = {}
    for name, rows in frame.attrs.pop(ATTRIBUTE, {}).items():
        if frame[name].dtype == object:  # a string: holds the text already
            continue
        if spss:
            column = frame[name].to_numpy(dtype=float, copy=True)
            column[rows] = SPSS_NOT_APPLICABLE
            frame[name] = column
            declared[name] = [SPSS_NOT_APPLICABLE]
            value_labels.setdefault(name, {})[SPSS_NOT_APPLICABLE] = "not applicable"
        else:
            cells = frame[name].astype(object).to_numpy(copy=True)
            cells[rows] = STATA_NOT_APPLICABLE
            frame[name] = pd.Series(cells, dtype=object, index=frame.index)
            declared[name] = [STATA_NOT_APPLICABLE]
    return declared
