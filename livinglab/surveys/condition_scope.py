"""Which items may carry a condition (`show_if`, surveys/branching.py): questions only.

A section break asks nothing and a computed score is never shown, so a condition on either would have no
effect: it is refused with the item named (422 in the API; the builder's and an amendment's forms show the
same message), never silently dropped. Hiding a whole page by a condition on its section break was not chosen:
every question of that page would then need to be stored as not applicable, the exports' dictionary and the
browser's script would have to follow the section's condition as well as each question's, and the same effect
is had by putting the condition on the page's questions (a page none of whose questions show is skipped,
surveys/paging.py)."""

from flask import request
from flask_babel import gettext as _

from .. import validation as v

ROWS = (1, 2)  # the builder's condition rows (branching_form.py)


def misplaced(raw: dict) -> dict[str, v.FieldError]:
    """The refusal of a condition given to a section break or a computed score, by attribute (`show_if`)."""
    if raw.get("show_if") is None:
        return {}
    key = raw.get("key") if isinstance(raw.get("key"), str) else ""
    if raw.get("section") is not None:
        message = _(
            "“%(key)s” is a section break: it cannot have a condition. Put the condition on the questions of its "
            "page (a page none of whose questions applies is skipped).",
            key=key,
        )
    elif raw.get("score") is not None:
        message = _(
            "“%(key)s” is a computed score, which participants never see: it cannot have a condition. It is "
            "computed from the answers its items received.",
            key=key,
        )
    else:
        return {}
    return {"show_if": v.FieldError(message)}


def posted(form) -> dict:
    """A condition posted with a section's or a score's builder form (which offers none, so only a crafted or
    stale post carries one): passed on as given, for the service to refuse it with its message."""
    prefix = getattr(form, "_prefix", "")
    conditions = [
        {
            "key": request.form.get(f"{prefix}show_if_key_{n}", "").strip(),
            "op": request.form.get(f"{prefix}show_if_op_{n}", "equals"),
            "value": request.form.get(f"{prefix}show_if_value_{n}", ""),
        }
        for n in ROWS
        if request.form.get(f"{prefix}show_if_key_{n}", "").strip()
    ]
    return {"show_if": {"all": conditions}} if conditions else {}
