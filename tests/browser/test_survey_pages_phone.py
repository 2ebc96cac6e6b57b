"""Issue 14, item 4, in a browser: a citizen answers a survey with sections on a phone, in French, page by page,
going Next, Back (the answers kept), Next and Send; the page works without JavaScript too."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.models import Answer, Response
from tests.conftest import PASSWORD
from tests.surveys.test_pages import paged_surveys

pytestmark = pytest.mark.browser

WAIT = 15_000  # the machine may be busy
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def pilot(make_study, make_user):
    study = make_study("recruiting", survey_defs=paged_surveys())
    citizen = make_user("participant", email="camille@example.org", name="Camille Martin")
    services.enrol(
        citizen,
        study,
        consent_version=1,
        clauses={"understood": True, "data_use": True},
        signature=citizen.name,
        age=34,
        criteria_confirmed=True,
    )
    db.session.commit()
    return study


def phone_in_french(browser, live_server, java_script=True):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=java_script,
    )
    context.set_default_timeout(WAIT)
    tab = context.new_page()
    tab.goto("/account/signin")
    tab.locator("input[name=email]").fill("camille@example.org")
    tab.locator("input[name=password]").fill(PASSWORD)
    tab.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(tab.get_by_role("button", name="Se déconnecter")).to_be_visible()
    return context, tab


def fits(tab) -> bool:
    return not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize("java_script", [True, False], ids=["js", "no-js"])
def test_a_citizen_answers_a_survey_page_by_page_on_a_phone_in_french(
    browser, live_server, pilot, screenshot, java_script
):
    context, tab = phone_in_french(browser, live_server, java_script)
    try:
        tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
        expect(tab.get_by_text("Page 1 sur 3")).to_be_visible()
        expect(tab.locator("progress")).to_have_attribute("value", "1")
        expect(tab.get_by_role("button", name="Retour")).to_have_count(0)
        tab.locator("input[name=sleep_hours]").fill("6.5")
        assert fits(tab)
        if java_script:
            screenshot(tab, "survey-pages-1-fr")
        tab.get_by_role("button", name="Suivant").click()

        expect(tab.get_by_text("Page 2 sur 3")).to_be_visible()
        expect(tab.get_by_role("heading", name="How you feel")).to_be_visible()
        for i in range(1, 6):
            tab.locator(f"input[name=who_{i}][value='4']").check()
        assert fits(tab)
        if java_script:
            screenshot(tab, "survey-pages-2-fr")
        tab.get_by_role("button", name="Retour").click()

        expect(tab.get_by_text("Page 1 sur 3")).to_be_visible()
        expect(tab.locator("input[name=sleep_hours]")).to_have_value("6.5")  # kept in the draft
        tab.get_by_role("button", name="Suivant").click()
        expect(tab.get_by_text("Page 2 sur 3")).to_be_visible()
        expect(tab.locator("input[name=who_3][value='4']")).to_be_checked()  # kept too
        tab.get_by_role("button", name="Suivant").click()

        expect(tab.get_by_text("Page 3 sur 3")).to_be_visible()
        tab.locator("textarea[name=comments]").fill("Merci !")
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        expect(tab.get_by_role("status").filter(has_text="Merci")).to_be_visible()
    finally:
        context.close()
    db.session.rollback()  # see what the live server committed
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    stored = {a.item_key: (a.number, a.text) for a in db.session.scalars(select(Answer))}
    assert stored["sleep_hours"] == (6.5, None) and stored["who_5"] == (4.0, None)
    assert stored["comments"] == (None, "Merci !")


def test_the_pages_and_the_builder_with_sections_have_no_serious_accessibility_violation(
    browser, live_server, pilot, make_study, startup
):
    from tests.browser.test_accessibility import AXE, BLOCKING, axe_violations, start_axe

    draft = make_study("draft", survey_defs=paged_surveys())
    visits = [
        ("camille@example.org", f"/pilots/{pilot.id}/surveys/baseline?page=2"),
        (startup.email, f"/studies/{draft.id}/surveys/{draft.surveys[0].id}"),
        (startup.email, f"/studies/{draft.id}/surveys/{draft.surveys[0].id}/preview"),
    ]
    blocking = []
    for email, path in visits:
        for locale in ("en-GB", "fr-FR"):
            context = browser.new_context(base_url=live_server.url, locale=locale, viewport=PHONE, bypass_csp=True)
            context.set_default_timeout(WAIT)
            tab = context.new_page()
            tab.goto("/account/signin")
            tab.locator("input[name=email]").fill(email)
            tab.locator("input[name=password]").fill(PASSWORD)
            with tab.expect_navigation():
                tab.locator("form:has(input[name=password]) button[type=submit]").click()
            assert tab.goto(path).status == 200
            start_axe(tab)
            blocking += [f"{path} ({locale}): {v['id']}" for v in axe_violations(tab) if v["impact"] in BLOCKING]
            context.close()
    assert AXE.exists() and not blocking, blocking
