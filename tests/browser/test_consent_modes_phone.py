"""A consent mode without a signature, on a phone: a RIPH 3 pilot's information notice, read with the right to
object in view, confirmed by a box; then objecting, from the copy of the notice, leads to leaving the pilot
with the keep-or-erase choice."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants.models import ConsentSignature, Enrolment
from tests.conftest import protocol_of_category

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"
WAIT = 15_000


def fits(tab) -> bool:
    return not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def test_a_visitor_reads_the_information_notice_and_later_objects_on_a_phone(
    phone_page, make_study, screenshot, browser_errors
):
    browser_errors.allow("status of 422")  # the notice sent without the box ticked, on purpose
    pilot = make_study("recruiting", protocol=protocol_of_category("riph3"))
    tab = phone_page
    tab.goto(f"/pilots/{pilot.id}/eligibility")
    tab.get_by_label("Your age").fill("34")
    for criterion in pilot.eligibility["criteria"]:
        tab.get_by_role("group", name=criterion).get_by_label("Yes").check()
    tab.get_by_role("button", name="Check").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Information notice", timeout=WAIT)
    expect(tab.get_by_role("heading", name="Your right to object")).to_be_visible()
    expect(tab.get_by_role("link", name="I object: I do not take part")).to_be_visible()
    expect(tab.get_by_label("Your full name, as your signature")).to_have_count(0)
    tab.get_by_label("I have read and understood the information about this pilot.").check()
    tab.get_by_label("I agree that my answers are used, under a pseudonym, for this pilot.").check()
    tab.get_by_label("Your name").fill("Dominique Visitor")
    tab.get_by_label("Email").fill("dominique@example.org")
    tab.get_by_label("Choose a password").fill(PASSWORD)
    tab.get_by_role("button", name="Create my account and take part").click()
    expect(tab.locator("#confirm-error")).to_be_visible(timeout=WAIT)  # the notice must be said read
    tab.get_by_label("Choose a password").fill(PASSWORD)
    tab.get_by_label("I have read the information notice").check()
    assert fits(tab), "wider than the phone"
    screenshot(tab, "consent-mode-information")
    tab.get_by_role("button", name="Create my account and take part").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Welcome to the pilot", timeout=WAIT)
    db.session.rollback()
    signed = db.session.scalar(select(ConsentSignature))
    assert signed.mode == "information" and signed.signed_name == ""

    tab.goto(f"/pilots/{pilot.id}/consent")
    expect(tab.get_by_text("Information with a right to object")).to_be_visible()
    tab.get_by_role("link", name="I object: leave the pilot").click()
    tab.get_by_label("Erase them: every answer I gave to this pilot is deleted").check()
    tab.get_by_role("button", name="Leave the pilot").click()
    expect(tab).to_have_url("/dashboard", timeout=WAIT)
    db.session.rollback()
    assert db.session.scalar(select(Enrolment.status)) == "withdrawn"
