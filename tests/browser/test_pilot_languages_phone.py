"""Issue 14, item 8, on a phone: a founder translates a pilot written in English into French on the translation
page, submits it, and a citizen whose interface is French answers its survey reading French questions and
choices; the data dictionary then carries both languages' labels."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.auth.services import create_user
from livinglab.demo import build_study, sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import Answer
from livinglab.studies import services
from livinglab.studies.models import Study
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WAIT = 15_000
PHONE = {"width": 390, "height": 844}
SURVEYS = [
    {
        "key": "baseline",
        "title": "Your sleep",
        "timepoint": "baseline",
        "items": [
            {"key": "sleep_hours", "type": "number", "text": "Hours of sleep?", "min": 0, "max": 24},
            {"key": "shift", "type": "single_choice", "text": "Your shifts?", "choices": ["Nights", "Rotating"]},
        ],
    },
    {
        "key": "follow_up",
        "title": "Four weeks later",
        "timepoint": "follow_up",
        "items": [{"key": "sleep_hours", "type": "number", "text": "Hours of sleep?", "min": 0, "max": 24}],
    },
]
FRENCH = {
    "Your sleep": "Votre sommeil",
    "Hours of sleep?": "Heures de sommeil ?",
    "Your shifts?": "Vos horaires ?",
    "Nights": "De nuit",
    "Rotating": "Alternés",
}


def phone(browser, live_server, locale):
    return browser.new_context(
        base_url=live_server.url,
        locale=locale,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": locale[:2]},
    )


def sign_in(tab, email, labels):
    tab.goto("/account/signin")
    tab.get_by_label(labels[0]).fill(email)
    tab.get_by_label(labels[1]).fill(PASSWORD)
    tab.get_by_role("button", name=labels[2]).click()
    expect(tab.get_by_role("button", name=labels[3])).to_be_visible(timeout=WAIT)


def test_a_founder_translates_on_a_phone_and_a_french_citizen_answers_in_french(
    browser, live_server, browser_errors, startup, coordinator, screenshot
):
    pilot = build_study(startup, coordinator, "draft", protocol=sleep_protocol(languages=["en"]), survey_defs=SURVEYS)
    db.session.commit()
    founder = phone(browser, live_server, "en-GB")
    tab = founder.new_page()
    browser_errors.watch(tab)
    sign_in(tab, startup.email, ("Email", "Password", "Sign in", "Sign out"))
    tab.goto(f"/studies/{pilot.id}/translations")
    tab.get_by_label("Also offered in French").check()
    tab.get_by_role("button", name="Save translations").click()
    expect(tab.get_by_role("status").filter(has_text="Translations saved.")).to_be_visible(timeout=WAIT)
    group = tab.get_by_role("group", name="In French")
    expect(group.get_by_text("missing", exact=True).first).to_be_visible()
    fields = group.locator("input[name^='t-fr-'], textarea[name^='t-fr-']")
    for n in range(fields.count()):
        field = fields.nth(n)
        source = tab.locator(f"label[for='{field.get_attribute('id')}'] .source-text").inner_text()
        field.fill(FRENCH.get(source, "FR · " + source.replace("\n", " ")))
    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
    screenshot(tab, "translations-founder-phone")
    tab.get_by_role("button", name="Save translations").click()
    expect(tab.get_by_text("Complete: every text is translated.")).to_be_visible(timeout=WAIT)
    founder.close()

    db.session.rollback()  # what the live server committed
    pilot = db.session.get(Study, pilot.id)
    services.submit(startup, pilot)  # refused if a French text were missing
    services.decide(coordinator, pilot, "approve", "")
    services.set_recruitment(coordinator, pilot, "recruiting")
    citizen = create_user("camille@example.org", PASSWORD, "Camille Martin", "participant")
    consent = pilot.current_consent
    participation.enrol(
        citizen,
        pilot,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=citizen.name,
        age=34,
        criteria_confirmed=True,
    )
    db.session.commit()

    context = phone(browser, live_server, "fr-FR")
    tab = context.new_page()
    browser_errors.watch(tab)
    sign_in(tab, citizen.email, ("Adresse e-mail", "Mot de passe", "Se connecter", "Se déconnecter"))
    tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Votre sommeil", timeout=WAIT)
    tab.get_by_label("Heures de sommeil ?").fill("7")
    tab.get_by_role("group", name="Vos horaires ?").get_by_label("Alternés").check()
    assert "Hours of sleep?" not in tab.content()
    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
    screenshot(tab, "survey-citizen-fr-phone")
    tab.get_by_role("button", name="Envoyer mes réponses").click()
    expect(tab.get_by_role("status").first).to_be_visible(timeout=WAIT)
    context.close()
    db.session.rollback()
    stored = db.session.scalars(select(Answer.text).where(Answer.item_key == "shift")).all()
    assert stored == ["Rotating"]  # the choice as written, whatever language it was read in
