"""Repeated reports on a phone, in French (issue 14, item 7): a participant sends two problem reports from the
dashboard; each is numbered, the dashboard counts them, and the startup is told of each by code and number."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.auth.services import create_user
from livinglab.demo import sleep_protocol, sleep_surveys
from livinglab.extensions import db
from livinglab.notifications.models import OutboxMessage
from livinglab.participants import services
from livinglab.participants.models import Response

from .conftest import PHONE

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"
WAIT = 15_000
CLAUSES = {"understood": True, "data_use": True}
REPORT = {
    "key": "effets",
    "title": "Signaler un problème avec l'application",
    "timepoint": "baseline",
    "repeat": "problem_report",
    "items": [
        {"key": "quoi", "text": "Que s'est-il passé ?", "type": "text"},
        {"key": "gene", "text": "Quelle gêne ?", "type": "likert", "min": 1, "max": 5, "required": False},
    ],
}


def test_a_participant_sends_two_problem_reports_on_a_phone_in_french(
    make_study, browser, live_server, browser_errors, screenshot
):
    pilot = make_study("recruiting", protocol=sleep_protocol(), survey_defs=[*sleep_surveys(), REPORT])
    user = create_user("alix@example.org", PASSWORD, "Alix Martin", "participant")
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
        for n, text in enumerate(("L'application plante au lancement.", "Notification reçue en pleine nuit."), 1):
            tab.goto("/dashboard")
            expect(tab.get_by_text(f"{n - 1} envoyé")).to_be_visible(timeout=WAIT)
            tab.get_by_role("link", name="Signaler un problème").click()
            expect(tab.get_by_role("heading", level=1)).to_have_text(REPORT["title"], timeout=WAIT)
            tab.get_by_label("Que s'est-il passé ?").fill(text)
            if n == 1:
                assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "too wide"
                screenshot(tab, "problem-report-fr")
            tab.get_by_role("button", name="Envoyer mes réponses").click()
            expect(tab.get_by_text("Merci")).to_be_visible(timeout=WAIT)
        expect(tab.get_by_text("2 envoyés")).to_be_visible(timeout=WAIT)
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "too wide"
        screenshot(tab, "problem-report-dashboard-fr")
    finally:
        context.close()
    db.session.rollback()  # what the live server committed
    assert db.session.scalars(select(Response.instance).where(Response.survey.has(key="effets"))).all() == [1, 2]
    told = db.session.scalars(select(OutboxMessage.context).where(OutboxMessage.kind == "problem_reported")).all()
    assert sorted(c["instance"] for c in told) == [1, 1, 2, 2]  # the startup and the coordinator, each time
