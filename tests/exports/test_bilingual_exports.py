"""The exports of a pilot in two languages (issue 14, item 8). The data dictionary's `label_<lang>` and
`values_<lang>` hold each column in that language, whatever the language of whoever downloads it: the pilot's own
arms, timepoints and sites, an instrument's official wording, the repeated reports' columns; formulas in the new
cells are neutralised. The SPSS and Stata files come in one language each, chosen by `language`."""

import csv
import io

import pyreadstat
import pytest
from openpyxl import load_workbook

from livinglab.demo import build_study, food_protocol
from livinglab.extensions import db
from livinglab.participants import services as participation
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
            {"key": "energy", "text": "Your energy?", "type": "likert", "min": 1, "max": 7},
            {"key": "total", "text": "Satisfaction and energy", "score": "sum", "of": ["satisfaction", "energy"]},
            {
                "key": "diet",
                "text": "Your diet?",
                "type": "single_choice",
                "choices": ["Vegan", "Omnivore"],
                "other": True,
            },
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
    "surveys.baseline.total.text": "Satisfaction et énergie",
    "surveys.baseline.diet.text": "Votre alimentation ?",
    "surveys.baseline.diet.choices.1": "Végane",
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
    "[fr] " and the English), recruiting."""
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
    services.set_recruitment(coordinator, study, "recruiting")
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
def test_a_computed_score_and_a_choices_other_text_read_in_each_language(
    client, api_headers, startup, pilot, read, downloader
):
    entry = read(client, api_headers(startup), pilot, downloader)
    # A computed score's label is no text to translate (no participant reads it; the translation page does not
    # ask for it): both columns give it as written, each with how it is computed in its own language.
    assert entry["total"]["label_en"].startswith("Satisfaction and energy. Computed")
    assert entry["total"]["label_fr"].startswith("Satisfaction and energy. Calculé")
    assert (entry["diet"]["values_en"], entry["diet"]["values_fr"]) == ("Vegan; Omnivore", "Végane; [fr] Omnivore")
    assert entry["diet_other"]["label_en"] == "Your diet? — Other (please specify)"
    assert entry["diet_other"]["label_fr"] == "Votre alimentation ? — Autre (préciser)"


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


# SPSS and Stata: one language per file

STAT_READERS = [("export.sav", pyreadstat.read_sav), ("export.dta", pyreadstat.read_dta)]


def enrol(study, make_user) -> str:
    """One participant at the canteen who answered the baseline survey."""
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
        site="canteen",
    )
    answers = {"satisfaction": 5, "energy": 3, "diet": "Vegan", **{f"who_{n}": 2 for n in range(1, 6)}}
    participation.submit_response(user, study, "baseline", answers)
    db.session.commit()
    return enrolment.participant_code


def stat_file(client, headers, study, what, reader, tmp_path, query="", downloader="en"):
    answer = client.get(f"{API}/studies/{study.id}/{what}{query}", headers={**headers, "Accept-Language": downloader})
    assert answer.status_code == 200, answer.get_data()[:300]
    path = tmp_path / what
    path.write_bytes(answer.get_data())
    frame, meta = reader(str(path))
    return answer.headers["Content-Disposition"], frame, meta


@pytest.mark.parametrize("what, reader", STAT_READERS)
def test_an_spss_or_stata_file_in_each_language(client, api_headers, startup, make_user, pilot, tmp_path, what, reader):
    enrol(pilot, make_user)
    headers = api_headers(startup)
    suffix = what.rsplit(".", 1)[1]
    for language, menus, first, points in (
        ("fr", {1: "Menu habituel", 2: "Menu végétal"}, WHO5_FIRST["fr"], WHO5_POINTS["fr"]),
        ("en", {1: "Usual menu", 2: "Plant-based menu"}, WHO5_FIRST["en"], WHO5_POINTS["en"]),
    ):
        disposition, frame, meta = stat_file(client, headers, pilot, what, reader, tmp_path, f"?language={language}")
        assert disposition == f"attachment; filename=livinglab-study-{pilot.id}-data-{language}.{suffix}"
        values = meta.variable_value_labels
        assert values["arm"] == menus
        assert values["site"][1] == {"fr": "Restaurant d’entreprise", "en": "Company canteen"}[language]
        assert values["timepoint"][2] == {"fr": "Après quatre semaines", "en": "After four weeks"}[language]
        assert [values["who_1"][n] for n in range(6)] == points.split("; ")
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["who_1"].endswith(first)
        assert (
            labels["participant_code"]
            == {"fr": "Code participant pseudonyme", "en": "Pseudonymous participant code"}[language]
        )
        assert list(frame["who_1"]) == [2]
        assert values["diet"][1] == {"fr": "Végane", "en": "Vegan"}[language]


def test_without_a_language_the_file_is_in_the_downloaders_when_the_pilot_offers_it(
    client, api_headers, startup, make_user, pilot, tmp_path
):
    enrol(pilot, make_user)
    headers = api_headers(startup)
    for downloader, arm in (("fr", "Menu habituel"), ("en", "Usual menu")):
        disposition, _frame, meta = stat_file(
            client, headers, pilot, "export.sav", pyreadstat.read_sav, tmp_path, downloader=downloader
        )
        assert disposition.endswith(f"-data-{downloader}.sav") and meta.variable_value_labels["arm"][1] == arm


@pytest.mark.parametrize("query", ["?language=de", "?language=", "?language=fr%0D%0Ax", "?language=" + "f" * 5000])
def test_a_language_the_pilot_does_not_declare_is_refused(client, api_headers, startup, pilot, query):
    headers = api_headers(startup)
    for what in ("export.sav", "export.dta"):
        answer = client.get(f"{API}/studies/{pilot.id}/{what}{query}", headers=headers)
        assert answer.status_code == 422
        assert set(answer.get_json()["error"]["fields"]) == {"language"}


def test_a_pilot_in_one_language_refuses_a_language_and_keeps_its_file_name(
    client, api_headers, startup, make_study, login
):
    study = make_study("recruiting")
    headers = api_headers(startup)
    answer = client.get(f"{API}/studies/{study.id}/export.sav?language=fr", headers=headers)
    assert answer.status_code == 422 and "language" in answer.get_json()["error"]["fields"]
    answer = client.get(f"{API}/studies/{study.id}/export.sav", headers=headers)
    assert answer.headers["Content-Disposition"] == f"attachment; filename=livinglab-study-{study.id}-data.sav"
    login(startup)
    assert client.get(f"/studies/{study.id}/exports/data.dta?language=de").status_code == 422


def test_the_export_menu_offers_each_language_of_a_bilingual_pilot(client, login, startup, pilot):
    login(startup)
    page = client.get(f"/studies/{pilot.id}/results").get_data(as_text=True)
    assert "The SPSS and Stata files hold one language" in page
    for lang in ("en", "fr"):
        for what, suffix in (("data.sav", "sav"), ("data.dta", "dta")):
            href = f"/studies/{pilot.id}/exports/{what}?language={lang}"
            assert f'href="{href}"' in page
            answer = client.get(href)
            assert answer.status_code == 200
            assert answer.headers["Content-Disposition"].endswith(f"-data-{lang}.{suffix}")
