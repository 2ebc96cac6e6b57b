"""Issue 14's survey features together on a phone, in French (items 1, 2 and 4): a survey in two pages whose
second page asks about smoking only of smokers. The condition looks at the first page's answer, which the
second page's script reads from the form; Back keeps the answers; the matrix of the second page is not
applicable under each of its rows once the participant says they do not smoke."""

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
IF_SMOKER = {"all": [{"key": "smoker", "op": "equals", "value": True}]}
SURVEYS = [
    {
        "key": "baseline",
        "title": "Avant le coaching",
        "timepoint": "baseline",
        "items": [
            SLEEP,
            {"key": "smoker", "text": "Fumez-vous ?", "type": "yes_no"},
            {"key": "about_smoking", "section": "Le tabac"},
            {
                "key": "cigarettes",
                "text": "Combien de cigarettes par jour ?",
                "type": "number",
                "min": 0,
                "max": 100,
                "show_if": IF_SMOKER,
            },
            {
                "key": "cravings",
                "text": "Vos envies de fumer",
                "type": "matrix",
                "rows": ["Le matin", "Le soir"],
                "min": 1,
                "max": 3,
                "labels": ["Faibles", "Moyennes", "Fortes"],
                "show_if": IF_SMOKER,
            },
            {"key": "comments", "text": "Autre chose ?", "type": "text", "required": False},
        ],
    },
    {"key": "follow_up", "title": "Après", "timepoint": "follow_up", "items": [SLEEP]},
]


def test_a_condition_on_the_first_page_decides_the_second_with_back_and_next(
    make_study, browser, live_server, browser_errors, screenshot
):
    pilot = make_study("recruiting", protocol=sleep_protocol(), survey_defs=SURVEYS)
    user = create_user("camille@example.org", PASSWORD, "Camille Martin", "participant")
    services.enrol(
        user, pilot, consent_version=1, clauses=CLAUSES, signature=user.name, age=34, criteria_confirmed=True
    )
    db.session.commit()
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
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
        tab.get_by_label("Heures de sommeil ?").fill("7")
        tab.get_by_role("group", name="Fumez-vous ?").get_by_label("Oui").check()
        tab.get_by_role("button", name="Suivant").click()
        expect(tab.get_by_role("heading", name="Le tabac")).to_be_visible(timeout=WAIT)
        cigarettes = tab.get_by_label("Combien de cigarettes par jour ?")
        expect(cigarettes).to_be_visible()  # the script read "Oui" from the first page's answers
        cigarettes.fill("12")
        tab.get_by_role("group", name="Le matin", exact=True).get_by_label("Fortes").check()
        tab.get_by_role("group", name="Le soir", exact=True).get_by_label("Faibles").check()
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
        screenshot(tab, "branching-pages-fr")
        tab.get_by_role("button", name="Retour").click()
        smoker = tab.get_by_role("group", name="Fumez-vous ?")
        expect(smoker.get_by_label("Oui")).to_be_checked(timeout=WAIT)  # kept in the draft
        smoker.get_by_label("Non").check()
        tab.get_by_role("button", name="Suivant").click()
        # the smoking page has nothing left to show: the last page is the second of two
        expect(tab.get_by_text("Page 2 sur 2")).to_be_visible(timeout=WAIT)
        expect(tab.get_by_label("Combien de cigarettes par jour ?")).to_have_count(0)
        tab.get_by_label("Autre chose ?").fill("Merci")
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        expect(tab.get_by_role("status").filter(has_text="sont enregistrées")).to_be_visible(timeout=WAIT)
    finally:
        context.close()
    assert browser_errors.unexpected() == []
    db.session.rollback()  # see what the live server committed
    rows = {
        key: (number, na)
        for key, number, na in db.session.execute(select(Answer.item_key, Answer.number, Answer.not_applicable))
    }
    assert rows == {
        "sleep_hours": (7.0, False),
        "smoker": (0.0, False),
        "cigarettes": (None, True),
        "cravings_1": (None, True),
        "cravings_2": (None, True),
        "comments": (None, False),
    }
