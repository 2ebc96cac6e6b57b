"""Reuse: copy an item, a section or a whole survey to another timepoint, the organisation's earlier questions
(its other pilots' surveys, read with one query), and the survey templates to start from.

A copied question keeps its key: at another timepoint it is the same variable measured again, so every copy goes
through the services' checks (`clean_items`, then `conflicts_with_other_surveys`) like any other edit.

A copy carries its translations (studies/pilot_languages.py: the texts of a bilingual pilot in its other languages,
by path): into each language the target pilot offers besides its first, under the copy's paths, with their
fingerprints, so an up-to-date translation stays up to date. A translation into a language the target pilot does not
offer stays behind: `add_from_library` names those languages, and the page says so."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Invalid, NotFound
from ..extensions import db
from ..studies import pilot_languages
from ..studies import services as studies
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
    keys = {item["key"] for item in items}
    carry_translations(
        user, target.study, source.study.translations, lambda path: moved(path, source.key, target.key, keys)
    )
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
    copy = services.create_survey(user, study, data)
    carry_translations(user, study, study.translations, lambda path: moved(path, source.key, key, None))
    return copy


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
    survey = services.create_survey(user, study, data)
    if (study.languages or [None])[0] == language:  # the template's wording in the pilot's other languages
        carry_translations(user, study, template_translations(template, language, survey.key), lambda path: path)
    return survey


def template_translations(template: dict, language: str, key: str) -> dict:
    """A template's wording in each of its other languages, as translations of its wording in `language` under the
    paths of the survey `key` made from it: `{language: {path: {"text", "source"}}}`."""
    out: dict[str, dict] = {}
    for other in template["title"]:
        if other == language:
            continue
        texts = out.setdefault(other, {})
        pairs = [(f"surveys.{key}.title", template["title"][language], template["title"][other])]
        for item, twin in zip(template["items"][language], template["items"][other], strict=True):
            prefix = f"surveys.{key}.{item['key']}"
            for name in pilot_languages.ITEM_TEXTS:
                if item.get(name) and twin.get(name):
                    pairs.append((f"{prefix}.{name}", item[name], twin[name]))
            for name in pilot_languages.ITEM_LISTS:
                for n, (text, translated) in enumerate(
                    zip(item.get(name) or [], twin.get(name) or [], strict=False), 1
                ):
                    pairs.append((f"{prefix}.{name}.{n}", text, translated))
        for path, text, translated in pairs:
            texts[path] = {"text": translated, "source": pilot_languages.fingerprint(text)}
    return out


def moved(path: str, source_key: str, target_key: str, item_keys: set | None) -> str | None:
    """`path` under the survey `target_key` when it is a text of the survey `source_key` that the copy takes (its
    items `item_keys`, or the whole survey, its title too, when None); None otherwise."""
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "surveys" or parts[1] != source_key:
        return None
    if item_keys is not None and (len(parts) < 4 or parts[2] not in item_keys):
        return None
    return ".".join(["surveys", target_key, *parts[2:]])


def carry_translations(user, study: Study, translations: dict | None, rename) -> list[str]:
    """Give `study` the translations of `translations` that `rename` maps to one of its texts, into the languages it
    offers besides its first, through the protocol's own save (checked, audited); answers the languages of the
    translations left behind because the pilot does not offer them."""
    offered = list(study.languages or [])[1:]
    known = {src.path for src in pilot_languages.sources(pilot_languages.record_of(study))}
    merged = {lang: dict(texts) for lang, texts in (study.translations or {}).items() if lang in offered}
    dropped, added = set(), False
    for language, texts in (translations or {}).items():
        for path, entry in texts.items():
            new = rename(path)
            if new is None or not entry.get("text"):
                continue
            if language not in offered:
                dropped.add(language)
            elif new in known and merged.get(language, {}).get(new) != entry:
                merged.setdefault(language, {})[new] = {"text": entry["text"], "source": entry.get("source", "")}
                added = True
    if added:
        studies.update_study(
            user,
            study,
            {"translations": {lang: {p: e for p, e in texts.items() if p in known} for lang, texts in merged.items()}},
        )
    return sorted(dropped)


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


def add_from_library(user, study: Study, survey: Survey, source_id: int, key: str) -> tuple[dict, list[str]]:
    """Append a question of the organisation's other pilots to `survey`, without its condition (which names
    answers of the other survey), with its translations into the languages the pilot offers; 404 for anything not in
    the organisation's other pilots. Answers the question and the languages of its translations left behind."""
    query = _others(study).add_columns(Survey.key, Study.translations).where(Survey.id == source_id)
    row = db.session.execute(query).first()
    item = next((i for i in row.items if i.get("key") == key and "type" in i), None) if row else None
    if row is None or item is None:
        raise NotFound(_("This question does not exist."))
    item = {k: v for k, v in item.items() if k != "show_if"}
    services.append_items(user, survey, [item], "add_from_library")
    source_key, translations = row[-2], row[-1]
    dropped = carry_translations(
        user, study, translations, lambda path: moved(path, source_key, survey.key, {item["key"]})
    )
    return item, dropped
