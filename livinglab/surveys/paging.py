"""A survey's pages: section breaks (`{key, section, intro}` items) split its items into pages, which the
participant's survey page shows one at a time, with Back and Next (participants/survey_pages.py).

The items before the first section break form the first page; each section break starts the next one. A page
is known by its number among the pages as defined (what the form and the links carry), so that it keeps its
number whatever is shown; the participant goes only through the pages that show at least one item, and the
progress counts those. `shown_items` is the one place that decides which items of a page are shown."""

from dataclasses import dataclass

from .. import validation as v
from ..analysis.instruments import answer_keys, is_section
from . import branching
from .answers import check_answers

FIELD = "survey-page"  # the form's hidden field: never an answer key (those have no hyphen)
MAX_PAGES = 101  # a survey has at most 100 items, so at most 101 pages


@dataclass(frozen=True)
class Page:
    number: int  # among the survey's pages as defined, from 1
    section: dict | None  # the section break that starts it; None for the items before the first one
    items: tuple[dict, ...]  # its questions and instruments

    @property
    def keys(self) -> list[str]:
        """The answer keys of its items."""
        return [key for item in self.items for key in answer_keys(item)]


def has_sections(items: list[dict]) -> bool:
    return any(is_section(item) for item in items)


def split(items: list[dict]) -> list[Page]:
    """Every page as defined, in order (some may hold no item: an empty section, or nothing before the first)."""
    pages: list[Page] = []
    section: dict | None = None
    current: list[dict] = []
    for item in items:
        if is_section(item):
            pages.append(Page(len(pages) + 1, section, tuple(current)))
            section, current = item, []
        elif answer_keys(item):  # not a computed score: it is never shown, and makes no page of its own
            current.append(item)
    pages.append(Page(len(pages) + 1, section, tuple(current)))
    return pages


def given(items: list[dict], answers: dict) -> dict:
    """The answers so far as conditions read them (surveys/branching.py): typed, those that do not apply left
    out; nothing to read when no question of the survey has a condition."""
    if not any(item.get("show_if") for item in items):
        return {}
    return branching.given_values(items, check_answers(items, answers)[0])


def shown_items(page: Page, known: dict) -> tuple[dict, ...]:
    """The items of `page` the participant is shown, given the answers so far (`given`): those without a
    condition, those whose condition is met, and those whose condition looks at this very page (the browser
    shows or hides them as the participant answers; without JavaScript they show with their condition in
    words, and what does not apply is left out when the page is sent)."""
    here = set(page.keys)
    return tuple(
        item
        for item in page.items
        if not item.get("show_if")
        or branching.applies(item, known)
        or any(condition["key"] in here for condition in next(iter(item["show_if"].values())))
    )


def looked_at_elsewhere(items: list[dict], page: Page, answers: dict) -> dict:
    """The answers of other pages that the conditions of this page's items look at, for the browser's script
    (static/branching.js), which sees only this page's inputs."""
    here = set(page.keys)
    wanted = {
        condition["key"]
        for item in page.items
        if item.get("show_if")
        for condition in next(iter(item["show_if"].values()))
        if condition["key"] not in here
    }
    return {key: value for key, value in given(items, answers).items() if key in wanted} if wanted else {}


def pages(items: list[dict], answers: dict) -> list[Page]:
    """The pages the participant goes through, in order: each with the items shown on it; a page showing none
    is left out."""
    known = given(items, answers)
    shown = [Page(page.number, page.section, shown_items(page, known)) for page in split(items)]
    return [page for page in shown if page.items]


def number(raw) -> int | None:
    """A page number as a form or a link sends it (`"2"`); None for anything else (text, 0, negative, huge)."""
    value = v.digits(raw, max_len=3)
    return value if value is not None and 1 <= value <= MAX_PAGES else None


def at(shown: list[Page], wanted: int) -> Page:
    """The page shown as number `wanted`, or the first shown after it (it may show nothing now), or the last."""
    return next((page for page in shown if page.number >= wanted), shown[-1])


def after(shown: list[Page], page: Page) -> Page | None:
    return next((other for other in shown if other.number > page.number), None)


def before(shown: list[Page], page: Page) -> Page | None:
    return next((other for other in reversed(shown) if other.number < page.number), None)


def position(shown: list[Page], page: Page) -> int:
    """Where the page stands in the participant's progress, from 1."""
    return next((n for n, other in enumerate(shown, start=1) if other.number == page.number), 1)


def merged(saved: dict, posted: dict, page: Page) -> dict:
    """The answers so far: those kept (the draft) for the other pages, and those just posted for this one (an
    answer cleared on this page is cleared)."""
    mine = set(page.keys)
    return {**{key: value for key, value in saved.items() if key not in mine}, **posted}


def page_errors(items: list[dict], page: Page, answers: dict) -> dict[str, str]:
    """What Next refuses: the problems of the answers to the items this page shows, only (later pages are not
    answered yet); checked against the whole survey, whose earlier answers decide what applies here."""
    mine = {key for item in shown_items(page, given(items, answers)) for key in answer_keys(item)}
    return {key: message for key, message in check_answers(items, answers)[1].items() if key in mine}


def first_with_error(shown: list[Page], errors: dict) -> Page | None:
    """The first page with one of these errors (by answer key), where the participant is taken back to."""
    return next((page for page in shown if set(page.keys) & set(errors)), None)
