"""Sign out is fully visible without scrolling the header sideways, on a phone (390×844) and a desktop, in French
and English, for each role (it was cut off at the end of the sideways-scrolling nav on a French phone)."""

import pytest

from tests.browser.test_layout_polish import tab_for, world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

WORDS = {"en": "Sign out", "fr": "Se déconnecter"}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_sign_out_is_within_the_viewport(browser, live_server, world, screenshot, size, lang):  # noqa: F811
    for role in ("citizen", "startup", "coordinator"):
        tab = tab_for(browser, live_server, size, lang, user=world[role])
        tab.goto("/")
        button = tab.get_by_role("button", name=WORDS[lang], exact=True)
        box = button.bounding_box()
        width = tab.viewport_size["width"]
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (role, box, width)
        assert box["y"] >= 0 and box["y"] + box["height"] <= 120, (role, box)  # in the header, at the top
        if size == "phone":
            assert box["height"] >= 44, (role, box)  # a tap target
        inside = tab.evaluate(
            """b => { let e = b.parentElement; while (e) { if (e.scrollWidth > e.clientWidth + 1 &&
              getComputedStyle(e).overflowX !== 'visible') return false; e = e.parentElement; } return true; }""",
            button.element_handle(),
        )
        assert inside, f"{role}: sign out sits in a box that scrolls sideways"
        assert not tab.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        if role == "citizen":
            screenshot(tab, f"signout-{lang}")
        tab.context.close()
