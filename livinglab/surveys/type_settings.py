"""The builder's settings of the newer question types (date, time, slider, matrix, "Other"), read from the
question form, and which settings each type uses: the form shows only those (a static script hides the
others; without it, each group of settings is headed by the types it applies to)."""

from flask_babel import lazy_gettext as _l

# Each group of settings in the form: the fields in it, the types that use them, and its heading
TYPE_GROUPS = (
    (("min", "max"), ("likert", "number", "matrix", "date"), _l("Scales, matrices, numbers and dates")),
    (("labels",), ("likert", "matrix", "slider"), _l("Scales, matrices and sliders")),
    (("rows",), ("matrix",), _l("Matrices")),
    (("unit", "plausible_min", "plausible_max"), ("number",), _l("Numbers")),
    (("choices",), ("single_choice", "multiple_choice"), _l("Choices")),
    (("other",), ("single_choice",), _l("One choice from a list")),
)


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _whole(raw: str | None):
    """A typed whole number; anything else goes to the service as typed, which says what is wrong."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        return raw
    return int(value) if value.is_integer() else value


def new_type_settings(form, kind: str) -> dict:
    """The attributes a newer type takes from the form (the others' are read by `QuestionFields.item`)."""
    if kind == "date":
        return {name: raw for name in ("min", "max") if (raw := (getattr(form, name).data or "").strip())}
    if kind == "slider":
        return {"labels": _lines(form.labels.data)}
    if kind == "matrix":
        item: dict = {"rows": _lines(form.rows.data)}
        for name in ("min", "max"):
            value = _whole(getattr(form, name).data)
            if value is not None:
                item[name] = value
        if _lines(form.labels.data):
            item["labels"] = _lines(form.labels.data)
        return item
    if kind == "single_choice" and form.other.data:
        return {"other": True}
    return {}
