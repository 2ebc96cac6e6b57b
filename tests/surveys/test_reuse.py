"""Issue 14, item 5: reuse. Copy an item, a section or a whole survey to another timepoint (keys kept, checked as
any edit), the organisation's earlier questions (never another organisation's, one query whatever the number of
pilots), and the survey and consent templates to start from."""

import html
import re

import pytest

from livinglab.demo import sleep_protocol, sleep_surveys
from livinglab.extensions import db
from livinglab.studies import amendments
from livinglab.studies import services as studies
from livinglab.surveys import services as surveys
from livinglab.surveys.definitions import clean_items
from livinglab.surveys.models import Survey
from livinglab.surveys.survey_templates import SURVEY_TEMPLATES

DRINKS = {"key": "drinks_coffee", "text": "Do you drink coffee?", "type": "yes_no"}
CUPS = {
    "key": "cups",
    "text": "How many cups a day?",
    "type": "number",
    "min": 0,
    "max": 30,
    "show_if": {"all": [{"key": "drinks_coffee", "op": "equals", "value": True}]},
}
MOOD = {"key": "about_mood", "section": "How you feel"}
CALM = {"key": "calm", "text": "How calm did you feel?", "type": "likert", "min": 1, "max": 5}
ENERGY = {"key": "energy", "text": "How much energy did you have?", "type": "likert", "min": 1, "max": 5}
LAST = {"key": "last_word", "section": "A last word"}
NOTE = {"key": "note", "text": "A last note?", "type": "text", "required": False}


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def with_baseline(make_study, items, **kwargs):
    """A draft sleep pilot whose baseline survey has these items (the follow-up is the demo's)."""
    baseline, follow_up = sleep_surveys()
    baseline["items"] = items
    return make_study(survey_defs=[baseline, follow_up], **kwargs)


def survey(study, key) -> Survey:
    db.session.expire_all()
    return next(s for s in db.session.get(type(study), study.id).surveys if s.key == key)


def keys(study, key) -> list[str]:
    return [item["key"] for item in survey(study, key).items]


def copy_url(study, source, index):
    return f"/studies/{study.id}/surveys/{source.id}/items/{index}/copy"


# --- Copying an item or a section ------------------------------------------------------------------------


def test_a_question_copied_to_another_timepoint_keeps_its_key(client, login, startup, make_study):
    study = with_baseline(make_study, [sleep_surveys()[0]["items"][0], CALM])
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    response = client.post(copy_url(study, baseline, 1), data={"target": follow_up.id})
    assert response.status_code == 302
    assert keys(study, "follow_up")[-1] == "calm"
    assert survey(study, "follow_up").items[-1] == survey(study, "baseline").items[1]  # measured the same way


def test_copying_a_key_the_target_already_asks_is_refused_with_the_reason(client, login, startup, make_study):
    study = make_study()
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    before = list(follow_up.items)
    response = client.post(copy_url(study, baseline, 0), data={"target": follow_up.id}, follow_redirects=True)
    assert "Nothing was copied" in text(response) and "sleep_hours" in text(response)
    assert survey(study, "follow_up").items == before


def test_a_section_is_copied_with_its_questions_up_to_the_next_section(client, login, startup, make_study):
    study = with_baseline(make_study, [sleep_surveys()[0]["items"][0], MOOD, CALM, ENERGY, LAST, NOTE])
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    count = len(follow_up.items)
    response = client.post(copy_url(study, baseline, 1), data={"target": follow_up.id, "section": "yes"})
    assert response.status_code == 302
    assert keys(study, "follow_up")[count:] == ["about_mood", "calm", "energy"]


def test_only_a_section_break_starts_a_section_to_copy(client, login, startup, make_study):
    study = with_baseline(make_study, [sleep_surveys()[0]["items"][0], MOOD, CALM])
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    client.post(copy_url(study, baseline, 2), data={"target": follow_up.id, "section": "yes"})
    assert "calm" not in keys(study, "follow_up")


def test_a_condition_naming_answers_the_target_lacks_is_dropped_only_when_confirmed(client, login, startup, make_study):
    study = with_baseline(make_study, [sleep_surveys()[0]["items"][0], DRINKS, CUPS])
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    before = list(follow_up.items)
    asked = client.post(copy_url(study, baseline, 2), data={"target": follow_up.id})
    assert asked.status_code == 409
    assert "drinks_coffee" not in text(asked) or "“cups”" in text(asked)
    assert "Copy without the condition" in text(asked)
    assert survey(study, "follow_up").items == before  # nothing copied until confirmed
    client.post(copy_url(study, baseline, 2), data={"target": follow_up.id, "confirmed": "yes"})
    copied = survey(study, "follow_up").items[-1]
    assert copied["key"] == "cups" and "show_if" not in copied


def test_a_condition_is_kept_when_the_question_it_names_came_first(client, login, startup, make_study):
    study = with_baseline(make_study, [sleep_surveys()[0]["items"][0], DRINKS, CUPS])
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    assert client.post(copy_url(study, baseline, 1), data={"target": follow_up.id}).status_code == 302
    assert client.post(copy_url(study, baseline, 2), data={"target": follow_up.id}).status_code == 302
    assert survey(study, "follow_up").items[-1]["show_if"] == CUPS["show_if"]


def test_a_copy_to_a_survey_of_the_same_timepoint_is_refused(client, login, startup, make_study):
    baseline, follow_up = sleep_surveys()
    second = {"key": "second", "title": "Second", "timepoint": "baseline", "items": [CALM]}
    study = make_study(survey_defs=[baseline, follow_up, second])
    login(startup)
    source, target = survey(study, "second"), survey(study, "baseline")
    before = list(target.items)
    response = client.post(copy_url(study, source, 0), data={"target": target.id}, follow_redirects=True)
    assert "another timepoint" in text(response)
    assert survey(study, "baseline").items == before


# --- A whole survey ----------------------------------------------------------------------------------------


def test_a_whole_survey_is_copied_to_a_timepoint_with_the_same_keys(client, login, startup, make_study):
    baseline = sleep_surveys()[0]
    baseline["items"] = [*baseline["items"], MOOD, CALM]
    study = make_study(survey_defs=[baseline])
    login(startup)
    source = survey(study, "baseline")
    response = client.post(f"/studies/{study.id}/surveys/{source.id}/copy", data={"timepoint": "follow_up"})
    assert response.status_code == 302
    copy = next(s for s in survey(study, "baseline").study.surveys if s.timepoint == "follow_up")
    assert copy.items == source.items and copy.key != source.key and copy.title == source.title


def test_a_whole_survey_is_refused_where_the_timepoint_already_asks_its_keys(client, login, startup, make_study):
    study = make_study()
    login(startup)
    source = survey(study, "baseline")
    response = client.post(
        f"/studies/{study.id}/surveys/{source.id}/copy", data={"timepoint": "follow_up"}, follow_redirects=True
    )
    assert "Nothing was copied" in text(response) and "already asked at this timepoint" in text(response)
    assert len(survey(study, "baseline").study.surveys) == 2


# --- The library of the organisation's earlier questions ------------------------------------------------


def other_pilot(make_study, owner, question: dict):
    baseline, follow_up = sleep_surveys()
    baseline["items"] = [*baseline["items"], question]
    return make_study(owner=owner, survey_defs=[baseline, follow_up])


SNACK = {"key": "snack", "text": "How often did you snack at night?", "type": "likert", "min": 1, "max": 5}
SECRET = {"key": "secret_plan", "text": "Rate our secret night product", "type": "likert", "min": 1, "max": 5}


def test_the_library_lists_the_organisations_other_pilots_never_another_organisations(
    client, login, startup, other_startup, make_study
):
    study = make_study()
    other_pilot(make_study, startup, SNACK)
    other_pilot(make_study, other_startup, SECRET)
    login(startup)
    baseline = survey(study, "baseline")
    page = text(client.get(f"/studies/{study.id}/surveys/{baseline.id}/library"))
    assert "How often did you snack at night?" in page
    assert "secret" not in page.lower()
    searched = text(client.get(f"/studies/{study.id}/surveys/{baseline.id}/library?q=NIGHT+snack"))
    assert "snack at night" in searched and "Anything else" not in searched
    assert "No question matches" in text(client.get(f"/studies/{study.id}/surveys/{baseline.id}/library?q=zzz"))


def test_the_library_page_runs_as_many_queries_with_one_pilot_as_with_five(
    client, login, startup, make_study, count_queries
):
    study = make_study()
    other_pilot(make_study, startup, SNACK)
    login(startup)
    url = f"/studies/{study.id}/surveys/{survey(study, 'baseline').id}/library"
    client.get(url)
    db.session.commit()  # every object expired, as in a new request
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(4):
        other_pilot(make_study, startup, {**SNACK, "key": f"snack_{n}", "text": f"Snack question {n}"})
    db.session.commit()
    with count_queries() as many:
        page = text(client.get(url))
    assert "Snack question 3" in page
    assert len(many) == len(few)


def test_a_library_question_is_added_without_its_condition(client, login, startup, make_study):
    study = make_study()
    other = other_pilot(make_study, startup, DRINKS)
    source = next(s for s in other.surveys if s.key == "baseline")
    source.items = [*source.items, CUPS]
    db.session.commit()
    login(startup)
    target = survey(study, "baseline")
    url = f"/studies/{study.id}/surveys/{target.id}/library"
    assert client.post(url, data={"source": source.id, "key": "cups"}).status_code == 302
    added = survey(study, "baseline").items[-1]
    assert added["key"] == "cups" and "show_if" not in added


def test_another_organisations_question_or_study_gives_404_and_adds_nothing(
    client, login, startup, other_startup, make_study
):
    study = make_study()
    foreign = other_pilot(make_study, other_startup, SECRET)
    foreign_survey = next(s for s in foreign.surveys if s.key == "baseline")
    login(startup)
    target = survey(study, "baseline")
    before = list(target.items)
    url = f"/studies/{study.id}/surveys/{target.id}/library"
    assert client.post(url, data={"source": foreign_survey.id, "key": "secret_plan"}).status_code == 404
    assert client.post(url, data={"source": target.id, "key": "sleep_hours"}).status_code == 404  # its own pilot
    assert client.post(url, data={"source": "9" * 40, "key": "x"}).status_code == 404
    assert client.post(url, data={"source": "1", "key": "a\r\nb"}).status_code == 400
    # another organisation's survey as a copy target, and another organisation's study in the path
    assert client.post(copy_url(study, target, 0), data={"target": foreign_survey.id}).status_code == 404
    foreign_url = f"/studies/{foreign.id}/surveys/{foreign_survey.id}"
    assert client.post(f"{foreign_url}/items/0/copy", data={"target": foreign_survey.id}).status_code == 404
    assert client.post(f"{foreign_url}/copy", data={"timepoint": "follow_up"}).status_code == 404
    assert client.get(f"{foreign_url}/library").status_code == 404
    follow_up = survey(study, "follow_up")
    assert client.post(copy_url(study, target, 99), data={"target": follow_up.id}).status_code == 404
    assert client.post(copy_url(study, target, 0), data={"target": "x\ny"}).status_code == 400
    assert client.post(f"/studies/{study.id}/surveys/{target.id}/copy", data={"timepoint": "never"}).status_code == 404
    assert survey(study, "baseline").items == before
    assert next(s for s in foreign.surveys if s.key == "baseline").items[-1]["key"] == "secret_plan"
    assert len(next(s for s in foreign.surveys if s.key == "baseline").items) == 3
    assert len(survey(study, "baseline").study.surveys) == 2


def test_an_approved_pilot_refuses_copies_and_its_amendment_builder_says_why(client, login, startup, make_study):
    study = make_study("approved")
    login(startup)
    baseline, follow_up = survey(study, "baseline"), survey(study, "follow_up")
    assert client.post(copy_url(study, baseline, 1), data={"target": follow_up.id}).status_code == 409
    assert client.get(f"/studies/{study.id}/surveys/{baseline.id}/library").status_code == 409
    assert survey(study, "follow_up").items == follow_up.items
    amendment = amendments.open_amendment(startup, study, "A question to add at the follow-up.")
    db.session.commit()
    page = text(client.get(f"/studies/{study.id}/amendments/{amendment.version}/surveys/baseline"))
    assert "not offered in an amendment" in page


# --- Templates ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_survey_template_is_valid_in_both_languages_with_validated_instruments(language):
    items = clean_items(SURVEY_TEMPLATES["sleep_wellbeing"]["items"][language])
    assert {item.get("instrument") for item in items} >= {"who5", "gad7"}
    en, fr = (SURVEY_TEMPLATES["sleep_wellbeing"]["items"][lang] for lang in ("en", "fr"))
    assert [i["key"] for i in en] == [i["key"] for i in fr]  # the same variables in either language


def test_a_survey_is_created_from_the_template_in_french(client, login, startup, make_study):
    study = make_study(survey_defs=[sleep_surveys()[0]])
    login(startup)
    page = text(client.get(f"/studies/{study.id}/surveys/new"))
    assert "Start from a template" in page
    response = client.post(
        f"/studies/{study.id}/surveys/from-template",
        data={"template": "sleep_wellbeing", "language": "fr", "timepoint": "follow_up"},
    )
    assert response.status_code == 302
    made = next(s for s in survey(study, "baseline").study.surveys if s.timepoint == "follow_up")
    assert made.title == "Sommeil et bien-être" and made.items[1]["text"].startswith("En moyenne")


def test_a_template_at_a_timepoint_asking_its_keys_is_refused_and_creates_nothing(client, login, startup, make_study):
    study = make_study()
    login(startup)
    response = client.post(
        f"/studies/{study.id}/surveys/from-template",
        data={"template": "sleep_wellbeing", "language": "en", "timepoint": "baseline"},
        follow_redirects=True,
    )
    assert "The survey was not created" in text(response)
    assert len(survey(study, "baseline").study.surveys) == 2
    bad = {"template": "nope", "language": "en", "timepoint": "baseline"}
    client.post(f"/studies/{study.id}/surveys/from-template", data=bad)
    assert len(survey(study, "baseline").study.surveys) == 2


def test_the_consent_template_fills_an_empty_consent_only(client, login, startup, make_study):
    fresh = studies.create_study(startup, sleep_protocol())
    db.session.commit()
    login(startup)
    offer = text(client.get(f"/studies/{fresh.id}/consent"))
    assert "Start from a template" in offer
    french = text(client.get(f"/studies/{fresh.id}/consent?template=fr"))
    assert "Ce qu’est ce pilote" in french and "J’ai lu et compris ces informations." in french
    assert fresh.current_consent is None  # only the form is filled: nothing saved
    # nothing the app would not do: no clause about being contacted later, the keeping time the protocol's
    assert "futurs pilotes" not in french and "durée que fixe le protocole de ce pilote" in french
    written = make_study()
    page = text(client.get(f"/studies/{written.id}/consent?template=en"))
    assert "What this pilot is" not in page and "Start from a template" not in page


def test_the_builder_panels_read_in_french(client, login, startup, make_study):
    study = with_baseline(make_study, [sleep_surveys()[0]["items"][0], CALM])
    login(startup)
    client.post("/language", data={"lang": "fr"})
    baseline = survey(study, "baseline")
    page = text(client.get(f"/studies/{study.id}/surveys/{baseline.id}"))
    assert "Copier vers un autre temps de mesure" in page and "Réutiliser" in page
    library = text(client.get(f"/studies/{study.id}/surveys/{baseline.id}/library"))
    assert "Les questions précédentes de votre organisation" in library
    assert "Partir d’un modèle" in text(client.get(f"/studies/{study.id}/surveys/new"))


def test_surveys_services_append_is_checked_like_any_edit(startup, make_study):
    study = make_study()
    baseline = survey(study, "baseline")
    from livinglab.errors import Invalid

    with pytest.raises(Invalid):
        surveys.append_items(startup, baseline, [{"key": "sleep_hours", "text": "Again", "type": "text"}], "x")
