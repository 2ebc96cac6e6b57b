"""The data dictionary of a pilot in two languages (issue 14, item 8): `label_<lang>` and `values_<lang>` hold each
column in that language, whatever the language of whoever downloads it: the pilot's own arms, timepoints and sites,
an instrument's official wording, the repeated reports' columns. Formulas in the new cells are neutralised."""

import csv
import io

import pytest
from openpyxl import load_workbook

from livinglab.demo import build_study, food_protocol
from livinglab.extensions import db
from livinglab.studies import pilot_languages, services

API = "/api/v1"
FORMULA = '=HYPERLINK("http://x","y")'

SURVEYS = [
    {
        "key": "baseline",
        "title": "Before the tasting",
        "timepoint": "baseline",
        "items": [
            {"key": "satisfaction", "text": "How satisfied are you?", "type": "likert", "min": 1, "max": 7},
            {"key": "who", "instrument": "who5"},
        ],
    },
    {
        "key": "week_4",
        "title": "After four weeks",
        "timepoint": "week_4",
        "items": [{"key": "satisfaction", "text": "How satisfied are you?", "type": "likert", "min": 1, "max": 7}],
    },
    {
        "key": "side_effects",
        "title": "Report a problem",
        "timepoint": "baseline",
        "repeat": "problem_report",
        "items": [
            {
                "key": "severity",
                "text": "How bothersome was it?",
                "type": "likert",
                "min": 1,
                "max": 3,
                "labels": ["Slightly", "Quite", "Very"],
            },
            {"key": "what", "text": "What happened?", "type": "text"},
        ],
    },
]

# The French a founder wrote for the pilot's own texts (the others get "[fr] " before the English)
FRENCH = {
    "protocol.arms.usual_menu": "Menu habituel",
    "protocol.arms.plant_based": "Menu végétal",
    "protocol.timepoints.baseline": "Avant le nouveau menu",
    "protocol.timepoints.week_4": "Après quatre semaines",
    "protocol.sites.canteen": "Restaurant d’entreprise",
    "protocol.sites.school": "École Jules-Verne",
    "surveys.side_effects.title": "Signaler un problème",
    "surveys.side_effects.severity.text": "Quelle gêne avez-vous ressentie ?",
    "surveys.side_effects.severity.labels.1": "Un peu",
    "surveys.side_effects.severity.labels.2": "Assez",
    "surveys.side_effects.severity.labels.3": "Beaucoup",
}

# The WHO-5 in its published wordings (Psychiatric Research Unit, WHO Collaborating Centre), written out here
WHO5_FIRST = {
    "en": "I have felt cheerful and in good spirits.",
    "fr": "Je me suis senti(e) bien et de bonne humeur.",
}
WHO5_POINTS = {
    "en": "At no time; Some of the time; Less than half of the time; More than half of the time; Most of the time; "
    "All of the time",
    "fr": "Jamais; De temps en temps; Moins de la moitié du temps; Plus de la moitié du temps; La plupart du temps; "
    "Tout le temps",
}


def bilingual_pilot(startup, coordinator, french: dict):
    """A two-arm pilot at two sites written in English and translated into French (`french` by path, the rest
    "[fr] " and the English), approved."""
    protocol = food_protocol(
        languages=["en", "fr"],
        sites=[{"key": "canteen", "name": "Company canteen"}, {"key": "school", "name": "Jules Verne school"}],
        labels={
            "arms": {"usual_menu": "Usual menu", "plant_based": "Plant-based menu"},
            "timepoints": {"baseline": "Before the new menu", "week_4": "After four weeks"},
        },
        primary_outcome={"variable": "satisfaction", "hypothesis": "increase"},
    )
    study = build_study(startup, coordinator, "draft", protocol=protocol, survey_defs=SURVEYS)
    texts = {
        src.path: {"text": french.get(src.path, "[fr] " + src.text), "source": pilot_languages.fingerprint(src.text)}
        for src in pilot_languages.sources(pilot_languages.record_of(study))
    }
    services.update_study(startup, study, {"translations": {"fr": texts}})
    services.submit(startup, study)
    services.decide(coordinator, study, "approve", "")
    db.session.commit()
    return study


@pytest.fixture
def pilot(startup, coordinator):
    return bilingual_pilot(startup, coordinator, FRENCH)


def dictionary_csv(client, headers, study, language) -> dict[str, dict]:
    answer = client.get(f"{API}/studies/{study.id}/dictionary.csv", headers={**headers, "Accept-Language": language})
    assert answer.status_code == 200
    return {row["key"]: row for row in csv.DictReader(io.StringIO(answer.get_data().decode("utf-8-sig")))}


def dictionary_sheet(client, headers, study, language) -> dict[str, dict]:
    answer = client.get(f"{API}/studies/{study.id}/export.xlsx", headers={**headers, "Accept-Language": language})
    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.get_data()))["dictionary"].iter_rows(values_only=True))
    return {row[0]: {name: value or "" for name, value in zip(rows[0], row, strict=True)} for row in rows[1:]}


READERS = [dictionary_csv, dictionary_sheet]


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("downloader", ["en", "fr"])
def test_arms_timepoints_and_sites_read_in_each_language(client, api_headers, startup, pilot, read, downloader):
    entry = read(client, api_headers(startup), pilot, downloader)
    assert (entry["arm"]["values_en"], entry["arm"]["values_fr"]) == (
        "usual_menu = Usual menu; plant_based = Plant-based menu",
        "usual_menu = Menu habituel; plant_based = Menu végétal",
    )
    assert (entry["timepoint"]["values_en"], entry["timepoint"]["values_fr"]) == (
        "baseline = Before the new menu; week_4 = After four weeks",
        "baseline = Avant le nouveau menu; week_4 = Après quatre semaines",
    )
    assert (entry["site"]["values_en"], entry["site"]["values_fr"]) == (
        "canteen = Company canteen; school = Jules Verne school",
        "canteen = Restaurant d’entreprise; school = École Jules-Verne",
    )
    assert entry["arm"]["label_en"] == "Arm the participant was allocated to"
    assert entry["arm"]["label_fr"] == "Bras attribué au participant"
    assert "Restaurant d’entreprise" in entry["site"]["label_fr"] and "Company canteen" in entry["site"]["label_en"]
    assert "Company canteen" not in entry["site"]["label_fr"]


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("downloader", ["en", "fr"])
def test_an_instrument_reads_in_its_official_wording_in_each_language(
    client, api_headers, startup, pilot, read, downloader
):
    entry = read(client, api_headers(startup), pilot, downloader)
    first = entry["who_1"]
    assert first["label_en"].endswith(WHO5_FIRST["en"]) and first["label_fr"].endswith(WHO5_FIRST["fr"])
    assert (first["values_en"], first["values_fr"]) == (WHO5_POINTS["en"], WHO5_POINTS["fr"])
    assert (entry["who"]["label_en"], entry["who"]["label_fr"]) == (
        "WHO-5 Well-Being Index score",
        "Score WHO-5 Well-Being Index",
    )
    assert entry["participant_code"]["label_fr"] == "Code participant pseudonyme"
    assert entry["participant_code"]["label_en"] == "Pseudonymous participant code"


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize("downloader", ["en", "fr"])
def test_the_repeated_reports_columns_read_in_each_language(client, api_headers, startup, pilot, read, downloader):
    entry = read(client, api_headers(startup), pilot, downloader)
    severity = entry["reports.severity"]
    assert severity["label_en"].startswith("How bothersome was it? [repeated, long form")
    assert severity["label_fr"].startswith("Quelle gêne avez-vous ressentie ? [répété, format long")
    assert (severity["values_en"], severity["values_fr"]) == ("Slightly; Quite; Very", "Un peu; Assez; Beaucoup")
    assert entry["reports.what"]["label_fr"].startswith("[fr] What happened? [")
    assert entry["reports.survey"]["values_en"] == "side_effects = Report a problem"
    assert entry["reports.survey"]["values_fr"] == "side_effects = Signaler un problème"
    assert entry["reports.arm"]["values_fr"] == "usual_menu = Menu habituel; plant_based = Menu végétal"
    assert entry["reports.site"]["values_fr"] == "canteen = Restaurant d’entreprise; school = École Jules-Verne"
    assert entry["reports.participant_code"]["label_fr"].startswith("Code participant pseudonyme [")


def test_formulas_in_the_translations_are_neutralised(client, api_headers, startup, coordinator):
    french = {
        **FRENCH,
        "protocol.arms.usual_menu": FORMULA,
        "surveys.side_effects.severity.text": FORMULA,
        "surveys.side_effects.severity.labels.2": "-Assez",
    }
    study = bilingual_pilot(startup, coordinator, french)
    for read in READERS:
        entry = read(client, api_headers(startup), study, "en")
        assert entry["reports.severity"]["label_fr"].startswith("'" + FORMULA)
        assert entry["reports.severity"]["values_fr"] == "Un peu; '-Assez; Beaucoup"
        assert entry["arm"]["values_fr"] == f"usual_menu = {FORMULA}; plant_based = Menu végétal"  # not a cell start
