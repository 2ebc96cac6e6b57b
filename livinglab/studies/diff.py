"""What changed between two frozen records of a protocol (`services.frozen_record`): the reviewer's diff.

One function for both uses: an amendment against the approved version (and against its last round), and a
protocol resubmitted after "changes requested" against the round the reviewer read (studies/rounds.py).
"""

import json

from flask_babel import lazy_gettext as _l

from . import fields, pilot_languages
from .consent import GDPR_ITEMS

CHANGE_LABELS = {"added": _l("Added"), "removed": _l("Removed"), "changed": _l("Changed")}


def _shown(value) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "" if value is None else str(value)


def _keyed(old: dict, new: dict) -> list[tuple[str, str]]:
    """(key, added | removed | changed) of two dicts by key, in the new order then the removed."""
    out = [(k, "added") for k in new if k not in old]
    out += [(k, "removed") for k in old if k not in new]
    out += [(k, "changed") for k, item in new.items() if k in old and old[k] != item]
    return out


def differences(before: dict, after: dict) -> dict:
    """The changed protocol fields, consent text, clauses and GDPR information, surveys and questions, each marked
    (added, removed, changed), from the record `before` to the record `after`."""
    old_protocol, new_protocol = before["protocol"], after["protocol"]
    field_changes = [  # by name, with the values as the record holds them (the API's diff)
        (name, old_protocol.get(name), value)
        for name, value in new_protocol.items()
        if name in fields.FIELDS and old_protocol.get(name) != value and (old_protocol.get(name) or value)
    ]
    changed_fields = [
        (fields.FIELDS[name].label, *pilot_languages.shown_change(name, old, new, _shown))
        for name, old, new in field_changes
    ]
    old_consent, new_consent = before.get("consent") or {}, after.get("consent") or {}
    old_clauses = {c["key"]: c for c in old_consent.get("clauses", [])}
    new_clauses = {c["key"]: c for c in new_consent.get("clauses", [])}
    clauses = [
        (key, change, (new_clauses.get(key) or old_clauses[key])["text"])
        for key, change in _keyed(old_clauses, new_clauses)
    ]
    old_surveys = {s["key"]: s for s in before["surveys"]}
    new_surveys = {s["key"]: s for s in after["surveys"]}
    surveys = []
    for survey in after["surveys"]:
        earlier = old_surveys.get(survey["key"])
        if earlier is None:
            surveys.append((survey, "added", [(i["key"], "added") for i in survey["items"]]))
        elif earlier != survey:
            items = _keyed({i["key"]: i for i in earlier["items"]}, {i["key"]: i for i in survey["items"]})
            if (earlier["title"], earlier["timepoint"], earlier.get("repeat")) != (
                survey["title"],
                survey["timepoint"],
                survey.get("repeat"),
            ):
                items.insert(0, ("", "changed"))  # the survey's own title, timepoint or repeat
            surveys.append((survey, "changed", items))
    surveys += [(s, "removed", []) for key, s in old_surveys.items() if key not in new_surveys]
    text_changed = old_consent.get("text") != new_consent.get("text")
    old_gdpr, new_gdpr = old_consent.get("gdpr") or {}, new_consent.get("gdpr") or {}
    gdpr_changes = [
        (key, label, old_gdpr.get(key) or "", new_gdpr.get(key) or "")
        for key, label in GDPR_ITEMS
        if (old_gdpr.get(key) or "") != (new_gdpr.get(key) or "")
    ]
    gdpr = [(label, was, now) for _key, label, was, now in gdpr_changes]
    return {
        "fields": changed_fields,
        "consent_text": (old_consent.get("text", ""), new_consent.get("text", "")) if text_changed else None,
        "clauses": clauses,
        "gdpr": gdpr,
        "surveys": surveys,
        "any": bool(changed_fields or text_changed or clauses or gdpr or surveys),
        # the same changes by machine key, for `as_json` (the page shows the labelled ones above)
        "field_changes": field_changes,
        "gdpr_changes": gdpr_changes,
    }


def as_json(found: dict) -> dict:
    """A `differences` result as plain JSON, by machine key (the API's diff): protocol fields by name with their
    values as the record holds them, clauses, GDPR items and surveys by key; labels in the request's language."""
    text = found["consent_text"]
    return {
        "any": found["any"],
        "fields": [
            {"field": name, "label": str(fields.FIELDS[name].label), "before": old, "after": new}
            for name, old, new in found["field_changes"]
        ],
        "consent_text": {"before": text[0], "after": text[1]} if text else None,
        "clauses": [{"key": key, "change": change, "text": said} for key, change, said in found["clauses"]],
        "gdpr": [
            {"key": key, "label": str(label), "before": was, "after": now}
            for key, label, was, now in found["gdpr_changes"]
        ],
        "surveys": [
            {
                "key": survey["key"],
                "title": survey["title"],
                "timepoint": survey["timepoint"],
                "change": change,
                # ("", "changed") stands for the survey's own title, timepoint or repeat
                "settings_changed": ("", "changed") in items,
                "items": [{"key": key, "change": item_change} for key, item_change in items if key],
            }
            for survey, change, items in found["surveys"]
        ],
    }
