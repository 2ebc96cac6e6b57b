"""A pilot in two languages (issue 14, item 8): every participant-facing text has a translation path, the
checklist refuses submission while a declared language lacks a text or holds an outdated one, the registration hash
covers the translations, participants read their language (and the consent records it), the data dictionary carries
both languages' labels, and the API and the translation page refuse hostile input without a 500."""

import csv
import io
import json
import re

import pytest
from flask_babel import refresh
from sqlalchemy import select

from livinglab.demo import build_study, sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import ConsentSignature
from livinglab.studies import pilot_languages, services
from livinglab.studies.models import Study
from livinglab.surveys import services as surveys

API = "/api/v1"

# A survey with every kind of text a participant reads
RICH_SURVEY = {
    "key": "habits",
    "title": "Your habits",
    "timepoint": "follow_up",
    "items": [
        {"key": "part_one", "section": "About your nights", "intro": "A few questions on sleep."},
        {"key": "smoker", "type": "yes_no", "text": "Do you smoke?"},
        {
            "key": "diet",
            "type": "single_choice",
            "text": "Your diet?",
            "choices": ["Vegan", "Omnivore"],
            "other": True,
        },
        {"key": "drinks", "type": "multiple_choice", "text": "What do you drink?", "choices": ["Tea", "Coffee"]},
        {
            "key": "mood",
            "type": "likert",
            "text": "Your mood?",
            "min": 1,
            "max": 3,
            "labels": ["Bad", "Fair", "Good"],
        },
        {"key": "tired", "type": "slider", "text": "How tired?", "labels": ["Rested", "Exhausted"]},
        {"key": "grid", "type": "matrix", "text": "How true?", "rows": ["I nap", "I snore"], "min": 1, "max": 3},
        {
            "key": "cigarettes",
            "type": "number",
            "text": "How many a day?",
            "unit": "cig.",
            "show_if": {"all": [{"key": "diet", "op": "equals", "value": "Vegan"}]},
        },
    ],
}

# What a participant of this pilot reads, written out by hand (not derived from pilot_languages)
READ_BY_PARTICIPANTS = {
    "protocol.title",
    "protocol.summary",
    "protocol.objectives",
    "protocol.intervention",
    "protocol.duration",
    "protocol.location",
    "protocol.compensation",
    "protocol.sponsor",
    "protocol.risks",
    "protocol.data_collected",
    "protocol.criteria.1",
    "protocol.criteria.2",
    "protocol.sites.nantes",
    "protocol.timepoints.baseline",
    "consent.text",
    "consent.clauses.understood",
    "consent.clauses.data_use",
    "consent.clauses.recontact",
    "surveys.baseline.title",
    "surveys.baseline.sleep_hours.text",
    "surveys.baseline.sleep_hours.unit",
    "surveys.follow_up.title",
    "surveys.follow_up.sleep_hours.text",
    "surveys.follow_up.sleep_hours.unit",
    "surveys.follow_up.comments.text",
    "surveys.habits.title",
    "surveys.habits.part_one.section",
    "surveys.habits.part_one.intro",
    "surveys.habits.smoker.text",
    "surveys.habits.diet.text",
    "surveys.habits.diet.choices.1",
    "surveys.habits.diet.choices.2",
    "surveys.habits.drinks.text",
    "surveys.habits.drinks.choices.1",
    "surveys.habits.drinks.choices.2",
    "surveys.habits.mood.text",
    "surveys.habits.mood.labels.1",
    "surveys.habits.mood.labels.2",
    "surveys.habits.mood.labels.3",
    "surveys.habits.tired.text",
    "surveys.habits.tired.labels.1",
    "surveys.habits.tired.labels.2",
    "surveys.habits.grid.text",
    "surveys.habits.grid.rows.1",
    "surveys.habits.grid.rows.2",
    "surveys.habits.cigarettes.text",
    "surveys.habits.cigarettes.unit",
}


def bilingual_protocol(**overrides) -> dict:
    return {
        **sleep_protocol(),
        "languages": ["en", "fr"],
        "sites": [{"key": "nantes", "name": "Nantes"}],
        "labels": {"arms": {}, "timepoints": {"baseline": "Before"}},
        **overrides,
    }


def translate_all(study, user, language="fr", prefix="[fr] ") -> dict:
    """Every text translated: `[fr] ` and the source (the helper of these tests, through the service)."""
    record = pilot_languages.record_of(study)
    texts = {
        src.path: {"text": prefix + src.text, "source": pilot_languages.fingerprint(src.text)}
        for src in pilot_languages.sources(record)
    }
    return {language: texts}


@pytest.fixture
def draft(startup, coordinator):
    # declared once built: the demo's builder translates a pilot built in English and French (demo_languages.py)
    study = build_study(startup, coordinator, "draft", protocol=bilingual_protocol(languages=["en"]))
    services.update_study(startup, study, {"languages": ["en", "fr"]})
    surveys.create_survey(startup, study, RICH_SURVEY)
    db.session.commit()
    return study


def walk(study, owner, coordinator, to="recruiting"):
    services.submit(owner, study)
    services.decide(coordinator, study, "approve", "")
    if to == "recruiting":
        services.set_recruitment(coordinator, study, "recruiting")
    db.session.commit()


@pytest.fixture
def pilot(draft, startup, coordinator):
    """The bilingual pilot, every text translated into French, recruiting."""
    services.update_study(startup, draft, {"translations": translate_all(draft, startup)})
    db.session.commit()
    walk(draft, startup, coordinator)
    return draft


@pytest.fixture
def api(client, api_headers):
    tokens = {}

    def call(method, path, user=None, **kwargs):
        if user is not None and id(user) not in tokens:
            tokens[id(user)] = api_headers(user)
        return client.open(API + path, method=method, headers=tokens.get(id(user), {}), **kwargs)

    return call


def text(response) -> str:
    return response.get_data(as_text=True)


# --- The paths ---------------------------------------------------------------------------------------------------


def test_every_text_a_participant_reads_has_a_translation_path(draft):
    paths = {src.path for src in pilot_languages.sources(pilot_languages.record_of(draft))}
    assert paths == READ_BY_PARTICIPANTS


def test_gdpr_information_items_are_translatable(draft, startup):
    services.save_consent(
        startup,
        draft,
        draft.current_consent.text,
        draft.current_consent.clauses,
        {"controller": "Sommeil Santé SAS", "rights": "Access, rectification."},
    )
    db.session.commit()
    paths = {src.path for src in pilot_languages.sources(pilot_languages.record_of(draft))}
    assert {"consent.gdpr.controller", "consent.gdpr.rights"} <= paths


# --- The checklist -----------------------------------------------------------------------------------------------


def test_submission_is_refused_while_a_language_is_missing_and_names_how_many(api, draft, startup):
    response = api("POST", f"/studies/{draft.id}/submit", startup)
    assert response.status_code == 422
    body = json.dumps(response.get_json())
    assert f"Every text in French: {len(READ_BY_PARTICIPANTS)} missing, 0 to update" in body
    assert db.session.get(Study, draft.id).status == "draft"


def test_submission_is_refused_while_a_translation_is_outdated(api, draft, startup):
    services.update_study(startup, draft, {"translations": translate_all(draft, startup)})
    services.update_study(startup, draft, {"title": "Sleep coaching for night workers"})
    db.session.commit()
    response = api("POST", f"/studies/{draft.id}/submit", startup)
    assert response.status_code == 422
    assert "Every text in French: 0 missing, 1 to update" in json.dumps(response.get_json())
    # the outdated title is never shown to a French reader: the source is
    assert pilot_languages.text_in(draft, "fr", "protocol.title", draft.title) == draft.title


def test_submission_passes_once_every_language_is_complete(api, draft, startup):
    services.update_study(startup, draft, {"translations": translate_all(draft, startup)})
    db.session.commit()
    assert api("POST", f"/studies/{draft.id}/submit", startup).status_code == 200


def test_the_editor_checklist_links_to_the_translation_page(client, login, draft, startup):
    login(startup)
    page = text(client.get(f"/studies/{draft.id}/edit"))
    assert f'href="/studies/{draft.id}/translations"' in page


def test_a_pilot_of_one_language_or_none_needs_no_translation(api, startup, coordinator):
    for languages in ([], ["fr"]):
        study = build_study(startup, coordinator, "draft", protocol={**sleep_protocol(), "languages": languages})
        db.session.commit()
        assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 200


# --- The registration hash ---------------------------------------------------------------------------------------


def test_the_hash_covers_the_translations(pilot):
    record = services.frozen_record(pilot)
    assert services.hash_record(record) == pilot.registration_hash
    changed = json.loads(json.dumps(record))
    changed["protocol"]["translations"]["fr"]["surveys.habits.diet.choices.1"]["text"] = "Végane"
    assert services.hash_record(changed) != pilot.registration_hash


def test_an_old_pilots_hash_recomputes_without_the_new_fields(make_study):
    study = make_study("recruiting")
    record = services.frozen_record(study)
    assert record["protocol"]["languages"] == [] and record["protocol"]["translations"] == {}
    old = {
        **record,
        # the fields added since, newest first, go too (services.ADDED_FIELDS): the declared primary timepoint
        "protocol": {
            k: x for k, x in record["protocol"].items() if k not in ("languages", "translations", "primary_timepoint")
        },
    }
    registration = study.registrations[0]
    registration.registration_hash = services.hash_record(old)
    registration.record = None
    rebuilt, found = services.record_as_registered(study, registration)
    assert found and "languages" not in rebuilt["protocol"]


def test_a_new_pilot_starts_in_the_creators_interface_language(client, login, startup):
    login(startup)
    startup.locale = "fr"
    db.session.commit()
    response = client.post("/studies/new", data={"title": "Essai", "domain": "e-health"})
    assert response.status_code == 302
    study = db.session.scalar(select(Study).where(Study.title == "Essai"))
    assert study.languages == ["fr"]


# --- What participants read --------------------------------------------------------------------------------------


def enrol(user, study):
    consent = study.current_consent
    participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="Camille",
        age=30,
        criteria_confirmed=True,
        site="nantes",
    )
    db.session.commit()


def test_a_french_participant_reads_the_pilot_in_french(client, login, participant, pilot):
    participant.locale = "fr"
    db.session.commit()
    login(participant)
    catalogue = text(client.get("/pilots/"))
    assert "[fr] Sleep coaching app for shift workers" in catalogue and "EN · FR" in catalogue
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "[fr] Sleep coaching app for shift workers" in page and "[fr] Works night or rotating shifts" in page
    eligibility = text(client.get(f"/pilots/{pilot.id}/eligibility"))
    assert "[fr] Works night or rotating shifts" in eligibility and "[fr] Nantes" in eligibility


def test_an_english_participant_reads_it_as_written(client, login, participant, pilot):
    participant.locale = "en"
    db.session.commit()
    login(participant)
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "Sleep coaching app for shift workers" in page and "[fr]" not in page


def test_the_survey_shows_french_questions_choices_labels_and_hints(client, login, participant, pilot):
    participant.locale = "fr"
    db.session.commit()
    enrol(participant, pilot)
    participation.submit_response(
        participant, pilot, "baseline", {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}}
    )
    db.session.commit()
    login(participant)
    page = text(client.get(f"/pilots/{pilot.id}/surveys/habits"))
    for shown in ("[fr] Your habits", "[fr] About your nights", "[fr] A few questions on sleep."):
        assert shown in page
    for shown in ("[fr] Do you smoke?", "[fr] Bad", "[fr] Exhausted", "[fr] I snore", "[fr] cig.", "[fr] Tea"):
        assert shown in page
    assert 'value="Vegan"' in page and "[fr] Vegan</label>" in page  # the value stays the one stored
    hint = re.search(r'<p class="hint branch-hint">([^<]*)</p>', page).group(1)  # the branching hint, in French
    assert hint.startswith("Répondez seulement si") and "[fr] Vegan" in hint and "[fr] Your diet?" in hint
    assert "Do you smoke?" not in page.replace("[fr] Do you smoke?", "")


def test_choice_values_stay_the_source_while_the_labels_are_french(app, pilot):
    item = next(i for i in pilot.surveys if i.key == "habits").items[2]
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()  # the locale read for this request, not one cached before it
        view = pilot_languages.item_view(pilot, "habits", item)
        hint = pilot_languages.branch_hint(pilot, "habits", RICH_SURVEY["items"][-1], RICH_SURVEY["items"])
    assert view["choices"] == ["Vegan", "Omnivore"] and view["choice_labels"] == ["[fr] Vegan", "[fr] Omnivore"]
    assert view["text"] == "[fr] Your diet?"
    assert "[fr] Vegan" in hint and "[fr] Your diet?" in hint


def test_choice_answers_read_back_in_the_participants_language(app, pilot):
    from livinglab.surveys.answers import readable
    from livinglab.surveys.question_types import OTHER, other_key

    survey = next(s for s in pilot.surveys if s.key == "habits")
    stored = {"diet": (None, "Vegan"), "drinks": (None, '["Tea", "Coffee"]')}
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        refresh()
        lines = {line["key"]: line["value"] for line in readable(pilot_languages.items_view(pilot, survey), stored)}
        other = {"diet": (None, OTHER), other_key("diet"): (None, "Paleo")}
        other_lines = {
            line["key"]: line["value"] for line in readable(pilot_languages.items_view(pilot, survey), other)
        }
    assert lines["diet"] == "[fr] Vegan" and lines["drinks"] == "[fr] Tea, [fr] Coffee"
    assert other_lines["diet"] == "Autre : Paleo"  # what they wrote stays as written
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        lines = {line["key"]: line["value"] for line in readable(pilot_languages.items_view(pilot, survey), stored)}
    assert lines["diet"] == "Vegan" and lines["drinks"] == "Tea, Coffee"


def test_the_consent_records_the_language_it_was_read_in(client, login, participant, pilot):
    participant.locale = "fr"
    db.session.commit()
    login(participant)
    checked = client.post(
        f"/pilots/{pilot.id}/eligibility",
        data={"age": "34", "criterion_0": "yes", "criterion_1": "yes", "site": "nantes"},
    )
    assert checked.status_code == 302, text(checked)
    join = text(client.get(f"/pilots/{pilot.id}/join"))
    assert "[fr] I have read and understood" in join
    done = client.post(
        f"/pilots/{pilot.id}/join",
        data={"consent_version": "1", "clause_0": "y", "clause_1": "y", "signature": "Camille", "confirm": "y"},
    )
    assert done.status_code == 302, text(done)
    signed = db.session.scalar(select(ConsentSignature))
    assert signed.language == "fr"
    copy = text(client.get(f"/pilots/{pilot.id}/consent"))
    assert "Français" in copy and "[fr] I have read and understood" in copy


def test_the_api_catalogue_names_the_languages_and_reads_in_the_callers(client, pilot):
    """The page's catalogue read a pilot in the participant's language; the API's served it as written, without
    saying it could be read in French."""
    french = client.get("/api/v1/catalogue", headers={"Accept-Language": "fr"}).get_json()["items"]
    [entry] = [e for e in french if e["id"] == pilot.id]
    assert entry["languages"] == ["en", "fr"]
    assert entry["title"] == "[fr] Sleep coaching app for shift workers"
    assert entry["eligibility"]["criteria"][0] == "[fr] Works night or rotating shifts"
    english = client.get("/api/v1/catalogue", headers={"Accept-Language": "en"}).get_json()["items"]
    [entry] = [e for e in english if e["id"] == pilot.id]
    assert entry["title"] == "Sleep coaching app for shift workers" and entry["languages"] == ["en", "fr"]


# --- The exports -------------------------------------------------------------------------------------------------


def test_the_dictionary_carries_both_languages_labels(api, pilot, startup):
    response = api("GET", f"/studies/{pilot.id}/dictionary.csv", startup)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(text(response).lstrip("\ufeff"))))
    diet = next(r for r in rows if r["key"] == "diet")
    assert (diet["label_en"], diet["label_fr"]) == ("Your diet?", "[fr] Your diet?")
    assert (diet["values_en"], diet["values_fr"]) == ("Vegan; Omnivore", "[fr] Vegan; [fr] Omnivore")
    nap = next(r for r in rows if r["key"] == "grid_1")
    assert (nap["label_en"], nap["label_fr"]) == ("How true? — I nap", "[fr] How true? — [fr] I nap")


def test_a_one_language_pilots_dictionary_is_unchanged(api, make_study, startup):
    study = make_study("recruiting")
    header = text(api("GET", f"/studies/{study.id}/dictionary.csv", startup)).lstrip("\ufeff").splitlines()[0]
    assert header == "key,label,type,range_or_choices,unit,timepoints"


# --- The API's checks --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, status",
    [
        ({"languages": ["de"]}, 422),
        ({"languages": "fr"}, 400),
        ({"languages": ["fr", "fr"]}, 422),
        ({"translations": {"de": {}}}, 422),
        ({"translations": {"en": {"protocol.title": {"text": "x", "source": ""}}}}, 422),  # the first language
        ({"translations": {"fr": {"protocol.nothing": {"text": "x", "source": ""}}}}, 422),
        ({"translations": {"fr": {"protocol.title": {"text": 5, "source": ""}}}}, 400),
        ({"translations": {"fr": {"protocol.title": {"text": "x" * 10_001, "source": ""}}}}, 422),
        ({"translations": {"fr": {"protocol.title": {"text": "two\r\nlines", "source": ""}}}}, 422),
        ({"translations": {"fr": {"protocol.title": {"text": "x", "source": "zz"}}}}, 422),
        ({"translations": {"fr": {"protocol.title": {"text": "x", "source": "", "more": 1}}}}, 400),
        ({"translations": {"fr": "text"}}, 400),
        ({"translations": [1]}, 400),
    ],
)
def test_the_api_refuses_bad_languages_and_translations(api, draft, startup, body, status):
    before = (list(draft.languages), dict(draft.translations))
    response = api("PATCH", f"/studies/{draft.id}", startup, json=body)
    assert response.status_code == status, response.get_json()
    db.session.expire_all()
    study = db.session.get(Study, draft.id)
    assert (study.languages, study.translations) == before


def test_the_api_refuses_deep_nesting_and_huge_bodies(api, draft, startup):
    nested = '{"translations": ' + "{" * 2000 + "}" * 2000 + "}"
    deep = api("PATCH", f"/studies/{draft.id}", startup, data=nested, content_type="application/json")
    assert 400 <= deep.status_code < 500
    many = {"fr": {f"protocol.criteria.{n}": {"text": "x", "source": ""} for n in range(3000)}}
    huge = api("PATCH", f"/studies/{draft.id}", startup, json={"translations": many})
    assert 400 <= huge.status_code < 500


def test_the_api_takes_translations_and_drops_those_of_deleted_texts(api, draft, startup):
    body = {"translations": translate_all(draft, startup)}
    assert api("PATCH", f"/studies/{draft.id}", startup, json=body).status_code == 200
    served = api("GET", f"/studies/{draft.id}", startup).get_json()
    assert served["languages"] == ["en", "fr"]
    assert served["translations"]["fr"]["protocol.title"]["text"] == "[fr] Sleep coaching app for shift workers"
    assert api("PATCH", f"/studies/{draft.id}", startup, json={"eligibility": {"min_age": 18}}).status_code == 200
    served = api("GET", f"/studies/{draft.id}", startup).get_json()
    assert served["translations"]["fr"]["protocol.criteria.1"]  # kept until the next save of translations
    assert api("PATCH", f"/studies/{draft.id}", startup, json={"languages": ["en", "fr"]}).status_code == 200
    served = api("GET", f"/studies/{draft.id}", startup).get_json()
    assert "protocol.criteria.1" not in served["translations"]["fr"]


def test_the_first_language_cannot_become_one_the_pilot_is_translated_into(api, draft, startup):
    """Defect: changing the first language from English to French dropped every French translation, silently."""
    translations = translate_all(draft, startup)
    assert api("PATCH", f"/studies/{draft.id}", startup, json={"translations": translations}).status_code == 200
    for body in ({"languages": ["fr", "en"]}, {"languages": ["fr"]}, {"languages": ["fr", "en"], "translations": {}}):
        response = api("PATCH", f"/studies/{draft.id}", startup, json=body)
        assert response.status_code == 422, body
        assert "translated into French" in response.get_json()["error"]["fields"]["languages"]
        db.session.expire_all()
        study = db.session.get(Study, draft.id)
        assert (study.languages, study.translations) == (["en", "fr"], translations)
    # Taken out of the other languages first (its translations deleted, knowingly), French can then come first.
    assert api("PATCH", f"/studies/{draft.id}", startup, json={"languages": ["en"]}).status_code == 200
    assert api("PATCH", f"/studies/{draft.id}", startup, json={"languages": ["fr", "en"]}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Study, draft.id).languages == ["fr", "en"]


def test_a_first_language_with_no_translation_into_it_can_change(api, draft, startup):
    """Written in the wrong language by mistake: nothing is translated into the right one yet, nothing is lost."""
    assert api("PATCH", f"/studies/{draft.id}", startup, json={"languages": ["fr", "en"]}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Study, draft.id).languages == ["fr", "en"]


# --- The translation page ----------------------------------------------------------------------------------------


def test_the_founder_fills_the_translation_page_in_one_save(client, login, draft, startup):
    login(startup)
    page = text(client.get(f"/studies/{draft.id}/translations"))
    assert "Sleep coaching app for shift workers" in page and "missing" in page
    data = {"written_in": "en", "languages": ["fr"]}
    for src in pilot_languages.sources(pilot_languages.record_of(draft)):
        data[f"t-fr-{src.path}"] = "[fr] " + src.text
    response = client.post(f"/studies/{draft.id}/translations", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert pilot_languages.incomplete(pilot_languages.record_of(db.session.get(Study, draft.id))) == {}


def test_an_outdated_translation_sent_back_unchanged_stays_outdated(client, login, draft, startup):
    services.update_study(startup, draft, {"translations": translate_all(draft, startup)})
    services.update_study(startup, draft, {"summary": "A new summary."})
    db.session.commit()
    login(startup)
    page = text(client.get(f"/studies/{draft.id}/translations"))
    assert "to update" in page
    data = {"written_in": "en", "languages": ["fr"]}
    for row in pilot_languages.rows(pilot_languages.record_of(draft), "fr"):
        data[f"t-fr-{row.source.path}"] = row.text
    client.post(f"/studies/{draft.id}/translations", data=data)
    db.session.expire_all()
    study = db.session.get(Study, draft.id)
    assert pilot_languages.incomplete(pilot_languages.record_of(study)) == {"fr": {"missing": 0, "outdated": 1}}
    data["ok-t-fr-protocol.summary"] = "1"
    client.post(f"/studies/{draft.id}/translations", data=data)
    db.session.expire_all()
    assert pilot_languages.incomplete(pilot_languages.record_of(db.session.get(Study, draft.id))) == {}


def test_a_refused_text_saves_nothing(client, login, draft, startup):
    login(startup)
    data = {"written_in": "en", "languages": ["fr"], "t-fr-protocol.title": "two\nlines", "t-fr-protocol.summary": "ok"}
    response = client.post(f"/studies/{draft.id}/translations", data=data)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Study, draft.id).translations == {}


def test_the_translation_page_says_what_unticking_a_language_does(client, login, draft, startup):
    login(startup)
    page = text(client.get(f"/studies/{draft.id}/translations"))
    assert "Unticking a language deletes its translations when you save" in page


def test_the_translation_page_refuses_to_write_first_in_a_language_it_translates_into(client, login, draft, startup):
    translations = translate_all(draft, startup)
    services.update_study(startup, draft, {"translations": translations})
    startup.locale = "fr"
    db.session.commit()
    login(startup)
    data = {"written_in": "fr", "languages": ["en"]}
    for src in pilot_languages.sources(pilot_languages.record_of(draft)):
        data[f"t-fr-{src.path}"] = "[fr] " + src.text
    response = client.post(f"/studies/{draft.id}/translations", data=data)
    assert response.status_code == 422
    assert "traduits en français" in text(response)
    db.session.expire_all()
    study = db.session.get(Study, draft.id)
    assert (study.languages, study.translations) == (["en", "fr"], translations)


def test_only_the_owning_organisation_edits_the_translations(client, login, draft, other_startup, participant):
    for user in (other_startup, participant):
        login(user)
        assert client.get(f"/studies/{draft.id}/translations").status_code in (403, 404)
        assert client.post(f"/studies/{draft.id}/translations", data={"written_in": "fr"}).status_code in (403, 404)
        client.get("/account/signout")
    db.session.expire_all()
    assert db.session.get(Study, draft.id).languages == ["en", "fr"]


def test_the_catalogue_query_count_does_not_grow_with_pilots(client, pilot, startup, coordinator, count_queries):
    def counted():
        with count_queries() as statements:
            assert client.get("/pilots/").status_code == 200
        return len(statements)

    few = counted()
    for _ in range(3):
        other = build_study(startup, coordinator, "draft", protocol=bilingual_protocol(title="Another"))
        services.update_study(startup, other, {"translations": translate_all(other, startup)})
        walk(other, startup, coordinator)
    assert counted() == few


# --- Amendments --------------------------------------------------------------------------------------------------


def test_an_amendment_translates_on_its_own_page_and_its_diff_names_the_texts(
    api, client, login, pilot, startup, coordinator
):
    from livinglab.studies import amendments
    from livinglab.studies.models import Amendment

    version = api("POST", f"/studies/{pilot.id}/amendments", startup, json={"reason": "Clearer"}).get_json()["version"]
    base = f"/studies/{pilot.id}/amendments/{version}"
    assert api("PATCH", base, startup, json={"title": "Sleep coaching for night workers"}).status_code == 200
    refused = api("POST", f"{base}/submit", startup)
    assert refused.status_code == 422 and "1 to update" in json.dumps(refused.get_json())
    login(startup)
    page = text(client.get(f"{base}/translations"))
    assert "Sleep coaching for night workers" in page and "to update" in page
    data = {"written_in": "en", "languages": ["fr"]}
    proposed = db.session.scalar(select(Amendment).where(Amendment.study_id == pilot.id))
    record = pilot_languages.record_of(amendments.proposed_study(proposed))
    for row in pilot_languages.rows(record, "fr"):
        data[f"t-fr-{row.source.path}"] = row.text
    data["t-fr-protocol.title"] = "Coaching du sommeil pour le travail de nuit"
    assert client.post(f"{base}/translations", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Study, pilot.id).translations["fr"]["protocol.title"]["text"].startswith("[fr]")  # as run
    amendment = db.session.scalar(select(Amendment).where(Amendment.study_id == pilot.id))
    changes = amendments.differences(db.session.get(Study, pilot.id), amendment)
    shown = {str(label): (old, new) for label, old, new in changes["fields"]}
    assert shown["Translations"] == (
        "fr · protocol.title: [fr] Sleep coaching app for shift workers",
        "fr · protocol.title: Coaching du sommeil pour le travail de nuit",
    )
    assert "Languages" not in shown
    assert api("POST", f"{base}/submit", startup).status_code == 200


def test_an_old_pilots_amendment_shows_no_language_change(api, make_study, startup):
    from livinglab.studies import amendments
    from livinglab.studies.models import Amendment

    study = make_study("recruiting")
    registration = study.registrations[0]
    registration.record = {
        **registration.record,
        "protocol": {
            k: x for k, x in registration.record["protocol"].items() if k not in ("languages", "translations")
        },
    }
    db.session.commit()
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "A place"}).get_json()["version"]
    assert api("PATCH", f"/studies/{study.id}/amendments/{version}", startup, json={"location": "Nantes"}).status_code
    amendment = db.session.scalar(select(Amendment).where(Amendment.study_id == study.id))
    shown = [str(label) for label, _old, _new in amendments.differences(study, amendment)["fields"]]
    assert shown == ["Place"]


def test_a_french_participant_reads_back_their_answers_in_french(client, login, participant, pilot):
    participant.locale = "fr"
    db.session.commit()
    enrol(participant, pilot)
    participation.submit_response(
        participant, pilot, "baseline", {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}}
    )
    db.session.commit()
    login(participant)
    page = text(client.get(f"/pilots/{pilot.id}/answers"))
    assert "[fr] On average, how many hours did you sleep per night last week?" in page
    assert "[fr] Before the coaching" in page and "[fr] Sleep coaching app for shift workers" in page


def test_participants_read_the_timepoints_by_their_translated_labels(client, login, participant, pilot):
    """The founder's label of a timepoint ("Before") is what participants read, in their language; a timepoint
    without a label reads as its key in words."""
    participant.locale = "fr"
    db.session.commit()
    login(participant)
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "[fr] Before" in page and "Baseline" not in page
    enrol(participant, pilot)
    home = text(client.get("/dashboard"))
    assert "[fr] Before" in home
    participant.locale = "en"
    db.session.commit()
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert "Before" in page and "[fr] Before" not in page


def test_my_data_names_the_pilot_in_the_participants_language(client, login, participant, pilot):
    """The page "My data" read the title from the export's data, where the pilot is a plain record: it showed "None"."""
    enrol(participant, pilot)
    participant.locale = "fr"
    db.session.commit()
    login(participant)
    page = text(client.get("/pilots/my-data"))
    assert "[fr] Sleep coaching app for shift workers" in page and "None" not in page
    participant.locale = "en"
    db.session.commit()
    page = text(client.get("/pilots/my-data"))
    assert "Sleep coaching app for shift workers" in page and "[fr] Sleep" not in page and "None" not in page


def test_the_pilot_page_names_a_timepoint_once_when_its_survey_has_the_same_title(client, login, participant, pilot):
    """The demo's label of a timepoint is often its survey's title: the timeline read "Before · Before"."""
    login(participant)
    title = next(s.title for s in pilot.surveys if s.timepoint == "baseline")
    pilot.labels = {"arms": {}, "timepoints": {"baseline": title}}
    db.session.commit()
    page = text(client.get(f"/pilots/{pilot.id}"))
    assert page.count(title) == 1


def test_participants_mail_names_the_pilot_and_the_survey_in_their_language(pilot, make_user):
    from livinglab.notifications.compose import Recipient, build
    from livinglab.notifications.models import OutboxMessage

    survey = next(s for s in pilot.surveys if s.key == "habits")
    opens = OutboxMessage(
        uid="u1",
        kind="survey_open",
        context={
            "study_id": pilot.id,
            "title": pilot.title,
            "survey": survey.title,
            "survey_key": survey.key,
            "closes_on": None,
        },
    )
    french = build(opens, Recipient("a@example.org", "Ana", "fr", None))
    assert "[fr] Your habits" in str(french["Subject"])
    assert "[fr] Sleep coaching app for shift workers" in french.get_body(("plain",)).get_content()
    english = build(opens, Recipient("b@example.org", "Bob", "en", None))
    assert str(english["Subject"]) == "Your survey “Your habits” is open"
    assert "[fr]" not in english.get_body(("plain",)).get_content()
    # a title changed since the message was written is sent as written: never an older translation
    opens.context = {**opens.context, "title": "A title of the past"}
    assert "A title of the past" in build(opens, Recipient("a@example.org", "Ana", "fr", None)).as_string()
