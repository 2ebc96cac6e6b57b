"""A forgotten password on a phone (issue 11, "Done when"): the request page answers the same for an
unknown address, the link from the message sets a new password once, the old one stops working, and a
second use of the link is refused; in English and in French."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.auth.services import create_user
from livinglab.extensions import db
from livinglab.notifications.models import OutboxMessage
from livinglab.timeutil import utcnow

pytestmark = pytest.mark.browser

OLD, NEW = "the-old-long-secret", "a-brand-new-long-secret"
WAIT = 15_000


@pytest.fixture
def lea():
    user = create_user("lea@example.org", OLD, "Léa Durand", "participant")
    user.email_verified_at = utcnow()  # an unverified address would get its verification link first
    db.session.commit()
    return user


def reset_links() -> list[str]:
    db.session.rollback()  # see what the live server committed
    return [
        m.context["link"]
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "password_reset").order_by(OutboxMessage.id)
        )
    ]


def sign_in(tab, password, button="Sign in"):
    tab.goto("/account/signin")
    tab.locator("input[name=email]").fill("lea@example.org")
    tab.locator("input[name=password]").fill(password)
    tab.get_by_role("button", name=button).click()


def test_a_forgotten_password_is_reset_from_the_link_on_a_phone(phone_page, browser_errors, lea, screenshot):
    browser_errors.allow("status of 400")  # the link used a second time answers 400, on purpose
    tab = phone_page
    tab.goto("/account/forgot")
    tab.locator("input[name=email]").fill("nobody@example.org")
    tab.get_by_role("button", name="Send me a link").click()
    unknown = tab.locator("main").inner_text()
    assert reset_links() == []  # nothing is sent for an address without an account...
    tab.goto("/account/forgot")
    tab.locator("input[name=email]").fill("lea@example.org")
    tab.get_by_role("button", name="Send me a link").click()
    expect(tab.get_by_text("If an account has this address")).to_be_visible(timeout=WAIT)
    assert tab.locator("main").inner_text() == unknown  # ...and the page says the same either way
    screenshot(tab, "reset-requested")
    [link] = reset_links()

    tab.goto(link)
    tab.get_by_label("New password").fill(NEW)
    screenshot(tab, "reset-new-password")
    tab.get_by_role("button", name="Save the new password").click()
    expect(tab.get_by_text("Your password is changed")).to_be_visible(timeout=WAIT)
    assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")  # fits the phone

    sign_in(tab, OLD)
    expect(tab.get_by_role("button", name="Sign out")).to_have_count(0)
    sign_in(tab, NEW)
    expect(tab.get_by_role("button", name="Sign out")).to_be_visible(timeout=WAIT)
    assert tab.goto(link).status == 400  # the link works once
    expect(tab.get_by_role("button", name="Save the new password")).to_have_count(0)


def test_the_reset_pages_speak_french(browser, live_server, browser_errors, lea):
    context = browser.new_context(
        base_url=live_server.url,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "fr"},
    )
    tab = context.new_page()
    browser_errors.watch(tab)
    tab.goto("/account/forgot")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié", timeout=WAIT)
    tab.locator("input[name=email]").fill("lea@example.org")
    tab.locator("form button[type=submit]").last.click()
    [link] = reset_links()
    tab.goto(link)
    expect(tab.get_by_role("button", name="Enregistrer le nouveau mot de passe")).to_be_visible(timeout=WAIT)
    context.close()
