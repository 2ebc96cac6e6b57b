"""The participant's journey through the pages, and the staff's recruitment progress page."""

import json

import pytest
from sqlalchemy import func, select

from livinglab.auth.models import User
from livinglab.demo import food_protocol, food_surveys, sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Answer, ConsentSignature, Enrolment, EnrolmentStatus, Response, Screening
from livinglab.participants.services import screening_counts
from livinglab.studies import services as studies
from livinglab.studies.models import ConsentVersion
from tests.conftest import protocol_of_category

BASELINE = {"sleep_hours": "6.5", **{f"who_{i}": "3" for i in range(1, 6)}}
FOLLOW_UP = {
    "sleep_hours": "7,5",
    **{f"who_{i}": "4" for i in range(1, 6)},
    **{f"sus_{i}": "4" for i in range(1, 11)},
    "comments": "<script>alert(1)</script>",
}
CONSENT = {"consent_version": "1", "clause_0": "y", "clause_1": "y", "signature": "Camille Citoyenne"}


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def recruiting(make_study):
    return make_study("recruiting")


def eligibility(client, study, age="34", criteria=("yes", "yes")):
    data = {"age": age, **{f"criterion_{i}": answer for i, answer in enumerate(criteria)}}
    return client.post(f"/pilots/{study.id}/eligibility", data=data)


def join(client, study, **overrides):
    data = {**CONSENT, **overrides}
    return client.post(f"/pilots/{study.id}/join", data={k: v for k, v in data.items() if v is not None})


def enrol_directly(user, study, **overrides) -> Enrolment:
    """Enrol through the service (for the tests that are about what comes after)."""
    details = {
        "consent_version": study.current_consent.version,
        "clauses": {"understood": True, "data_use": True},
        "signature": user.name,
        "age": 34,
        "criteria_confirmed": True,
        **overrides,
    }
    enrolment = services.enrol(user, study, **details)
    db.session.commit()
    return enrolment


@pytest.fixture
def enrolled(client, login, participant, recruiting):
    """The participant, signed in and enrolled in the recruiting study through the pages."""
    login(participant)
    assert eligibility(client, recruiting).location == f"/pilots/{recruiting.id}/join"
    assert join(client, recruiting).location == f"/pilots/{recruiting.id}/welcome"
    return recruiting


def answer(client, study, key, answers):
    return client.post(f"/pilots/{study.id}/surveys/{key}", data=answers)


# --- The whole journey ----------------------------------------------------------------------------


def test_a_participant_goes_through_the_whole_journey(client, login, participant, recruiting):
    catalogue = text(client.get("/pilots/"))
    assert recruiting.title in catalogue and "Sommeil+" in catalogue and "40 places left" in catalogue
    page = text(client.get(f"/pilots/{recruiting.id}"))
    for fact in (
        "Daily coaching messages",
        "Four weeks, two short online surveys",
        "At home, online.",
        "A 20 € voucher",
        "Aged 18 to 65",
        "Works night or rotating shifts",
        "possible tiredness",
        "24 months",
        "Check if I can take part",
    ):
        assert fact in page, fact

    anonymous = client.get(f"/pilots/{recruiting.id}/eligibility")  # no account needed to check
    assert anonymous.status_code == 200 and "Can I take part?" in text(anonymous)

    login(participant)
    form = text(client.get(f"/pilots/{recruiting.id}/eligibility"))
    assert "Works night or rotating shifts" in form and "Lives in Nantes Métropole" in form
    assert eligibility(client, recruiting).location == f"/pilots/{recruiting.id}/join"
    assert screening_counts(recruiting) == {"screened": 1, "eligible": 1}

    consent = text(client.get(f"/pilots/{recruiting.id}/join"))
    assert "You are invited to take part in a pilot." in consent
    assert "I agree to be contacted about future pilots." in consent and "Optional" in consent
    assert "Required to take part" in consent
    welcome = client.get(join(client, recruiting).location)
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.user_id == participant.id and enrolment.arm == "intervention"
    assert enrolment.signature.signed_name == "Camille Citoyenne"
    assert enrolment.signature.clauses == {"understood": True, "data_use": True, "recontact": False}
    assert enrolment.participant_code in text(welcome) and "Intervention" in text(welcome)

    dashboard = text(client.get("/dashboard"))
    assert enrolment.participant_code in dashboard and "Answer now" in dashboard
    assert "Opens once you have answered the survey before it" in dashboard

    survey = text(client.get(f"/pilots/{recruiting.id}/surveys/baseline"))
    assert 'name="sleep_hours"' in survey and 'name="who_5"' in survey
    saved = answer(client, recruiting, "baseline", BASELINE)
    assert saved.status_code == 302 and saved.location == "/dashboard"
    assert "your answers to “Before the coaching” are saved" in text(client.get("/dashboard"))
    assert answer(client, recruiting, "follow_up", FOLLOW_UP).location == "/dashboard"
    assert rows(Response) == 2
    assert (
        db.session.scalar(
            select(Answer.number).where(Answer.item_key == "sleep_hours").order_by(Answer.id.desc()).limit(1)
        )
        == 7.5
    )

    read_back = text(client.get(f"/pilots/{recruiting.id}/answers"))
    assert "On average, how many hours did you sleep per night last week?" in read_back
    assert "6.5 h" in read_back and "7.5 h" in read_back and "How you have been feeling" in read_back
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in read_back and "<script>alert" not in read_back

    copy = text(client.get(f"/pilots/{recruiting.id}/consent"))
    assert "Version 1" in copy and "Camille Citoyenne" in copy and "I do not agree" in copy
    assert "print.js" in copy

    download = client.get("/pilots/my-data.json")
    assert download.mimetype == "application/json"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.data)
    assert data["account"]["email"] == participant.email
    assert data["enrolments"][0]["responses"][0]["answers"]["sleep_hours"] == 6.5
    assert participant.email in text(client.get("/pilots/my-data"))

    assert "Keep them" in text(client.get(f"/pilots/{recruiting.id}/withdraw"))
    left = client.post(f"/pilots/{recruiting.id}/withdraw", data={"erase": "erase"})
    assert left.location == "/dashboard"
    assert rows(Response) == 0 and rows(Answer) == 0
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN and enrolment.data_erased
    dashboard = text(client.get("/dashboard"))
    assert "Your answers are erased." in dashboard and "Leave this pilot" not in dashboard


def test_withdrawing_keeps_the_answers_when_asked(client, enrolled):
    answer(client, enrolled, "baseline", BASELINE)
    client.post(f"/pilots/{enrolled.id}/withdraw", data={"erase": "keep"})
    assert rows(Response) == 1
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.WITHDRAWN
    assert "6.5 h" in text(client.get(f"/pilots/{enrolled.id}/answers"))


def test_withdrawal_needs_a_choice(client, enrolled):
    response = client.post(f"/pilots/{enrolled.id}/withdraw", data={})
    assert response.status_code == 422 and "Please choose whether to keep or erase" in text(response)
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.ACTIVE


def test_withdrawing_twice_says_so(client, enrolled):
    client.post(f"/pilots/{enrolled.id}/withdraw", data={"erase": "keep"})
    assert "You have already left this pilot." in text(client.get(f"/pilots/{enrolled.id}/withdraw"))
    again = client.post(f"/pilots/{enrolled.id}/withdraw", data={"erase": "erase"}, follow_redirects=True)
    assert "You have already withdrawn from this pilot." in text(again)


def test_a_parallel_group_participant_sees_the_arm(client, login, participant, make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    login(participant)
    assert eligibility(client, study, criteria=("yes",)).location.endswith("/join")
    welcome = text(client.get(join(client, study).location))
    arm = db.session.scalar(select(Enrolment.arm))
    assert arm in ("usual_menu", "plant_based")
    assert arm.replace("_", " ").capitalize() in welcome and "Chosen by chance" in welcome
    saved = answer(client, study, "baseline", {"satisfaction": "5", "diet": "Flexitarian"})
    assert saved.location == "/dashboard"
    week_4 = answer(client, study, "week_4", {"satisfaction": "6", "recommend": "9", "keep": "true"})
    assert week_4.location == "/dashboard" and rows(Response) == 2


# --- Eligibility ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "age, criteria, reason, counts",
    [
        ("15", ("yes", "yes"), "This pilot is for people aged 18 to 65.", {"screened": 1, "age": 1}),
        ("34", ("no", "yes"), "Works night or rotating shifts", {"screened": 1, "criterion:0": 1}),
        ("80", ("yes", "no"), "Lives in Nantes Métropole", {"screened": 1, "age": 1, "criterion:1": 1}),
    ],
)
def test_ineligible_people_are_told_kindly_and_only_counted(
    client, login, participant, recruiting, age, criteria, reason, counts
):
    login(participant)
    response = eligibility(client, recruiting, age, criteria)
    assert response.location == f"/pilots/{recruiting.id}/not-eligible"
    page = text(client.get(response.location))
    assert "Thank you for your interest" in page and reason in page
    assert screening_counts(recruiting) == counts
    assert rows(Enrolment) == 0 and rows(ConsentSignature) == 0
    assert rows(Screening) == 1  # one person, one row: the outcome and the rules not met, never the answers
    assert client.get(f"/pilots/{recruiting.id}/join").location == f"/pilots/{recruiting.id}/eligibility"
    assert join(client, recruiting).location == f"/pilots/{recruiting.id}/eligibility"
    assert rows(Enrolment) == 0


@pytest.mark.parametrize(
    "age, criteria, field, message",
    [
        ("thirty", ("yes", "yes"), "age", "Must be a whole number."),
        ("", ("yes", "yes"), "age", "This field is required."),
        ("1000000000000", ("yes", "yes"), "age", "Must be between 0 and 130."),
        ("34", ("yes",), "criterion_1", "Please answer yes or no."),
        ("34", ("yes", "perhaps"), "criterion_1", "Not a valid choice."),
    ],
)
def test_bad_eligibility_answers_are_shown_beside_the_question_and_not_counted(
    client, login, participant, recruiting, age, criteria, field, message
):
    login(participant)
    response = eligibility(client, recruiting, age, criteria)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text(response) and message in text(response)
    assert screening_counts(recruiting) == {}


def test_joining_needs_the_eligibility_check_first(client, login, participant, recruiting):
    login(participant)
    assert client.get(f"/pilots/{recruiting.id}/join").location == f"/pilots/{recruiting.id}/eligibility"
    assert join(client, recruiting).location == f"/pilots/{recruiting.id}/eligibility"
    assert rows(Enrolment) == 0


def test_the_eligibility_answers_of_one_person_never_serve_the_next_on_the_same_device(
    client, login, make_user, recruiting
):
    login(make_user("participant"))
    eligibility(client, recruiting)
    client.post("/account/signout")
    login(make_user("participant"))
    assert client.get(f"/pilots/{recruiting.id}/join").location == f"/pilots/{recruiting.id}/eligibility"
    assert join(client, recruiting).location == f"/pilots/{recruiting.id}/eligibility"
    assert rows(Enrolment) == 0


def test_an_enrolled_participant_is_sent_to_the_pilot_page(client, enrolled):
    for path in ("eligibility", "join"):
        assert client.get(f"/pilots/{enrolled.id}/{path}").location == f"/pilots/{enrolled.id}"
    assert "You are taking part in this pilot" in text(client.get(f"/pilots/{enrolled.id}"))
    assert rows(Enrolment) == 1


# --- Consent --------------------------------------------------------------------------------------


def test_a_required_clause_left_unticked_is_shown_beside_it_and_nothing_is_saved(
    client, login, participant, recruiting
):
    login(participant)
    eligibility(client, recruiting)
    response = join(client, recruiting, clause_1=None)
    assert response.status_code == 422
    page = text(response)
    assert 'id="clause_1-error"' in page and "Required to take part." in page
    assert "Taking part needs your agreement to every required clause." in page
    assert 'id="clause_0-error"' not in page
    assert rows(Enrolment) == 0 and rows(ConsentSignature) == 0
    db.session.refresh(recruiting)
    assert recruiting.enrolled_count == 0


@pytest.mark.parametrize(
    "signature, message", [("", "This field is required."), ("x" * 300, "At most 200 characters.")]
)
def test_the_signature_is_required_and_checked(client, login, participant, make_study, signature, message):
    recruiting = make_study("recruiting", protocol=protocol_of_category("riph1"))  # written consent: signed
    login(participant)
    eligibility(client, recruiting)
    response = join(client, recruiting, signature=signature)
    assert response.status_code == 422 and 'id="signature-error"' in text(response) and message in text(response)
    assert rows(Enrolment) == 0


@pytest.mark.parametrize("version", ["0", "not-a-number"])
def test_a_stale_consent_version_reloads_the_current_one(client, login, participant, recruiting, version):
    login(participant)
    eligibility(client, recruiting)
    response = join(client, recruiting, consent_version=version)
    assert response.location == f"/pilots/{recruiting.id}/join"
    assert "The consent form has just changed" in text(client.get(response.location))
    assert rows(Enrolment) == 0


def test_a_full_pilot_refuses_politely(client, login, participant, make_study, make_user):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=1))
    login(participant)
    eligibility(client, study)
    enrol_directly(make_user("participant"), study)
    assert "Full: no place left" in text(client.get("/pilots/"))
    response = join(client, study)
    assert response.location == f"/pilots/{study.id}"
    assert "This pilot has all the participants it needs." in text(client.get(response.location))
    assert rows(Enrolment) == 1


def test_a_pilot_that_stops_recruiting_refuses_enrolment(client, login, participant, recruiting, coordinator):
    login(participant)
    eligibility(client, recruiting)
    studies.set_recruitment(coordinator, recruiting, "paused")
    db.session.commit()
    refused = join(client, recruiting)
    assert refused.location == f"/pilots/{recruiting.id}"
    assert "Recruitment is paused for now" in text(client.get(refused.location))
    assert rows(Enrolment) == 0


def test_a_changed_consent_must_be_signed_again_before_the_next_answer(client, enrolled, participant, startup):
    db.session.add(
        ConsentVersion(
            study_id=enrolled.id,
            version=2,
            text="Version two of the form.",
            clauses=[{"key": "ok", "text": "I agree to version two.", "required": True}],
            created_by_id=startup.id,
        )
    )
    db.session.commit()
    assert "Read and sign" in text(client.get("/dashboard"))
    refused = answer(client, enrolled, "baseline", BASELINE)
    assert refused.location == f"/pilots/{enrolled.id}/reconsent" and rows(Response) == 0
    assert "Version two of the form." in text(client.get(refused.location))
    missing = client.post(f"/pilots/{enrolled.id}/reconsent", data={"consent_version": "2", "signature": "Camille"})
    assert missing.status_code == 422 and 'id="clause_0-error"' in text(missing)
    signed = client.post(
        f"/pilots/{enrolled.id}/reconsent", data={"consent_version": "2", "clause_0": "y", "signature": "Camille"}
    )
    assert signed.location == "/dashboard" and rows(ConsentSignature) == 2
    assert answer(client, enrolled, "baseline", BASELINE).location == "/dashboard" and rows(Response) == 1
    copy = text(client.get(f"/pilots/{enrolled.id}/consent"))
    assert "Version 2" in copy and "Version 1" in copy and "replaced by a later version" in copy


# --- Answers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answers, field, message",
    [
        ({**BASELINE, "sleep_hours": "25"}, "sleep_hours", "Enter a value from 0 to 24."),
        ({**BASELINE, "sleep_hours": "lots"}, "sleep_hours", "Enter a number."),
        ({**BASELINE, "who_1": "6"}, "who_1", "Enter a value from 0 to 5."),
        ({**BASELINE, "who_1": "2.5"}, "who_1", "Enter a whole number."),
        ({k: v for k, v in BASELINE.items() if k != "who_2"}, "who_2", "Please answer this question."),
        ({**BASELINE, "sleep_hours": "   "}, "sleep_hours", "Please answer this question."),
    ],
)
def test_bad_answers_are_shown_beside_the_item_and_nothing_is_saved(client, enrolled, answers, field, message):
    response = answer(client, enrolled, "baseline", answers)
    assert response.status_code == 422
    page = text(response)
    assert f'<p class="error" id="a-{field}-error">{message}</p>' in page
    assert "Some answers need your attention." in page
    assert rows(Response) == 0 and rows(Answer) == 0
    if field != "sleep_hours":
        assert 'value="6.5"' in page  # what was typed is kept


def test_a_choice_not_in_the_list_is_refused(client, login, participant, make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    enrol_directly(participant, study, criteria_confirmed=[True])
    login(participant)
    response = answer(client, study, "baseline", {"satisfaction": "5", "diet": "Carnivore"})
    assert response.status_code == 422
    assert '<p class="error" id="a-diet-error">Choose one of the listed answers.</p>' in text(response)
    assert rows(Response) == 0


def test_text_of_100000_characters_is_refused(client, enrolled):
    answer(client, enrolled, "baseline", BASELINE)
    response = answer(client, enrolled, "follow_up", {**FOLLOW_UP, "comments": "x" * 100_000})
    assert response.status_code == 422
    assert '<p class="error" id="a-comments-error">At most 2000 characters.</p>' in text(response)
    assert rows(Response) == 1


def test_a_later_survey_cannot_be_answered_before_it_opens(client, enrolled):
    assert "This survey opens once you have answered" in text(client.get(f"/pilots/{enrolled.id}/surveys/follow_up"))
    response = answer(client, enrolled, "follow_up", FOLLOW_UP)
    assert response.location == "/dashboard" and rows(Response) == 0
    assert "This survey is not open yet." in text(client.get("/dashboard"))


def test_a_timepoint_delay_shows_the_opening_date(client, enrolled):
    enrolled.timepoint_delays = {"follow_up": 28}
    db.session.commit()
    answer(client, enrolled, "baseline", BASELINE)
    assert "Opens on" in text(client.get("/dashboard"))
    assert "This survey opens on" in text(client.get(f"/pilots/{enrolled.id}/surveys/follow_up"))
    assert answer(client, enrolled, "follow_up", FOLLOW_UP).location == "/dashboard"
    assert rows(Response) == 1


def test_answering_twice_saves_one_response(client, enrolled):
    assert answer(client, enrolled, "baseline", BASELINE).location == "/dashboard"
    replay = answer(client, enrolled, "baseline", {**BASELINE, "sleep_hours": "3"})
    assert replay.location == "/dashboard"
    assert "You have already answered this survey." in text(client.get("/dashboard"))
    assert rows(Response) == 1
    assert "You have already answered this survey." in text(client.get(f"/pilots/{enrolled.id}/surveys/baseline"))


def test_answering_after_withdrawing_is_refused(client, enrolled):
    client.post(f"/pilots/{enrolled.id}/withdraw", data={"erase": "keep"})
    response = answer(client, enrolled, "baseline", BASELINE)
    assert response.location == "/dashboard" and rows(Response) == 0
    assert "You have withdrawn from this pilot." in text(client.get("/dashboard"))
    assert "This survey is closed" in text(client.get(f"/pilots/{enrolled.id}/surveys/baseline"))


def test_an_unknown_survey_is_not_found(client, enrolled):
    assert client.get(f"/pilots/{enrolled.id}/surveys/nope").status_code == 404


def test_answers_are_escaped_wherever_they_are_shown(client, enrolled):
    answer(client, enrolled, "baseline", BASELINE)
    answer(client, enrolled, "follow_up", FOLLOW_UP)
    for path in (f"/pilots/{enrolled.id}/answers", "/pilots/my-data"):
        page = text(client.get(path))
        assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


# --- GDPR rights -----------------------------------------------------------------------------------


def test_a_participant_erases_the_account(client, enrolled, participant):
    answer(client, enrolled, "baseline", BASELINE)
    email = participant.email
    assert "your answers are erased" in text(client.get("/pilots/my-data/erase"))
    unconfirmed = client.post("/pilots/my-data/erase", data={})
    assert unconfirmed.status_code == 422 and db.session.scalar(select(User).where(User.email == email))
    response = client.post("/pilots/my-data/erase", data={"confirm": "y"})
    assert response.location == "/"
    assert "Your account is erased." in text(client.get("/"))
    assert db.session.scalar(select(User).where(User.email == email)) is None
    assert rows(Response) == 0 and rows(ConsentSignature) == 0
    assert db.session.scalar(select(Enrolment.user_id)) is None
    assert client.get("/dashboard").location.startswith("/account/signin")


@pytest.mark.parametrize("role", ["startup", "coordinator"])
def test_staff_read_and_download_their_data_but_erase_nothing(client, login, make_user, role):
    user = login(make_user(role))
    page = text(client.get("/pilots/my-data"))
    assert user.email in page and "Erase my account" not in page
    assert json.loads(client.get("/pilots/my-data.json").data)["account"]["role"] == role
    assert client.post("/pilots/my-data/erase", data={"confirm": "y"}).status_code == 403
    assert db.session.get(User, user.id) is not None


def test_the_privacy_notice_says_who_why_how_long_and_how_to_complain(client):
    page = text(client.get("/privacy"))
    for words in (
        "LivingLab operator named in your pilot's information sheet",
        "6(1)(a)",
        "9(2)(a)",
        "retention period",
        "participant code",
        "CNIL",
        "3 Place de Fontenoy, 75007 Paris",
        "Erasure",
        "portability",
    ):
        assert words in page, words
    assert 'href="/privacy"' in text(client.get("/"))


# --- The catalogue -------------------------------------------------------------------------------


def test_the_catalogue_lists_recruiting_pilots_by_domain(client, make_study):
    sleep = make_study("recruiting")
    food = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    draft = make_study("draft", protocol=sleep_protocol(title="A secret draft"))
    everything = text(client.get("/pilots/"))
    assert sleep.title in everything and food.title in everything and draft.title not in everything
    foodtech = text(client.get("/pilots/?domain=foodtech"))
    assert food.title in foodtech and sleep.title not in foodtech
    assert sleep.title in text(client.get("/pilots/?domain=nonsense"))


def test_escaping_of_startup_text(client, make_study):
    study = make_study("recruiting", protocol=sleep_protocol(title="<b>Bold</b> pilot", summary="<img src=x>"))
    for path in ("/pilots/", f"/pilots/{study.id}"):
        page = text(client.get(path))
        assert "<b>Bold</b>" not in page and "&lt;b&gt;Bold&lt;/b&gt;" in page and "<img src=x>" not in page


# --- Who may see what ---------------------------------------------------------------------------

ROLES = ["anonymous", "enrolled", "participant", "startup", "other_startup", "coordinator"]
SIGN_IN = 302


@pytest.fixture
def as_role(request, client, login, make_user, startup, other_startup, coordinator):
    """Sign in as one of ROLES; the enrolled participant is enrolled in the given study."""

    def become(role, study):
        if role == "anonymous":
            return None
        if role == "enrolled":
            user = make_user("participant")
            enrol_directly(user, study)
        elif role == "participant":
            user = make_user("participant")
        else:
            user = {"startup": startup, "other_startup": other_startup, "coordinator": coordinator}[role]
        return login(user)

    return become


# (method, path, expected status per role in ROLES order) on a recruiting study; the POSTs send an empty
# form, so a role that may post gets its form back with errors (422) or is sent on (302)
RECRUITING_MATRIX = [
    ("GET", "/pilots/", [200, 200, 200, 200, 200, 200]),
    ("GET", "/pilots/{id}", [200, 200, 200, 200, 200, 200]),
    # eligibility first, without an account (issue 9, item 17); staff never take part
    ("GET", "/pilots/{id}/eligibility", [200, 302, 200, 403, 403, 403]),
    ("POST", "/pilots/{id}/eligibility", [422, 302, 422, 403, 403, 403]),
    ("GET", "/pilots/{id}/not-eligible", [302, 302, 302, 403, 403, 403]),
    ("GET", "/pilots/{id}/join", [302, 302, 302, 403, 403, 403]),
    ("POST", "/pilots/{id}/join", [302, 302, 302, 403, 403, 403]),
    ("GET", "/pilots/{id}/welcome", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/reconsent", [SIGN_IN, 302, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/surveys/baseline", [SIGN_IN, 200, 403, 403, 403, 403]),
    # signed out: the answers are kept in a page that asks to sign in again (401), nothing stored
    ("POST", "/pilots/{id}/surveys/baseline", [401, 422, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/answers", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/consent", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/withdraw", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("POST", "/pilots/{id}/withdraw", [SIGN_IN, 422, 403, 403, 403, 403]),
    ("GET", "/pilots/my-data", [SIGN_IN, 200, 200, 200, 200, 200]),
    ("GET", "/pilots/my-data.json", [SIGN_IN, 200, 200, 200, 200, 200]),
    ("GET", "/pilots/my-data/erase", [SIGN_IN, 200, 200, 403, 403, 403]),
    ("POST", "/pilots/my-data/erase", [SIGN_IN, 422, 422, 403, 403, 403]),
    ("GET", "/privacy", [200, 200, 200, 200, 200, 200]),
    ("GET", "/dashboard", [302, 200, 200, 302, 302, 302]),
    ("GET", "/studies/{id}/participants", [SIGN_IN, 403, 404, 200, 404, 200]),
]
# once recruitment is closed, the pilot's public page says so (it was approved, so it exists: API.md,
# Clarifications), nobody new can start, and its participants go on answering
CLOSED_MATRIX = [
    ("GET", "/pilots/{id}", [200, 200, 200, 200, 200, 200]),
    ("GET", "/pilots/{id}/eligibility", [302, 302, 302, 403, 403, 403]),
    ("GET", "/pilots/{id}/join", [302, 302, 302, 403, 403, 403]),
    ("GET", "/pilots/{id}/surveys/baseline", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/answers", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("GET", "/pilots/{id}/withdraw", [SIGN_IN, 200, 403, 403, 403, 403]),
    ("GET", "/studies/{id}/participants", [SIGN_IN, 403, 404, 200, 404, 200]),
]


def matrix(table):
    return [
        pytest.param(method, path, role, codes[i], id=f"{method} {path} {role}")
        for method, path, codes in table
        for i, role in enumerate(ROLES)
    ]


@pytest.mark.parametrize("method, path, role, expected", matrix(RECRUITING_MATRIX))
def test_who_may_reach_each_page_of_a_recruiting_pilot(client, as_role, recruiting, method, path, role, expected):
    as_role(role, recruiting)
    response = client.open(path.format(id=recruiting.id), method=method)
    assert response.status_code == expected, text(response)[:500]
    if (
        expected == SIGN_IN
        and role == "anonymous"
        and path not in ("/dashboard",)
        and "eligib" not in path
        and "join" not in path
    ):
        assert response.location.startswith("/account/signin")


@pytest.mark.parametrize("method, path, role, expected", matrix(CLOSED_MATRIX))
def test_who_may_reach_each_page_of_a_closed_pilot(
    client, as_role, recruiting, coordinator, method, path, role, expected
):
    as_role(role, recruiting)
    studies.set_recruitment(coordinator, recruiting, "closed")
    db.session.commit()
    response = client.open(path.format(id=recruiting.id), method=method)
    assert response.status_code == expected, text(response)[:500]


@pytest.mark.parametrize("study_id", [999, 2**31, 2**63, 10**30])
def test_an_unknown_pilot_is_not_found(client, login, participant, coordinator, study_id):
    login(participant)
    for path in ("", "/eligibility", "/join", "/surveys/baseline", "/answers", "/consent", "/withdraw"):
        assert client.get(f"/pilots/{study_id}{path}").status_code == 404, path
    assert client.post(f"/pilots/{study_id}/surveys/baseline", data=BASELINE).status_code == 404
    client.post("/account/signout")
    login(coordinator)
    assert client.get(f"/studies/{study_id}/participants").status_code == 404


def test_a_participant_never_reads_another_participants_pages(client, login, make_user, recruiting):
    first, second = make_user("participant"), make_user("participant")
    enrol_directly(first, recruiting)
    login(second)
    for path in ("answers", "consent", "withdraw", "welcome", "surveys/baseline"):
        response = client.get(f"/pilots/{recruiting.id}/{path}")
        assert response.status_code == 403 and first.name not in text(response)


# --- Recruitment progress -------------------------------------------------------------------------


def test_progress_shows_the_figures_by_code_and_never_an_identity(client, login, startup, make_user, make_study):
    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    people = [
        make_user("participant", name=f"Zébulon Quasimodo{i}", email=f"zebulon.secret{i}@example.org") for i in range(4)
    ]
    codes = [enrol_directly(person, study, criteria_confirmed=[True]).participant_code for person in people]
    services.submit_response(people[0], study, "baseline", {"satisfaction": 5, "diet": "Omnivore"})
    services.withdraw(people[1], study, True)
    services.screen(study, 15, [True])
    db.session.commit()
    login(startup)
    response = client.get(f"/studies/{study.id}/participants")
    page = text(response)
    assert response.status_code == 200
    assert all(code in page for code in codes)
    for person in people:
        assert person.name not in page and person.email not in page and "Zébulon" not in page
        assert f"/{person.id}" not in page
    assert "Not eligible: age" in page and "Has a child eating at a school canteen" in page
    assert "Usual menu" in page and "Plant based" in page and "Week 4" in page


def test_progress_runs_the_same_number_of_queries_whatever_the_number_of_participants(
    client, login, startup, make_user, make_study, count_queries
):
    study = make_study("recruiting", protocol=sleep_protocol(target_enrolment=100))

    def add(n):
        for _ in range(n):
            person = make_user("participant")
            enrol_directly(person, study)
            services.submit_response(person, study, "baseline", {k: float(v) for k, v in BASELINE.items()})
        db.session.commit()

    add(3)
    login(startup)
    url = f"/studies/{study.id}/participants"
    db.session.commit()  # both requests start a transaction with an empty identity map, as in production
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(27)
    db.session.commit()
    with count_queries() as many:
        page = text(client.get(url))
    assert page.count("participant-code") == 30
    assert len(many) == len(few), (len(few), len(many))


# --- French ---------------------------------------------------------------------------------------


def test_every_page_renders_in_french(client, enrolled, participant):
    answer(client, enrolled, "baseline", BASELINE)
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    client.post("/language", data={"lang": "fr", "next": "/"})
    paths = [
        "/pilots/",
        f"/pilots/{enrolled.id}",
        "/dashboard",
        f"/pilots/{enrolled.id}/welcome",
        f"/pilots/{enrolled.id}/surveys/follow_up",
        f"/pilots/{enrolled.id}/answers",
        f"/pilots/{enrolled.id}/consent",
        f"/pilots/{enrolled.id}/withdraw",
        "/pilots/my-data",
        "/pilots/my-data/erase",
        "/privacy",
    ]
    for path in paths:
        response = client.get(path, headers=french)
        assert response.status_code == 200, path
        assert '<html lang="fr">' in text(response), path
    bad = answer(client, enrolled, "follow_up", {**FOLLOW_UP, "sleep_hours": "99"})
    assert bad.status_code == 422 and '<html lang="fr">' in text(bad)


def test_the_enrolment_and_staff_pages_render_in_french(client, login, make_user, recruiting, startup):
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    login(make_user("participant"))
    pages = [
        client.get(f"/pilots/{recruiting.id}/eligibility", headers=french),
        client.post(f"/pilots/{recruiting.id}/eligibility", data={"age": "x"}, headers=french),
    ]
    client.post(
        f"/pilots/{recruiting.id}/eligibility",
        data={"age": "12", "criterion_0": "yes", "criterion_1": "no"},
        headers=french,
    )
    pages.append(client.get(f"/pilots/{recruiting.id}/not-eligible", headers=french))
    eligibility(client, recruiting)
    pages += [
        client.get(f"/pilots/{recruiting.id}/join", headers=french),
        client.post(f"/pilots/{recruiting.id}/join", data={"consent_version": "1"}, headers=french),
    ]
    client.post("/account/signout")
    login(startup)
    pages.append(client.get(f"/studies/{recruiting.id}/participants", headers=french))
    for response in pages:
        assert response.status_code in (200, 422) and '<html lang="fr">' in text(response), response.request.path
