"""The results page in French names the category of "Other (please specify)" in French (it read "Other")."""

import html
import re

from tests.surveys.test_question_types import GOOD, SLEEP, answer, citizen, pilot  # noqa: F401  (fixtures)


def test_the_french_results_page_translates_other(client, login, startup, pilot, answer):  # noqa: F811
    assert answer({**SLEEP, **GOOD}).status_code == 201
    login(startup)
    english = html.unescape(client.get(f"/studies/{pilot.id}/results").get_data(as_text=True))
    client.post("/language", data={"lang": "fr", "next": "/"})
    french = html.unescape(client.get(f"/studies/{pilot.id}/results").get_data(as_text=True))
    cells = re.findall(r'<th scope="col" class="num">([^<]*)</th>', french)
    assert "Autre" in cells and "Other" not in cells, cells  # the choice questions' column headings
    assert "Bus" in cells and "Car" in cells  # the pilot's own choices stay as written
    assert '<th scope="col" class="num">Other</th>' in english
