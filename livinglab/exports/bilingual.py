"""The data dictionary of a pilot in two languages (studies/pilot_languages.py): beside the labels as written, a
label column and a value-label column per declared language, so that an analyst reads each variable and each
choice in both. A pilot that declares one language or none keeps the dictionary as it was."""

from ..studies import pilot_languages
from ..studies.models import Study
from .columns import Plan
from .dictionary import HEADER, dictionary_rows


def dictionary(study: Study, plan: Plan) -> tuple[list[str], list[list[str]]]:
    """The dictionary's header and rows, with `label_<language>` and `values_<language>` per declared language."""
    declared = list(study.languages or [])
    rows = dictionary_rows(plan)
    if len(declared) < 2:
        return HEADER, rows
    paths = _paths(study)
    header = [*HEADER, *(f"{name}_{lang}" for lang in declared for name in ("label", "values"))]
    out = []
    for column, row in zip(plan.columns, rows, strict=True):
        parts, value_paths = paths.get(column.source, ([], []))
        extra = []
        for lang in declared:
            label = column.label
            if parts and column.label == " — ".join(text for _path, text in parts):  # the label as built
                label = " — ".join(pilot_languages.text_in(study, lang, path, text) for path, text in parts)
            values = [pilot_languages.text_in(study, lang, path, text) for path, text in value_paths]
            extra += [label, "; ".join(values)]
        out.append([*row, *extra])
    return header, out


Texts = list[tuple[str, str]]  # (path, source text)


def _paths(study: Study) -> dict[str, tuple[Texts, Texts]]:
    """{answer key: (the parts of its label, its value labels)}, each a (path, source text); the first survey asking
    it first. A matrix row's label is the question and the row, as the export writes it."""
    out: dict[str, tuple[Texts, Texts]] = {}
    for survey in sorted(study.surveys, key=lambda s: s.id or 0):
        for item in survey.items:
            key, prefix = item.get("key"), f"surveys.{survey.key}.{item.get('key')}"
            if not key or "score" in item or "section" in item or "instrument" in item:
                continue
            if item.get("type") == "matrix":
                labels = [(f"{prefix}.labels.{n}", text) for n, text in enumerate(item.get("labels") or [], 1)]
                for n, row in enumerate(item.get("rows") or [], 1):
                    question = (f"{prefix}.text", item.get("text", ""))
                    out.setdefault(f"{key}_{n}", ([question, (f"{prefix}.rows.{n}", row)], labels))
                continue
            values = [(f"{prefix}.choices.{n}", text) for n, text in enumerate(item.get("choices") or [], 1)]
            values += [(f"{prefix}.labels.{n}", text) for n, text in enumerate(item.get("labels") or [], 1)]
            out.setdefault(key, ([(f"{prefix}.text", item.get("text", ""))], values))
    return out
