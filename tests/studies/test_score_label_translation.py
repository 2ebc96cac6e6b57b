"""A computed score's label is never read by participants (a score is computed, not shown in the survey) and no
export or page shows it translated (the data dictionary in two languages gives a score's label as written): the
translation page does not ask for it, and the checklist's rule "a declared language is incomplete" does not count it
(issue 14, audit of item 8)."""

import json

import pytest

from livinglab.demo import build_study
from livinglab.extensions import db
from livinglab.studies import pilot_languages, services
from livinglab.studies.models import Study
from livinglab.surveys import services as surveys

from .test_pilot_languages import bilingual_protocol

SCORED = {
    "key": "ease",
    "title": "Falling asleep",
    "timepoint": "follow_up",
    "items": [
        {"key": "falls_asleep", "type": "likert", "text": "I fall asleep easily", "min": 1, "max": 5},
        {"key": "wakes_rested", "type": "likert", "text": "I wake up rested", "min": 1, "max": 5},
        {"key": "sleep_ease", "text": "Sleep ease", "score": "mean", "of": ["falls_asleep", "wakes_rested"]},
    ],
}
SCORE_PATH = "surveys.ease.sleep_ease.text"


@pytest.fixture
def draft(startup, coordinator):
    study = build_study(startup, coordinator, "draft", protocol=bilingual_protocol(languages=["en"]))
    services.update_study(startup, study, {"languages": ["en", "fr"]})
    surveys.create_survey(startup, study, SCORED)
    db.session.commit()
    return study


def everything_but_the_score(study) -> dict:
    """A French text for every source except the score's label, written out by path (the page's own list aside)."""
    record = pilot_languages.record_of(study)
    texts = {}
    for protocol_name in pilot_languages.PROTOCOL_TEXTS:
        value = record["protocol"].get(protocol_name)
        if value:
            texts[f"protocol.{protocol_name}"] = value
    for n, criterion in enumerate(record["protocol"]["eligibility"].get("criteria") or [], 1):
        texts[f"protocol.criteria.{n}"] = criterion
    for group in ("arms", "timepoints"):
        for key, label in (record["protocol"]["labels"].get(group) or {}).items():
            texts[f"protocol.{group}.{key}"] = label
    for site in record["protocol"]["sites"]:
        texts[f"protocol.sites.{site['key']}"] = site["name"]
    texts["consent.text"] = record["consent"]["text"]
    for clause in record["consent"]["clauses"]:
        texts[f"consent.clauses.{clause['key']}"] = clause["text"]
    for key, value in (record["consent"].get("gdpr") or {}).items():
        if value:
            texts[f"consent.gdpr.{key}"] = value
    for survey in record["surveys"]:
        texts[f"surveys.{survey['key']}.title"] = survey["title"]
        for item in survey["items"]:
            if "score" in item:
                continue
            for name in ("text", "unit", "section", "intro"):
                if item.get(name):
                    texts[f"surveys.{survey['key']}.{item['key']}.{name}"] = item[name]
            for name in ("choices", "labels", "rows"):
                for n, value in enumerate(item.get(name) or [], 1):
                    texts[f"surveys.{survey['key']}.{item['key']}.{name}.{n}"] = value
    return {
        path: {"text": "[fr] " + value, "source": pilot_languages.fingerprint(value)} for path, value in texts.items()
    }


def test_the_score_label_is_not_a_text_to_translate(draft):
    paths = {src.path for src in pilot_languages.sources(pilot_languages.record_of(draft))}
    assert "surveys.ease.falls_asleep.text" in paths
    assert SCORE_PATH not in paths


def test_a_pilot_translated_but_for_its_scores_label_may_be_submitted(client, api_headers, draft, startup):
    services.update_study(startup, draft, {"translations": {"fr": everything_but_the_score(draft)}})
    db.session.commit()
    assert pilot_languages.incomplete(pilot_languages.record_of(draft)) == {}
    response = client.post(f"/api/v1/studies/{draft.id}/submit", headers=api_headers(startup))
    assert response.status_code == 200, json.dumps(response.get_json())
    assert db.session.get(Study, draft.id).status == "submitted"


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_the_translation_page_does_not_ask_for_the_score_label(client, login, draft, startup, locale):
    login(startup)
    page = client.get(f"/studies/{draft.id}/translations", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert "t-fr-surveys.ease.falls_asleep.text" in page  # the questions are asked
    assert f"t-fr-{SCORE_PATH}" not in page and "Sleep ease" not in page


def test_the_editor_checklist_counts_no_score_label_as_missing(client, login, draft, startup):
    services.update_study(startup, draft, {"translations": {"fr": everything_but_the_score(draft)}})
    db.session.commit()
    login(startup)
    page = client.get(f"/studies/{draft.id}/edit").get_data(as_text=True)
    assert "Every text in French" in page and "missing" not in page.split("Every text in French")[1][:40]


def test_a_score_label_translation_sent_back_by_the_api_is_dropped_not_refused(client, api_headers, draft, startup):
    """A client sending back the translations it read before (the score's label among them) is not refused."""
    texts = everything_but_the_score(draft)
    texts[SCORE_PATH] = {"text": "Facilité du sommeil", "source": pilot_languages.fingerprint("Sleep ease")}
    reply = client.patch(
        f"/api/v1/studies/{draft.id}", headers=api_headers(startup), json={"translations": {"fr": texts}}
    )
    assert reply.status_code == 200, reply.get_json()
    assert SCORE_PATH not in reply.get_json()["translations"]["fr"]
    assert "surveys.ease.falls_asleep.text" in reply.get_json()["translations"]["fr"]
    bad = client.patch(
        f"/api/v1/studies/{draft.id}",
        headers=api_headers(startup),
        json={"translations": {"fr": {"surveys.ease.nothing.text": {"text": "x", "source": ""}}}},
    )
    assert bad.status_code == 422  # an unknown path is still refused
