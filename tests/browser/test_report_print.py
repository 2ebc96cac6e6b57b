"""Issue 9, item 13: the printed report is compact and its charts legible on paper. Printed to PDF by
chromium on A4 from the demo's pilots: the closed one (five variables, two groups) and the recruiting
one; every chart's smallest text measured at the size the page prints it."""

import re

import pytest

from livinglab.demo import PASSWORD, seed
from livinglab.extensions import db
from livinglab.studies.models import Study

pytestmark = pytest.mark.browser

A4_CONTENT = 703  # CSS pixels across an A4 page within the report's 12 mm margins (186 mm at 96 per inch)


@pytest.fixture
def demo(app):
    seed()
    db.session.commit()
    return {study.title: study.id for study in db.session.scalars(db.select(Study))}


def report_tab(browser, live_server, email: str, lang: str = "en"):
    context = browser.new_context(
        base_url=live_server.url,
        locale={"en": "en-GB", "fr": "fr-FR"}[lang],
        viewport={"width": A4_CONTENT, "height": 1000},
    )
    context.set_default_timeout(20_000)
    tab = context.new_page()
    tab.goto("/account/signin")
    tab.locator("#email").fill(email)
    tab.locator("#password").fill(PASSWORD)
    with tab.expect_navigation():
        tab.locator("main form button[type=submit]").click()
    return tab


def pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.parametrize(
    "title, email, at_most",
    [
        # was 12, then 7; issue 13 added the methods paragraph, missing data, data quality and every-timepoint
        # sections (about a page): the budget holds the layout, not the content; issue 14 (item 7) added its
        # problem reports' section (a table and a line per question), which takes it to 8 or 9 pages by the data;
        # then the yes/no effect sizes of the choice questions (two columns and a note), the diary's summary of
        # every item and the primary timepoint's notes: 10
        ("Fermented snacks and digestive comfort", "founder@nourrir.example", 10),
        ("Sleep coaching app for shift workers", "founder@sommeil.example", 5),  # was 9, then 4
    ],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_report_prints_on_few_pages(browser, live_server, demo, title, email, at_most, lang):
    tab = report_tab(browser, live_server, email, lang)
    tab.goto(f"/studies/{demo[title]}/results/report")
    tab.wait_for_load_state("networkidle")
    pdf = tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert pages_of(pdf) <= at_most
    tab.context.close()


def smallest_font(svg: str) -> tuple[float, float]:
    """The chart's width and its smallest text, in points at the chart's own size."""
    width = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg).group(1))
    sizes = [float(size) for size in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    return width, min(sizes)


def test_chart_text_is_at_least_8_points_on_paper(browser, live_server, demo):
    tab = report_tab(browser, live_server, "founder@nourrir.example")
    tab.emulate_media(media="print")
    tab.goto(f"/studies/{demo['Fermented snacks and digestive comfort']}/results/report")
    tab.wait_for_load_state("networkidle")
    images = tab.locator("figure.chart img").all()
    assert len(images) >= 6
    for image in images:
        svg = tab.request.get(image.get_attribute("src")).text()
        width_pt, font_pt = smallest_font(svg)
        printed_width_pt = image.bounding_box()["width"] * 0.75  # CSS px to pt
        assert font_pt * printed_width_pt / width_pt >= 8, (image.get_attribute("src"), font_pt, printed_width_pt)
    tab.context.close()
