"""Issue 14, item 2 in a browser: a citizen answers a slider, a matrix and a date on a phone in French (the
untouched slider stays unanswered until moved), and the builder shows only the settings of the chosen type."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.demo import sleep_surveys
from livinglab.extensions import db
from livinglab.participants.models import Answer
from tests.browser.conftest import DESKTOP, PHONE
from tests.conftest import PASSWORD
from tests.surveys.test_question_types import HABITS, ONSET, VAS

pytestmark = pytest.mark.browser

WAIT = 15_000


def surveys() -> list[dict]:
    defs = sleep_surveys()
    defs[0]["items"] = [defs[0]["items"][0], VAS, HABITS, ONSET]  # the hours slept, then the new types
    defs[1]["items"] = [defs[1]["items"][0]]
    return defs


def signed_in_state(browser, live_server, email) -> dict:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=DESKTOP)
    tab = context.new_page()
    tab.goto("/account/signin")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible(timeout=WAIT)
    state = context.storage_state()
    context.close()
    return state


def open_tab(browser, live_server, browser_errors, state, locale, **size):
    context = browser.new_context(
        base_url=live_server.url, locale=locale, timezone_id="Europe/Paris", storage_state=state, **size
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    browser_errors.watch(tab)
    return tab


def test_a_citizen_answers_a_slider_a_matrix_and_a_date_on_a_phone_in_french(
    browser, live_server, browser_errors, make_study, take_part, screenshot
):
    browser_errors.allow("status of 422")  # sent once with the slider untouched, on purpose
    pilot = make_study("recruiting", survey_defs=surveys())
    _code, citizen = take_part(pilot, {})
    tab = open_tab(
        browser,
        live_server,
        browser_errors,
        signed_in_state(browser, live_server, citizen.email),
        "fr-FR",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
    )
    try:
        tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
        expect(tab.locator("html")).to_have_attribute("lang", "fr")
        slider = tab.locator("#a-pain_vas-range")
        number = tab.get_by_label("Votre réponse, de 0 à 100")
        expect(slider).to_be_visible()  # the script showed it
        expect(number).to_have_value("")
        tab.get_by_label("On average, how many hours did you sleep per night last week?").fill("7")
        for row, point in (("walk", "4 · Always"), ("cycle", "1 · Never"), ("swim", "3 · Often")):
            tab.get_by_role("group", name=row, exact=True).get_by_label(point).check()
        tab.get_by_label("When did it start?").fill("2026-03-05")
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
        screenshot(tab, "question-types-fr")
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        # untouched, the slider sent nothing: the page comes back asking for it, the other answers kept
        expect(tab.locator("#a-pain_vas-error")).to_have_text("Veuillez répondre à cette question.", timeout=WAIT)
        expect(tab.get_by_role("group", name="cycle", exact=True).get_by_label("1 · Never")).to_be_checked()
        db.session.rollback()
        assert db.session.scalar(select(Answer.id).limit(1)) is None
        # the page came back: its script shows the range again (bounding_box() does not wait for it)
        expect(slider).to_be_visible()
        box = slider.bounding_box()
        tab.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
        moved = float(number.input_value())
        assert 15 <= moved <= 35, moved
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        expect(tab.locator("#a-pain_vas-error")).to_have_count(0, timeout=WAIT)
        expect(tab.get_by_text("Envoyer mes réponses")).to_have_count(0)
        db.session.rollback()
        stored = dict(db.session.execute(select(Answer.item_key, Answer.number)).all())
        texts = dict(db.session.execute(select(Answer.item_key, Answer.text)).all())
        assert stored["pain_vas"] == moved
        assert [stored[f"habits_{n}"] for n in (1, 2, 3)] == [4, 1, 3]
        assert texts["onset"] == "2026-03-05"
    finally:
        tab.context.close()
    assert not browser_errors.unexpected() and not live_server.errors.records, browser_errors.unexpected()


def test_the_builder_shows_only_the_settings_of_the_chosen_type(
    browser, live_server, browser_errors, make_study, startup, screenshot
):
    study = make_study("draft")
    tab = open_tab(
        browser,
        live_server,
        browser_errors,
        signed_in_state(browser, live_server, startup.email),
        "en-GB",
        viewport=DESKTOP,
    )
    try:
        tab.goto(f"/studies/{study.id}/surveys/{study.surveys[1].id}")
        form = tab.locator("form", has=tab.get_by_role("button", name="Add the question"))
        kind = form.get_by_label("Type of answer")
        kind.select_option("matrix")
        expect(form.get_by_label("Statements")).to_be_visible()
        expect(form.get_by_label("Labels of the scale")).to_be_visible()
        expect(form.get_by_label("Unit")).to_be_hidden()
        expect(form.get_by_label("Choices")).to_be_hidden()
        kind.select_option("single_choice")
        expect(form.get_by_label("Choices")).to_be_visible()
        expect(form.get_by_label("Add “Other (please specify)”")).to_be_visible()
        expect(form.get_by_label("Statements")).to_be_hidden()
        kind.select_option("date")
        expect(form.get_by_label("Lowest value")).to_have_attribute("type", "date")
        expect(form.get_by_label("Labels of the scale")).to_be_hidden()
        kind.select_option("slider")
        expect(form.get_by_label("Labels of the scale")).to_be_visible()
        expect(form.get_by_label("Lowest value")).to_be_hidden()
        screenshot(tab, "builder-slider-settings")
        kind.select_option("text")
        expect(form.get_by_text("Depending on the type of answer")).to_be_hidden()
    finally:
        tab.context.close()
    assert not browser_errors.unexpected() and not live_server.errors.records, browser_errors.unexpected()
