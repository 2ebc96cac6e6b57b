"""Scores computed from items (issue 14, item 6): a survey item `{"key", "text", "score": "sum" | "mean",
"of": [answer keys], "reverse": [some of them]}` that no participant sees or answers, computed in the analysis
and the exports (`analysis/computed_scores.py`, the one home of the arithmetic and of the missing rule).

Here: its declaration checked (`score_fields` for the item itself, `reference_problems` for what it uses in its
survey), the refusal to delete an item a score uses, and the sentence saying how it is computed, which the
builder, the reviewer's survey table, the data dictionary and the results page show."""

from flask_babel import gettext as _
from flask_babel import ngettext

from .. import validation as v
from ..analysis.computed_scores import METHODS, is_score, needed, recipe, scales
from ..analysis.instruments import answer_keys
from ..analysis.question_types import as_variables

MAX_OF = 100


def score_fields(raw: dict, errors: dict) -> dict:
    """The attributes of a computed score besides its key, cleaned; the problems go into `errors` by name."""

    def field(name, check):
        try:
            return check(raw.get(name))
        except v.FieldError as err:
            errors[name] = err

    item = {
        "text": field("text", lambda x: v.text(x, max_len=1000, required=True)),
        "score": field("score", lambda x: v.choice(x, list(METHODS))),
        "of": field("of", lambda x: v.name_list(x, max_items=MAX_OF, max_len=48, min_items=2, keys=True)),
        "reverse": field(
            "reverse", lambda x: v.name_list([] if x is None else x, max_items=MAX_OF, max_len=48, keys=True)
        ),
    }
    if isinstance(item["of"], list) and isinstance(item["reverse"], list) and "reverse" not in errors:
        outside = [key for key in item["reverse"] if key not in item["of"]]
        if outside:
            errors["reverse"] = v.FieldError(
                _("Only items of the score can be reversed: %(keys)s is not one.", keys=", ".join(outside))
            )
        item["reverse"] = [key for key in item["of"] if key in item["reverse"]]  # in the score's order
    return item


def reference_problems(items: list[dict]) -> dict[int, v.FieldError]:
    """What is wrong with what each computed score of a survey uses, by the score's position: every item must be
    a numeric answer of the same survey (a question on a scale, a number, yes/no, an instrument's statement; not
    another score), and a reversed one must have a lowest and a highest value."""
    known = scales(items)
    others = {item["key"]: item for item in items}
    problems = {}
    for index, item in enumerate(items):
        if not is_score(item):
            continue
        for key in item["of"]:
            if key in known:
                continue
            if is_score(others.get(key, {})):
                message = _("“%(key)s” is itself a computed score: a score is computed from answers only.", key=key)
            elif key in others:
                message = _(
                    "“%(key)s” is not answered with a number: a score uses scales, numbers and yes/no.", key=key
                )
            else:
                message = _(
                    "“%(key)s” is not a question of this survey: a score uses items of its own survey.", key=key
                )
            problems[index] = v.FieldError(message)
            break
        else:
            unbounded = [key for key in item["reverse"] if known.get(key) is None]
            if unbounded:
                problems[index] = v.FieldError(
                    _(
                        "“%(key)s” has no lowest and highest value, so it cannot be reversed: give the number its "
                        "limits first.",
                        key=unbounded[0],
                    )
                )
    return problems


def removal_refused(items: list[dict], index: int) -> str | None:
    """Why the item at `index` cannot be deleted (a computed score uses it), or None."""
    removed = items[index]
    keys = {removed["key"], *answer_keys(removed)}
    for item in items:
        if is_score(item) and item is not removed and keys & set(item["of"]):
            return _(
                "“%(key)s” is used by the computed score “%(score)s”: take it out of the score (or delete the score) "
                "first.",
                key=removed["key"],
                score=item["key"],
            )
    return None


def measurement(item: dict) -> tuple:
    """What must stay the same when the score is declared again at another timepoint."""
    return "computed", item["score"], tuple(item["of"]), tuple(item["reverse"])


def _fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def how_computed(made_of: dict) -> str:
    """ "Computed: mean of q1, q2, q3 (q2 reversed: 6 − value); given when at least 2 of the 3 items are
    answered." from a recipe (`computed_scores.recipe`, or a results entry's `computed`)."""
    keys = ", ".join(made_of["of"])
    sentence = _("mean of %(keys)s", keys=keys) if made_of["method"] == "mean" else _("sum of %(keys)s", keys=keys)
    reverse = made_of.get("reverse") or {}
    if reverse:
        reversals = "; ".join(
            _("%(key)s reversed: %(total)s − value", key=key, total=_fmt(lo + hi)) for key, (lo, hi) in reverse.items()
        )
        sentence += f" ({reversals})"
    n = len(made_of["of"])
    if made_of["method"] == "sum":
        rule = _("given only when all %(n)d items are answered", n=n)
    else:
        rule = ngettext(
            "given when at least %(num)d of the %(n)d items is answered",
            "given when at least %(num)d of the %(n)d items are answered",
            needed(n, "mean"),
            n=n,
        )
    return _("Computed: %(how)s; %(rule)s.", how=sentence, rule=rule)


def describe(item: dict, items: list[dict]) -> str:
    """How a score item of a survey is computed, in words (its reversed items with their scales)."""
    try:
        return how_computed(recipe(item, items))
    except (KeyError, TypeError):  # a definition stored before a check existed: say what it declares
        return how_computed({"method": item.get("score"), "of": item.get("of") or [], "reverse": {}})


def choosable(items: list[dict]) -> list[dict]:
    """The answer keys of a survey a score may use, for the builder's checkboxes: key, label, and whether it can
    be reversed (its scale, when it has one)."""
    labels = {}
    for item in as_variables(items):  # a matrix's rows under their own keys and wording
        if "instrument" in item:
            from .instruments import INSTRUMENTS  # the statements' wording, translated

            instrument = INSTRUMENTS[item["instrument"]]
            for n, (key, text) in enumerate(zip(answer_keys(item), instrument.texts, strict=True), start=1):
                labels[key] = f"{instrument.name} {n}: {text}"
        elif not is_score(item):
            labels[item["key"]] = item.get("text", item["key"])
    return [
        {"key": key, "label": labels.get(key, key), "reversible": scale is not None, "total": _fmt(sum(scale or (0,)))}
        for key, scale in scales(items).items()
    ]
