"""A citizen's whole journey on a phone: catalogue, eligibility, consent, surveys, data, withdrawal."""

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from livinglab.auth.models import User
from livinglab.extensions import db
from livinglab.participants.models import Answer, Enrolment, Response
from tests.conftest import protocol_of_category

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", protocol=protocol_of_category("riph1"))  # written consent: signed


def count(model) -> int:
    db.session.rollback()  # see what the live server committed
    return db.session.scalar(select(func.count()).select_from(model))


def register(tab, name, email):
    tab.goto("/")
    tab.locator("a[href='/account/register?role=participant']").first.click()
    tab.locator("#name").fill(name)
    tab.locator("#email").fill(email)
    tab.locator("#password").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url("/dashboard")


def answer_who5(tab, value: str):
    for i in range(1, 6):
        tab.locator(f"input[name=who_{i}][value='{value}']").check()


def test_a_citizen_takes_part_on_a_phone_from_catalogue_to_withdrawal(phone_page, pilot, screenshot, browser_errors):
    browser_errors.allow("status of 422")  # the forms sent empty on purpose answer 422 with their errors
    tab = phone_page
    register(tab, "Camille Martin", "camille.martin@example.org")
    screenshot(tab, "journey-01-empty-dashboard")

    tab.get_by_role("link", name="See pilots open to citizens").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Pilots open to citizens")
    expect(tab.get_by_text("40 places left")).to_be_visible()
    screenshot(tab, "journey-02-catalogue")

    tab.get_by_role("link", name=pilot.title, exact=True).click()
    expect(tab.get_by_role("heading", name="What taking part involves")).to_be_visible()
    screenshot(tab, "journey-03-study")

    tab.get_by_role("link", name="Check if I can take part").first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Can I take part?")
    tab.get_by_label("Your age").fill("15")
    for criterion in pilot.eligibility["criteria"]:
        tab.get_by_role("group", name=criterion).get_by_label("Yes").check()
    tab.get_by_role("button", name="Check").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Thank you for your interest")
    expect(tab.get_by_text("This pilot is for people aged 18 to 65.")).to_be_visible()
    screenshot(tab, "journey-04-not-eligible")

    tab.get_by_role("link", name="I made a mistake: answer again").click()
    tab.get_by_label("Your age").fill("34")
    for criterion in pilot.eligibility["criteria"]:
        tab.get_by_role("group", name=criterion).get_by_label("Yes").check()
    screenshot(tab, "journey-04-eligibility")
    tab.get_by_role("button", name="Check").click()

    expect(tab.get_by_role("heading", level=1)).to_have_text("Consent form")
    tab.get_by_label("I have read and understood the information about this pilot.").check()
    tab.get_by_label("I agree that my answers are used, under a pseudonym, for this pilot.").check()
    tab.get_by_label("Your full name, as your signature").fill("Camille Martin")
    screenshot(tab, "journey-05-consent")
    tab.get_by_role("button", name="I consent and take part").click()

    expect(tab.get_by_role("heading", level=1)).to_have_text("Welcome to the pilot")
    code = tab.locator(".participant-code").first.inner_text()
    assert re.fullmatch(r"P-[A-Z2-9]{8}", code)
    screenshot(tab, "journey-06-welcome")

    tab.get_by_role("link", name="Answer now").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Before the coaching")
    tab.get_by_role("button", name="Send my answers").click()  # nothing answered: errors beside each item
    expect(tab.locator("#a-sleep_hours-error")).to_have_text("Please answer this question.")
    screenshot(tab, "journey-07-baseline-errors")
    tab.get_by_label("On average, how many hours did you sleep per night last week?").fill("6.5")
    answer_who5(tab, "3")
    screenshot(tab, "journey-08-baseline")
    tab.get_by_role("button", name="Send my answers").click()

    expect(tab.get_by_role("status")).to_contain_text("are saved")
    screenshot(tab, "journey-09-dashboard")
    tab.get_by_role("link", name="Answer now").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("After four weeks")
    tab.get_by_label("On average, how many hours did you sleep per night last week?").fill("7.5")
    answer_who5(tab, "4")
    for i in range(1, 11):
        tab.locator(f"input[name=sus_{i}][value='4']").check()
    tab.get_by_label("Anything else you would like to tell us?").fill("Merci, très utile <b>vraiment</b>.")
    screenshot(tab, "journey-10-follow-up")
    tab.get_by_role("button", name="Send my answers").click()
    expect(tab.get_by_role("status")).to_contain_text("are saved")
    assert count(Response) == 2

    tab.get_by_role("link", name="My answers").click()
    expect(tab.get_by_text("Merci, très utile <b>vraiment</b>.")).to_be_visible()
    screenshot(tab, "journey-11-answers")

    tab.goto("/dashboard")
    tab.get_by_role("link", name="My signed consent").click()
    expect(tab.get_by_role("button", name="Print")).to_be_visible()  # shown by print.js, under the CSP
    expect(tab.locator(".consent-copy")).to_contain_text("Camille Martin")
    screenshot(tab, "journey-12-consent-copy")

    tab.get_by_role("link", name="My data").first.click()
    screenshot(tab, "journey-13-my-data")
    with tab.expect_download() as info:
        tab.get_by_role("link", name="Download my data (JSON)").click()
    with open(info.value.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert info.value.suggested_filename == "livinglab-my-data.json"
    assert data["account"]["email"] == "camille.martin@example.org"
    assert data["enrolments"][0]["participant_code"] == code

    tab.goto("/dashboard")
    tab.get_by_role("link", name="Leave this pilot").click()
    tab.get_by_role("button", name="Leave the pilot").click()  # no choice yet: asked to choose
    expect(tab.locator("#erase-error")).to_be_visible()
    tab.get_by_label("Erase them").check()
    screenshot(tab, "journey-14-withdraw")
    tab.get_by_role("button", name="Leave the pilot").click()
    expect(tab.get_by_role("status")).to_contain_text("Your answers are erased.")
    screenshot(tab, "journey-15-withdrawn")
    assert count(Response) == 0 and count(Answer) == 0
    assert db.session.scalar(select(Enrolment.data_erased)) is True

    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"

    tab.get_by_role("link", name="My data").first.click()
    tab.get_by_role("link", name="Erase my account").click()
    tab.get_by_label("I understand that my account is erased for good").check()
    screenshot(tab, "journey-16-erase-account")
    tab.get_by_role("button", name="Erase my account").click()
    expect(tab).to_have_url("/")
    expect(tab.get_by_role("status")).to_contain_text("Your account is erased.")
    expect(tab.get_by_role("link", name="Sign in")).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "camille.martin@example.org")) is None


def test_the_same_pages_in_french_on_a_phone(phone_page, pilot, screenshot):
    """Every page of the journey once in French, found by address rather than by English words."""
    tab = phone_page
    register(tab, "Dominique Lefèvre", "dominique@example.org")
    tab.locator("button[name=lang][value=fr]").click()
    expect(tab.locator("html")).to_have_attribute("lang", "fr")

    def visit(path, name):
        tab.goto(path)
        expect(tab.locator("html")).to_have_attribute("lang", "fr")
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), name
        screenshot(tab, name)

    visit("/pilots/", "journey-fr-02-catalogue")
    visit(f"/pilots/{pilot.id}", "journey-fr-03-study")
    visit(f"/pilots/{pilot.id}/eligibility", "journey-fr-04-eligibility")
    tab.locator("#age").fill("34")
    tab.locator("#criterion_0-0").check()
    tab.locator("#criterion_1-0").check()
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(f"/pilots/{pilot.id}/join")
    screenshot(tab, "journey-fr-05-consent")
    tab.locator("#clause_0").check()
    tab.locator("#clause_1").check()
    tab.locator("#signature").fill("Dominique Lefèvre")
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url(f"/pilots/{pilot.id}/welcome")
    screenshot(tab, "journey-fr-06-welcome")
    visit(f"/pilots/{pilot.id}/surveys/baseline", "journey-fr-08-baseline")
    tab.locator("#a-sleep_hours").fill("6.5")
    answer_who5(tab, "2")
    tab.locator("main form button[type=submit]:not([name=action])").click()  # send, not "save for later"
    expect(tab).to_have_url("/dashboard")
    screenshot(tab, "journey-fr-09-dashboard")
    visit(f"/pilots/{pilot.id}/surveys/follow_up", "journey-fr-10-follow-up")
    visit(f"/pilots/{pilot.id}/answers", "journey-fr-11-answers")
    visit(f"/pilots/{pilot.id}/consent", "journey-fr-12-consent-copy")
    visit("/pilots/my-data", "journey-fr-13-my-data")
    visit(f"/pilots/{pilot.id}/withdraw", "journey-fr-14-withdraw")
    visit("/pilots/my-data/erase", "journey-fr-16-erase-account")
    visit("/privacy", "journey-fr-17-privacy")
    visit("/", "journey-fr-18-home-footer")


def test_the_staff_progress_page_on_a_phone(phone_page, pilot, startup, make_user, screenshot):
    from livinglab.participants import services

    for i in range(3):
        person = make_user("participant", name=f"Hidden Person {i}")
        services.enrol(
            person,
            pilot,
            consent_version=1,
            clauses={"understood": True, "data_use": True},
            signature=person.name,
            age=30 + i,
            criteria_confirmed=True,
        )
    services.screen(pilot, 12, [True, False])
    db.session.commit()
    tab = phone_page
    tab.goto("/account/signin")
    tab.locator("#email").fill(startup.email)
    tab.locator("#password").fill("correct-horse-battery")
    tab.locator("main form button[type=submit]").click()
    tab.goto(f"/studies/{pilot.id}/participants")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Recruitment progress")
    expect(tab.locator("main")).not_to_contain_text("Hidden Person")
    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    screenshot(tab, "journey-20-progress")
