"""Keyboard only: a participant checks eligibility, signs the consent and answers a survey without a mouse.

Only Tab, Shift+Tab, Space, Enter, arrow keys and typing once the page is open. After every key
press the focused element must show where the focus is (an outline or a box-shadow).
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants.models import Enrolment, Response
from tests.conftest import protocol_of_category

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests/conftest.py's make_user
MAX_TABS = 60

SURVEYS = [
    {
        "key": "baseline",
        "title": "Before the coaching",
        "timepoint": "baseline",
        "items": [
            {"key": "mood", "text": "How do you feel this week?", "type": "likert", "min": 1, "max": 5},
            {
                "key": "sleep_hours",
                "text": "How many hours did you sleep last night?",
                "type": "number",
                "min": 0,
                "max": 24,
                "unit": "h",
            },
            {"key": "naps", "text": "Do you take naps?", "type": "yes_no"},
            {"key": "comments", "text": "Anything else you would like to tell us?", "type": "text", "required": False},
        ],
    },
    {
        "key": "follow_up",
        "title": "After four weeks",
        "timepoint": "follow_up",
        "items": [
            {
                "key": "sleep_hours",
                "text": "How many hours did you sleep last night?",
                "type": "number",
                "min": 0,
                "max": 24,
                "unit": "h",
            },
        ],
    },
]

FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return {where: "body", visible: false};
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
  const where = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.name ? `[name=${el.name}]` : "")
    + (el.type === "radio" ? `[value=${el.value}]` : "") + (el.tagName === "A" ? `[href=${el.getAttribute("href")}]` : "");
  return {where, visible: outline || shadow};
}"""


class Keyboard:
    """Presses keys and checks, after each one, that the focus is visible; keeps the path taken."""

    def __init__(self, tab):
        self.tab, self.path = tab, []

    def focused(self) -> dict:
        return self.tab.evaluate(FOCUS)

    def press(self, key: str) -> dict:
        self.tab.keyboard.press(key)
        focus = self.focused()
        self.path.append(f"{key} -> {focus['where']}")
        assert focus["visible"], f"the focus is not visible on {focus['where']} after {key}:\n" + self.trail()
        return focus

    def follow(self, key: str) -> None:
        """Press a key that submits a form or follows a link, and wait for the next page."""
        with self.tab.expect_navigation():
            self.tab.keyboard.press(key)
        self.path.append(f"{key} -> {self.tab.url}")

    def type(self, text: str) -> None:
        self.tab.keyboard.type(text)
        assert self.focused()["visible"], "the focus vanished while typing:\n" + self.trail()

    def tab_to(self, selector: str, backwards: bool = False) -> None:
        """Tab (or Shift+Tab) until the element matching `selector` has the focus."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(MAX_TABS):
            self.press(key)
            if self.tab.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"{MAX_TABS} × {key} never reached {selector}:\n" + self.trail())

    def trail(self) -> str:
        return "\n".join(self.path[-15:])


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", protocol=protocol_of_category("riph1"), survey_defs=SURVEYS)  # signed


def test_a_participant_enrols_and_answers_with_the_keyboard_alone(page, pilot, participant, screenshot):
    tab = page
    tab.goto("/account/signin")
    tab.locator("#email").fill(participant.email)
    tab.locator("#password").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    expect(tab).to_have_url("/dashboard")

    tab.goto(f"/pilots/{pilot.id}/eligibility")
    keys = Keyboard(tab)
    keys.tab_to("#age")
    keys.type("34")
    for index in range(len(pilot.eligibility["criteria"])):
        keys.tab_to(f"input[name=criterion_{index}]")  # Tab enters the group on its first radio: "Yes"
        assert tab.evaluate("() => document.activeElement.labels[0].textContent.trim()") == "Yes"
        keys.press("Space")
    keys.tab_to("main form button[type=submit]")
    keys.follow("Enter")
    expect(tab).to_have_url(f"/pilots/{pilot.id}/join")

    keys.tab_to("#clause_0")
    keys.press("Space")
    keys.tab_to("#clause_1")
    keys.press("Space")
    keys.tab_to("#signature")
    keys.type("Camille Martin")
    expect(tab.locator("#clause_0")).to_be_checked()
    expect(tab.locator("#clause_1")).to_be_checked()
    expect(tab.locator("#clause_2")).not_to_be_checked()  # the optional clause stays unticked
    screenshot(tab, "keyboard-consent")
    keys.tab_to("main form button[type=submit]")
    keys.follow("Enter")
    expect(tab).to_have_url(f"/pilots/{pilot.id}/welcome")

    keys.tab_to(f"a[href='/pilots/{pilot.id}/surveys/baseline']")
    keys.follow("Enter")
    expect(tab).to_have_url(f"/pilots/{pilot.id}/surveys/baseline")

    keys.tab_to("input[name=mood]")  # the Likert row: Tab enters on its first point
    assert keys.focused()["where"].endswith("[value=1]")
    for _ in range(3):
        keys.press("ArrowRight")  # moves and selects: 2, 3, 4
    keys.press("ArrowLeft")  # back to 3
    expect(tab.locator("input[name=mood][value='3']")).to_be_checked()

    keys.press("Tab")  # leaves the radio group in one press
    assert keys.focused()["where"].startswith("input#a-sleep_hours"), keys.trail()
    keys.type("6.5")

    keys.tab_to("input[name=naps]")
    keys.press("Space")  # "Yes"
    keys.press("ArrowRight")  # "No", selected as the focus moves
    expect(tab.locator("input[name=naps][value=false]")).to_be_checked()

    keys.tab_to("textarea[name=comments]")
    keys.type("Typed without a mouse.")
    keys.press("Shift+Tab")  # back into the yes/no group, on the chosen answer
    assert keys.focused()["where"].endswith("[value=false]"), keys.trail()
    keys.press("Tab")
    assert keys.focused()["where"].startswith("textarea"), keys.trail()
    screenshot(tab, "keyboard-survey")

    keys.tab_to("main form button[type=submit]")
    keys.follow("Space")  # a button answers to Space as well as Enter
    expect(tab).to_have_url("/dashboard")
    expect(tab.get_by_role("status")).to_contain_text("are saved")

    db.session.rollback()  # see what the live server committed
    response = db.session.scalar(select(Response).join(Enrolment).where(Enrolment.study_id == pilot.id))
    assert response is not None and response.enrolment.signature.signed_name == "Camille Martin"
    answers = {a.item_key: (a.number, a.text) for a in response.answers}
    assert answers == {
        "mood": (3.0, None),
        "sleep_hours": (6.5, None),
        "naps": (0.0, None),
        "comments": (None, "Typed without a mouse."),
    }
    clauses = response.enrolment.signature.clauses
    assert clauses["understood"] is True and clauses["data_use"] is True and clauses["recontact"] is False
