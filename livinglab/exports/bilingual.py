"""The data dictionary of a pilot in two languages (studies/pilot_languages.py): beside the labels as written, a
label column and a value-label column per declared language, so that an analyst reads each variable and each
choice in both, whatever the language of whoever downloads it: the pilot's own texts in their up-to-date
translation (else as written), the app's words (an instrument's official wording, what the first columns hold) in
that language. The repeated reports' columns (reports.py) too. A pilot that declares one language or none keeps the
dictionary as it was."""

from collections.abc import Callable

from flask_babel import force_locale

from ..analysis.question_types import other_key
from ..studies import pilot_languages
from ..studies.keys import label_of
from ..studies.models import Study
from ..surveys.instruments import INSTRUMENTS
from ..surveys.repeats import repeatable
from .columns import Column, Plan, plan_for, site_columns
from .dictionary import HEADER, dictionary_rows
from .reports import marked, plan_of_reports, report_dictionary_rows

Texts = list[tuple[str, str]]  # (path, source text)
GROUPS = {"arm": "arms", "timepoint": "timepoints"}


def dictionary(study: Study, plan: Plan) -> tuple[list[str], list[list[str]]]:
    """The dictionary's header and rows: the wide file's columns, then the long-form reports' (reports.py), with
    `label_<language>` and `values_<language>` per declared language when the pilot declares two."""
    declared = list(study.languages or [])
    rows, reports = dictionary_rows(plan), report_dictionary_rows(study)
    if len(declared) < 2:
        return HEADER, rows + reports
    header = [*HEADER, *(f"{name}_{lang}" for lang in declared for name in ("label", "values"))]
    extra: list[list[str]] = [[] for _ in rows + reports]
    for lang in declared:
        cells = _cells(study, lang, plan_for)
        if reports:
            cells += [(marked_in(lang, label), values) for label, values in _cells(study, lang, plan_of_reports)]
        for row, (label, values) in zip(extra, cells, strict=True):
            row += [label, values]
    return header, [[*row, *more] for row, more in zip(rows + reports, extra, strict=True)]


def marked_in(language: str, label: str) -> str:
    with force_locale(language):
        return marked(label)


def _cells(study: Study, language: str, build: Callable[[Study], Plan]) -> list[tuple[str, str]]:
    """(label, value labels) of each column of `build(study)`, as a reader of `language` reads them."""
    plan, values = plan_in(study, language, build)
    return [(column.label, text) for column, text in zip(plan.columns, values, strict=True)]


def plan_in(study: Study, language: str, build: Callable[[Study], Plan] = plan_for) -> tuple[Plan, list[str]]:
    """`build(study)` as a reader of `language` reads it, and each column's value labels in words: the app's words
    in that language, the pilot's texts (questions, choices, scale labels, arms, timepoints, sites, surveys' titles)
    in their up-to-date translation, else as written."""
    texts = _texts(study)
    with force_locale(language):
        plan = build(study)
        values = [_translate(study, language, column, texts) for column in plan.columns]
    return plan, values


def _translate(study: Study, language: str, column: Column, texts: dict[str, list[tuple[Texts, Texts]]]) -> str:
    """Put the column's pilot texts in `language`; return its value labels in words ("" when it has none)."""

    def tr(path: str, text: str) -> str:
        return pilot_languages.text_in(study, language, path, text)

    if column.type in GROUPS:  # what participants read: the label (translated), else the key in words
        group = GROUPS[column.type]
        column.choice_labels = {
            k: tr(f"protocol.{group}.{k}", label_of(study.labels, group, k)) for k in column.choices
        }
        return _pairs(column.choice_labels)
    if column.type == "site":
        names = {site["key"]: tr(f"protocol.sites.{site['key']}", site["name"]) for site in study.sites or []}
        if column.choices:  # the wide file's, which names the sites in its label
            column.label = site_columns(study, names)[0].label
        column.choices, column.choice_labels = list(names), names
        return _pairs(names)
    if column.type == "survey":  # the long form's: each repeatable survey by its title
        titles = {s.key: tr(f"surveys.{s.key}.title", s.title) for s in repeatable(study.surveys)}
        column.choice_labels = {key: titles.get(key, key) for key in column.choices}
        return _pairs(column.choice_labels)
    if column.instrument and column.type != "score":  # its official wording, in the language forced
        return "; ".join(str(point) for point in INSTRUMENTS[column.instrument].points)
    candidates = texts.get(column.source, [])
    for parts, value_paths in sorted(candidates, key=lambda c: column.label != _joined(c[0])):  # exact ones first
        built = _joined(parts)
        if not built or not column.label.startswith(built):
            continue
        column.label = " — ".join(tr(path, text) for path, text in parts) + column.label[len(built) :]
        values = [tr(path, text) for path, text in value_paths]
        _relabel(column, value_paths, values)
        return "; ".join(values)
    return ""


def _relabel(column: Column, value_paths: Texts, values: list[str]) -> None:
    """The translated choices and scale labels where the SPSS and Stata value labels read them."""
    choices = {text: value for (path, text), value in zip(value_paths, values, strict=True) if ".choices." in path}
    if choices:
        column.choice_labels = choices
    labels = [value for (path, _text), value in zip(value_paths, values, strict=True) if ".labels." in path]
    if labels and column.points:
        column.points = tuple(labels)
    if labels and column.anchors:
        column.anchors = (labels[0], labels[-1])


def _pairs(labels: dict[str, str]) -> str:
    return "; ".join(f"{key} = {label}" for key, label in labels.items())


def _joined(parts: Texts) -> str:
    return " — ".join(text for _path, text in parts)


def _texts(study: Study) -> dict[str, list[tuple[Texts, Texts]]]:
    """{answer key: [(the parts of its label, its value labels)]}, each a (path, source text), one per survey
    asking it. A matrix row's label is the question and the row, as the export writes it; a choice's "Other" text
    and a computed score begin with the question."""
    out: dict[str, list[tuple[Texts, Texts]]] = {}
    for survey in sorted(study.surveys, key=lambda s: s.id or 0):
        for item in survey.items:
            key, prefix = item.get("key"), f"surveys.{survey.key}.{item.get('key')}"
            if not key or "section" in item or "instrument" in item:
                continue
            question = (f"{prefix}.text", item.get("text", ""))
            if "score" in item:
                out.setdefault(key, []).append(([question], []))
                continue
            if item.get("type") == "matrix":
                labels = [(f"{prefix}.labels.{n}", text) for n, text in enumerate(item.get("labels") or [], 1)]
                for n, row in enumerate(item.get("rows") or [], 1):
                    out.setdefault(f"{key}_{n}", []).append(([question, (f"{prefix}.rows.{n}", row)], labels))
                continue
            values = [(f"{prefix}.choices.{n}", text) for n, text in enumerate(item.get("choices") or [], 1)]
            values += [(f"{prefix}.labels.{n}", text) for n, text in enumerate(item.get("labels") or [], 1)]
            out.setdefault(key, []).append(([question], values))
            if item.get("type") == "single_choice" and item.get("other"):
                out.setdefault(other_key(key), []).append(([question], []))
    return out
