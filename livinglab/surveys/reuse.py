"""Reuse: copy an item, a section or a whole survey to another timepoint, the organisation's earlier questions
(its other pilots' surveys, read with one query), and the survey templates to start from.

A copied question keeps its key: at another timepoint it is the same variable measured again, so every copy goes
through the services' checks (`clean_items`, then `conflicts_with_other_surveys`) like any other edit."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Invalid, NotFound
from ..extensions import db
from ..studies.models import Study
from . import services
from .branching import named, with_earlier
from .definitions import is_section
from .models import Survey
from .survey_templates import SURVEY_TEMPLATES

LIBRARY_LIMIT = 200  # questions listed at most on the library page


class ConditionsNotMet(Invalid):
    """Copied questions whose condition names answers the target survey does not ask before them."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        super().__init__(
            _(
                "The condition of %(keys)s names answers that the target survey does not ask before it.",
                keys=", ".join(f"“{key}”" for key in keys),
            )
        )


def picked(items: list[dict], index: int, *, section: bool) -> list[dict]:
    """The item at `index`, or (`section`) the section break there and the items up to the next section."""
    if not 0 <= index < len(items):
        raise NotFound(_("This item does not exist."))
    if not section:
        return [items[index]]
    if not is_section(items[index]):
        raise Invalid(_("Only a section break starts a section to copy."))
    end = next((i for i in range(index + 1, len(items)) if is_section(items[i])), len(items))
    return items[index:end]


def unmet_conditions(items: list[dict], target_items: list[dict]) -> list[str]:
    """The keys of `items` whose condition names an answer not asked before them once appended to the target."""
    return [
        item["key"]
        for index, item, earlier in with_earlier([*target_items, *items])  # branching's own walk
        if index >= len(target_items) and any(key not in earlier for key in named(item))
    ]


def without_conditions(items: list[dict], keys) -> list[dict]:
    return [{k: v for k, v in item.items() if k != "show_if"} if item["key"] in keys else item for item in items]


def copy_items(user, source: Survey, index: int, target: Survey, *, section: bool, drop_conditions: bool) -> int:
    """Append an item (or a section) of `source` to `target`, a survey of the same study at another timepoint;
    a condition that would name answers not asked before it is dropped only when `drop_conditions`."""
    if target.study_id != source.study_id:
        raise NotFound(_("This survey does not exist."))
    if target.timepoint == source.timepoint:
        raise Invalid(_("Choose a survey at another timepoint: the same key cannot be asked twice at one timepoint."))
    items = picked(source.items, index, section=section)
    unmet = unmet_conditions(items, target.items)
    if unmet and not drop_conditions:
        raise ConditionsNotMet(unmet)
    services.append_items(user, target, without_conditions(items, unmet), "copy_items")
    return len(items)


def free_key(study: Study, wanted: str) -> str:
    """`wanted`, or with a number after it, so that no other survey of the study has it."""
    taken = {s.key for s in study.surveys}
    base = wanted[:44]
    candidates = [wanted[:48], *(f"{base}_{n}" for n in range(2, 100))]
    return next(key for key in candidates if key not in taken)


def copy_survey(user, source: Survey, timepoint: str) -> Survey:
    """A new survey at `timepoint` with the same items (keys kept: the same variables measured again)."""
    if timepoint == source.timepoint:
        raise Invalid(_("Choose another timepoint than the survey's own."), fields={"timepoint": _("Same timepoint.")})
    study = source.study
    key = free_key(study, f"{source.key}_{timepoint}")
    data = {"key": key, "title": source.title, "timepoint": timepoint, "items": list(source.items)}
    return services.create_survey(user, study, data)


def from_template(user, study: Study, name: str, language: str, timepoint: str) -> Survey:
    """A new survey at `timepoint` made from a template, in English or French."""
    template = SURVEY_TEMPLATES.get(name)
    if template is None or language not in template["title"]:
        raise Invalid(_("Choose one of the templates."), fields={"template": _("Unknown template.")})
    data = {
        "key": free_key(study, template["key"]),
        "title": template["title"][language],
        "timepoint": timepoint,
        "items": template["items"][language],
    }
    return services.create_survey(user, study, data)


# --- The organisation's earlier questions --------------------------------------------------------------------


@dataclass
class Earlier:
    survey_id: int
    study_title: str
    survey_title: str
    item: dict


def _others(study: Study):
    """The surveys of the organisation's other pilots (never another organisation's)."""
    return (
        select(Survey.id, Survey.title, Survey.items, Study.title)
        .join(Study, Survey.study_id == Study.id)
        .where(Study.organisation_id == study.organisation_id, Study.id != study.id)
    )


def library(study: Study, query: str = "") -> list[Earlier]:
    """The questions of the organisation's other pilots whose text or key contains `query`: one query in all."""
    words = query.casefold().split()
    found, seen = [], set()
    for survey_id, survey_title, items, study_title in db.session.execute(_others(study).order_by(Survey.id.desc())):
        for item in items:
            if "text" not in item or "type" not in item:  # questions only: not sections, scores or instruments
                continue
            if not all(word in f"{item['text']} {item['key']}".casefold() for word in words):
                continue
            if (item["key"], item["text"]) in seen:
                continue
            seen.add((item["key"], item["text"]))
            found.append(Earlier(survey_id, study_title, survey_title, item))
            if len(found) >= LIBRARY_LIMIT:
                return found
    return found


def add_from_library(user, study: Study, survey: Survey, source_id: int, key: str) -> dict:
    """Append a question of the organisation's other pilots to `survey`, without its condition (which names
    answers of the other survey); 404 for anything not in the organisation's other pilots."""
    row = db.session.execute(_others(study).where(Survey.id == source_id)).first()
    item = next((i for i in row.items if i.get("key") == key and "type" in i), None) if row else None
    if item is None:
        raise NotFound(_("This question does not exist."))
    item = {k: v for k, v in item.items() if k != "show_if"}
    services.append_items(user, survey, [item], "add_from_library")
    return item
