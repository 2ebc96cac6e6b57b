"""The value labels of the SPSS and Stata files: the names people read (a site's name, an arm's and a timepoint's
label), and every labelled point of a scale, in the files and in the data dictionary. The CSV keeps the keys."""

import csv
import io

import pyreadstat
import pytest
from sqlalchemy import update

from livinglab.demo import food_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import Enrolment

READERS = [("data.sav", pyreadstat.read_sav), ("data.dta", pyreadstat.read_dta)]
SITES = [{"key": "ward_3", "name": "CHU Nantes, ward 3"}, {"key": "pharmacy", "name": "Pharmacie du Commerce"}]
LABELS = {"arms": {"plant_based": "Plant-based menu"}, "timepoints": {"baseline": "Before the new menu"}}
FIVE = ["Not at all", "A little", "Moderately", "Quite a lot", "Very much"]
OFTEN = ["Never", "Sometimes", "Often", "Always"]
SCALES = [
    {"key": "energy", "text": "Energy?", "type": "likert", "min": 1, "max": 5, "labels": FIVE},
    {"key": "pain", "text": "Pain?", "type": "likert", "min": 0, "max": 10, "labels": ["None", "Worst imaginable"]},
    {"key": "mood", "text": "Mood?", "type": "likert", "min": 1, "max": 5},
    {
        "key": "habits",
        "text": "How often?",
        "type": "matrix",
        "rows": ["walk", "cycle"],
        "min": 1,
        "max": 4,
        "labels": OFTEN,
    },  # fmt: skip
    {"key": "who", "instrument": "who5"},
    {"key": "phq", "instrument": "phq9"},
    {"key": "gad", "instrument": "gad7"},
    {"key": "sus", "instrument": "sus"},
]
SURVEYS = [
    {
        "key": f"s_{tp}",
        "title": tp,
        "timepoint": tp,
        "items": [{"key": "outcome", "text": "The outcome", "type": "number"}, *(SCALES if tp == "baseline" else [])],
    }
    for tp in ("baseline", "week_4")
]


@pytest.fixture
def download(client, login, startup):
    login(startup)

    def get(study, what: str) -> bytes:
        response = client.get(f"/studies/{study.id}/exports/{what}")
        assert response.status_code == 200, response.data[:300]
        return response.get_data()

    return get


def enrol(study, make_user, site: str, arm: str, answers: dict) -> str:
    user = make_user("participant")
    consent = study.current_consent
    enrolment = participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=user.name,
        age=30,
        criteria_confirmed=True,
        site=site,
    )
    db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id).values(arm=arm))
    for key, given in answers.items():
        participation.submit_response(user, study, key, given)
    db.session.commit()
    return enrolment.participant_code


@pytest.fixture
def pilot(make_study, make_user):
    """Two sites, one arm and one timepoint labelled by the founder (the others read as their keys in words); one
    participant at the pharmacy in plant_based who answered both timepoints."""
    protocol = food_protocol(
        target_enrolment=500,
        primary_outcome={"variable": "outcome", "hypothesis": "increase"},
        sites=SITES,
        labels=LABELS,
    )
    study = make_study("recruiting", protocol=protocol, survey_defs=SURVEYS)
    baseline = {
        "outcome": 4,
        "energy": 2,
        "pain": 3,
        "mood": 4,
        "habits_1": 1,
        "habits_2": 4,
        **{f"who_{n}": 1 for n in range(1, 6)},
        **{f"phq_{n}": 2 for n in range(1, 10)},
        **{f"gad_{n}": 3 for n in range(1, 8)},
        **{f"sus_{n}": 3 for n in range(1, 11)},
    }
    code = enrol(study, make_user, "pharmacy", "plant_based", {"s_baseline": baseline, "s_week_4": {"outcome": 6}})
    return study, code


def read(download, study, what, reader, tmp_path):
    path = tmp_path / what
    path.write_bytes(download(study, what))
    return reader(str(path))


# Sites, arms and timepoints


@pytest.mark.parametrize("what, reader", READERS)
def test_sites_arms_and_timepoints_are_labelled_with_the_names_people_read(pilot, download, tmp_path, what, reader):
    study, code = pilot
    frame, meta = read(download, study, what, reader, tmp_path)
    values = meta.variable_value_labels
    assert values["site"] == {1: "CHU Nantes, ward 3", 2: "Pharmacie du Commerce"}
    assert values["arm"] == {1: "Usual menu", 2: "Plant-based menu"}, "a label, else the key in words"
    assert values["timepoint"] == {1: "Before the new menu", 2: "Week 4"}
    rows = frame[frame["participant_code"] == code]
    assert [(row.site, row.arm, row.timepoint) for row in rows.itertuples()] == [(2, 2, 1), (2, 2, 2)], (
        "the codes and their order are the protocol's, as before"
    )


def test_the_csv_and_the_dictionary_keep_the_keys(pilot, download):
    study, code = pilot
    rows = list(csv.DictReader(io.StringIO(download(study, "data.csv").decode("utf-8-sig"))))
    assert [(r["participant_code"], r["arm"], r["timepoint"], r["site"]) for r in rows] == [
        (code, "plant_based", "baseline", "pharmacy"),
        (code, "plant_based", "week_4", "pharmacy"),
    ]
    entry = {row[0]: row for row in csv.reader(io.StringIO(download(study, "dictionary.csv").decode("utf-8-sig")))}
    assert entry["arm"][3] == "usual_menu; plant_based" and entry["timepoint"][3] == "baseline; week_4"
    assert entry["site"][3] == "ward_3; pharmacy" and "ward_3 = CHU Nantes, ward 3" in entry["site"][1]


# Scales labelled at every point


WHO5 = {
    0: "At no time",
    1: "Some of the time",
    2: "Less than half of the time",
    3: "More than half of the time",
    4: "Most of the time",
    5: "All of the time",
}
BOTHERED = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}


@pytest.mark.parametrize("what, reader", READERS)
def test_every_labelled_point_of_a_scale_is_a_value_label(pilot, download, tmp_path, what, reader):
    study, code = pilot
    frame, meta = read(download, study, what, reader, tmp_path)
    values = meta.variable_value_labels
    assert values["energy"] == {1: "Not at all", 2: "A little", 3: "Moderately", 4: "Quite a lot", 5: "Very much"}
    assert values["habits_1"] == values["habits_2"] == {1: "Never", 2: "Sometimes", 3: "Often", 4: "Always"}
    assert values["who_1"] == values["who_5"] == WHO5
    assert values["phq_1"] == values["phq_9"] == BOTHERED
    assert values["gad_1"] == values["gad_7"] == BOTHERED
    first = frame[frame["participant_code"] == code].iloc[0]
    assert (first["energy"], first["habits_2"], first["who_1"], first["phq_1"], first["gad_1"]) == (2, 4, 1, 2, 3)


@pytest.mark.parametrize("what, reader", READERS)
def test_a_scale_labelled_at_its_ends_keeps_its_two_end_labels(pilot, download, tmp_path, what, reader):
    study, _code = pilot
    _frame, meta = read(download, study, what, reader, tmp_path)
    values = meta.variable_value_labels
    assert values["pain"] == {0: "0 (None)", 10: "10 (Worst imaginable)"}
    assert values["mood"] == {1: "1 (lowest)", 5: "5 (highest)"}
    assert values["sus_1"] == {1: "1 (strongly disagree)", 5: "5 (strongly agree)"}


def test_the_dictionary_gives_every_labelled_point(pilot, download):
    study, _code = pilot
    entry = {row[0]: row for row in csv.reader(io.StringIO(download(study, "dictionary.csv").decode("utf-8-sig")))}
    assert entry["energy"][3] == "[1, 5] (1 = Not at all; 2 = A little; 3 = Moderately; 4 = Quite a lot; 5 = Very much)"
    assert entry["habits_1"][3] == "[1, 4] (1 = Never; 2 = Sometimes; 3 = Often; 4 = Always)"
    assert entry["who_1"][3] == (
        "[0, 5] (0 = At no time; 1 = Some of the time; 2 = Less than half of the time; 3 = More than half of the time;"
        " 4 = Most of the time; 5 = All of the time)"
    )
    assert (
        entry["phq_1"][3]
        == entry["gad_1"][3]
        == ("[0, 3] (0 = Not at all; 1 = Several days; 2 = More than half the days; 3 = Nearly every day)")
    )
    assert entry["pain"][3] == "[0, 10] (0 = None; 10 = Worst imaginable)", "labelled at its ends: as before"
    assert entry["mood"][3] == "[1, 5] (1 = lowest; 5 = highest)"
    assert entry["sus_1"][3] == "[1, 5] (1 = strongly disagree; 5 = strongly agree)"
