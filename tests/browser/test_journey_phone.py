"""The participant's journey on a phone, where it used to dead-end (issue 9, items 10 and 17): eligibility
before any account, the account made with the consent, "Save and finish later", a page that expired and a
session that ended without losing the answers; and the end of a pilot, on a desktop and a phone."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from livinglab.auth.models import User
from livinglab.auth.services import create_user
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Enrolment, Response, SurveyDraft
from tests.conftest import protocol_of_category

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"
WAIT = 15_000  # the machine may be busy
CLAUSES = {"understood": True, "data_use": True}


def count(model) -> int:
    db.session.rollback()  # see what the live server committed
    return db.session.scalar(select(func.count()).select_from(model))


def fits(tab) -> bool:
    return not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", protocol=protocol_of_category("riph1"))  # written consent: signed


@pytest.fixture
def citizen(pilot):
    """Camille, enrolled in the pilot, who signs in on the phone."""
    user = create_user("camille@example.org", PASSWORD, "Camille Martin", "participant")
    services.enrol(
        user, pilot, consent_version=1, clauses=CLAUSES, signature=user.name, age=34, criteria_confirmed=True
    )
    db.session.commit()
    return user


def sign_in(tab, email):
    tab.goto("/account/signin")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible(timeout=WAIT)


def fill_half_of_the_baseline(tab):
    tab.get_by_label("On average, how many hours did you sleep per night last week?").fill("6.5")
    for i in (1, 2):
        tab.locator(f"input[name=who_{i}][value='{i + 1}']").check()


def finish_the_baseline(tab):
    for i in (3, 4, 5):
        tab.locator(f"input[name=who_{i}][value='3']").check()
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.get_by_role("status").filter(has_text="are saved")).to_be_visible(timeout=WAIT)


def expect_half_restored(tab):
    expect(tab.get_by_label("On average, how many hours did you sleep per night last week?")).to_have_value("6.5")
    expect(tab.locator("input[name=who_1][value='2']")).to_be_checked()
    expect(tab.locator("input[name=who_2][value='3']")).to_be_checked()


def test_a_visitor_checks_eligibility_first_and_makes_the_account_with_the_consent(
    phone_page, pilot, screenshot, browser_errors
):
    browser_errors.allow("status of 422")  # the consent sent incomplete on purpose
    tab = phone_page
    users = count(User)
    tab.goto(f"/pilots/{pilot.id}")
    expect(tab.get_by_text("No account needed to check").first).to_be_visible()
    tab.get_by_role("link", name="Check if I can take part").first.click()
    tab.get_by_label("Your age").fill("34")
    for criterion in pilot.eligibility["criteria"]:
        tab.get_by_role("group", name=criterion).get_by_label("Yes").check()
    tab.get_by_role("button", name="Check").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Consent form", timeout=WAIT)
    assert count(User) == users  # still nobody: the account comes with the consent
    tab.get_by_role("button", name="I consent, create my account and take part").click()  # everything missing
    for field in ("clause_0", "clause_1", "signature", "email", "password"):
        expect(tab.locator(f"#{field}-error")).to_be_visible()
    screenshot(tab, "journey-21-consent-and-account-errors")
    tab.get_by_label("I have read and understood the information about this pilot.").check()
    tab.get_by_label("I agree that my answers are used, under a pseudonym, for this pilot.").check()
    tab.get_by_label("Your full name, as your signature").fill("Dominique Visitor")
    tab.get_by_label("Email").fill("dominique@example.org")
    tab.get_by_label("Choose a password").fill(PASSWORD)
    assert fits(tab), "wider than the phone"
    screenshot(tab, "journey-22-consent-and-account")
    tab.get_by_role("button", name="I consent, create my account and take part").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Welcome to the pilot", timeout=WAIT)
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible()
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "dominique@example.org"))
    assert user.name == "Dominique Visitor"
    assert db.session.scalar(select(Enrolment.user_id).where(Enrolment.study_id == pilot.id)) == user.id


def test_save_and_finish_later_on_a_phone(phone_page, pilot, citizen, screenshot):
    tab = phone_page
    sign_in(tab, citizen.email)
    tab.goto("/dashboard")
    tab.get_by_role("link", name="Answer now").click()
    fill_half_of_the_baseline(tab)
    tab.get_by_role("button", name="Save and finish later").click()
    expect(tab.get_by_role("status").filter(has_text="saved as a draft")).to_be_visible(timeout=WAIT)
    assert count(SurveyDraft) == 1 and count(Response) == 0
    expect(tab.get_by_text("Draft saved on")).to_be_visible()
    assert fits(tab)
    screenshot(tab, "journey-23-dashboard-with-draft")
    tab.get_by_role("link", name="Continue").click()
    expect_half_restored(tab)
    screenshot(tab, "journey-24-draft-restored")
    finish_the_baseline(tab)
    assert count(SurveyDraft) == 0 and count(Response) == 1


def test_a_survey_sent_after_the_session_ended_comes_back_after_signing_in(
    phone_page, pilot, citizen, screenshot, browser_errors
):
    browser_errors.allow("status of 401")  # the page that asks to sign in again
    tab = phone_page
    sign_in(tab, citizen.email)
    tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
    fill_half_of_the_baseline(tab)
    tab.context.clear_cookies()  # the session ends (idle expiry, or signed out in another tab)
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Sign in again to keep your answers", timeout=WAIT)
    assert count(Response) == 0 and count(SurveyDraft) == 0
    assert fits(tab)
    screenshot(tab, "journey-25-signed-out-answers-kept")
    tab.get_by_label("Email").fill(citizen.email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in and get my answers back").click()
    expect(tab.get_by_role("status").filter(has_text="your answers are back")).to_be_visible(timeout=WAIT)
    expect_half_restored(tab)
    finish_the_baseline(tab)
    assert count(Response) == 1


def test_an_expired_page_is_shown_again_with_the_answers(phone_page, pilot, citizen, screenshot, browser_errors):
    browser_errors.allow("status of 400")  # the expired form, shown again
    tab = phone_page
    sign_in(tab, citizen.email)
    tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
    fill_half_of_the_baseline(tab)
    tab.locator("form.survey-form input[name=csrf_token]").evaluate("input => input.value = 'expired'")
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.get_by_role("status").filter(has_text="This page had expired")).to_be_visible(timeout=WAIT)
    expect_half_restored(tab)
    screenshot(tab, "journey-26-expired-form-kept")
    assert count(Response) == 0
    finish_the_baseline(tab)
    assert count(Response) == 1


def test_the_end_of_a_pilot_on_a_desktop_then_on_the_participants_phone(
    page, phone_page, pilot, citizen, coordinator, screenshot, browser_errors
):
    browser_errors.allow("status of 422")  # the reason left empty on purpose
    services.submit_response(citizen, pilot, "baseline", {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}})
    db.session.commit()
    desk = page
    desk.goto("/account/signin")
    desk.get_by_label("Email").fill(coordinator.email)
    desk.get_by_label("Password").fill("correct-horse-battery")
    desk.get_by_role("button", name="Sign in").click()
    desk.goto(f"/studies/{pilot.id}")
    desk.get_by_role("button", name="Close recruitment").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("Close recruitment?", timeout=WAIT)
    screenshot(desk, "lifecycle-01-close-confirm")
    desk.get_by_role("button", name="Yes, close recruitment").click()
    expect(desk.locator(".meta .badge").first).to_have_text("Recruitment closed", timeout=WAIT)
    desk.get_by_role("link", name="End the pilot").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("End the pilot", timeout=WAIT)
    desk.get_by_role("button", name="End the pilot").click()
    expect(desk.locator("#reason-error")).to_be_visible(timeout=WAIT)
    desk.get_by_label("Why the pilot ends").fill("The app is withdrawn from the market.")
    screenshot(desk, "lifecycle-02-end")
    desk.get_by_role("button", name="End the pilot").click()
    expect(desk.locator(".meta .badge").first).to_have_text("Ended", timeout=WAIT)
    expect(desk.get_by_role("link", name=re.compile(r"^Results$"))).to_be_visible()  # final: not interim

    tab = phone_page
    sign_in(tab, citizen.email)
    tab.goto("/dashboard")
    expect(tab.get_by_text("Pilot ended")).to_be_visible()
    expect(tab.get_by_role("heading", name="What the pilot found")).to_be_visible()
    assert tab.get_by_role("link", name="Answer now").count() == 0
    assert fits(tab)
    screenshot(tab, "lifecycle-03-participant-ended")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("size", ["page", "phone_page"])
def test_the_new_pages_fit_in_both_languages_and_sizes(
    request, make_study, coordinator, screenshot, browser_errors, language, size
):
    """Every page this work adds or changes, looked at in French and English, on a desktop and a phone."""
    browser_errors.allow("status of 40[01]")
    tab = request.getfixturevalue(size)
    pilot = make_study("recruiting")
    ended = make_study("recruiting")
    user = create_user(f"visitor-{language}-{size}@example.org", PASSWORD, "Camille Martin", "participant")
    for study in (pilot, ended):
        services.enrol(
            user, study, consent_version=1, clauses=CLAUSES, signature=user.name, age=34, criteria_confirmed=True
        )
    from livinglab.studies import services as studies

    studies.set_recruitment(coordinator, ended, "closed")
    studies.end_study(coordinator, ended, "Every follow-up is done.")
    db.session.commit()

    def choose_language():
        tab.goto("/")
        if language == "fr":
            with tab.expect_navigation():  # the choice is a form: wait for its answer before going on
                tab.locator("button[name=lang][value=fr]").click()

    def look(path, name):
        if path:
            tab.goto(path)
        expect(tab.locator("html")).to_have_attribute("lang", language)
        assert fits(tab), f"{name} is wider than the screen"
        screenshot(tab, f"new-{language}-{name}")

    choose_language()
    look(f"/pilots/{pilot.id}", "01-pilot-page")
    look(f"/pilots/{pilot.id}/eligibility", "02-eligibility")
    tab.locator("#age").fill("34")
    tab.locator("#criterion_0-0").check()
    tab.locator("#criterion_1-0").check()
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(re.compile(rf"/pilots/{pilot.id}/join$"))
    look(None, "03-consent-with-account")
    look("/privacy", "04-privacy")

    tab.goto("/account/signin")
    tab.locator("#email").fill(user.email)
    tab.locator("#password").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab.locator("header form[action='/account/signout'] button")).to_be_visible()
    tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
    fill_half_of_the_baseline(tab)
    tab.locator("button[name=action][value=draft]").click()
    look(None, "05-dashboard-draft-and-ended")
    look(f"/pilots/{pilot.id}/surveys/baseline", "06-survey-draft")
    tab.context.clear_cookies()
    tab.locator("form.survey-form button[type=submit]").first.click()
    expect(tab.locator("#password")).to_be_visible()
    if language == "en":  # cookies cleared: the language chosen went with them
        look(None, "07-signed-out-answers-kept")

    choose_language()
    tab.goto("/account/signin")
    tab.locator("#email").fill(coordinator.email)
    tab.locator("#password").fill("correct-horse-battery")
    tab.locator("main form button[type=submit]").click()
    look(f"/studies/{pilot.id}/end", "08-end-the-pilot")
    look(f"/studies/{ended.id}", "09-ended-study")
    look(f"/studies/{ended.id}/results", "10-final-results")
