"""Issue 14, items 10 and 11, on a phone in English and in French: the catalogue shows a bilingual pilot's places
left by age group and by site in the reader's language, and its founder reads the results and the flow by site
(each figure of a stacked table named as its column is), nothing wider than the phone."""

import pytest
from playwright.sync_api import expect

from livinglab.extensions import db
from livinglab.studies import pilot_languages
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD
from tests.results.test_by_site import SITES, SURVEYS, join, protocol  # noqa: F401  (join: a fixture)

pytestmark = pytest.mark.browser

WAIT = 15_000
WARD_FR = "CHU de Nantes, service 3"
WORDS = {
    "en": {
        "places": ["65 and over: 1 place left", "CHU Nantes, ward 3: 2 places left"],
        "ward": "CHU Nantes, ward 3",
        "by_site": "By site",
        "answered": "Answered at Week 4: 7",  # the timepoint as the pilot names it
        "enrolled": "Enrolled: 8",
        "per_site": "Enrolled per site",
    },
    "fr": {
        "places": ["65 et plus : 1 place restante", f"{WARD_FR} : 2 places restantes"],
        "ward": WARD_FR,
        "by_site": "Par site",
        "answered": "Ont répondu à Week 4 : 7",  # staff read the pilot as written
        "enrolled": "Inclus : 8",
        "per_site": "Inclus par site",
    },
}


@pytest.fixture
def pilot(make_study, join):  # noqa: F811  (join: the fixture imported above)
    """Written in English, offered in French (the ward's name translated); quotas of 3 aged 65 and over and 10 at
    the ward; 8 enrolled at the ward (two aged 70), 4 at the pharmacy."""
    spec = {"ratio": None, "age_strata": [65], "quotas": {"65+": 3}, "site_quotas": {"ward_3": 10}}
    study = make_study("recruiting", protocol=protocol(sites=SITES, allocation=spec), survey_defs=SURVEYS)
    study.languages = ["en", "fr"]
    source = pilot_languages.fingerprint(SITES[0]["name"])
    study.translations = {"fr": {"protocol.sites.ward_3": {"text": WARD_FR, "source": source}}}
    db.session.commit()
    for n, value in enumerate((5, 6, 7, 4, 3)):
        join(study, "ward_3", "plant_based", {"s_baseline": 4, "s_week_4": value}, age=70 if n < 2 else 30)
    for value in (2, 4):
        join(study, "ward_3", "usual_menu", {"s_baseline": 3, "s_week_4": value})
    join(study, "ward_3", "usual_menu", {"s_baseline": 3})
    for value in (1, 2, 3, 5):
        join(study, "pharmacy", "usual_menu", {"s_baseline": 2, "s_week_4": value})
    return study


def phone(browser, live_server, browser_errors, language):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR" if language == "fr" else "en-GB",
        timezone_id="Europe/Paris",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        extra_http_headers={"Accept-Language": language},
    )
    tab = context.new_page()
    browser_errors.watch(tab)
    return context, tab


def nothing_wider_than_the_phone(tab):
    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth"), "wider than the phone"
    hidden = tab.evaluate(
        "[...document.querySelectorAll('main table, main .table-wrap')].filter(e => e.scrollWidth > e.clientWidth + 1)"
        ".length"
    )
    assert hidden == 0, "a table scrolls sideways on the phone"


def as_read(row) -> list[str]:
    """Each cell of a stacked table's row as the phone shows it: its label (drawn before it) and its text."""
    return row.evaluate(
        """row => [...row.querySelectorAll('td')].map(td => {
            const before = getComputedStyle(td, '::before').content;
            return ((before && before !== 'none' ? JSON.parse(before) : '') + td.innerText).replace(/\u00a0/g, ' ');
        })"""
    )


@pytest.mark.parametrize("language", ["en", "fr"])
def test_places_left_and_the_figures_by_site_read_on_a_phone(
    browser, live_server, browser_errors, pilot, startup, screenshot, language
):
    words = WORDS[language]
    context, tab = phone(browser, live_server, browser_errors, language)
    tab.goto("/pilots/")
    card = tab.locator(".pilot-card", has_text=pilot_languages.pilot_text(pilot, "protocol.title", pilot.title))
    places = card.locator(".places.small")  # the line of the quotas, under the places left in all
    for line in words["places"]:
        expect(places).to_contain_text(line)
    nothing_wider_than_the_phone(tab)
    screenshot(tab, f"sites-catalogue-{language}")

    tab.goto("/account/signin")
    tab.locator("#email").fill(startup.email)
    tab.locator("#password").fill(PASSWORD)
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").click()
    tab.goto(f"/studies/{pilot.id}/results")
    section = tab.locator("section#by_site-title, section[aria-labelledby='by_site-title']")
    expect(section.get_by_role("heading", name=words["by_site"], exact=True)).to_be_visible(timeout=WAIT)
    ward = section.locator("table").first.locator("tr", has_text=SITES[0]["name"])  # staff read it as written
    expect(ward.locator("td").first).to_be_visible()
    # each figure of a stacked row says which column it is (its label shown before it), as the header does on a
    # wide screen, with the colon of the reader's language
    read = as_read(ward)
    assert words["enrolled"] in read and words["answered"] in read
    nothing_wider_than_the_phone(tab)
    screenshot(tab, f"sites-results-{language}")

    tab.goto(f"/studies/{pilot.id}/participants")
    expect(tab.get_by_role("heading", name=words["per_site"], exact=True)).to_be_visible(timeout=WAIT)
    nothing_wider_than_the_phone(tab)
    screenshot(tab, f"sites-flow-{language}")
    context.close()
