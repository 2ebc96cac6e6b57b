"""SPSS (.sav) and Stata (.dta) files with variable and value labels, written by pyreadstat (ReadStat).

Arms, timepoints, sites and single-choice answers are coded 1..k in the protocol's (or the question's)
order (Stata labels integers only, and both tools analyse codes), their value labels what people read: a
site's name, an arm's or a timepoint's label (else its key in words), a choice as written; the CSV keeps
the keys. Yes/no is 1/0. A scale labelled at every point has each point's label as its value label (WHO-5,
PHQ-9, GAD-7 too); one labelled at its two ends, or not at all, has its ends labelled. Multiple choice
("a; b") and text stay strings. Text (values, value and variable labels, the file label) is neutralised
as in the CSV: SPSS and Stata save data to Excel and CSV as they hold it ("Save as Excel", `export
excel`, `export delimited`), so a formula would travel. ReadStat needs a data frame and a file path, so
these two formats hold the study in memory, unlike the CSV."""

import io
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyreadstat

from . import statcodes
from .cells import neutralise
from .columns import Column, Plan
from .dictionary import plausible_text

CODED = ("arm", "timepoint", "single_choice", "site")
STRINGS = ("participant_code", "multiple_choice", "text", "date", "time")
ORDINAL = ("likert", "nps")
SCALE = ("number", "score", "slider")


@dataclass(frozen=True)
class StatFormat:
    suffix: str
    mimetype: str
    name_bytes: int  # longest variable name
    label_chars: int | None  # longest variable label, in characters (Stata) ...
    label_bytes: int | None  # ... or in UTF-8 bytes (SPSS)
    value_label_bytes: int
    file_label_bytes: int
    reserved: frozenset
    write: Callable
    # pyreadstat names a variable's value label set after it plus a counter (`keep12`): Stata limits
    # those names too, so names leave room for the counter's digits there.
    label_set_named: bool = False


SPSS = StatFormat(
    "sav",
    "application/x-spss-sav",
    64,
    None,
    255,
    120,
    64,
    frozenset({"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}),
    pyreadstat.write_sav,
)
STATA = StatFormat(
    "dta",
    "application/x-stata-dta",
    32,
    80,
    None,
    32_000,
    80,
    frozenset(
        {
            "byte",
            "double",
            "float",
            "if",
            "in",
            "int",
            "long",
            "strl",
            "using",
            "with",
            "_all",
            "_b",
            "_coef",
            "_cons",
            "_n",
            "_pi",
            "_pred",
            "_rc",
            "_skip",
            *(f"str{n}" for n in range(1, 2046)),
        }
    ),
    pyreadstat.write_dta,
    label_set_named=True,
)


def stat_file(plan: Plan, rows: Iterable[list], fmt: StatFormat, title: str) -> io.BytesIO:
    """The whole file, rewound."""
    names = variable_names([c.key for c in plan.columns], fmt)
    frame, value_labels = _frame(plan, rows, names)
    missing = statcodes.mark_not_applicable(frame, value_labels, fmt is SPSS)
    labels = {names[c.key]: _variable_label(c, names[c.key], fmt) for c in plan.columns}
    value_labels = {
        name: {code: _clip_bytes(neutralise(str(text)), fmt.value_label_bytes) for code, text in mapping.items()}
        for name, mapping in value_labels.items()
    }
    options = {
        "file_label": _clip_bytes(neutralise(title), fmt.file_label_bytes),
        "column_labels": labels,
        "variable_value_labels": value_labels,
    }
    if fmt is SPSS:
        options["variable_measure"] = {names[c.key]: _measure(c) for c in plan.columns}
    if missing:
        options["missing_ranges" if fmt is SPSS else "missing_user_values"] = missing
    handle, path = tempfile.mkstemp(suffix="." + fmt.suffix)
    os.close(handle)
    try:
        fmt.write(frame, path, **options)
        with open(path, "rb") as written:
            return io.BytesIO(written.read())
    finally:
        os.unlink(path)


def variable_names(keys: list[str], fmt: StatFormat) -> dict[str, str]:
    """Each key as a legal variable name of the format: itself when it can be, else shortened or
    suffixed (`in` → `in_1`) to a name no other column uses."""
    limit = fmt.name_bytes - (len(str(len(keys))) if fmt.label_set_named else 0)

    def legal(name: str) -> bool:
        return len(name.encode()) <= limit and name.lower() not in fmt.reserved

    taken = {key for key in keys if legal(key)}
    names = {}
    for key in keys:
        if legal(key):
            names[key] = key
            continue
        n = 1
        while True:
            suffix = f"_{n}"
            candidate = key[: limit - len(suffix)] + suffix
            if candidate not in taken and legal(candidate):
                break
            n += 1
        taken.add(candidate)
        names[key] = candidate
    return names


def _frame(plan: Plan, rows: Iterable[list], names: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    values: list[list] = [[] for _ in plan.columns]
    for row in rows:
        for bucket, value in zip(values, row, strict=False):
            bucket.append(value)
    data, value_labels = {}, {}
    aside: dict[str, list[int]] = {}  # the rows of each variable that did not apply
    for column, bucket in zip(plan.columns, values, strict=True):
        name = names[column.key]
        bucket = statcodes.set_aside(aside, name, bucket, column.type in STRINGS)
        if column.type in CODED:
            codes = {choice: n for n, choice in enumerate(column.choices, start=1)}
            data[name] = np.array([codes.get(v, np.nan) if v is not None else np.nan for v in bucket], dtype=float)
            value_labels[name] = {n: column.choice_labels.get(choice, choice) for choice, n in codes.items()}
        elif column.type in STRINGS:
            data[name] = pd.Series(["" if v is None else neutralise(v) for v in bucket], dtype=object)
        else:
            data[name] = np.array([np.nan if v is None else v for v in bucket], dtype=float)
            labels = column.value_labels()
            if labels:
                value_labels[name] = labels
    frame = pd.DataFrame(data)
    frame.attrs[statcodes.ATTRIBUTE] = aside
    return frame, value_labels


def _variable_label(column: Column, name: str, fmt: StatFormat) -> str:
    """The question (with the key when the name differs), then its unit and plausible range, which are kept whole
    when the format's limit cuts the label: the question's text gives way first."""
    label = neutralise(column.label) if name == column.key else f"{column.key}: {neutralise(column.label)}"
    tail = (f" ({neutralise(column.unit)})" if column.unit else "") + (
        f" [{plausible_text(column)}]" if column.plausible else ""
    )
    if fmt.label_chars:
        return (label[: max(0, fmt.label_chars - len(tail))] + tail)[: fmt.label_chars]
    limit: int = fmt.label_bytes  # type: ignore[assignment]  # a format without label_chars has label_bytes
    return _clip_bytes(_clip_bytes(label, max(0, limit - len(tail.encode()))) + tail, limit)


def _clip_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, never cutting a character in two."""
    return str(text).encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def _measure(column: Column) -> str:
    if column.type in SCALE:
        return "scale"
    if column.type in ORDINAL:
        return "ordinal"
    return "nominal"
