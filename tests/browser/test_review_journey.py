"""A protocol's review on a desktop: a startup writes and submits it, a coordinator asks for changes with
comments on two sections, the startup answers each in its response letter, fixes and resubmits, the
coordinator reads the letter beside what changed, approves it and opens recruitment."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.auth.services import create_user
from livinglab.extensions import db
from livinglab.studies.models import Study

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"
STARTUP_EMAIL = "sam@sommeil.example.org"
COORDINATOR_EMAIL = "claire.coordinator@example.org"
TITLE = "Sleep coaching pilot"
WAIT = 15_000  # the machine may be busy
# "Review" and a visually hidden ": <title>"; the hidden span adds a space to the accessible name.
REVIEW_LINK = re.compile(rf"^Review\s*:\s*{TITLE}$")


def flash(tab, text):
    expect(tab.get_by_role("status").filter(has_text=text)).to_be_visible(timeout=WAIT)


def badge(tab, text):
    expect(tab.locator(".meta .badge").first).to_have_text(text, timeout=WAIT)


def sign_out(tab):
    tab.goto("/")
    tab.get_by_role("button", name="Sign out").click()
    flash(tab, "You are signed out.")


def sign_in(tab, email):
    tab.goto("/account/signin")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible(timeout=WAIT)


def new_survey(tab, study_id, title, timepoint):
    """A survey and its first question; the founder types no key (issue 9.12): they are made from the
    title and the question, and the same question at both timepoints gets the same key."""
    tab.goto(f"/studies/{study_id}/surveys/new")
    expect(tab.get_by_role("heading", level=1)).to_have_text("New survey", timeout=WAIT)
    tab.locator("#title").fill(title)
    tab.locator("#timepoint").select_option(label=timepoint)
    tab.locator("#question-text").fill("On average, how many hours did you sleep per night last week?")
    tab.locator("#question-type").select_option("number")
    tab.locator("#question-min").fill("0")
    tab.locator("#question-max").fill("24")
    tab.locator("#question-unit").fill("h")
    return tab


def test_a_protocol_is_sent_back_fixed_approved_and_opened(page, live_server, screenshot):
    tab = page
    coordinator = create_user(COORDINATOR_EMAIL, PASSWORD, "Claire Coordinator", "coordinator")
    db.session.commit()
    assert coordinator.id

    # The startup registers.
    tab.goto("/account/register?role=startup")
    expect(tab.get_by_label("A startup that wants to run a pilot")).to_be_checked()
    tab.get_by_label("Your name").fill("Sam Founder")
    tab.get_by_label("Email").fill(STARTUP_EMAIL)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_label("Organisation (startups)").fill("Sommeil+")
    tab.get_by_role("button", name="Create my account").click()
    expect(tab).to_have_url("/studies/", timeout=WAIT)
    screenshot(tab, "review-01-startup-studies")

    # A new draft.
    tab.get_by_role("link", name="New study").first.click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("New study", timeout=WAIT)
    tab.get_by_label("Title").fill(TITLE)
    tab.get_by_label("Domain").select_option(label="E-health")
    screenshot(tab, "review-02-new-study")
    tab.get_by_role("button", name="Create the draft").click()
    flash(tab, "Your draft is ready.")
    expect(tab).to_have_url(re.compile(r"/studies/\d+/edit$"))
    study_id = int(re.search(r"/studies/(\d+)/edit", tab.url).group(1))

    # The protocol editor.
    tab.get_by_label("Plain-language summary").fill("Does a four-week sleep coaching app help people sleep longer?")
    tab.get_by_label("Objectives", exact=True).fill("Measure the change in nightly sleep duration after coaching.")
    tab.get_by_label("Intervention", exact=True).fill(
        "Use the Sommeil+ app for ten minutes every evening for four weeks."
    )
    tab.get_by_label("Risks and how they are reduced").fill("Minimal: some tiredness while habits change.")
    tab.get_by_label("Duration").fill("Four weeks, two short surveys.")
    tab.get_by_label("Place").fill("At home, online.")
    tab.get_by_label("Compensation").fill("Nothing.")
    tab.get_by_label("Sponsor").fill("Sommeil Santé SAS")  # RIPH: the law requires one
    tab.get_by_label("Design", exact=True).select_option(label="Single group, before and after")
    tab.get_by_label("Timepoint 1", exact=True).fill("Before the coaching")
    tab.get_by_label("Timepoint 2", exact=True).fill("After four weeks")
    tab.get_by_label("Target enrolment", exact=True).fill("40")
    tab.get_by_label("Minimum age").fill("18")
    tab.get_by_label("Other eligibility criteria").fill("I sleep less than seven hours a night")
    tab.get_by_label("Hypothesis").select_option(label="The outcome increases")
    tab.get_by_label("Data collected and why").fill("Sleep hours, to measure the outcome; age, to check eligibility.")
    # The qualification questionnaire proposes the category and the CNIL route, which it fills in.
    tab.get_by_role("group", name="What is the pilot for?").get_by_label("To learn something about health").check()
    for question in (
        "Does the pilot only reuse data that already exist",
        "Is a medical device used outside the purpose of its CE marking",
        "Apart from questionnaires and interviews",
        "Is it only questionnaires or interviews",
    ):
        tab.get_by_role("group", name=question).get_by_label("No").check()
    tab.get_by_label("Principal investigator").fill("Dr Hélène Morvan")
    tab.get_by_label("ID-RCB number").fill("2026-A01123-45")
    tab.get_by_label("Medical device", exact=True).select_option(label="No medical device")
    tab.get_by_label("Ethics committee (CPP) opinion").fill("CPP-2024-0042")
    tab.get_by_label("Ethics committee (CPP) name").fill("CPP Ouest IV")
    tab.get_by_label("Date of the CPP opinion").fill("2026-10-01")
    tab.get_by_label("CPP decision").select_option(label="Favourable")
    tab.get_by_label("ANSM authorisation or information").fill("Opinion sent to the ANSM on 2026-10-02")
    tab.get_by_label("A data protection impact assessment (DPIA) has been carried out").check()
    tab.get_by_label("DPIA reference").fill("DPIA-2026-07")
    tab.get_by_label("DPIA date").fill("2026-09-20")
    tab.get_by_label("Legal basis of the processing").select_option(label="Legitimate interests (art. 6(1)(f))")
    tab.get_by_label("Health data: the GDPR art. 9 exception").select_option(label="Scientific research (art. 9(2)(j))")
    tab.get_by_label("Data protection officer (DPO) contact").fill("dpo@sommeil.example")
    tab.get_by_label("Where the data are hosted").fill("LivingLab, France")
    tab.get_by_label("Data retention (months)").fill("24")
    screenshot(tab, "review-03-protocol-editor")
    tab.get_by_role("button", name="Save draft").click()
    flash(tab, "Draft saved.")
    expect(tab.get_by_role("alert")).to_have_count(0)
    expect(tab.locator("#qualification-outcome")).to_contain_text("Proposed: RIPH 3, under MR-003.")
    expect(tab.get_by_label("Category of research")).to_have_value("riph3")
    expect(tab.get_by_label("CNIL framework")).to_have_value("mr003")

    # The consent form.
    tab.goto(f"/studies/{study_id}/consent")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Consent form", timeout=WAIT)
    tab.get_by_label("Information for participants").fill(
        "This pilot tests a sleep coaching app for four weeks. You answer two short surveys. "
        "Your answers are kept under a pseudonym. You may withdraw at any time."
    )
    tab.locator("#clauses-0-text").fill("I agree that my answers are used, under a pseudonym, for this pilot.")
    tab.locator("#clauses-0-required").check()
    screenshot(tab, "review-04-consent")
    tab.get_by_role("button", name="Save as a new version").click()
    flash(tab, "Consent version 1 saved.")

    # Two surveys, the same numeric question at both timepoints.
    new_survey(tab, study_id, "Before the coaching", "Before the coaching")
    screenshot(tab, "review-05-new-survey")
    tab.get_by_role("button", name="Create the survey with this question").click()
    flash(tab, "Survey “Before the coaching” created.")
    new_survey(tab, study_id, "After four weeks", "After four weeks")
    tab.get_by_role("button", name="Create the survey with this question").click()
    flash(tab, "Survey “After four weeks” created.")
    screenshot(tab, "review-06-survey-created")

    # The primary outcome, now picked among the surveys' numbers.
    tab.goto(f"/studies/{study_id}/edit")
    variable = tab.get_by_label("Primary outcome variable")
    expect(variable).to_have_js_property("tagName", "SELECT", timeout=WAIT)
    variable.select_option(
        label="On average, how many hours did you sleep per night last week? "
        "(asked at Before the coaching, After four weeks)"
    )
    tab.get_by_label("Hypothesis").select_option("increase")
    tab.get_by_role("button", name="Save draft").click()
    flash(tab, "Draft saved. Nothing is missing: you can submit it for review.")

    # Submission.
    tab.goto(f"/studies/{study_id}")
    badge(tab, "Draft")
    screenshot(tab, "review-07-ready-to-submit")
    tab.get_by_role("button", name="Submit for review").click()
    flash(tab, "Submitted for review.")
    badge(tab, "Submitted for review")
    screenshot(tab, "review-08-submitted")
    sign_out(tab)

    # The coordinator asks for changes.
    sign_in(tab, COORDINATOR_EMAIL)
    tab.get_by_role("link", name="Review queue", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Review queue", timeout=WAIT)
    screenshot(tab, "review-09-queue")
    tab.get_by_role("link", name=REVIEW_LINK).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Review: {TITLE}", timeout=WAIT)
    tab.get_by_label("Request changes").check()
    tab.get_by_label("Comment to the startup").fill("Please say how tiredness is followed up during the pilot.")
    # A comment under two sections of the protocol: a box under each
    tab.get_by_label("Your comment on “Design” (optional)").fill("Why forty participants?")
    tab.get_by_label("Your comment on “After four weeks” (optional)").fill("Ask about tiredness here too.")
    screenshot(tab, "review-10-request-changes")
    tab.get_by_role("button", name="Record the decision").click()
    flash(tab, "Changes requested")
    badge(tab, "Changes requested")
    sign_out(tab)

    # The startup reads the decision, fixes the risks and resubmits.
    sign_in(tab, STARTUP_EMAIL)
    tab.goto(f"/studies/{study_id}")
    badge(tab, "Changes requested")
    requested = tab.get_by_role("region", name="Changes requested by the reviewer")
    expect(requested).to_contain_text("Please say how tiredness is followed up during the pilot.", timeout=WAIT)
    expect(tab.locator(".next-step")).to_contain_text("Fix the requested changes")
    # The response letter: a reply under each comment, saved before resubmitting
    expect(requested).to_contain_text("3 comments have no reply yet")
    requested.locator("li", has_text="Why forty participants?").get_by_label("Your reply to this comment").fill(
        "Forty gives 80 % power to detect one more hour of sleep."
    )
    requested.locator("li", has_text="how tiredness is followed up").get_by_label("Your reply to this comment").fill(
        "A weekly check-in now asks about tiredness: see the risks."
    )
    screenshot(tab, "review-11-changes-requested")
    tab.get_by_role("button", name="Save the replies").click()
    flash(tab, "2 replies saved. 1 comment is still unanswered.")
    expect(requested).to_contain_text("1 comment has no reply yet: Survey “After four weeks”")
    tab.get_by_role("link", name="Edit protocol").click()
    expect(tab.get_by_role("region", name="Changes requested by the reviewer")).to_be_visible(timeout=WAIT)
    tab.get_by_label("Risks and how they are reduced").fill(
        "Minimal: some tiredness while habits change. A weekly check-in asks about tiredness; "
        "anyone too tired can stop at once."
    )
    tab.get_by_role("button", name="Save draft").click()
    flash(tab, "Draft saved.")
    tab.goto(f"/studies/{study_id}")
    tab.get_by_role("button", name="Submit for review").click()
    flash(tab, "Submitted for review.")
    badge(tab, "Submitted for review")
    sign_out(tab)

    # The coordinator approves and opens recruitment.
    sign_in(tab, COORDINATOR_EMAIL)
    tab.goto("/studies/queue")
    tab.get_by_role("link", name=REVIEW_LINK).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Review: {TITLE}", timeout=WAIT)
    expect(tab.locator("main")).to_contain_text("A weekly check-in asks about tiredness")
    # What changed since round 1, beside the startup's replies
    since = tab.get_by_role("region", name="Since round 1, which you reviewed")
    expect(since).to_contain_text("Forty gives 80 % power to detect one more hour of sleep.", timeout=WAIT)
    expect(since).to_contain_text("A weekly check-in now asks about tiredness: see the risks.")
    expect(since.locator("li", has_text="Ask about tiredness here too.")).to_contain_text("No reply.")
    changed = since.locator("table.diff tr", has_text="Risks and how they are reduced")
    expect(changed.locator("ins")).to_contain_text("A weekly check-in asks about tiredness")
    screenshot(tab, "review-12-letter-and-changes")
    tab.get_by_label("Approve").check()
    tab.get_by_role("button", name="Record the decision").click()
    flash(tab, "Approved. The protocol is registered with the fingerprint")
    badge(tab, "Approved")
    fingerprint = tab.locator(".registration .hash")
    expect(fingerprint).to_have_text(re.compile(r"^\s*[0-9a-f]{64}\s*$"), timeout=WAIT)
    registered = fingerprint.inner_text().strip()
    screenshot(tab, "review-13-approved")
    tab.get_by_role("button", name="Open recruitment").click()
    flash(tab, "Recruitment is open")
    badge(tab, "Recruiting")
    screenshot(tab, "review-14-recruiting")

    db.session.commit()  # end any old snapshot: see what the live server committed
    study = db.session.scalar(select(Study))
    assert study.id == study_id
    assert study.status == "recruiting"
    assert study.registration_hash == registered
