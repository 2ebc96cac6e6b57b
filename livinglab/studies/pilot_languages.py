"""A pilot in two languages (issue 14, item 8): the one home of its languages and translations.

A pilot declares `languages`, an ordered list of the app's languages ("fr", "en"), the first being the one its
content is written in ([] for pilots made before: shown as written to everyone). Its texts in the other declared
languages live in the protocol field `translations`, `{language: {path: {"text", "source"}}}`: each participant-facing
text has a stable `path` (`sources`), and `source` is a fingerprint of the text it translates, so that a translation
whose source changed since reads as "to update", counts as incomplete and is never shown (a participant must never
read an older question). Being protocol fields, both enter the registration hash and the amendments' record."""

import hashlib
import re
from dataclasses import dataclass
from typing import Annotated

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field as Limits

from .. import validation as v
from ..config import Config
from .keys import label_of

LANGUAGES = Config.LANGUAGES  # a pilot may be written in any language the app speaks, and only those
LANGUAGE_NAMES = {"fr": _l("French"), "en": _l("English")}
TEXT_MAX = 10_000
MAX_PATHS = 2_000  # far above what a pilot has (20 criteria, 20 sites, surveys of at most 200 items)
PATH_RE = re.compile(r"^[a-z][a-z0-9_.]{0,200}$")

# The protocol fields participants read (the catalogue, the pilot page, eligibility)
PROTOCOL_TEXTS = (
    "title",
    "summary",
    "objectives",
    "intervention",
    "duration",
    "location",
    "compensation",
    "sponsor",
    "risks",
    "data_collected",
)
# A survey item's attributes participants read: one text, or a list of texts
ITEM_TEXTS = ("text", "unit", "section", "intro")
ITEM_LISTS = ("choices", "labels", "rows")

LanguageList = Annotated[
    list[Annotated[str, Limits(pattern="^(" + "|".join(LANGUAGES) + ")$")]], Limits(max_length=len(LANGUAGES))
]
Translation = Annotated[dict[str, str], Limits(description='`{"text": ..., "source": fingerprint}`')]
Translations = dict[str, dict[str, Translation]]
LANGUAGES_DOC = (
    "The languages participants may read the pilot in, among "
    + " and ".join(f'`"{lang}"`' for lang in LANGUAGES)
    + ", the first being the one its content is written in; `[]` (pilots made before the field): shown as written "
    "to everyone. The first cannot become a language the pilot has translations into (422): take that language out "
    "of the other ones first."
)
TRANSLATIONS_DOC = (
    "The pilot's participant-facing texts in its other declared languages: "
    '`{language: {path: {"text": ..., "source": ...}}}`. `source` is the first 12 hex digits of the SHA-256 of the '
    "UTF-8 text translated; the paths are those the translation page lists. A translation whose `source` no longer "
    "matches its text reads as to update and is not shown. Unknown languages or paths answer 422; translations "
    "of texts the pilot no longer has are dropped, and so is a computed score's label (participants never read it)."
)


def fingerprint(text: str) -> str:
    """A short fingerprint of a source text: a translation names the text it translates."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:12]


def clean_languages(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > len(LANGUAGES):
        raise v.FieldError(_("Give a list of languages among: %(names)s.", names=", ".join(LANGUAGES)), 400)
    out = []
    for lang in value:
        if lang not in LANGUAGES:
            raise v.FieldError(_("Give a list of languages among: %(names)s.", names=", ".join(LANGUAGES)))
        if lang in out:
            raise v.FieldError(_("Each language once."))
        out.append(lang)
    return out


def clean_translations(value) -> dict:
    """The shape of `translations` (languages and paths are checked against the pilot by `check_fields`)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise v.FieldError(_("Must be an object of languages to translations."), 400)
    out: dict[str, dict] = {}
    count = 0
    for lang, texts in value.items():
        if lang not in LANGUAGES:
            raise v.FieldError(_("Not a language of the app: %(lang)s.", lang=str(lang)[:8]))
        if not isinstance(texts, dict):
            raise v.FieldError(_("Must be an object of languages to translations."), 400)
        count += len(texts)
        if count > MAX_PATHS:
            raise v.FieldError(_("At most %(n)d entries.", n=MAX_PATHS))
        out[lang] = {}
        for path, entry in texts.items():
            if not isinstance(path, str) or not PATH_RE.match(path):
                raise v.FieldError(_("Not a text of this pilot: %(path)s.", path=str(path)[:60]))
            if not isinstance(entry, dict) or set(entry) - {"text", "source"}:
                raise v.FieldError(_("Each translation is an object with text and source."), 400)
            text, source = entry.get("text"), entry.get("source", "")
            if not isinstance(text, str) or not isinstance(source, str):
                raise v.FieldError(_("Each translation is an object with text and source."), 400)
            text = v.text(text, max_len=TEXT_MAX)
            if not re.fullmatch(r"[0-9a-f]{0,12}", source):
                raise v.FieldError(_("Not a fingerprint of a text: %(path)s.", path=path))
            if text:
                out[lang][path] = {"text": text, "source": source}
    return {lang: texts for lang, texts in out.items() if texts}


# The participant-facing texts of a pilot, by path


@dataclass(frozen=True)
class Source:
    path: str
    text: str
    group: str  # where it is read: the pilot page, the consent, a survey's title
    single_line: bool = False


def sources(record: dict) -> list[Source]:
    """Every participant-facing text of a pilot, in reading order, from its record (`services.frozen_record`, or an
    amendment's proposed record): only texts that are not empty."""
    out: list[Source] = []

    def add(path, text, group, single_line=False):
        if isinstance(text, str) and text.strip():
            out.append(Source(path, text, group, single_line))

    protocol = record.get("protocol") or {}
    page = str(_("The pilot's page"))
    for name in PROTOCOL_TEXTS:
        add(f"protocol.{name}", protocol.get(name), page, name in ("title", "sponsor"))
    for n, criterion in enumerate((protocol.get("eligibility") or {}).get("criteria") or [], 1):
        add(f"protocol.criteria.{n}", criterion, page, True)
    for group in ("arms", "timepoints"):
        for key, label in ((protocol.get("labels") or {}).get(group) or {}).items():
            add(f"protocol.{group}.{key}", label, page, True)
    for site in protocol.get("sites") or []:
        add(f"protocol.sites.{site['key']}", site.get("name"), page, True)
    consent = record.get("consent") or {}
    if consent:
        where = str(_("Consent"))
        add("consent.text", consent.get("text"), where)
        for clause in consent.get("clauses") or []:
            add(f"consent.clauses.{clause['key']}", clause.get("text"), where)
        for key, text in (consent.get("gdpr") or {}).items():
            add(f"consent.gdpr.{key}", text, where)
    for survey in record.get("surveys") or []:
        where = str(_("Survey “%(title)s”", title=survey["title"]))
        prefix = f"surveys.{survey['key']}"
        add(f"{prefix}.title", survey["title"], where, True)
        for item in survey.get("items") or []:
            if "score" in item:  # a computed score: never shown in the survey, its label read by staff as written
                continue
            for name in ITEM_TEXTS:
                add(f"{prefix}.{item['key']}.{name}", item.get(name), where, name in ("unit", "section"))
            for name in ITEM_LISTS:
                for n, text in enumerate(item.get(name) or [], 1):
                    add(f"{prefix}.{item['key']}.{name}.{n}", text, where, True)
    return out


@dataclass(frozen=True)
class Row:
    """One source text beside its translation in one language, as the translation page shows it."""

    source: Source
    language: str
    text: str
    state: str  # "done", "missing", "outdated"


def rows(record: dict, language: str) -> list[Row]:
    """Each source text beside its translation into `language`, and whether it is done, missing or to update."""
    texts = ((record.get("protocol") or {}).get("translations") or {}).get(language) or {}
    out = []
    for src in sources(record):
        entry = texts.get(src.path)
        if not entry or not entry.get("text"):
            out.append(Row(src, language, "", "missing"))
        elif entry.get("source") != fingerprint(src.text):
            out.append(Row(src, language, entry["text"], "outdated"))
        else:
            out.append(Row(src, language, entry["text"], "done"))
    return out


def incomplete(record: dict) -> dict[str, dict[str, int]]:
    """{language: {"missing": n, "outdated": n}} for each declared language other than the first that lacks texts."""
    declared = (record.get("protocol") or {}).get("languages") or []
    out = {}
    for language in declared[1:]:
        states = [row.state for row in rows(record, language)]
        missing, outdated = states.count("missing"), states.count("outdated")
        if missing or outdated:
            out[language] = {"missing": missing, "outdated": outdated}
    return out


def record_of(study) -> dict:
    """The participant-facing part of a study's record (a study, or an amendment's proposed one), as `sources`
    reads it."""
    consent = study.current_consent
    protocol = {name: getattr(study, name, "") or "" for name in PROTOCOL_TEXTS}
    protocol.update(
        eligibility=dict(study.eligibility or {}),
        labels=dict(study.labels or {}),
        sites=list(study.sites or []),
        languages=list(study.languages or []),
        translations=dict(study.translations or {}),
    )
    return {
        "protocol": protocol,
        "consent": {"text": consent.text, "clauses": consent.clauses, "gdpr": consent.gdpr} if consent else None,
        "surveys": [
            {"key": s.key, "title": s.title, "items": s.items} for s in sorted(study.surveys, key=lambda s: s.key)
        ],
    }


def interface_language() -> str:
    """The language of the interface now, among the app's (a new pilot starts written in it)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else Config.BABEL_DEFAULT_LOCALE


def check_fields(data: dict, clean: dict, errors: dict, current) -> None:
    """The API's and the pages' check of `languages` and `translations` against the pilot: translations only into
    a declared language other than the first, of texts the pilot has (`record_of(current)` lists them), each on one
    line where its source is. Translations of texts the pilot no longer has are dropped, never refused, when the
    body did not send them."""
    if not clean.keys() & {"languages", "translations"} or errors.keys() & {"languages", "translations"}:
        return
    languages = clean.get("languages", getattr(current, "languages", None) or [])
    translations = clean.get("translations", getattr(current, "translations", None) or {})
    if refusal := first_language_refusal(current, languages):
        errors["languages"] = refusal
        return
    if current is None:
        known: dict[str, Source] = {}
        retired: set[str] = set()
    else:
        known = {src.path: src for src in sources(record_of(current))}
        retired = score_labels(current)  # asked and stored before scores' labels were no text to translate
    sent = "translations" in data
    for lang in list(translations):
        if lang not in languages[1:]:
            if sent and lang in (data.get("translations") or {}):
                errors["translations"] = v.FieldError(
                    _("Not a declared language other than the first: %(lang)s.", lang=lang)
                )
                return
            translations = {k: x for k, x in translations.items() if k != lang}
            continue
        for path, entry in translations[lang].items():
            src = known.get(path)
            if src is None and sent and path not in retired:
                errors["translations"] = v.FieldError(_("Not a text of this pilot: %(path)s.", path=path[:60]))
                return
            if src is not None and src.single_line and ("\n" in entry["text"] or "\r" in entry["text"]):
                errors["translations"] = v.FieldError(_("One line only: %(path)s.", path=path))
                return
        translations = {**translations, lang: {p: e for p, e in translations[lang].items() if p in known}}
    clean["translations"] = {lang: texts for lang, texts in translations.items() if texts}


def score_labels(study) -> set[str]:
    """The paths a computed score's label had as a text to translate: sent back, they are dropped, not refused."""
    return {
        f"surveys.{survey.key}.{item.get('key')}.text"
        for survey in getattr(study, "surveys", None) or []
        for item in survey.items or []
        if "score" in item
    }


def first_language_refusal(current, languages: list[str]) -> v.FieldError | None:
    """A pilot translated into a language cannot be written first in it: its texts in that language would be
    translations of themselves, and be dropped. The founder takes the language out of the other ones first (a
    choice that deletes its translations, knowingly), or keeps the first language."""
    before = list(getattr(current, "languages", None) or [])
    if not before or not languages or languages[0] == before[0]:
        return None
    if not ((getattr(current, "translations", None) or {}).get(languages[0])):
        return None
    new, first = LANGUAGE_NAMES[languages[0]], LANGUAGE_NAMES[before[0]]
    return v.FieldError(
        _(
            "This pilot has texts translated into %(new)s: it cannot be written in %(new)s first while they exist, "
            "or they would be lost. Take %(new)s out of its other languages first (which deletes its translations), "
            "or keep %(first)s first.",
            new=new,
            first=first,
        )
    )


# What participants read


def reading_language(study) -> str | None:
    """The language a participant reads this pilot in: their interface's, when the pilot declares it, else the
    pilot's first; None for a pilot that declares none (shown as written)."""
    locale = get_locale()
    return language_for(study, locale.language if locale is not None else None)


def language_for(study, wanted: str | None) -> str | None:
    """The language someone who reads `wanted` reads this pilot in: `wanted` when the pilot declares it, else the
    pilot's first; None for a pilot that declares none (shown as written)."""
    declared = getattr(study, "languages", None) or []
    if not declared:
        return None
    return wanted if wanted in declared else declared[0]


def pilot_text(study, path: str, source):
    """The text at `path` as this participant reads it: its translation into their language, when the pilot has an
    up-to-date one, else the source as written."""
    return text_in(study, reading_language(study), path, source)


def text_in(study, language: str | None, path: str, source):
    """The text at `path` in `language`: its up-to-date translation, else the source as written."""
    declared = getattr(study, "languages", None) or []
    if not source or language is None or not declared or language == declared[0]:
        return source
    entry = ((study.translations or {}).get(language) or {}).get(path)
    if entry and entry.get("text") and entry.get("source") == fingerprint(str(source)):
        return entry["text"]
    return source


def survey_title(study, survey) -> str:
    return pilot_text(study, f"surveys.{survey.key}.title", survey.title)


def timepoint_name(study, key: str) -> str:
    """A timepoint as participants read it: its label (translated), or its key in words."""
    return pilot_text(study, f"protocol.timepoints.{key}", label_of(study.labels, "timepoints", key))


def arm_name(study, key: str) -> str:
    """An arm as participants read it: its label (translated), or its key in words."""
    return pilot_text(study, f"protocol.arms.{key}", label_of(study.labels, "arms", key))


def item_view(study, survey_key: str, item: dict) -> dict:
    """A survey item as this participant reads it: its texts translated; a choice question keeps its choices as the
    answers' values and gains `choice_labels`, what the participant reads beside each."""
    language = reading_language(study)
    if language is None or language == (study.languages or [None])[0]:
        return item
    prefix = f"surveys.{survey_key}.{item.get('key')}"
    out = dict(item)
    for name in ITEM_TEXTS:
        if item.get(name):
            out[name] = pilot_text(study, f"{prefix}.{name}", item[name])
    for name in ITEM_LISTS:
        if item.get(name):
            texts = [pilot_text(study, f"{prefix}.{name}.{n}", text) for n, text in enumerate(item[name], 1)]
            if name == "choices":
                out["choice_labels"] = texts
            else:
                out[name] = texts
    return out


def items_view(study, survey) -> list[dict]:
    """A survey's items as this participant reads them (`item_view` of each)."""
    return [item_view(study, survey.key, item) for item in survey.items]


def branch_hint(study, survey_key: str, item: dict, items: list[dict]) -> str | None:
    """The condition of a question shown only if earlier answers meet it, in this participant's language (None: as
    the survey pages say it, in the pilot's own)."""
    language = reading_language(study)
    if not item.get("show_if") or language is None or language == (study.languages or [None])[0]:
        return None
    from ..surveys.branching import describe

    shown = {other.get("key"): item_view(study, survey_key, other) for other in items}
    labels = {
        key: dict(zip(view.get("choices") or [], view.get("choice_labels") or [], strict=False))
        for key, view in shown.items()
    }

    def worded(condition: dict) -> dict:
        words = labels.get(condition.get("key"), {})
        value = condition.get("value")
        if isinstance(value, list):
            return {**condition, "value": [words.get(x, x) for x in value]}
        return {**condition, "value": words.get(value, value) if isinstance(value, str) else value}

    join, conditions = next(iter(item["show_if"].items()))
    asked = {**item, "show_if": {join: [worded(c) for c in conditions]}}
    return describe(asked, [shown[other.get("key")] for other in items])


def shown_change(name: str, old, new, shown) -> tuple[str, str]:
    """A protocol field's change as the reviewer's diff shows it: the translations only by the texts that changed
    (`fr · surveys.baseline.sleep_hours.text: …`), every other field by `shown`."""
    if name != "translations":
        return shown(old), shown(new)
    old, new = old or {}, new or {}
    before, after = [], []
    for lang in sorted(set(old) | set(new)):
        was, now = old.get(lang) or {}, new.get(lang) or {}
        for path in sorted(set(was) | set(now)):
            if (was.get(path) or {}).get("text") != (now.get(path) or {}).get("text"):
                if path in was:
                    before.append(f"{lang} · {path}: {was[path]['text']}")
                if path in now:
                    after.append(f"{lang} · {path}: {now[path]['text']}")
    return "\n".join(before), "\n".join(after)


def site_name(study, key: str) -> str:
    """A site as participants read it: its name (translated), an unknown or empty key in words (studies/sites.py)."""
    from .sites import name_of

    return pilot_text(study, f"protocol.sites.{key}", name_of(study, key))


def sites_read(study) -> list[dict]:
    """The pilot's sites, `{key, name}` each, their names as this participant reads them (the API's catalogue)."""
    from .sites import of

    return [{**site, "name": site_name(study, site["key"])} for site in of(study)]


def field_text(study, name: str):
    """A protocol field participants read, as this participant reads it."""
    return pilot_text(study, f"protocol.{name}", getattr(study, name, None))


def eligibility_texts(study, site_choices: list[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """The eligibility criteria and the sites' names as this participant reads them (the questions of the
    eligibility page)."""
    criteria = (study.eligibility or {}).get("criteria", [])
    return (
        [pilot_text(study, f"protocol.criteria.{n}", text) for n, text in enumerate(criteria, 1)],
        [(key, pilot_text(study, f"protocol.sites.{key}", name)) for key, name in site_choices],
    )


def names(study) -> str:
    """The pilot's languages as the catalogue shows them, e.g. "FR · EN"; "" when it declares none."""
    return " · ".join(lang.upper() for lang in (getattr(study, "languages", None) or []))
