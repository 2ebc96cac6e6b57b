"""Eligibility before an account (issue 9, item 17), the eligibility answers kept out of the session cookie
(issue 8, item 9), every error of a form at once (issue 9, item 18)."""

from datetime import timedelta

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import func, select, update

from livinglab.auth.models import User
from livinglab.extensions import db
from livinglab.participants.models import ConsentSignature, Enrolment, Screening
from livinglab.participants.services import screening_counts
from livinglab.timeutil import utcnow
from tests.conftest import PASSWORD, IsolatedClient, protocol_of_category

CONSENT = {"consent_version": "1", "clause_0": "y", "clause_1": "y", "signature": "Camille Martin"}
ACCOUNT = {"email": "camille.martin@example.org", "password": "a-long-enough-secret"}


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def visitor(app):
    """A browser with no account."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def recruiting(make_study):
    return make_study("recruiting")


def check(client, study, age="34", criteria=("yes", "yes")):
    return client.post(
        f"/pilots/{study.id}/eligibility", data={"age": age, **{f"criterion_{i}": a for i, a in enumerate(criteria)}}
    )


def session_of(app, client) -> dict:
    """What the session cookie holds, decoded as anyone holding the cookie can decode it."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return {}
    return SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie.value)


def session_values(value) -> list:
    """Every value the session holds, however nested (its random ids are values too, never equal to an age)."""
    if isinstance(value, dict):
        return [v for item in value.values() for v in session_values(item)]
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in session_values(item)]
    return [value]


# --- Eligibility first, the account at the consent ---------------------------------------------------


def test_a_visitor_checks_eligibility_and_nothing_is_created_when_not_eligible(app, visitor, recruiting):
    users = rows(User)
    assert visitor.get(f"/pilots/{recruiting.id}").status_code == 200
    page = text(visitor.get(f"/pilots/{recruiting.id}/eligibility"))
    assert "No account is needed for this step." in page
    response = check(visitor, recruiting, age="80")
    assert response.location == f"/pilots/{recruiting.id}/not-eligible"
    kindly = text(visitor.get(response.location))
    assert "This pilot is for people aged 18 to 65." in kindly and "No account was created." in kindly
    assert rows(User) == users and rows(Enrolment) == 0 and rows(ConsentSignature) == 0
    assert screening_counts(recruiting) == {"screened": 1, "age": 1}
    held = session_values(session_of(app, visitor))
    assert 80 not in held and "80" not in held


def test_an_eligible_visitor_creates_the_account_while_signing_the_consent(app, visitor, recruiting):
    assert check(visitor, recruiting).location == f"/pilots/{recruiting.id}/join"
    form = text(visitor.get(f"/pilots/{recruiting.id}/join"))
    assert 'name="email"' in form and 'name="password"' in form and "I already have an account" in form
    # the sleep pilot is RIPH 3: the visitor ticks "I have read the information notice" (their name is the account's)
    response = visitor.post(f"/pilots/{recruiting.id}/join", data={**CONSENT, **ACCOUNT, "confirm": "y"})
    assert response.location == f"/pilots/{recruiting.id}/welcome"
    user = db.session.scalar(select(User).where(User.email == ACCOUNT["email"]))
    assert user is not None and user.name == "Camille Martin" and str(user.role) == "participant"
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.user_id == user.id and enrolment.signature.signed_name == ""  # no signature: a box ticked
    assert enrolment.signature.mode == "information"
    welcome = visitor.get(response.location)  # signed in as the new account
    assert welcome.status_code == 200 and enrolment.participant_code in text(welcome)
    assert screening_counts(recruiting) == {"screened": 1, "eligible": 1}
    assert rows(Screening) == 1
    assert "visitor" not in session_of(app, visitor)


def test_every_error_of_the_consent_and_the_account_is_shown_at_once_and_nothing_is_created(visitor, recruiting):
    check(visitor, recruiting)
    users = rows(User)
    response = visitor.post(
        f"/pilots/{recruiting.id}/join",
        data={"consent_version": "1", "clause_0": "y", "signature": "", "email": "not-an-email", "password": "short"},
    )
    assert response.status_code == 422
    page = text(response)
    for field in ("clause_1", "signature", "email", "password"):
        assert f'id="{field}-error"' in page, field
    assert 'id="clause_0-error"' not in page
    assert rows(User) == users and rows(Enrolment) == 0
    assert screening_counts(recruiting)["declined_consent"] == 1  # the refused clause is counted, nothing else


def test_a_taken_email_is_said_beside_the_email(visitor, recruiting, participant):
    check(visitor, recruiting)
    response = visitor.post(f"/pilots/{recruiting.id}/join", data={**CONSENT, **ACCOUNT, "email": participant.email})
    assert response.status_code == 422 and 'id="email-error"' in text(response)
    assert rows(Enrolment) == 0


def test_a_visitor_signs_in_with_an_existing_account_and_keeps_the_check(app, visitor, recruiting, participant):
    check(visitor, recruiting)
    page = text(visitor.get(f"/pilots/{recruiting.id}/join"))
    link = page.split('href="/account/signin?next=')[1].split('"')[0]
    from urllib.parse import unquote

    target = unquote(link)
    assert target.startswith(f"/pilots/{recruiting.id}/join?screening=")
    signed_in = visitor.post(f"/account/signin?next={link}", data={"email": participant.email, "password": PASSWORD})
    assert signed_in.location == target
    assert visitor.get(target).location == f"/pilots/{recruiting.id}/join"
    assert visitor.post(f"/pilots/{recruiting.id}/join", data=CONSENT).location == f"/pilots/{recruiting.id}/welcome"
    assert db.session.scalar(select(Enrolment.user_id)) == participant.id
    assert screening_counts(recruiting) == {"screened": 1, "eligible": 1} and rows(Screening) == 1


@pytest.mark.parametrize("value", ["", "x" * 5000, "../../etc", "A" * 20, "\u00b2" * 30])
def test_a_made_up_screening_in_the_link_opens_nothing(client, login, participant, recruiting, make_user, app, value):
    stranger = app.test_client()
    check(stranger, recruiting)  # someone else's check, on another browser
    login(participant)
    response = client.get(f"/pilots/{recruiting.id}/join", query_string={"screening": value})
    assert response.status_code == 302
    assert client.get(f"/pilots/{recruiting.id}/join").location == f"/pilots/{recruiting.id}/eligibility"
    assert rows(Enrolment) == 0 and rows(Screening) == 1


def test_a_passed_check_opens_the_consent_for_thirty_minutes_only(client, login, participant, recruiting):
    login(participant)
    check(client, recruiting)
    db.session.execute(update(Screening).values(updated_at=utcnow() - timedelta(minutes=31)))
    db.session.commit()
    assert client.get(f"/pilots/{recruiting.id}/join").location == f"/pilots/{recruiting.id}/eligibility"
    assert client.post(f"/pilots/{recruiting.id}/join", data=CONSENT).location == f"/pilots/{recruiting.id}/eligibility"
    assert rows(Enrolment) == 0
    check(client, recruiting)  # again: still one person
    assert client.post(f"/pilots/{recruiting.id}/join", data=CONSENT).location == f"/pilots/{recruiting.id}/welcome"
    assert screening_counts(recruiting) == {"screened": 1, "eligible": 1}


@pytest.mark.parametrize("role", ["startup", "coordinator"])
def test_staff_never_take_part(client, login, make_user, recruiting, role):
    login(make_user(role))
    for path in ("eligibility", "join", "not-eligible"):
        assert client.get(f"/pilots/{recruiting.id}/{path}").status_code == 403
    assert check(client, recruiting).status_code == 403
    assert screening_counts(recruiting) == {}


# --- The eligibility answers stay out of the session cookie (issue 8, item 9) -----------------------------


def test_the_session_cookie_holds_no_eligibility_answer(app, client, login, participant, recruiting, visitor):
    login(participant)
    check(client, recruiting, age="47", criteria=("yes", "yes"))
    for browser in (client, visitor):
        check(browser, recruiting, age="47")
        held = session_of(app, browser)
        assert "'47'" not in repr(held) and " 47," not in repr(held) and "screening" not in held
        assert not any(isinstance(v, (list, dict)) and v for k, v in held.items() if k not in ("_flashes",))
    assert client.get(f"/pilots/{recruiting.id}/join").status_code == 200  # the server remembers the outcome


# --- Every error at once (issue 9, item 18) ---------------------------------------------------------------


def test_the_eligibility_form_shows_every_error_at_once(client, login, participant, recruiting):
    login(participant)
    response = client.post(f"/pilots/{recruiting.id}/eligibility", data={"age": "", "criterion_0": "yes"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="age-error"' in page and 'id="criterion_1-error"' in page
    assert screening_counts(recruiting) == {}


def test_the_consent_form_shows_the_signature_and_the_clause_errors_at_once(client, login, participant, make_study):
    recruiting = make_study("recruiting", protocol=protocol_of_category("riph1"))  # written consent: signed
    login(participant)
    check(client, recruiting)
    response = client.post(f"/pilots/{recruiting.id}/join", data={"consent_version": "1", "clause_0": "y"})
    assert response.status_code == 422
    page = text(response)
    assert 'id="signature-error"' in page and 'id="clause_1-error"' in page
    assert rows(Enrolment) == 0


def test_the_api_names_every_bad_value_at_once(client, api_headers, participant, make_study):
    recruiting = make_study("recruiting", protocol=protocol_of_category("riph1"))  # written consent: signed
    response = client.post(
        f"/api/v1/studies/{recruiting.id}/enrolment",
        headers=api_headers(participant),
        json={
            "consent_version": 1,
            "clauses": {"understood": True, "data_use": True},
            "signature": "",
            "age": 300,
            "criteria_confirmed": True,
        },
    )
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"age", "signature"}
    assert screening_counts(recruiting) == {}


def test_checks_made_before_signing_in_count_once_in_every_pilot(visitor, make_study, participant):
    first, second = make_study("recruiting"), make_study("recruiting")
    check(visitor, first)
    check(visitor, second, age="80")
    visitor.post("/account/signin", data={"email": participant.email, "password": PASSWORD})
    for study in (first, second):
        check(visitor, study)  # again, now signed in
    assert screening_counts(first) == {"screened": 1, "eligible": 1}
    assert screening_counts(second) == {"screened": 1, "eligible": 1}  # the latest outcome
    assert rows(Screening) == 2
