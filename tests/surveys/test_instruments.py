"""Issue 14, item 3: standard instruments shown as validated (every point of the WHO-5, PHQ-9 and GAD-7 scales
labelled, in their published English and French wording), the public-domain PHQ-9 and GAD-7 with their
scoring, and a plain heading for participants instead of the instrument's name.

Scoring, as published: PHQ-9 (Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606) is the sum of its nine
items scored 0–3 (0–27); GAD-7 (Spitzer et al. 2006, Arch Intern Med 166:1092) the sum of its seven (0–21)."""

import csv
import html
import io
import re

import pytest

from livinglab.demo import sleep_surveys
from livinglab.extensions import db
from livinglab.participants import services

API = "/api/v1"
CLAUSES = {"understood": True, "data_use": True}
SLEEP = sleep_surveys()[0]["items"][0]
PHQ9 = [0, 1, 2, 3, 0, 1, 2, 3, 0]  # sum 12
GAD7 = [3, 3, 2, 1, 0, 0, 1]  # sum 10


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


@pytest.fixture
def pilot(make_study):
    follow_up = sleep_surveys()[1]
    baseline = {
        "key": "baseline",
        "title": "Before the coaching",
        "timepoint": "baseline",
        "items": [
            SLEEP,
            {"key": "mood", "instrument": "phq9"},
            {"key": "worry", "instrument": "gad7"},
            {"key": "who", "instrument": "who5"},
        ],
    }
    return make_study("recruiting", survey_defs=[baseline, follow_up])


@pytest.fixture
def enrolled(pilot, participant):
    services.enrol(
        participant,
        pilot,
        consent_version=1,
        clauses=CLAUSES,
        signature=participant.name,
        age=40,
        criteria_confirmed=True,
    )
    db.session.commit()
    return participant


def answers() -> dict:
    return {
        "sleep_hours": 6.5,
        **{f"mood_{i}": v for i, v in enumerate(PHQ9, start=1)},
        **{f"worry_{i}": v for i, v in enumerate(GAD7, start=1)},
        **{f"who_{i}": 3 for i in range(1, 6)},
    }


def test_participants_read_plain_headings_and_every_point_labelled(client, login, pilot, enrolled):
    login(enrolled)
    page = text(client.get(f"/pilots/{pilot.id}/surveys/baseline"))
    for heading in (
        "Your mood over the last two weeks",
        "Worry and tension over the last two weeks",
        "How you have been feeling",
    ):
        assert f">{heading}</h2>" in page
    for name in ("Patient Health Questionnaire", "PHQ-9", "GAD-7", "WHO-5"):
        assert name not in page
    assert "Over the last 2 weeks, how often have you been bothered by any of the following problems?" in page
    assert "Little interest or pleasure in doing things" in page
    # each point of the PHQ-9's first item has its label, with its value
    for value, label in enumerate(("Not at all", "Several days", "More than half the days", "Nearly every day")):
        assert re.search(
            rf'<input type="radio" id="a-mood_1-{value}" name="mood_1" value="{value}"\s*>\s*'
            rf'<label for="a-mood_1-{value}">{label}</label>',
            page,
        ), label
    who_points = (
        "At no time",
        "Some of the time",
        "Less than half of the time",
        "More than half of the time",
        "Most of the time",
        "All of the time",
    )
    for value, label in enumerate(who_points):
        assert f'<label for="a-who_1-{value}">{label}</label>' in page
    assert "call 3114" in page  # where to find help, under the PHQ-9


def test_the_french_wording_is_the_published_french_version(client, login, pilot, enrolled):
    login(enrolled)
    page = text(client.get(f"/pilots/{pilot.id}/surveys/baseline", headers={"Accept-Language": "fr"}))
    assert (
        "Au cours des 2 dernières semaines, selon quelle fréquence avez-vous été gêné(e) par les problèmes suivants ?"
        in page
    )
    assert "Peu d'intérêt ou de plaisir à faire les choses" in page
    assert "Sentiment de nervosité, d'anxiété ou de tension" in page
    for value, label in enumerate(
        ("Jamais", "Plusieurs jours", "Plus de la moitié du temps", "Presque tous les jours")
    ):
        assert f'<label for="a-mood_1-{value}">{label}</label>' in page
    for label in ("De temps en temps", "Moins de la moitié du temps", "La plupart du temps", "Tout le temps"):
        assert f">{label}</label>" in page
    assert "appelez le 3114" in page


def test_the_scores_are_the_published_sums_in_the_read_back_and_the_export(
    client, login, api_headers, pilot, enrolled, startup
):
    sent = client.post(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses",
        json={"answers": answers()},
        headers=api_headers(enrolled),
    )
    assert sent.status_code == 201, sent.get_json()
    login(enrolled)
    read_back = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(client.get(f"/pilots/{pilot.id}/answers"))))
    assert "12 (score out of 27)" in read_back and "10 (score out of 21)" in read_back
    export = client.get(f"{API}/studies/{pilot.id}/export.csv", headers=api_headers(startup)).get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(export)) if r["timepoint"] == "baseline")
    assert (row["mood"], row["worry"], row["who"]) == ("12", "10", "60")
    dictionary = client.get(f"{API}/studies/{pilot.id}/dictionary.csv", headers=api_headers(startup)).get_data(
        as_text=True
    )
    mood = next(r for r in csv.reader(io.StringIO(dictionary)) if r and r[0] == "mood_1")
    assert mood[2:4] == [
        "likert",
        "[0, 3] (0 = Not at all; 1 = Several days; 2 = More than half the days; 3 = Nearly every day)",
    ]


def test_an_answer_outside_the_scale_is_refused(client, api_headers, pilot, enrolled):
    bad = {**answers(), "mood_9": 4}
    sent = client.post(
        f"{API}/studies/{pilot.id}/surveys/baseline/responses", json={"answers": bad}, headers=api_headers(enrolled)
    )
    assert sent.status_code == 422 and "mood_9" in sent.get_json()["error"]["fields"]


def test_a_founder_adds_the_phq9_and_reads_how_it_is_scored(client, login, make_study, startup, api_headers):
    study = make_study("draft")
    survey = sleep_surveys()[1]["key"]
    added = client.post(
        f"{API}/studies/{study.id}/surveys/{survey}/items",
        json={"key": "mood", "instrument": "phq9"},
        headers=api_headers(startup),
    )
    assert added.status_code == 201, added.get_json()
    login(startup)
    builder = text(client.get(f"/studies/{study.id}/edit"))
    assert builder  # the study still edits
    page = text(client.get(f"/studies/{study.id}/surveys/new"))
    assert "Patient Health Questionnaire (PHQ-9)" in page and "Generalized Anxiety Disorder scale (GAD-7)" in page
    assert "Score from 0 to 27: the sum" in page
