"""Issue 9, item 19, measured in chromium: radio buttons on their label's line, the Register button's text
centred, participant codes never cut at their hyphen, tap targets of at least 44px on a phone, a French
header of two lines on a phone, charts that keep their place before they load, and the approval's
fingerprint shortened with a copy button (and whole, selectable text without JavaScript)."""

import re

import pytest
from playwright.sync_api import expect

from livinglab.demo import food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.studies import services as studies
from livinglab.studies.models import Study
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests/conftest.py's make_user
SIZES = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}
LOCALES = {"en": "en-GB", "fr": "fr-FR"}


@pytest.fixture
def world(make_study, make_user, startup, coordinator):
    """A recruiting two-arm pilot; a participant who answered its baseline (the week-4 survey, with its yes/no
    and 0–10 questions, is open) and a submitted study waiting for a decision."""
    pilot = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    citizen = make_user("participant", name="Camille Martin")
    consent = pilot.current_consent
    services.enrol(
        citizen,
        pilot,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=citizen.name,
        age=34,
        criteria_confirmed=True,
    )
    services.submit_response(citizen, pilot, "baseline", {"satisfaction": 4, "diet": "Omnivore"})
    submitted = make_study("submitted")
    db.session.commit()
    return {
        "pilot": pilot.id,
        "submitted": submitted.id,
        "citizen": citizen,
        "startup": startup,
        "coordinator": coordinator,
    }


def tab_for(browser, live_server, size="desktop", lang="en", user=None, **options):
    context = browser.new_context(
        base_url=live_server.url, locale=LOCALES[lang], timezone_id="Europe/Paris", **SIZES[size], **options
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    if user is not None:
        tab.goto("/account/signin")
        tab.locator("#email").fill(user.email)
        tab.locator("#password").fill(PASSWORD)
        with tab.expect_navigation():
            tab.locator("main form button[type=submit]").click()
    return tab


def box(tab, selector: str) -> dict:
    return tab.locator(selector).bounding_box()


# A text's first line, as the browser laid it out.
FIRST_LINE = """element => { const range = document.createRange(); range.selectNodeContents(element);
  const r = range.getClientRects()[0]; return {x: r.x, y: r.y, width: r.width, height: r.height}; }"""
LINES = """element => { const range = document.createRange(); range.selectNodeContents(element);
  const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top))); return tops.size; }"""


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_radio_buttons_sit_on_their_labels_line(browser, live_server, world, size):
    tab = tab_for(browser, live_server, size, user=world["citizen"])
    tab.goto(f"/pilots/{world['pilot']}/surveys/week_4")
    for index in (1, 2):
        radio = box(tab, f"#a-keep-{index}")
        line = tab.locator(f"label[for=a-keep-{index}]").evaluate(FIRST_LINE)
        assert abs((radio["y"] + radio["height"] / 2) - (line["y"] + line["height"] / 2)) <= 2, (radio, line)
    tab.context.close()


def test_yes_no_and_0_to_10_answers_are_44px_tap_targets_on_a_phone(browser, live_server, world):
    tab = tab_for(browser, live_server, "phone", user=world["citizen"])
    tab.goto(f"/pilots/{world['pilot']}/surveys/week_4")
    targets = (
        tab.locator("label[for^=a-keep-]").all() + tab.locator("fieldset:has(input[name=recommend]) .scale-point").all()
    )
    assert len(targets) == 2 + 11
    for target in targets:
        size = target.bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44, (target.inner_text(), size)
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing pushed off screen
    # and the whole target answers: a tap at the corner of "No" chooses no (on screen: taps are in the viewport)
    tab.locator("label[for=a-keep-2]").scroll_into_view_if_needed()
    no = box(tab, "label[for=a-keep-2]")
    tab.touchscreen.tap(no["x"] + no["width"] - 3, no["y"] + no["height"] - 3)
    assert tab.locator("#a-keep-2").is_checked()
    tab.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_register_buttons_text_is_centred(browser, live_server, size, lang):
    tab = tab_for(browser, live_server, size, lang)
    tab.goto("/")
    button = tab.locator("header a.button").first
    outer = button.bounding_box()
    text = button.evaluate(FIRST_LINE)
    assert abs((outer["y"] + outer["height"] / 2) - (text["y"] + text["height"] / 2)) <= 1
    assert abs((outer["x"] + outer["width"] / 2) - (text["x"] + text["width"] / 2)) <= 1
    tab.context.close()


def test_participant_codes_are_never_cut_at_their_hyphen(browser, live_server, world):
    for user, path in (
        (world["startup"], f"/studies/{world['pilot']}/participants"),
        (world["citizen"], f"/pilots/{world['pilot']}/answers"),
    ):
        tab = tab_for(browser, live_server, "phone", user=user)
        tab.goto(path)
        code = tab.locator(".participant-code").first
        # however narrow its place, the code stays on one line
        code.evaluate("element => { element.parentElement.style.width = '3em'; }")
        assert code.evaluate(LINES) == 1, path
        tab.context.close()


@pytest.mark.parametrize("role", ["anonymous", "citizen", "startup", "coordinator"])
def test_the_french_header_takes_two_lines_on_a_phone(browser, live_server, world, role):
    tab = tab_for(browser, live_server, "phone", "fr", user=world.get(role))
    tab.goto("/pilots/")
    assert tab.locator("html").get_attribute("lang") == "fr"
    centres = sorted(
        tab.evaluate("""() => [...document.querySelectorAll(
        '.site-header .brand, .site-header .lang button, .site-header .nav > a, .site-header .nav button, .site-header .signout button')]
        .map(e => { const r = e.getBoundingClientRect(); return r.top + r.height / 2; })""")
    )
    rows = 1 + sum(1 for above, below in zip(centres, centres[1:], strict=False) if below - above > 16)
    assert rows <= 2, f"{rows} lines: {centres}"
    assert box(tab, ".site-header")["height"] <= 130
    assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tab.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_coordinators_french_header_keeps_its_admin_pages_in_one_menu(browser, live_server, world, size):
    """Eight links made the coordinators' French header three lines high at 1280 px: the pages opened now and
    then (coordinators, audit trail, outbox, retention) are in an "Administration" menu, reached in two clicks."""
    tab = tab_for(browser, live_server, size, "fr", user=world["coordinator"])
    tab.goto("/pilots/")
    if size == "desktop":
        tops = tab.evaluate("""() => [...document.querySelectorAll(
            '.site-header .brand, .site-header .lang button, .site-header .nav > a, .site-header .nav button, .site-header .signout button, .menu > summary')]
            .map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2))""")
        assert max(tops) - min(tops) <= 16, f"more than one line: {tops}"
    menu = tab.locator("details.menu")
    expect(menu.locator("a", has_text="Journal d'audit")).to_be_hidden()
    menu.locator("summary").click()
    assert tab.evaluate("document.documentElement.scrollWidth") <= tab.viewport_size["width"]
    menu.locator("a", has_text="Journal d'audit").click()
    expect(tab).to_have_url(re.compile(r"/audit"))
    tab.context.close()


def test_charts_keep_their_place_before_they_load(browser, live_server, world, make_study):
    from livinglab.demo import populate

    study = make_study("recruiting")
    populate(study, 6, seed=3)
    db.session.commit()
    tab = tab_for(browser, live_server, "desktop", user=world["startup"])
    tab.route("**/results/charts/*.svg", lambda route: route.abort())  # the images never arrive
    tab.goto(f"/studies/{study.id}/results")
    images = tab.locator("figure.chart img").all()
    assert images
    for image in images:
        image.scroll_into_view_if_needed()
        size = image.bounding_box()
        width, height = int(image.get_attribute("width")), int(image.get_attribute("height"))
        assert size["height"] > 100 and abs(size["width"] / size["height"] - width / height) < 0.02, size
    tab.context.close()


def test_the_approval_fingerprint_is_short_with_a_copy_button(browser, live_server, world):
    tab = tab_for(browser, live_server, "desktop", user=world["coordinator"])
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab.goto(f"/studies/{world['submitted']}/review")
    tab.get_by_label("Approve").check()
    tab.get_by_role("button", name="Record the decision").click()
    flash = tab.locator(".flash-success")
    flash.wait_for()
    db.session.rollback()
    fingerprint = db.session.get(Study, world["submitted"]).registration_hash
    code = flash.locator("code.hash-short")
    assert code.text_content() == fingerprint  # whole in the page: selecting it copies all of it
    assert code.bounding_box()["width"] < 160  # shown short
    button = flash.get_by_role("button", name="Copy the fingerprint")
    assert button.is_visible()
    button.click()
    assert tab.evaluate("navigator.clipboard.readText()") == fingerprint
    # the study page shows it whole
    assert tab.locator("#registration-hash").inner_text() == fingerprint
    tab.context.close()


def test_without_javascript_the_fingerprint_is_plain_selectable_text(browser, live_server, world):
    study_id = world["submitted"]
    studies.decide(world["coordinator"], db.session.get(Study, study_id), "approve", "")
    db.session.commit()
    tab = tab_for(browser, live_server, "desktop", user=world["startup"], java_script_enabled=False)
    tab.goto(f"/studies/{study_id}")
    assert len(tab.locator("#registration-hash").inner_text()) == 64
    assert not tab.locator(".registration .copy-button").is_visible()  # nothing that cannot work
    tab.context.close()
