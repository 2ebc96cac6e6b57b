"""Issue 14, item 11, on a phone in French: a visitor says where they take part while checking whether they can
join a pilot run at two sites, before the consent; the enrolment keeps the site."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants.models import Enrolment, Screening
from tests.conftest import protocol_of_category

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"
WAIT = 15_000
SITES = [{"key": "ward_3", "name": "CHU de Nantes, service 3"}, {"key": "pharmacy", "name": "Pharmacie du Commerce"}]


def test_a_visitor_chooses_their_site_while_joining_on_a_phone_in_french(
    browser, live_server, browser_errors, make_study, screenshot
):
    browser_errors.allow("status of 422")  # the check sent once without a site, on purpose
    pilot = make_study("recruiting", protocol={**protocol_of_category("riph1"), "sites": SITES})
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": "fr"},
    )
    tab = context.new_page()
    browser_errors.watch(tab)
    tab.goto(f"/pilots/{pilot.id}/eligibility")
    tab.get_by_label("Votre âge").fill("34")
    for criterion in pilot.eligibility["criteria"]:
        tab.get_by_role("group", name=criterion).get_by_label("Oui").check()
    tab.get_by_role("button", name="Vérifier").click()
    expect(tab.get_by_text("Veuillez choisir où vous participez.")).to_be_visible(timeout=WAIT)
    sites = tab.get_by_role("group", name="Où participez-vous ?")
    expect(sites.get_by_label("CHU de Nantes, service 3")).to_be_visible()
    sites.get_by_label("Pharmacie du Commerce").check()
    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
    screenshot(tab, "sites-eligibility-fr")
    tab.get_by_role("button", name="Vérifier").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Formulaire de consentement", timeout=WAIT)
    db.session.rollback()  # what the live server committed
    assert db.session.scalars(select(Screening.site).where(Screening.study_id == pilot.id)).all() == ["pharmacy"]
    tab.get_by_label("I have read and understood the information about this pilot.").check()
    tab.get_by_label("I agree that my answers are used, under a pseudonym, for this pilot.").check()
    tab.get_by_label("Vos prénom et nom, en guise de signature").fill("Dominique Visiteur")
    tab.get_by_label("Adresse e-mail").fill("dominique@example.org")
    tab.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    tab.get_by_role("button", name="Je consens, je crée mon compte et je participe").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Bienvenue dans le pilote", timeout=WAIT)
    db.session.rollback()
    assert db.session.scalars(select(Enrolment.site).where(Enrolment.study_id == pilot.id)).all() == ["pharmacy"]
    context.close()
