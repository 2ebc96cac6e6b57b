"""Not applicable in the results (issue 14, branching): each variable's descriptives count, per timepoint and per
arm × timepoint, the participants to whom the question did not apply (`not_applicable`), apart from `n` (those who
answered); the results page shows the count only where some question did not apply."""

import html
import re

import pandas as pd
import pytest

from livinglab.analysis import not_applicable
from livinglab.analysis.results import build_results
from livinglab.demo import sleep_protocol
from livinglab.results import cache
from tests.surveys.test_branching import WHO, branching_surveys

V1 = "/api/v1"

# --- The analysis -------------------------------------------------------------------------------------------

STUDY = {
    "id": 1,
    "design": "parallel_groups",
    "arms": ["a", "b"],
    "timepoints": ["baseline", "follow_up"],
    "surveys": {
        tp: [
            {"key": "smoker", "type": "yes_no", "text": "Do you smoke?"},
            {"key": "cigarettes", "type": "number", "text": "How many a day?", "min": 0, "max": 100},
            {"key": "brand", "type": "single_choice", "text": "Which brand?", "choices": ["X", "Y"]},
            {"key": "sleep", "type": "number", "text": "Hours of sleep?", "min": 0, "max": 24},
        ]
        for tp in ("baseline", "follow_up")
    },
    "primary_outcome": {"variable": "sleep", "hypothesis": "increase"},
}
ARMS = {"P0": "a", "P1": "a", "P2": "a", "P3": "b", "P4": "b"}
NON_SMOKERS = {"baseline": ["P1", "P3"], "follow_up": ["P3"]}  # P1 took it up between the two


def frame_with_branching() -> pd.DataFrame:
    """Five participants at two timepoints; the questions on smoking apply to smokers only."""
    rows = []
    for n, (code, arm) in enumerate(ARMS.items()):
        for tp in ("baseline", "follow_up"):
            smokes = code not in NON_SMOKERS[tp]
            rows += [(code, arm, tp, "smoker", float(smokes), None), (code, arm, tp, "sleep", 6.0 + n, None)]
            if smokes:
                rows += [
                    (code, arm, tp, "cigarettes", 5.0 + n, None),
                    (code, arm, tp, "brand", None, "X" if n < 3 else "Y"),
                ]
    out = pd.DataFrame(rows, columns=["participant_code", "arm", "timepoint", "item", "number", "text"])
    out.attrs[not_applicable.ATTRIBUTE] = pd.DataFrame(
        [(code, tp, item) for tp, codes in NON_SMOKERS.items() for code in codes for item in ("cigarettes", "brand")],
        columns=not_applicable.COLUMNS,
        dtype=object,
    )
    return out


def test_the_descriptives_count_who_a_question_did_not_apply_to_apart_from_n():
    variables = build_results(frame_with_branching(), STUDY)["variables"]
    for key in ("cigarettes", "brand"):
        at = variables[key]["by_timepoint"]
        assert (at["baseline"]["n"], at["baseline"]["not_applicable"]) == (3, 2)
        assert (at["follow_up"]["n"], at["follow_up"]["not_applicable"]) == (4, 1)
        by_arm = variables[key]["by_arm"]
        assert (by_arm["a"]["baseline"]["n"], by_arm["a"]["baseline"]["not_applicable"]) == (2, 1)
        assert (by_arm["b"]["baseline"]["n"], by_arm["b"]["baseline"]["not_applicable"]) == (1, 1)
        assert (by_arm["a"]["follow_up"]["n"], by_arm["a"]["follow_up"]["not_applicable"]) == (3, 0)
        assert (by_arm["b"]["follow_up"]["n"], by_arm["b"]["follow_up"]["not_applicable"]) == (1, 1)
    assert variables["cigarettes"]["by_timepoint"]["baseline"]["mean"] == pytest.approx((5 + 7 + 9) / 3)
    assert variables["brand"]["by_timepoint"]["baseline"]["counts"] == {"X": 2, "Y": 1}
    for key in ("smoker", "sleep"):  # asked of everyone
        assert all(s["not_applicable"] == 0 for s in variables[key]["by_timepoint"].values())
        assert all(s["not_applicable"] == 0 for arm in variables[key]["by_arm"].values() for s in arm.values())


def test_the_arm_of_a_participant_whose_every_answer_did_not_apply_comes_with_the_loader_cells():
    frame = frame_with_branching()
    cells = pd.DataFrame([("P9", "baseline", "cigarettes", "b")], columns=[*not_applicable.COLUMNS, "arm"])
    frame.attrs[not_applicable.ATTRIBUTE] = cells  # P9 answered nothing else: absent from the answers
    cigarettes = build_results(frame, STUDY)["variables"]["cigarettes"]
    assert cigarettes["by_timepoint"]["baseline"]["not_applicable"] == 1
    assert cigarettes["by_arm"]["b"]["baseline"]["not_applicable"] == 1
    assert cigarettes["by_arm"]["a"]["baseline"]["not_applicable"] == 0


def test_without_branching_every_count_is_zero():
    frame = frame_with_branching()
    frame.attrs.clear()
    variables = build_results(frame, STUDY)["variables"]
    assert {s["not_applicable"] for v in variables.values() for s in v["by_timepoint"].values()} == {0}


def test_the_results_cache_format_went_up():
    assert cache.FORMAT >= 14  # went up (15: the declared timepoint of the primary comparison)


# --- The API and the page, from the database ---------------------------------------------------------------


@pytest.fixture
def branching_pilot(make_study, take_part):
    """The sleep pilot with a question on cigarettes asked of smokers only: 3 of 5 smoke."""
    study = make_study("recruiting", protocol=sleep_protocol(), survey_defs=branching_surveys())
    for n, smokes in enumerate([True, False, True, False, True]):
        answers = {"sleep_hours": 6 + n, "smoker": smokes, **WHO} | ({"cigarettes": 5 + n} if smokes else {})
        take_part(study, {"baseline": answers, "follow_up": {"sleep_hours": 7 + n, **WHO}})
    return study


def article(page: str, key: str) -> str:
    """The descriptives card of one variable, as a reader sees its words."""
    found = re.search(rf'<article class="card variable" aria-labelledby="var-{key}">(.*?)</article>', page, re.S)
    assert found, key
    return html.unescape(found.group(1))


def test_the_api_says_how_many_the_question_did_not_apply_to(client, api_headers, startup, branching_pilot):
    response = client.get(f"{V1}/studies/{branching_pilot.id}/results", headers=api_headers(startup))
    assert response.status_code == 200
    variables = response.get_json()["variables"]
    cigarettes = variables["cigarettes"]["by_timepoint"]["baseline"]
    assert (cigarettes["n"], cigarettes["not_applicable"]) == (3, 2)
    assert cigarettes["mean"] == pytest.approx((5 + 7 + 9) / 3)
    assert variables["cigarettes"]["by_arm"]["intervention"]["baseline"]["not_applicable"] == 2
    assert variables["smoker"]["by_timepoint"]["baseline"]["not_applicable"] == 0
    sleep = variables["sleep_hours"]["by_timepoint"]["follow_up"]
    assert (sleep["n"], sleep["not_applicable"]) == (5, 0)


def test_the_results_page_shows_the_count_only_where_a_question_did_not_apply(client, login, startup, branching_pilot):
    login(startup)
    page = client.get(f"/studies/{branching_pilot.id}/results").get_data(as_text=True)
    cigarettes = article(page, "cigarettes")
    assert "Not applicable" in cigarettes
    assert re.search(r'data-label="Not applicable" class="num">2<', cigarettes)
    assert "did not apply" in cigarettes  # the note under the table says what the column counts
    for key in ("sleep_hours", "smoker", "who"):
        assert "Not applicable" not in article(page, key), key
    french = client.get(f"/studies/{branching_pilot.id}/results", headers={"Accept-Language": "fr"})
    assert "Sans objet" in article(french.get_data(as_text=True), "cigarettes")


def test_a_pilot_without_branching_shows_no_not_applicable_line(client, login, startup, make_study, take_part):
    study = make_study("recruiting")
    for lift in (1.0, 2.0, 3.0):
        follow_up = {"sleep_hours": 6.0 + lift, **WHO, **{f"sus_{i}": 4 for i in range(1, 11)}}
        take_part(study, {"baseline": {"sleep_hours": 6.0, **WHO}, "follow_up": follow_up})
    login(startup)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Every answer, variable by variable" in page
    assert "Not applicable" not in page and "did not apply" not in page
