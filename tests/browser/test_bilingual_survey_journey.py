"""Issue 14's "done when", in one journey: a founder builds in the browser a survey page with a section, a yes/no
question, a question shown only if it is yes (branching), a matrix, a slider and a computed score, offers the pilot
in French on the translation page; a citizen whose phone reads French answers it page by page (Next, Back with
the answers kept, Next, Send) and reads French; the export and the dictionary then show the not-applicable
answer, the computed score and both languages' labels, and the results page the computed score and the answer
that did not apply."""

import csv
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.demo import build_study, sleep_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.studies import services
from livinglab.studies.models import Study
from livinglab.surveys.models import Survey
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WAIT = 15_000  # the machine may be busy
PHONE = {"width": 390, "height": 844}
SURVEYS = [
    {
        "key": "baseline",
        "title": "Your sleep",
        "timepoint": "baseline",
        "items": [{"key": "sleep_hours", "type": "number", "text": "Hours of sleep?", "min": 0, "max": 24}],
    },
    {
        "key": "follow_up",
        "title": "Four weeks later",
        "timepoint": "follow_up",
        "items": [{"key": "sleep_hours", "type": "number", "text": "Hours of sleep?", "min": 0, "max": 24}],
    },
]


def sign_in(tab, email, labels=("Email", "Password", "Sign in", "Sign out")):
    tab.goto("/account/signin")
    tab.get_by_label(labels[0]).fill(email)
    tab.get_by_label(labels[1]).fill(PASSWORD)
    tab.get_by_role("button", name=labels[2]).click()
    expect(tab.get_by_role("button", name=labels[3])).to_be_visible(timeout=WAIT)


def add_question(tab, text, kind, **settings):
    """The builder's "Add a question" form: the type first (the form shows its settings), then the rest."""
    form = tab.locator("section", has=tab.get_by_role("heading", name="Add a question"))
    form.locator("#question-type").select_option(kind)
    form.locator("#question-text").fill(text)
    if any(name.startswith("show_if") for name in settings):  # "Show this question only if…" opens on demand
        form.locator("details.branch-fields > summary").click()
    for name, value in settings.items():
        field = form.locator(f"#question-{name}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name="Add the question").click()
    expect(tab.get_by_role("status").filter(has_text="added")).to_be_visible(timeout=WAIT)


def items_of(survey_id) -> list[dict]:
    db.session.rollback()  # what the live server committed
    return db.session.get(Survey, survey_id).items


def test_a_founder_builds_a_bilingual_branching_survey_and_a_citizen_answers_it_in_french(
    browser, live_server, page, client, api_headers, startup, coordinator, make_user, screenshot
):
    pilot = build_study(startup, coordinator, "draft", protocol=sleep_protocol(languages=["en"]), survey_defs=SURVEYS)
    db.session.commit()
    baseline = next(s for s in pilot.surveys if s.key == "baseline")

    # --- The founder builds the survey in the builder ---------------------------------------------------------
    sign_in(page, startup.email)
    page.goto(f"/studies/{pilot.id}/surveys/{baseline.id}")
    section = page.locator("section", has=page.get_by_role("heading", name="Add a section"))
    section.get_by_label("Title of the section").fill("Your evenings")
    section.get_by_role("button", name="Add the section").click()
    expect(page.get_by_role("status").filter(has_text="added")).to_be_visible(timeout=WAIT)
    add_question(page, "Do you nap?", "yes_no")
    nap = items_of(baseline.id)[-1]["key"]
    add_question(
        page,
        "How long are your naps?",
        "number",
        unit="min",
        show_if_key_1=nap,
        show_if_op_1="equals",
        show_if_value_1="yes",
    )
    naps = items_of(baseline.id)[-1]
    assert naps["show_if"] == {"all": [{"key": nap, "op": "equals", "value": True}]}
    add_question(
        page,
        "How true is each statement?",
        "matrix",
        rows="I fall asleep easily\nI wake up rested",
        min="1",
        max="4",
        labels="Never\nSometimes\nOften\nAlways",
    )
    grid = items_of(baseline.id)[-1]
    assert grid["rows"] == ["I fall asleep easily", "I wake up rested"]
    add_question(page, "How rested do you feel?", "slider", labels="Not at all\nCompletely")
    rested = items_of(baseline.id)[-1]
    assert rested["type"] == "slider" and rested["labels"] == ["Not at all", "Completely"]
    rows = [f"{grid['key']}_1", f"{grid['key']}_2"]
    score = page.locator("section", has=page.get_by_role("heading", name="Add a computed score"))
    score.get_by_label("Label").fill("Sleep ease")
    score.get_by_label("Computed as").select_option("mean")
    for key in rows:
        score.locator(f'input[name="score-of"][value="{key}"]').check()
    score.get_by_role("button", name="Add the score").click()
    expect(page.get_by_role("status").filter(has_text="added")).to_be_visible(timeout=WAIT)
    derived = items_of(baseline.id)[-1]
    assert (derived["score"], derived["of"]) == ("mean", rows)
    screenshot(page, "journey-builder")

    # --- ... offers it in French on the translation page --------------------------------------------------------
    page.goto(f"/studies/{pilot.id}/translations")
    page.get_by_label("Also offered in French").check()
    page.get_by_role("button", name="Save translations").click()
    expect(page.get_by_role("status").filter(has_text="Translations saved.")).to_be_visible(timeout=WAIT)
    fields = page.get_by_role("group", name="In French").locator("input[name^='t-fr-'], textarea[name^='t-fr-']")
    for n in range(fields.count()):
        field = fields.nth(n)
        source = page.locator(f"label[for='{field.get_attribute('id')}'] .source-text").inner_text()
        field.fill("FR " + source.replace("\n", " "))
    page.get_by_role("button", name="Save translations").click()
    expect(page.get_by_text("Complete: every text is translated.")).to_be_visible(timeout=WAIT)

    # The review is not this test's subject: through the services, which refuse a French text missing.
    db.session.rollback()
    pilot = db.session.get(Study, pilot.id)
    services.submit(startup, pilot)
    services.decide(coordinator, pilot, "approve", "")
    services.set_recruitment(coordinator, pilot, "recruiting")
    citizen = make_user("participant", email="camille@example.org", name="Camille Martin")
    other = make_user("participant", email="dominique@example.org", name="Dominique Durand")
    for person in (citizen, other):
        consent = pilot.current_consent
        participation.enrol(
            person,
            pilot,
            consent_version=consent.version,
            clauses={c["key"]: True for c in consent.clauses},
            signature=person.name,
            age=34,
            criteria_confirmed=True,
        )
    # the other one naps: their answer gives the branched question a value beside the citizen's not applicable
    answers = {"sleep_hours": 8, nap: True, naps["key"]: 20, rows[0]: 4, rows[1]: 2, rested["key"]: 70}
    participation.submit_response(other, pilot, "baseline", answers)
    db.session.commit()

    # --- A citizen answers it on a phone, in French, page by page -----------------------------------------------
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(WAIT)
    tab = context.new_page()
    try:
        sign_in(tab, citizen.email, ("Adresse e-mail", "Mot de passe", "Se connecter", "Se déconnecter"))
        tab.goto(f"/pilots/{pilot.id}/surveys/baseline")
        expect(tab.get_by_role("heading", level=1)).to_have_text("FR Your sleep")
        expect(tab.get_by_text("Page 1 sur 2")).to_be_visible()
        tab.get_by_label("FR Hours of sleep?").fill("6.5")
        tab.get_by_role("button", name="Suivant").click()

        expect(tab.get_by_text("Page 2 sur 2")).to_be_visible()
        expect(tab.get_by_role("heading", name="FR Your evenings")).to_be_visible()
        nap_group = tab.get_by_role("group", name="FR Do you nap?")
        branched = tab.get_by_label("FR How long are your naps?")
        nap_group.get_by_label("Oui").check()
        expect(branched).to_be_visible()  # shown once its condition is met
        nap_group.get_by_label("Non").check()
        expect(branched).to_be_hidden()  # and hidden again: it does not apply
        tab.get_by_role("group", name="FR I fall asleep easily", exact=True).get_by_label("FR Often").check()
        tab.get_by_role("group", name="FR I wake up rested", exact=True).get_by_label("FR Sometimes").check()
        slider = tab.locator(f"#a-{rested['key']}-range")
        expect(slider).to_be_visible()
        slider.scroll_into_view_if_needed()  # a click lands only within the phone's screen
        box = slider.bounding_box()
        # away from the thumb's resting place (50): a click where it stands changes nothing, and answers nothing
        tab.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
        moved = tab.get_by_label("Votre réponse, de 0 à 100")
        expect(moved).not_to_have_value("")
        given = moved.input_value()
        assert "How true is each statement?" not in tab.content().replace("FR How true", "")  # French only
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
        screenshot(tab, "journey-citizen-page-2-fr")
        tab.get_by_role("button", name="Retour").click()

        expect(tab.get_by_text("Page 1 sur 2")).to_be_visible()
        expect(tab.get_by_label("FR Hours of sleep?")).to_have_value("6.5")  # kept in the draft
        tab.get_by_role("button", name="Suivant").click()
        expect(tab.get_by_text("Page 2 sur 2")).to_be_visible()
        expect(tab.get_by_role("group", name="FR Do you nap?").get_by_label("Non")).to_be_checked()  # kept too
        expect(tab.get_by_label("Votre réponse, de 0 à 100")).to_have_value(given)  # the slider's too
        tab.get_by_role("button", name="Envoyer mes réponses").click()
        expect(tab.get_by_role("status").filter(has_text="Merci")).to_be_visible()
    finally:
        context.close()

    # --- The export, the dictionary and the results -----------------------------------------------------------
    db.session.rollback()
    headers = api_headers(startup)
    data = client.get(f"/api/v1/studies/{pilot.id}/export.csv", headers=headers)
    assert data.status_code == 200, data.get_data(as_text=True)[:300]
    by_code = {
        row["participant_code"]: row
        for row in csv.DictReader(io.StringIO(data.get_data(as_text=True).lstrip("\ufeff")))
    }
    citizen_code = participation.enrolment_of(citizen, pilot).participant_code
    other_code = participation.enrolment_of(other, pilot).participant_code
    mine, theirs = by_code[citizen_code], by_code[other_code]
    assert mine[naps["key"]] == "not_applicable" and theirs[naps["key"]] == "20"
    assert (mine[rows[0]], mine[rows[1]]) == ("3", "2")
    assert float(mine[derived["key"]]) == 2.5 and float(theirs[derived["key"]]) == 3  # the computed score
    assert 20 <= float(mine[rested["key"]]) <= 40
    dictionary = client.get(f"/api/v1/studies/{pilot.id}/dictionary.csv", headers=headers)
    entries = {
        row["key"]: row for row in csv.DictReader(io.StringIO(dictionary.get_data(as_text=True).lstrip("\ufeff")))
    }
    assert (entries[nap]["label_en"], entries[nap]["label_fr"]) == ("Do you nap?", "FR Do you nap?")
    row = entries[rows[0]]
    assert row["label_en"].endswith("I fall asleep easily") and row["label_fr"].endswith("FR I fall asleep easily")
    assert derived["key"] in entries

    page.goto(f"/studies/{pilot.id}/results")
    expect(page.locator("main")).to_contain_text("Sleep ease", timeout=WAIT)
    naps_card = page.locator("article.variable", has=page.locator(f"#var-{naps['key']}"))
    expect(naps_card.locator("th", has_text="Not applicable")).to_have_count(1)  # the citizen's, not missing
    screenshot(page, "journey-results")
    stored = db.session.scalars(select(Survey.items).where(Survey.id == baseline.id)).one()
    assert [item.get("key") for item in stored][-1] == derived["key"]
