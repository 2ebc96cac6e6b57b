"""The regulatory frame (issue 12, items 6 and 7): the qualification questionnaire proposes the category
and the CNIL route (one table, `studies/regulatory.py`), an unfitting pair of category and route is
refused with a clear message (API and editor alike), and a CPP opinion is asked for only where the law
asks for one. Each inconsistent pair and each legal exemption has a test here."""

import html
import re

import pytest

from livinglab.demo import food_protocol, food_surveys, sleep_protocol
from livinglab.extensions import db
from livinglab.studies import regulatory, services
from livinglab.studies.checklist import missing
from livinglab.studies.enums import CnilFramework, ResearchCategory
from livinglab.studies.models import Study
from tests.studies.test_study_pages import protocol_form

API = "/api/v1"

# The answers of each real case, as a startup gives them
HEALTH = {"purpose": "health_knowledge", "existing_data_only": False, "device_outside_ce": False}
RIPH1_ANSWERS = {**HEALTH, "beyond_usual_practice": True, "minimal_risk": False}
RIPH2_ANSWERS = {**HEALTH, "beyond_usual_practice": True, "minimal_risk": True}
RIPH3_ANSWERS = {**HEALTH, "beyond_usual_practice": False, "product_questionnaire": False}
FOOD_TOLERANCE = {**HEALTH, "beyond_usual_practice": False, "product_questionnaire": True}
SATISFACTION = {"purpose": "satisfaction", "device_outside_ce": False}
EXISTING_DATA = {**HEALTH, "existing_data_only": True}


@pytest.fixture
def api(client, api_headers):
    def call(method, path, user=None, **kwargs):
        return client.open(API + path, method=method, headers=api_headers(user), **kwargs)

    return call


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def reload(study) -> Study:
    db.session.expire_all()
    return db.session.get(Study, study.id)


def field_errors(response) -> dict:
    return response.get_json()["error"]["fields"]


# --- The decision table ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, category, route, cpp",
    [
        (RIPH1_ANSWERS, "riph1", "mr001", True),
        (RIPH2_ANSWERS, "riph2", "mr001", True),
        (RIPH3_ANSWERS, "riph3", "mr003", True),
        (FOOD_TOLERANCE, "riph3", "mr003", False),  # L. 1121-16-2 CSP: no CPP opinion
        (EXISTING_DATA, "not_riph", "mr004", False),
        (SATISFACTION, "outside_jarde", "none", False),  # R. 1121-1 II 1° b) and c) CSP
        ({"purpose": "human_sciences", "device_outside_ce": False}, "outside_jarde", "none", False),
        ({**SATISFACTION, "device_outside_ce": True}, "riph1", "mr001", True),  # a clinical investigation
    ],
    ids=["riph1", "riph2", "riph3", "food_tolerance", "existing_data", "satisfaction", "human_sciences", "device"],
)
def test_the_answers_propose_a_category_a_route_and_say_why(answers, category, route, cpp):
    outcome = regulatory.qualify(answers)
    assert (outcome.category, outcome.cnil_framework, outcome.cpp_required) == (category, route, cpp)
    assert str(outcome.reason) and "CSP" in str(outcome.law)


def test_a_decision_names_the_questions_it_still_needs():
    assert regulatory.qualify({}).unanswered == ("device_outside_ce",)
    assert regulatory.qualify({"device_outside_ce": False}).unanswered == ("purpose",)
    assert regulatory.qualify({**HEALTH}).unanswered == ("beyond_usual_practice", "minimal_risk")
    # the questions that cannot change the outcome are not asked: a satisfaction survey needs two answers
    assert regulatory.qualify(SATISFACTION).decided


def test_every_route_the_table_proposes_fits_its_category():
    for rule in regulatory.RULES:
        outcome = regulatory.qualify({**HEALTH, "beyond_usual_practice": False, **rule.when})
        assert regulatory.route_problem(outcome.category, outcome.cnil_framework) is None


# --- Consistency: every unfitting pair is refused, every fitting one accepted ---------------------------

INCONSISTENT = [
    ("riph1", "mr003"),
    ("riph1", "mr004"),  # the real case: a pilot declared RIPH 1 under MR-004 was accepted
    ("riph1", "none"),
    ("riph2", "mr003"),
    ("riph2", "mr004"),
    ("riph2", "none"),
    ("riph3", "mr001"),
    ("riph3", "mr004"),
    ("riph3", "none"),
    ("not_riph", "mr001"),
    ("not_riph", "mr003"),
    ("not_riph", "none"),
    ("outside_jarde", "mr001"),
    ("outside_jarde", "mr003"),
]
CONSISTENT = [
    ("riph1", "mr001"),
    ("riph1", "authorisation"),
    ("riph2", "mr001"),
    ("riph2", "authorisation"),
    ("riph3", "mr003"),
    ("riph3", "authorisation"),
    ("not_riph", "mr004"),
    ("not_riph", "authorisation"),
    ("outside_jarde", "none"),
    ("outside_jarde", "mr004"),
    ("outside_jarde", "authorisation"),
]


def test_the_pairs_listed_here_are_every_pair():
    every = {(str(c), str(m)) for c in ResearchCategory for m in CnilFramework}
    assert set(INCONSISTENT) | set(CONSISTENT) == every and not set(INCONSISTENT) & set(CONSISTENT)


@pytest.mark.parametrize("category, route", INCONSISTENT, ids=[f"{c}-{m}" for c, m in INCONSISTENT])
def test_an_inconsistent_pair_is_refused_over_the_api(api, startup, make_study, category, route):
    study = make_study("draft")
    version = study.version
    response = api(
        "PATCH", f"/studies/{study.id}", startup, json={"research_category": category, "cnil_framework": route}
    )
    assert response.status_code == 422
    message = field_errors(response)["cnil_framework"]
    assert message == regulatory.route_problem(category, route)
    assert "The CNIL route of" in message and "not " in message
    assert (reload(study).research_category, reload(study).version) == ("riph3", version)  # nothing saved


@pytest.mark.parametrize("category, route", CONSISTENT, ids=[f"{c}-{m}" for c, m in CONSISTENT])
def test_a_consistent_pair_is_accepted(api, startup, make_study, category, route):
    study = make_study("draft")
    response = api(
        "PATCH", f"/studies/{study.id}", startup, json={"research_category": category, "cnil_framework": route}
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["research_category"], response.get_json()["cnil_framework"]) == (category, route)


def test_riph1_under_mr004_is_refused_with_a_message_naming_the_right_routes(api, startup, make_study):
    study = make_study("draft")
    response = api(
        "PATCH", f"/studies/{study.id}", startup, json={"research_category": "riph1", "cnil_framework": "mr004"}
    )
    assert field_errors(response) == {
        "cnil_framework": "The CNIL route of RIPH 1 is MR-001 or a CNIL authorisation, not MR-004."
    }
    # a category alone that does not fit the stored route is refused on the category
    response = api("PATCH", f"/studies/{study.id}", startup, json={"research_category": "not_riph"})
    assert field_errors(response) == {
        "research_category": (
            "The CNIL route of research not involving the person is MR-004 or a CNIL authorisation, not MR-003."
        )
    }
    # and creating a study with one
    created = api("POST", "/studies", startup, json=sleep_protocol(research_category="riph1", cnil_framework="mr004"))
    assert created.status_code == 422 and "cnil_framework" in field_errors(created)


def test_the_editor_refuses_an_inconsistent_pair_with_the_same_message(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    response = client.post(
        f"/studies/{study.id}/edit",
        data=protocol_form(research_category="riph1", cnil_framework="mr004", summary="Saved all the same."),
    )
    assert response.status_code == 422
    page = text(response)
    message = "The CNIL route of RIPH 1 is MR-001 or a CNIL authorisation, not MR-004."
    assert 'id="cnil_framework-error">' + message in page
    assert re.search(r'<a href="#cnil_framework">CNIL framework</a>: ' + re.escape(message), page)
    saved = reload(study)
    assert (saved.summary, saved.cnil_framework) == ("Saved all the same.", "mr003")  # the rest is saved


def test_a_stored_inconsistent_pair_blocks_submission(api, startup, make_study):
    """A draft from before the rules (its pair never checked) is named by the checklist, not silently sent."""
    study = make_study("draft")
    study.research_category = ResearchCategory.RIPH1
    study.cnil_framework = CnilFramework.MR004
    db.session.commit()
    assert missing(study)["cnil_framework"] == "The CNIL route of RIPH 1 is MR-001 or a CNIL authorisation, not MR-004."
    response = api("POST", f"/studies/{study.id}/submit", startup)
    assert response.status_code == 422 and "cnil_framework" in field_errors(response)
    # other fields can still be saved meanwhile
    assert api("PATCH", f"/studies/{study.id}", startup, json={"summary": "Still editable."}).status_code == 200


# --- The exemptions: where the law asks for no CPP opinion, or no methodology ----------------------------


def make_complete(make_study, protocol, survey_defs=None):
    return make_study("draft", protocol=protocol, survey_defs=survey_defs)


def test_a_food_satisfaction_survey_outside_jarde_is_submittable_without_any_methodology_nor_cpp(
    api, startup, make_study
):
    """The real case: a plain food satisfaction survey (R. 1121-1 II 1° b) CSP) had to pick a methodology."""
    protocol = food_protocol(qualification=SATISFACTION, cnil_framework=None, ethics_opinion="", sponsor="")
    study = make_complete(make_study, protocol, food_surveys())
    assert (study.research_category, study.cnil_framework) == ("outside_jarde", "none")  # filled by the answers
    study.cnil_framework = None  # nothing chosen at all is fine too
    db.session.commit()
    assert missing(study) == {}
    assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 200


def test_a_human_and_social_sciences_study_is_outside_jarde_and_submittable_without_a_cpp_opinion(
    api, startup, make_study
):
    """R. 1121-1 II 1° d) CSP: an experiment in the human and social sciences in the field of health (habits,
    opinions, living with an illness) is outside the Jardé law: no CPP opinion, no MR methodology required."""
    answers = {"purpose": "human_sciences", "device_outside_ce": False}
    protocol = food_protocol(qualification=answers, cnil_framework=None, ethics_opinion="", sponsor="")
    study = make_complete(make_study, protocol, food_surveys())
    assert (study.research_category, study.cnil_framework) == ("outside_jarde", "none")
    assert missing(study) == {}
    assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 200


def test_a_riph3_food_questionnaire_on_perceived_tolerance_needs_no_cpp_opinion(api, startup, make_study):
    """The real case: L. 1121-16-2 CSP and its order of 3 May 2017 exempt RIPH 3 made only of questionnaires
    on how a food or cosmetic product is perceived (its efficacy or tolerance) from the CPP opinion."""
    study = make_complete(make_study, sleep_protocol(qualification=FOOD_TOLERANCE, ethics_opinion=""))
    assert (study.research_category, study.cnil_framework) == ("riph3", "mr003")
    assert "ethics_opinion" not in missing(study)
    assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 200


def test_any_other_riph3_needs_its_cpp_opinion(api, startup, make_study):
    study = make_complete(make_study, sleep_protocol(qualification=RIPH3_ANSWERS, ethics_opinion=""))
    assert "ethics_opinion" in missing(study)
    response = api("POST", f"/studies/{study.id}/submit", startup)
    assert response.status_code == 422 and "ethics_opinion" in field_errors(response)


@pytest.mark.parametrize("answers", [RIPH1_ANSWERS, RIPH2_ANSWERS], ids=["riph1", "riph2"])
def test_riph1_and_riph2_need_their_cpp_opinion(make_study, answers):
    outcome = regulatory.qualify(answers)
    protocol = sleep_protocol(
        qualification=answers,
        research_category=str(outcome.category),
        cnil_framework=str(outcome.cnil_framework),
        ethics_opinion="",
    )
    assert "ethics_opinion" in missing(make_complete(make_study, protocol))


def test_research_on_existing_data_only_needs_no_cpp_opinion_but_mr004(api, startup, make_study):
    protocol = sleep_protocol(
        qualification=EXISTING_DATA, research_category="not_riph", cnil_framework="mr004", ethics_opinion=""
    )
    study = make_complete(make_study, protocol)
    assert missing(study) == {}
    study.cnil_framework = None
    db.session.commit()
    assert "cnil_framework" in missing(study)  # unlike outside the Jardé law, a route is needed


# --- The questionnaire fills the category; choosing otherwise is justified for the reviewer ---------------


def test_the_answers_fill_the_category_and_route_and_follow_their_changes(api, startup):
    created = api("POST", "/studies", startup, json={"title": "Snack tasting", "domain": "foodtech"}).get_json()
    assert (created["research_category"], created["cnil_framework"]) == (None, None)
    assert created["qualification"] == regulatory.blank()
    changed = api("PATCH", f"/studies/{created['id']}", startup, json={"qualification": SATISFACTION}).get_json()
    assert (changed["research_category"], changed["cnil_framework"]) == ("outside_jarde", "none")
    assert changed["qualification"] == {**regulatory.blank(), **SATISFACTION}
    # new answers, new proposal: the fields follow as long as nobody chose them by hand
    changed = api("PATCH", f"/studies/{created['id']}", startup, json={"qualification": FOOD_TOLERANCE}).get_json()
    assert (changed["research_category"], changed["cnil_framework"]) == ("riph3", "mr003")
    # a route chosen by hand stays when the answers change
    api("PATCH", f"/studies/{created['id']}", startup, json={"cnil_framework": "authorisation"})
    changed = api("PATCH", f"/studies/{created['id']}", startup, json={"qualification": RIPH3_ANSWERS}).get_json()
    assert (changed["research_category"], changed["cnil_framework"]) == ("riph3", "authorisation")


def test_choosing_otherwise_needs_a_justification_the_reviewer_reads(
    client, api, login, startup, coordinator, make_study
):
    study = make_complete(make_study, sleep_protocol(qualification=RIPH3_ANSWERS))
    response = api(
        "PATCH",
        f"/studies/{study.id}",
        startup,
        json={"research_category": "riph2", "cnil_framework": "mr001", "insurance": "Hospiassur RC-2026-1"},
    )
    assert response.status_code == 200  # a fitting pair, though not the proposal
    assert missing(reload(study)) == {
        "qualification_justification": "Why you chose otherwise than the questionnaire's proposal (RIPH 3, MR-003)"
    }
    assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 422
    why = "The app sends reminders: our CPP asked us to file it as RIPH 2."
    api("PATCH", f"/studies/{study.id}", startup, json={"qualification_justification": why})
    assert missing(reload(study)) == {}
    assert api("POST", f"/studies/{study.id}/submit", startup).status_code == 200
    login(coordinator)
    page = text(client.get(f"/studies/{study.id}/review"))
    assert "Proposed: RIPH 3, under MR-003." in page
    assert "Chosen otherwise: RIPH 2: minimal risks and constraints; MR-001 reference methodology." in page
    assert why in page


def test_the_editor_asks_the_questions_and_shows_the_proposal_with_its_reason(client, login, startup, make_study):
    study = make_complete(make_study, sleep_protocol(qualification={}, research_category=None, cnil_framework=None))
    login(startup)
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert 'name="qualification_purpose"' in page and 'name="qualification_product_questionnaire"' in page
    assert "Answer these questions to get a proposal:" in page
    answers = {
        "qualification_purpose": "health_knowledge",
        "qualification_existing_data_only": "no",
        "qualification_device_outside_ce": "no",
        "qualification_beyond_usual_practice": "no",
        "qualification_product_questionnaire": "yes",
    }
    form = protocol_form(research_category="", cnil_framework="", ethics_opinion="", **answers)
    assert client.post(f"/studies/{study.id}/edit", data=form).status_code == 302
    saved = reload(study)
    assert saved.qualification == {**regulatory.blank(), **FOOD_TOLERANCE}
    assert (saved.research_category, saved.cnil_framework) == ("riph3", "mr003")
    assert missing(saved) == {}
    page = text(client.get(f"/studies/{study.id}/edit"))
    assert "Proposed: RIPH 3, under MR-003." in page and "No ethics committee (CPP) opinion is needed." in page
    assert re.search(r'<input[^>]*checked[^>]*id="qualification_product_questionnaire-0"', page) or re.search(
        r'<input[^>]*id="qualification_product_questionnaire-0"[^>]*checked', page
    )


@pytest.mark.parametrize(
    "value, status, message",
    [
        ("yes", 400, "Must be an object of answers to the qualification questions."),
        ({"purpose": "fun"}, 422, "Must be one of: health_knowledge, satisfaction, human_sciences."),
        ({"minimal_risk": "yes"}, 400, "Must be true or false."),
        ({"favourite_colour": "blue"}, 422, None),
    ],
)
def test_bad_answers_are_refused_with_the_api_error_contract(api, startup, make_study, value, status, message):
    study = make_study("draft")
    response = api("PATCH", f"/studies/{study.id}", startup, json={"qualification": value})
    assert response.status_code == status
    assert set(field_errors(response)) == {"qualification"}
    if message:
        assert field_errors(response)["qualification"] == message


def test_the_answers_enter_the_registration_hash(make_study):
    study = make_study("draft")
    record = services.frozen_record(study)["protocol"]
    assert record["qualification"] == {**regulatory.blank(), **sleep_protocol()["qualification"]}
    assert "qualification_justification" in record
    before = services.registration_hash(study)
    study.qualification = {**study.qualification, "minimal_risk": True}
    assert services.registration_hash(study) != before


def test_openapi_describes_the_questionnaire(client):
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    assert "qualification" in schemas["StudyChanges"]["properties"]
    assert "outside_jarde" in str(schemas["StudyChanges"]["properties"]["research_category"])
    assert "none" in str(schemas["StudyChanges"]["properties"]["cnil_framework"])


# --- Item 8: the fields a coordinator asks for, each required only where the category requires it --------

CATEGORIES = {  # the answers of each category, and what its file holds
    "riph1": (RIPH1_ANSWERS, "mr001"),
    "riph2": (RIPH2_ANSWERS, "mr001"),
    "riph3": (RIPH3_ANSWERS, "mr003"),
    "riph3_food_tolerance": (FOOD_TOLERANCE, "mr003"),
    "not_riph": (EXISTING_DATA, "mr004"),
    "outside_jarde": (SATISFACTION, "none"),
}
EMPTY = dict.fromkeys(("cpp_date", "cpp_decision", "medical_device", "legal_basis", "health_data_exception"))
# field → the categories whose submission requires it
REQUIRED_BY = {
    "sponsor": {"riph1", "riph2", "riph3", "riph3_food_tolerance"},
    "principal_investigator": {"riph1", "riph2", "riph3", "riph3_food_tolerance"},
    "id_rcb": {"riph1", "riph2", "riph3", "riph3_food_tolerance"},
    "medical_device": {"riph1", "riph2", "riph3", "riph3_food_tolerance"},
    "insurance": {"riph1", "riph2"},  # L. 1121-10 CSP
    "ethics_opinion": {"riph1", "riph2", "riph3"},  # L. 1123-6 CSP, except L. 1121-16-2 CSP
    "cpp_name": {"riph1", "riph2", "riph3"},
    "cpp_date": {"riph1", "riph2", "riph3"},
    "cpp_decision": {"riph1", "riph2", "riph3"},
    "ansm_reference": {"riph1", "riph2", "riph3"},
    "legal_basis": set(CATEGORIES),  # the GDPR applies to every pilot
    "health_data_exception": set(CATEGORIES),
    "dpo_contact": set(CATEGORIES),
    "data_host": set(CATEGORIES),
}


def filed(make_study, name: str) -> Study:
    answers, route = CATEGORIES[name]
    outcome = regulatory.qualify(answers)
    protocol = sleep_protocol(
        qualification=answers,
        research_category=str(outcome.category),
        cnil_framework=route,
        insurance="Hospiassur RC-2026-1",
    )
    study = make_complete(make_study, protocol)
    assert missing(study) == {}, name
    return study


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_each_field_is_required_only_where_the_category_requires_it(make_study, category):
    study = filed(make_study, category)
    for name, categories in REQUIRED_BY.items():
        kept = getattr(study, name)
        setattr(study, name, EMPTY.get(name, ""))
        assert (name in missing(study)) == (category in categories), (name, category)
        setattr(study, name, kept)


def test_an_unfavourable_or_pending_cpp_opinion_blocks_submission(api, startup, make_study):
    study = make_study("draft")
    response = api("PATCH", f"/studies/{study.id}", startup, json={"cpp_decision": "unfavourable"})
    assert response.status_code == 200
    assert missing(reload(study))["cpp_decision"] == "A favourable CPP opinion: the one recorded is Unfavourable"
    api("PATCH", f"/studies/{study.id}", startup, json={"cpp_decision": "favourable"})
    assert "cpp_decision" not in missing(reload(study))


def test_a_device_outside_its_ce_purpose_makes_riph1(api, startup, make_study):
    study = make_study("draft")
    api("PATCH", f"/studies/{study.id}", startup, json={"medical_device": "ce_outside_purpose"})
    assert "makes the research RIPH 1" in missing(reload(study))["medical_device"]
    # and the questionnaire says so too
    assert regulatory.qualify({**RIPH3_ANSWERS, "device_outside_ce": True}).category == "riph1"


def test_a_dpia_has_its_reference_and_date_or_why_none_is_required(api, startup, make_study):
    study = make_study("draft")
    assert api("PATCH", f"/studies/{study.id}", startup, json={"dpia_reference": ""}).status_code == 200
    assert "dpia_done" in missing(reload(study))
    api("PATCH", f"/studies/{study.id}", startup, json={"dpia_done": False, "dpia_not_required": ""})
    assert "dpia_done" in missing(reload(study))
    api("PATCH", f"/studies/{study.id}", startup, json={"dpia_not_required": "No health data, few people."})
    assert "dpia_done" not in missing(reload(study))


@pytest.mark.parametrize(
    "value, status",
    [("14/09/2026", 422), ("2026-02-30", 422), (20260914, 400), ("2026-09-14T10:00:00", 422)],
)
def test_a_bad_date_is_refused_with_the_api_error_contract(api, startup, make_study, value, status):
    study = make_study("draft")
    response = api("PATCH", f"/studies/{study.id}", startup, json={"cpp_date": value})
    assert response.status_code == status
    assert set(field_errors(response)) == {"cpp_date"}


def test_dates_are_read_and_written_as_iso_days(api, startup, make_study):
    study = make_study("draft")
    response = api("PATCH", f"/studies/{study.id}", startup, json={"cpp_date": "2026-10-01", "dpia_date": None})
    assert response.status_code == 200
    assert (response.get_json()["cpp_date"], response.get_json()["dpia_date"]) == ("2026-10-01", None)
    assert services.frozen_record(reload(study))["protocol"]["cpp_date"] == "2026-10-01"


def test_the_editor_saves_the_new_fields(client, login, startup, make_study):
    study = make_study("draft")
    login(startup)
    form = protocol_form(cpp_date="2026-10-05", cpp_decision="favourable", legal_basis="public_task", hds_certified="y")
    assert client.post(f"/studies/{study.id}/edit", data=form).status_code == 302
    saved = reload(study)
    assert (str(saved.cpp_date), saved.legal_basis, saved.hds_certified) == ("2026-10-05", "public_task", True)
    page = text(client.get(f"/studies/{study.id}"))
    assert "A task in the public interest (art. 6(1)(e))" in page
    response = client.post(f"/studies/{study.id}/edit", data=protocol_form(cpp_date="not a date"))
    assert response.status_code == 422 and 'href="#cpp_date"' in text(response)


def test_the_api_serves_the_proposal_with_its_reason_read_only(api, startup, make_study):
    study = make_study("draft")
    served = api("GET", f"/studies/{study.id}", startup).get_json()["qualification_outcome"]
    assert served == {
        "category": "riph3",
        "cnil_framework": "mr003",
        "cpp_required": True,
        "reason": "Non-interventional research: every act and product as usual, with questionnaires.",
        "law": "L. 1121-1 3° CSP",
        "unanswered": [],
    }
    # read-only: sent back, it is ignored; it never enters the registration hash
    changed = api("PATCH", f"/studies/{study.id}", startup, json={"qualification_outcome": {"category": "riph1"}})
    assert changed.status_code == 200 and changed.get_json()["qualification_outcome"]["category"] == "riph3"
    assert "qualification_outcome" not in services.frozen_record(study)["protocol"]
    blank = api("PATCH", f"/studies/{study.id}", startup, json={"qualification": {}}).get_json()
    assert blank["qualification_outcome"]["unanswered"] == ["device_outside_ce"]
    assert blank["qualification_outcome"]["category"] is None
