"""Issue 12's "Done when", in a browser: a startup amends a recruiting pilot that has an enrolled participant
(the consent text and a question's wording, edited on the pages), submits it; the coordinator reads the diff and
asks for a change with a comment on the consent form; the startup answers both comments in its response letter,
fixes the consent and resubmits; the coordinator reads the letter beside what changed since the round reviewed and
approves it; the study page lists two registrations whose hashes chain (the second recomputed here from what the
API serves); the participant is asked on their dashboard to sign the new consent, signs it, then answers the
survey with its new wording."""

import hashlib
import json

import pytest
from playwright.sync_api import expect

from livinglab.extensions import db
from livinglab.participants import services as participation
from tests.conftest import PASSWORD, protocol_of_category

pytestmark = pytest.mark.browser

WAIT = 15_000  # the machine may be busy
NEW_TEXT = "We now also ask how rested you feel. Taking part is voluntary; you may withdraw at any time."
FINAL_TEXT = NEW_TEXT + " Two short surveys, four weeks apart; every question may be skipped."
OLD_QUESTION = "On average, how many hours did you sleep per night last week?"
NEW_QUESTION = "On average, how many hours did you sleep each night last week?"


@pytest.fixture
def pilot(make_study, participant):
    """A recruiting RIPH 1 pilot (written consent: participants sign) with one participant enrolled today: its
    baseline survey is open for them."""
    study = make_study("recruiting", protocol=protocol_of_category("riph1"))
    consent = study.current_consent
    participation.enrol(
        participant,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="Camille Martin",
        age=34,
        criteria_confirmed=True,
    )
    db.session.commit()
    return study


def flash(tab, text):
    expect(tab.get_by_role("status").filter(has_text=text)).to_be_visible(timeout=WAIT)


def sign_in(tab, email):
    tab.goto("/account/signin")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible(timeout=WAIT)


def canonical_sha256(content: dict) -> str:
    """API.md, "Registration hash input": sorted keys, separators , and :, UTF-8, no ASCII escaping."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_recruiting_pilot_is_amended_in_the_browser_end_to_end(
    browser, live_server, browser_errors, pilot, startup, coordinator, participant, screenshot
):
    from tests.browser.conftest import DESKTOP

    tabs = []

    def new_tab():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=DESKTOP)
        context.set_default_timeout(WAIT)
        tab = context.new_page()
        browser_errors.watch(tab)
        tabs.append(context)
        return tab

    first_hash = pilot.registration_hash
    errors_before = len(live_server.errors.records)
    try:
        # The startup opens an amendment from the study page, with its reason
        tab = new_tab()
        sign_in(tab, startup.email)
        tab.goto(f"/studies/{pilot.id}")
        tab.get_by_text("Amend the protocol").click()
        tab.get_by_label("Why the protocol changes").fill("A clearer question and a consent that says more.")
        tab.get_by_role("button", name="Open an amendment").click()
        flash(tab, "Amendment opened")
        expect(tab.get_by_role("heading", level=1)).to_have_text("Amendment: protocol version 2")
        amendment_url = tab.url
        screenshot(tab, "amendment-01-opened")

        # ... edits the consent text in the study's consent editor, on the amendment
        tab.get_by_role("link", name="Edit the proposed consent form").click()
        expect(tab.get_by_text("The pilot runs on consent version 1. Saving here proposes version 2")).to_be_visible()
        tab.get_by_label("Information for participants").fill(NEW_TEXT)
        tab.get_by_role("button", name="Save the proposed consent form").click()
        flash(tab, "Proposed consent form saved.")
        screenshot(tab, "amendment-02-consent")
        tab.get_by_role("link", name="Back to the amendment").click()

        # ... and a question's wording: the baseline is open for the participant, so only its wording may change
        tab.get_by_role("link", name="Edit the survey “Before the coaching”").click()
        expect(
            tab.get_by_text("This survey has already opened for participants: only its wording may change.")
        ).to_be_visible()
        expect(tab.get_by_role("heading", name="Add a question")).to_have_count(0)
        screenshot(tab, "amendment-03-survey")
        tab.get_by_role("link", name="Edit item 1").click()
        tab.get_by_label("Question", exact=True).fill(NEW_QUESTION)
        tab.get_by_role("button", name="Save").click()
        flash(tab, "“sleep_hours” saved.")
        expect(tab.get_by_text(NEW_QUESTION, exact=True)).to_be_visible()  # (also in the score card's checkboxes)
        tab.goto(amendment_url)
        tab.get_by_role("button", name="Submit the amendment for review").click()
        flash(tab, "Amendment submitted")

        # The coordinator reads what changes and asks for a change, with a comment on the consent form
        review = new_tab()
        sign_in(review, coordinator.email)
        review.goto(amendment_url)
        expect(review.get_by_role("heading", name="What changes against the approved version")).to_be_visible()
        review.get_by_text("Information text: approved, then proposed").click()
        expect(review.locator("ins").filter(has_text=NEW_TEXT)).to_be_visible()
        expect(review.locator("li").filter(has_text="Before the coaching").first).to_contain_text("sleep_hours")
        screenshot(review, "amendment-04-diff")
        review.get_by_role("radio", name="Request changes").check()
        review.get_by_label("Comment to the startup").fill("Say in the consent how often participants are asked.")
        review.get_by_label("Your comment on “Consent form” (optional)").fill("Say that the new question is optional.")
        review.get_by_role("button", name="Record the decision").click()
        flash(review, "Decision recorded")

        # The startup answers in its response letter, fixes the consent and resubmits
        tab.goto(amendment_url)
        requested = tab.get_by_role("region", name="Changes requested by the reviewer")
        expect(requested).to_contain_text("2 comments have no reply yet")
        requested.locator("li", has_text="how often participants are asked").get_by_label(
            "Your reply to this comment"
        ).fill("The consent now says: two short surveys, four weeks apart.")
        requested.locator("li", has_text="the new question is optional").get_by_label(
            "Your reply to this comment"
        ).fill("Done: the consent says every question may be skipped.")
        tab.get_by_role("button", name="Save the replies").click()
        flash(tab, "2 replies saved")
        tab.get_by_role("link", name="Edit the proposed consent form").click()
        tab.get_by_label("Information for participants").fill(FINAL_TEXT)
        tab.get_by_role("button", name="Save the proposed consent form").click()
        flash(tab, "Proposed consent form saved.")
        tab.goto(amendment_url)
        tab.get_by_role("button", name="Submit the amendment for review").click()
        flash(tab, "Amendment submitted")

        # The coordinator reads the letter beside what changed since the round reviewed, and approves
        review.goto(amendment_url)
        since = review.get_by_role("region", name="Since round 1, which you reviewed")
        expect(since).to_contain_text("The consent now says: two short surveys, four weeks apart.")
        expect(since).to_contain_text("Done: the consent says every question may be skipped.")
        expect(since.locator("ins").filter(has_text="four weeks apart").first).to_be_attached()  # folded until opened
        screenshot(review, "amendment-04b-letter")
        review.get_by_role("radio", name="Approve").check()
        review.get_by_role("button", name="Record the decision").click()
        flash(review, "Amendment approved: version 2 is registered.")

        # The study page lists both registrations; the second is recomputed from the API and chains to the first
        review.goto(f"/studies/{pilot.id}")
        hashes = review.locator(".registration tbody code.hash-short")
        expect(hashes).to_have_count(2)
        shown = [hashes.nth(i).get_attribute("title") for i in range(2)]
        assert shown[0] == first_hash and shown[1] != first_hash
        screenshot(review, "amendment-05-registrations")
        token = review.request.post(
            "/api/v1/auth/tokens", data={"email": coordinator.email, "password": PASSWORD}
        ).json()["token"]
        chain = review.request.get(
            f"/api/v1/studies/{pilot.id}/registrations", headers={"Authorization": f"Bearer {token}"}
        ).json()["items"]
        assert [r["registration_hash"] for r in chain] == shown
        assert chain[1]["previous_hash"] == shown[0]
        assert canonical_sha256({**chain[1]["record"], "previous_hash": shown[0]}) == shown[1]
        assert chain[1]["record"]["consent"]["text"] == FINAL_TEXT

        # The participant is asked to sign the new consent on their dashboard, signs, then answers
        person = new_tab()
        sign_in(person, participant.email)
        person.goto("/dashboard")
        notice = person.locator(".notice").filter(has_text="The consent form has changed.")
        expect(notice).to_be_visible()
        screenshot(person, "amendment-06-dashboard")
        notice.get_by_role("link", name="Read and sign").click()
        expect(person.get_by_role("heading", level=1)).to_have_text("The consent form has changed")
        expect(person.get_by_text(FINAL_TEXT)).to_be_visible()
        person.get_by_label("I have read and understood the information about this pilot.").check()
        person.get_by_label("I agree that my answers are used, under a pseudonym, for this pilot.").check()
        person.get_by_label("Your full name, as your signature").fill("Camille Martin")
        person.get_by_role("button", name="I sign again").click()
        flash(person, "Thank you: your consent to the new version is recorded.")
        person.get_by_role("link", name="Answer now").click()
        expect(person.get_by_role("heading", level=1)).to_have_text("Before the coaching")
        expect(person.get_by_text(OLD_QUESTION)).to_have_count(0)
        person.get_by_label(NEW_QUESTION).fill("6.5")
        for i in range(1, 6):
            person.locator(f"input[name=who_{i}][value='3']").check()
        person.get_by_role("button", name="Send my answers").click()
        expect(person.get_by_role("status")).to_contain_text("are saved", timeout=WAIT)
    finally:
        for context in tabs:
            context.close()
    assert [r.getMessage() for r in live_server.errors.records[errors_before:]] == []
    assert browser_errors.unexpected() == []
