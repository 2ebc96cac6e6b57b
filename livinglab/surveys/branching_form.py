"""The builder's “Show this question only if” block: all or any of two conditions (the API takes up to ten).

The form posts the earlier question's key, an operator and the value as typed; `show_if_part` turns the value
into the type of that question (yes/no, a number, a choice, a list for “is one of”), which the survey's
own check (`branching.check_references`) then judges like any API body."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField

from . import branching

ROWS = (1, 2)
OP_LABELS = {
    "equals": _l("is"),
    "not_equals": _l("is not"),
    "one_of": _l("is one of"),
    "greater_than": _l("is more than"),
    "less_than": _l("is less than"),
}
YES = ("yes", "true", "1", "oui", "vrai")
NO = ("no", "false", "0", "non", "faux")


class BranchFields:
    """Mixed into the question form: `show_if` (all or any) and two rows of (question, operator, value)."""

    show_if = SelectField(
        _l("Show this question only if"),
        choices=[
            SelectChoice("all", _l("all of these conditions are met")),
            SelectChoice("any", _l("any of them is met")),
        ],
        default="all",
    )
    show_if_key_1 = StringField(_l("Earlier question"))
    show_if_op_1 = SelectField(
        _l("Condition"), choices=[SelectChoice(op, label) for op, label in OP_LABELS.items()], default="equals"
    )
    show_if_value_1 = StringField(
        _l("Value"),
        description=_l("Yes or no, a number, or one of the choices; for “is one of”, values separated by “;”."),
    )
    show_if_key_2 = StringField(_l("Earlier question"))
    show_if_op_2 = SelectField(
        _l("Condition"), choices=[SelectChoice(op, label) for op, label in OP_LABELS.items()], default="equals"
    )
    show_if_value_2 = StringField(_l("Value"))

    sources: list[dict] = []  # the survey's items before this one (set by `remember_sources`)

    def with_show_if(self, item: dict) -> dict:
        """The question with its condition, when a row names a question."""
        known = branching.sources(self.sources)
        conditions = []
        for n in ROWS:
            key = (getattr(self, f"show_if_key_{n}").data or "").strip()
            if not key:
                continue
            op = getattr(self, f"show_if_op_{n}").data
            raw = getattr(self, f"show_if_value_{n}").data or ""
            conditions.append({"key": key, "op": op, "value": typed(known.get(key), op, raw)})
        if conditions:
            item["show_if"] = {self.show_if.data if self.show_if.data in branching.JOINS else "all": conditions}
        return item

    def fill_show_if(self, item: dict) -> None:
        """Show a stored condition (its first two rows: a longer one, made through the API, is kept as it is)."""
        show_if = item.get("show_if")
        if not show_if:
            return
        join, conditions = next(iter(show_if.items()))
        self.show_if.data = join
        for n, condition in zip(ROWS, conditions, strict=False):
            getattr(self, f"show_if_key_{n}").data = condition["key"]
            getattr(self, f"show_if_op_{n}").data = condition["op"]
            value = condition["value"]
            shown = "; ".join(map(_text, value)) if isinstance(value, list) else _text(value)
            getattr(self, f"show_if_value_{n}").data = shown


def remember_sources(form, survey, index: int | None) -> None:
    """The questions a condition may look at: those of the survey before the item edited (all, for a new one)."""
    if isinstance(form, BranchFields) and survey is not None:
        form.sources = list(survey.items[:index] if index is not None else survey.items)


def typed(source: dict | None, op: str, raw: str):
    """The value as typed, in the type of the question it looks at (the check says what does not fit)."""
    parts = [part.strip() for part in raw.split(";") if part.strip()] if op == "one_of" else [raw.strip()]
    values = [_one(source, part) for part in parts]
    return values if op == "one_of" else values[0]


def _one(source: dict | None, text: str):
    kind = (source or {}).get("type")
    if kind == "yes_no" and text.lower() in YES + NO:
        return text.lower() in YES
    if kind in branching.NUMERIC:
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            return text
        return int(number) if number.is_integer() else number
    return text


def _text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
