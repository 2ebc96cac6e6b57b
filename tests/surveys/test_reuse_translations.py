"""Reuse carries the translations (issue 14, audit of items 5 and 8): a question, a section or a survey copied within
a bilingual pilot keeps its second-language wording (its choices, labels, section title and intro, the survey's
title), still up to date; a library question brings its translations into a pilot that offers the same language, and
the page says which were left behind when the pilot does not; a template fills the pilot's other language from the
template's own wording in it. Page and API."""

import html
import re

import pytest

from livinglab.demo import sleep_protocol, sleep_surveys
from livinglab.extensions import db
from livinglab.studies import pilot_languages
from livinglab.studies import services as studies
from livinglab.studies.models import Study
from livinglab.surveys.models import Survey

API = "/api/v1"
MOOD = {"key": "about_mood", "section": "How you feel", "intro": "About the last week."}
CALM = {
    "key": "calm",
    "text": "How calm did you feel?",
    "type": "likert",
    "min": 1,
    "max": 3,
    "labels": ["Not calm", "Somewhat", "Very calm"],
}
DIET = {"key": "diet", "text": "Your diet?", "type": "single_choice", "choices": ["Vegan", "Omnivore"]}
FRENCH = {
    "title": "Avant le coaching",
    "about_mood.section": "Comment vous sentez-vous",
    "about_mood.intro": "Sur la dernière semaine.",
    "calm.text": "Vous êtes-vous senti calme ?",
    "calm.labels.1": "Pas calme",
    "calm.labels.2": "Un peu",
    "calm.labels.3": "Très calme",
    "diet.text": "Votre régime ?",
    "diet.choices.1": "Végétalien",
    "diet.choices.2": "Omnivore",
}


def source_text(survey: dict, tail: str) -> str:
    if tail == "title":
        return survey["title"]
    key, name, *n = tail.split(".")
    item = next(i for i in survey["items"] if i["key"] == key)
    return item[name][int(n[0]) - 1] if n else item[name]


def bilingual_pilot(make_study, startup, languages=("en", "fr"), owner=None, items=(MOOD, CALM, DIET)):
    """A draft written in English whose baseline asks MOOD, CALM and DIET, offered in `languages`, its baseline
    translated into French when French is offered."""
    baseline, follow_up = sleep_surveys()
    baseline["items"] = list(items)
    study = make_study(
        owner=owner, protocol={**sleep_protocol(), "languages": ["en"]}, survey_defs=[baseline, follow_up]
    )
    user = owner or startup
    studies.update_study(user, study, {"languages": list(languages)})
    if "fr" in languages[1:]:
        texts = {
            f"surveys.baseline.{tail}": {
                "text": text,
                "source": pilot_languages.fingerprint(source_text(baseline, tail)),
            }
            for tail, text in FRENCH.items()
            if tail == "title" or tail.split(".")[0] in {item["key"] for item in items}
        }
        studies.update_study(user, study, {"translations": {"fr": texts}})
    db.session.commit()
    return study


@pytest.fixture
def pilot(make_study, startup):
    return bilingual_pilot(make_study, startup)


def fresh(study) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study.id)


def survey_of(study, key) -> Survey:
    return next(s for s in fresh(study).surveys if s.key == key)


def french_of(study, prefix: str) -> dict:
    """{path tail: (French text, state)} of the study's texts under `prefix` (`surveys.follow_up.`)."""
    rows = pilot_languages.rows(pilot_languages.record_of(fresh(study)), "fr")
    return {row.source.path[len(prefix) :]: (row.text, row.state) for row in rows if row.source.path.startswith(prefix)}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def index_of(study, key) -> int:
    return [item["key"] for item in survey_of(study, "baseline").items].index(key)


# --- Copies within the pilot ---------------------------------------------------------------------------------


def test_a_question_copied_on_the_page_keeps_its_translation_up_to_date(client, login, startup, pilot):
    login(startup)
    baseline, follow_up = survey_of(pilot, "baseline"), survey_of(pilot, "follow_up")
    reply = client.post(
        f"/studies/{pilot.id}/surveys/{baseline.id}/items/{index_of(pilot, 'calm')}/copy", data={"target": follow_up.id}
    )
    assert reply.status_code == 302
    copied = french_of(pilot, "surveys.follow_up.calm.")
    assert copied == {
        "text": ("Vous êtes-vous senti calme ?", "done"),
        "labels.1": ("Pas calme", "done"),
        "labels.2": ("Un peu", "done"),
        "labels.3": ("Très calme", "done"),
    }
    assert french_of(pilot, "surveys.baseline.calm.")["text"] == ("Vous êtes-vous senti calme ?", "done")


def test_a_section_copied_on_the_page_keeps_its_title_intro_and_questions_translations(client, login, startup, pilot):
    login(startup)
    baseline, follow_up = survey_of(pilot, "baseline"), survey_of(pilot, "follow_up")
    url = f"/studies/{pilot.id}/surveys/{baseline.id}/items/{index_of(pilot, 'about_mood')}/copy"
    assert client.post(url, data={"target": follow_up.id, "section": "yes"}).status_code == 302
    copied = french_of(pilot, "surveys.follow_up.")
    for tail in ("about_mood.section", "about_mood.intro", "calm.text", "diet.text", "diet.choices.2"):
        assert copied[tail] == (FRENCH[tail], "done"), tail
    assert all(
        state == "done" for tail, (_t, state) in copied.items() if tail.split(".")[0] in ("about_mood", "calm", "diet")
    )


def test_a_survey_copied_on_the_page_keeps_its_title_and_every_translation(client, login, startup, make_study):
    study = bilingual_pilot(make_study, startup)
    study.timepoints = ["baseline", "week_2", "follow_up"]  # a timepoint without a survey yet
    db.session.commit()
    login(startup)
    source = survey_of(study, "baseline")
    reply = client.post(f"/studies/{study.id}/surveys/{source.id}/copy", data={"timepoint": "week_2"})
    assert reply.status_code == 302
    [copy] = [s for s in fresh(study).surveys if s.timepoint == "week_2"]
    copied = french_of(study, f"surveys.{copy.key}.")
    assert copied == {tail: (french, "done") for tail, french in FRENCH.items()}


def test_the_api_copies_an_item_and_a_survey_with_their_translations(client, api_headers, startup, make_study):
    study = bilingual_pilot(make_study, startup)
    study.timepoints = ["baseline", "week_2", "follow_up"]
    db.session.commit()
    headers = api_headers(startup)
    reply = client.post(
        f"{API}/studies/{study.id}/surveys/baseline/items/diet/copy", headers=headers, json={"target": "follow_up"}
    )
    assert reply.status_code == 201, reply.get_json()
    assert french_of(study, "surveys.follow_up.diet.") == {
        "text": ("Votre régime ?", "done"),
        "choices.1": ("Végétalien", "done"),
        "choices.2": ("Omnivore", "done"),
    }
    reply = client.post(
        f"{API}/studies/{study.id}/surveys/baseline/copy", headers=headers, json={"timepoint": "week_2"}
    )
    assert reply.status_code == 201, reply.get_json()
    copied = french_of(study, f"surveys.{reply.get_json()['key']}.")
    assert copied == {tail: (french, "done") for tail, french in FRENCH.items()}
    assert pilot_languages.incomplete(pilot_languages.record_of(fresh(study))).get("fr", {}).get("outdated", 0) == 0


# --- The library --------------------------------------------------------------------------------------------


def test_a_library_question_brings_its_translation_into_a_pilot_offering_the_language(
    client, login, startup, make_study, pilot
):
    other = bilingual_pilot(make_study, startup)  # the organisation's other pilot, its DIET translated
    target = bilingual_pilot(make_study, startup, items=(MOOD, CALM))
    target_baseline = survey_of(target, "baseline")
    login(startup)
    source = survey_of(other, "baseline")
    reply = client.post(
        f"/studies/{target.id}/surveys/{target_baseline.id}/library", data={"source": source.id, "key": "diet"}
    )
    assert reply.status_code == 302
    assert french_of(target, "surveys.baseline.diet.") == {
        "text": ("Votre régime ?", "done"),
        "choices.1": ("Végétalien", "done"),
        "choices.2": ("Omnivore", "done"),
    }
    page = text(client.get(reply.headers["Location"]))
    assert "without its translation" not in page


def test_a_library_question_into_a_pilot_without_the_language_says_its_translation_stays_behind(
    client, login, startup, make_study, pilot
):
    target = bilingual_pilot(make_study, startup, languages=("en",), items=(MOOD, CALM))
    target_baseline = survey_of(target, "baseline")
    login(startup)
    source = survey_of(pilot, "baseline")
    reply = client.post(
        f"/studies/{target.id}/surveys/{target_baseline.id}/library", data={"source": source.id, "key": "diet"}
    )
    assert reply.status_code == 302
    assert survey_of(target, "baseline").items[-1]["key"] == "diet"
    assert not (fresh(target).translations or {})
    page = text(client.get(reply.headers["Location"]))
    assert "“diet” was added without its translation into French: this pilot is not offered in French." in page


def test_a_library_question_into_a_pilot_written_in_its_translations_language_says_so(
    client, login, startup, make_study, pilot
):
    """A pilot written in French has no translation into French: the question comes as its English pilot words it,
    and the page says its French wording stayed behind (not that the pilot lacks French)."""
    target = bilingual_pilot(make_study, startup, languages=("fr",), items=(MOOD, CALM))
    studies.update_study(startup, target, {"languages": ["fr", "en"]})
    db.session.commit()
    login(startup)
    reply = client.post(
        f"/studies/{target.id}/surveys/{survey_of(target, 'baseline').id}/library",
        data={"source": survey_of(pilot, "baseline").id, "key": "diet"},
    )
    assert reply.status_code == 302
    assert "fr" not in (fresh(target).translations or {})
    page = text(client.get(reply.headers["Location"]))
    assert (
        "“diet” was added as its own pilot words it, without its translation into French, the language this pilot "
        "is written in" in page
    )
    assert "not offered in French" not in page


def test_the_api_adds_a_library_question_with_its_translation(client, api_headers, startup, make_study, pilot):
    target = bilingual_pilot(make_study, startup, items=(MOOD, CALM))
    reply = client.post(
        f"{API}/studies/{target.id}/surveys/baseline/library",
        headers=api_headers(startup),
        json={"source": survey_of(pilot, "baseline").id, "key": "diet"},
    )
    assert reply.status_code == 201, reply.get_json()
    assert french_of(target, "surveys.baseline.diet.")["choices.1"] == ("Végétalien", "done")


# --- Templates ----------------------------------------------------------------------------------------------


def template_pilot(make_study, startup, languages):
    baseline, follow_up = sleep_surveys()
    study = make_study(protocol={**sleep_protocol(), "languages": [languages[0]]}, survey_defs=[follow_up])
    studies.update_study(startup, study, {"languages": list(languages)})
    db.session.commit()
    return study


def test_a_template_in_the_pilots_language_brings_its_english_wording_as_the_translation(
    client, login, startup, make_study
):
    study = template_pilot(make_study, startup, ["fr", "en"])
    login(startup)
    form = {"template": "sleep_wellbeing", "language": "fr", "timepoint": "baseline"}
    assert client.post(f"/studies/{study.id}/surveys/from-template", data=form).status_code == 302
    [made] = [s for s in fresh(study).surveys if s.timepoint == "baseline"]
    rows = pilot_languages.rows(pilot_languages.record_of(fresh(study)), "en")
    english = {
        row.source.path: (row.text, row.state) for row in rows if row.source.path.startswith(f"surveys.{made.key}.")
    }
    assert english[f"surveys.{made.key}.title"] == ("Sleep and wellbeing", "done")
    assert english[f"surveys.{made.key}.sleep_quality.labels.1"] == ("Very poor", "done")
    assert english[f"surveys.{made.key}.about_sleep.section"] == ("Your sleep", "done")
    assert all(state == "done" for _text, state in english.values())


def test_the_api_template_in_english_brings_the_french_wording(client, api_headers, startup, make_study):
    study = template_pilot(make_study, startup, ["en", "fr"])
    reply = client.post(
        f"{API}/studies/{study.id}/surveys/from-template",
        headers=api_headers(startup),
        json={"template": "sleep_wellbeing", "language": "en", "timepoint": "baseline"},
    )
    assert reply.status_code == 201, reply.get_json()
    key = reply.get_json()["key"]
    french = french_of(study, f"surveys.{key}.")
    assert french["title"] == ("Sommeil et bien-être", "done")
    assert french["comments.text"] == ("Souhaitez-vous ajouter quelque chose ?", "done")
    assert all(state == "done" for _text, state in french.values())


def test_a_template_into_a_pilot_of_one_language_adds_no_translation(client, api_headers, startup, make_study):
    study = template_pilot(make_study, startup, ["en"])
    reply = client.post(
        f"{API}/studies/{study.id}/surveys/from-template",
        headers=api_headers(startup),
        json={"template": "sleep_wellbeing", "language": "en", "timepoint": "baseline"},
    )
    assert reply.status_code == 201
    assert not (fresh(study).translations or {})
