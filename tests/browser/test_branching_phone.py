"""Branching on a phone, in French (issue 14, item 1): answering “Non” hides the follow-up question (static
branching.js, under the CSP's script-src 'self'), “Oui” shows it again, and the answers sent store the follow-up
as not applicable."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.auth.services import create_user
from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Answer

from .conftest import PHONE

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"
WAIT = 15_000  # the machine may be busy
CLAUSES = {"understood": True, "data_use": True}
SLEEP = {"key": "sleep_hours", "text": "Heures de sommeil ?", "type": "number", "min": 0, "max": 24, "unit": "h"}
SURVEYS = [
    {
        "key": "baseline",
        "title": "Avant le coaching",
        "timepoint": "baseline",
        "items": [
            SLEEP,
            {"key": "smoker", "text": "Fumez-vous ?", "type": "yes_no"},
            {
                "key": "cigarettes",
                "text": "Combien de cigarettes par jour ?",
                "type": "number",
                "min": 0,
                "max": 100,
                "show_if": {"all": [{"key": "smoker", "op": "equals", "value": True}]},
            },
            {"key": "who", "instrument": "who5"},
        ],
    },
    {"key": "follow_up", "title": "Après", "timepoint": "follow_up", "items": [SLEEP]},
]


def test_answering_non_hides_the_follow_up_and_stores_it_as_not_applicable(
    make_study, browser, live_server, browser_errors, screenshot
):
    pilot = make_study("recruiting", protocol=sleep_protocol(), survey_defs=SURVEYS)
    user = create_user("camille@example.org", PASSWORD, "Camille Martin", "participant")
    services.enrol(
        user, pilot, consent_version=1, clauses=CLAUSES, signature=user.name, age=34, criteria_confirmed=True
    )
    db.session.commit()
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    tab = context.new_page()
    browser_errors.watch(tab)
    try:
        tab.goto("/account/signin")
        tab.get_by_label("Adresse e-mail").fill(user.email)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        expect(tab.get_by_role("button", name="Se déconnecter")).to_be_visible(timeout=WAIT)
        tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
        question = tab.get_by_label("Combien de cigarettes par jour ?")
        smoker = tab.get_by_role("group", name="Fumez-vous ?")
        expect(question).to_be_hidden()  # nothing answered yet: the condition is not met
        smoker.get_by_label("Oui").check()
        expect(question).to_be_visible()
        expect(
            tab.get_by_text("Répondez seulement si vous avez répondu «\u00a0Oui\u00a0» à « Fumez-vous ? ».")
        ).to_be_visible()
        question.fill("12")
        screenshot(tab, "branching-fr-oui")
        smoker.get_by_label("Non").check()
        expect(question).to_be_hidden()
        expect(question).to_be_disabled()  # so the browser sends nothing of it
        tab.get_by_label("Heures de sommeil ?").fill("7.5")
        for i in range(1, 6):
            tab.locator(f"input[name=who_{i}][value='3']").check()
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
        screenshot(tab, "branching-fr-non")
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        expect(tab.get_by_role("status").filter(has_text="sont enregistrées")).to_be_visible(timeout=WAIT)
    finally:
        context.close()
    assert browser_errors.unexpected() == []
    db.session.rollback()  # see what the live server committed
    rows = dict(db.session.execute(select(Answer.item_key, Answer.not_applicable)).all())
    assert rows["cigarettes"] is True and rows["smoker"] is False
    assert db.session.scalar(select(Answer.number).where(Answer.item_key == "cigarettes")) is None


def test_without_javascript_every_question_shows_with_its_condition(make_study, browser, live_server, browser_errors):
    pilot = make_study("recruiting", protocol=sleep_protocol(), survey_defs=SURVEYS)
    user = create_user("dominique@example.org", PASSWORD, "Dominique", "participant")
    services.enrol(
        user, pilot, consent_version=1, clauses=CLAUSES, signature=user.name, age=34, criteria_confirmed=True
    )
    db.session.commit()
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=PHONE, java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto("/account/signin")
        tab.get_by_label("Adresse e-mail").fill(user.email)
        tab.get_by_label("Mot de passe").fill(PASSWORD)
        tab.get_by_role("button", name="Se connecter").click()
        tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
        expect(tab.get_by_label("Combien de cigarettes par jour ?")).to_be_visible()
        expect(
            tab.get_by_text("Répondez seulement si vous avez répondu «\u00a0Oui\u00a0» à « Fumez-vous ? ».")
        ).to_be_visible()
        tab.get_by_label("Heures de sommeil ?").fill("7")
        tab.get_by_role("group", name="Fumez-vous ?").get_by_label("Non").check()
        tab.get_by_label("Combien de cigarettes par jour ?").fill("12")  # filled anyway: it does not apply
        for i in range(1, 6):
            tab.locator(f"input[name=who_{i}][value='3']").check()
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        expect(tab.get_by_role("status").filter(has_text="sont enregistrées")).to_be_visible(timeout=WAIT)
    finally:
        context.close()
    db.session.rollback()
    assert dict(db.session.execute(select(Answer.item_key, Answer.not_applicable)).all())["cigarettes"] is True
