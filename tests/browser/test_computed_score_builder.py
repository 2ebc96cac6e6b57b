"""Issue 14, item 6, in a browser: a founder adds a computed score to a survey in the builder (its label, sum or
mean, the items ticked and one reversed), reads how it is computed on the survey page and in the preview (where
participants would see nothing of it), and finds it among the primary outcomes of the protocol editor; the builder's
form also fits a phone, in French."""

import pytest
from playwright.sync_api import expect

from livinglab.extensions import db
from livinglab.surveys.models import Survey
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WAIT = 15_000  # the machine may be busy
SENTENCE = "Computed: sum of who_1, who_2, sus_2 (sus_2 reversed: 6 − value); given only when all 3 items are answered."


def sign_in(tab, email):
    tab.goto("/account/signin")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.locator("form[action='/account/signout']")).to_have_count(1, timeout=WAIT)


def test_a_founder_adds_a_computed_score_in_the_builder(page, make_study, startup, screenshot):
    study = make_study("draft")
    follow_up = next(s for s in study.surveys if s.key == "follow_up")
    sign_in(page, startup.email)
    page.goto(f"/studies/{study.id}/surveys/{follow_up.id}")
    section = page.locator("section", has=page.get_by_role("heading", name="Add a computed score"))
    section.get_by_label("Label").fill("Mood and ease of use")
    section.get_by_label("Computed as").select_option("sum")
    for key in ("who_1", "who_2", "sus_2"):
        section.locator(f'input[name="score-of"][value="{key}"]').check()
    section.locator('input[name="score-reverse"][value="sus_2"]').check()
    screenshot(page, "computed-score-form")
    section.get_by_role("button", name="Add the score").click()
    expect(page.get_by_text("“mood_ease_use” added.")).to_be_visible(timeout=WAIT)
    item = page.locator("li.item").last
    expect(item).to_contain_text("Mood and ease of use")
    expect(item).to_contain_text(SENTENCE)
    screenshot(page, "computed-score-added")
    db.session.rollback()  # see what the live server committed
    assert db.session.get(Survey, follow_up.id).items[-1] == {
        "key": "mood_ease_use",
        "text": "Mood and ease of use",
        "score": "sum",
        "of": ["who_1", "who_2", "sus_2"],
        "reverse": ["sus_2"],
    }

    page.get_by_role("link", name="Preview as a participant").click()
    expect(page.get_by_text(SENTENCE)).to_be_visible(timeout=WAIT)
    expect(page.locator('[name="mood_ease_use"]')).to_have_count(0)

    page.goto(f"/studies/{study.id}/edit")
    options = page.locator("#primary_variable option")
    expect(options.filter(has_text="Mood and ease of use")).to_have_count(1)


def test_the_score_form_in_french_on_a_phone(phone_page, make_study, startup, screenshot):
    study = make_study("draft")
    follow_up = next(s for s in study.surveys if s.key == "follow_up")
    sign_in(phone_page, startup.email)
    phone_page.get_by_role("button", name="Français").click()
    expect(phone_page.locator("html")).to_have_attribute("lang", "fr", timeout=WAIT)
    phone_page.goto(f"/studies/{study.id}/surveys/{follow_up.id}#add-score")
    section = phone_page.locator("section", has=phone_page.get_by_role("heading", name="Ajouter un score calculé"))
    expect(section).to_be_visible(timeout=WAIT)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    screenshot(phone_page, "computed-score-form-fr")


def test_the_results_show_a_computed_primary_outcome_in_french(page, make_study, take_part, startup, screenshot):
    from livinglab.demo import sleep_protocol
    from tests.surveys.test_computed_scores import surveys

    protocol = sleep_protocol(primary_outcome={"variable": "quality", "hypothesis": "increase"})
    study = make_study("recruiting", protocol=protocol, survey_defs=surveys())
    for (rested, tired), (rested_after, tired_after) in [((2, 4), (4, 2)), ((3, 3), (4, 3)), ((1, 5), (3, 1))]:
        take_part(
            study,
            {
                "baseline": {"sleep_hours": 7, "rested": rested, "tired": tired},
                "follow_up": {"sleep_hours": 7, "rested": rested_after, "tired": tired_after},
            },
        )
    sign_in(page, startup.email)
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr", timeout=WAIT)
    page.goto(f"/studies/{study.id}/results")
    card = page.locator("article.variable", has=page.locator("#var-quality"))
    expect(card).to_contain_text("Calculé : moyenne de rested, tired (tired inversé : 6 − valeur)", timeout=WAIT)
    expect(page.locator("main")).to_contain_text("Sleep quality")
    screenshot(page, "computed-score-results-fr")
