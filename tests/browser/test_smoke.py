"""A visitor's first minutes, in a real browser, on a desktop and on a phone."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a-long-enough-secret"


@pytest.fixture(params=["desktop", "phone"])
def tab(request):
    """The same test on a desktop tab and on a phone tab."""
    return request.getfixturevalue("page" if request.param == "desktop" else "phone_page")


def sign_out(tab):
    tab.goto("/")
    tab.get_by_role("button", name="Sign out").click()
    expect(tab.get_by_role("status")).to_contain_text("You are signed out.")
    expect(tab.get_by_role("link", name="Sign in")).to_be_visible()


def sign_in(tab, email):
    tab.get_by_role("link", name="Sign in").click()
    expect(tab).to_have_url("/account/signin")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def test_visitor_switches_to_french_and_back(tab, screenshot):
    tab.goto("/")
    html = tab.locator("html")
    expect(html).to_have_attribute("lang", "en")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    screenshot(tab, "home")

    tab.get_by_role("button", name="Français").click()
    expect(html).to_have_attribute("lang", "fr")
    expect(tab).to_have_url("/")
    screenshot(tab, "home-fr")

    tab.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(tab.get_by_role("button", name="Français")).to_be_visible()


def test_citizen_registers_signs_out_and_signs_in(tab, screenshot):
    tab.goto("/")
    tab.get_by_role("link", name="Take part in a pilot").click()
    expect(tab.get_by_label("A citizen who wants to take part in pilots")).to_be_checked()
    tab.get_by_label("Your name").fill("Camille Martin")
    tab.get_by_label("Email").fill("camille@example.org")
    tab.get_by_label("Password").fill(PASSWORD)
    screenshot(tab, "register-participant")
    tab.get_by_role("button", name="Create my account").click()

    expect(tab.get_by_role("status")).to_contain_text("Your account is ready.")
    expect(tab.get_by_role("heading", name="My pilots")).to_be_visible()
    screenshot(tab, "participant-home")

    sign_out(tab)
    sign_in(tab, "camille@example.org")
    expect(tab.get_by_role("status")).to_contain_text("Welcome, Camille Martin.")
    expect(tab.get_by_role("link", name="My pilots")).to_be_visible()
    screenshot(tab, "participant-signed-in")


def test_startup_registers_signs_out_and_signs_in(tab, screenshot):
    tab.goto("/")
    tab.get_by_role("link", name="Run a pilot as a startup").click()
    expect(tab.get_by_label("A startup that wants to run a pilot")).to_be_checked()
    tab.get_by_label("Your name").fill("Sam Founder")
    tab.get_by_label("Email").fill("sam@sommeil.example.org")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_label("Organisation (startups)").fill("Sommeil+")
    screenshot(tab, "register-startup")
    tab.get_by_role("button", name="Create my account").click()
    expect(tab).to_have_url("/studies/")  # the startup's own studies
    screenshot(tab, "startup-studies")

    sign_out(tab)
    screenshot(tab, "signed-out")
    sign_in(tab, "sam@sommeil.example.org")
    expect(tab).to_have_url("/studies/")
    tab.goto("/")
    expect(tab.get_by_role("link", name="Our studies")).to_be_visible()
    expect(tab.get_by_role("link", name="Organisation")).to_be_visible()
    screenshot(tab, "startup-signed-in")


def test_wrong_password_is_refused_in_words(tab, screenshot):
    tab.goto("/account/signin")
    tab.get_by_label("Email").fill("nobody@example.org")
    tab.get_by_label("Password").fill("not-the-password")
    tab.get_by_role("button", name="Sign in").click()
    expect(tab.get_by_role("alert")).to_be_visible()
    expect(tab.get_by_role("link", name="Sign in")).to_be_visible()
    screenshot(tab, "signin-refused")


def test_unknown_page_answers_404_in_the_site_look(tab, screenshot, browser_errors):
    browser_errors.allow("status of 404")
    response = tab.goto("/no-such-page")
    assert response.status == 404
    expect(tab.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(tab.get_by_role("link", name="LivingLab")).to_be_visible()
    expect(tab.get_by_role("link", name="Back to the home page")).to_be_visible()
    header_border = tab.evaluate("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle")
    assert header_border == "solid", "the stylesheet did not load"
    screenshot(tab, "not-found")
