"""A diary's every item in the results and the long-form export (issue 14, audit of items 6 and 7): a computed
score declared on a repeatable survey is computed for each report (exported in long form, described per
participant), an instrument's total too; a matrix's rows are described like the numeric items; a date by its earliest
and latest; a free text or a time is counted, and the page says it is not summarised, never leaving it out."""

import csv
import html
import io

import pytest

from livinglab.demo import sleep_surveys
from livinglab.extensions import db
from livinglab.participants import services as participation

DIARY = {
    "key": "diary",
    "title": "Sleep diary",
    "timepoint": "baseline",
    "repeat": "diary",
    "items": [
        {"key": "night", "text": "Which night?", "type": "date"},
        {"key": "bedtime", "text": "When did you go to bed?", "type": "time", "required": False},
        {
            "key": "feel",
            "type": "matrix",
            "text": "How true?",
            "rows": ["I slept well", "I woke rested"],
            "min": 1,
            "max": 5,
        },
        {"key": "anx", "instrument": "gad7"},
        {"key": "ease", "text": "Sleep ease", "score": "sum", "of": ["feel_1", "feel_2"]},
        {"key": "notes", "text": "Anything else?", "type": "text", "required": False},
    ],
}


def entry(night, feel, anx, **more) -> dict:
    return {"night": night, "feel_1": feel[0], "feel_2": feel[1], **{f"anx_{i}": anx for i in range(1, 8)}, **more}


@pytest.fixture
def diary(make_study, take_part):
    """A: two entries (feel 4,2 then 2,2; GAD-7 items 1 then 2: totals 7 and 14); B: one (5,5; 0), with a bedtime
    and a note; C: none."""
    study = make_study("recruiting", survey_defs=[*sleep_surveys(), DIARY])
    code_a, a = take_part(study, {"diary": entry("2026-11-02", (4, 2), 1)})
    participation.submit_response(a, study, "diary", entry("2026-11-04", (2, 2), 2))
    code_b, _b = take_part(study, {"diary": entry("2026-11-03", (5, 5), 0, bedtime="23:10", notes="Noisy street")})
    take_part(study, {})
    db.session.commit()
    study.codes = (code_a, code_b)
    return study


def summary_of(study) -> dict:
    from livinglab.results.loading import flow_counts
    from livinglab.results.reports import repeated_results

    [summary] = repeated_results(study, flow_counts(study)["kept_by_arm"])["repeated_reports"]
    return {item["key"]: item for item in summary["items"]}


def spread(item) -> tuple:
    means = item["participant_means"]
    return means["n"], means["mean"], means["min"], means["max"]


def test_the_computed_score_of_each_report_is_described_per_participant(diary):
    """ease = feel_1 + feel_2: A's reports 6 and 4 (mean 5), B's 10: mean 7.5 from 5 to 10."""
    items = summary_of(diary)
    assert items["ease"]["kind"] == "numeric" and items["ease"]["score"] == "computed"
    assert spread(items["ease"]) == (2, 7.5, 5, 10)


def test_an_instruments_total_is_computed_per_report(diary):
    """GAD-7 is the sum of 7 items: A's reports 7 and 14 (mean 10.5), B's 0: mean 5.25."""
    items = summary_of(diary)
    assert items["anx"]["score"] == "instrument"
    assert spread(items["anx"]) == (2, 5.25, 0, 10.5)


def test_a_matrix_is_described_row_by_row_like_numeric_items(diary):
    items = summary_of(diary)
    assert "feel" not in items
    assert items["feel_1"]["kind"] == "numeric" and spread(items["feel_1"]) == (2, 4, 3, 5)  # A 3, B 5
    assert spread(items["feel_2"]) == (2, 3.5, 2, 5)  # A 2, B 5


def test_a_date_gives_its_earliest_and_latest(diary):
    night = summary_of(diary)["night"]
    assert night["kind"] == "dates"
    assert (night["first"], night["last"], night["reports"], night["participants"]) == (
        "2026-11-02",
        "2026-11-04",
        3,
        2,
    )


def test_a_text_or_a_time_is_counted_and_named_as_not_summarised(diary):
    items = summary_of(diary)
    assert (items["notes"]["kind"], items["notes"]["type"], items["notes"]["reports"]) == ("listed", "text", 1)
    assert (items["bedtime"]["kind"], items["bedtime"]["type"], items["bedtime"]["participants"]) == (
        "listed",
        "time",
        1,
    )


def rows_of(reply) -> list[list[str]]:
    assert reply.status_code == 200
    return list(csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_long_form_export_gives_each_reports_scores(client, login, diary, startup, api_headers):
    login(startup)
    for url, headers in (
        (f"/studies/{diary.id}/exports/reports.csv", {}),
        (f"/api/v1/studies/{diary.id}/export.reports.csv", api_headers(startup)),
    ):
        reply = client.get(url, headers=headers)
        header, *rows = rows_of(reply)
        assert "ease" in header and "anx" in header
        at = {key: header.index(key) for key in ("participant_code", "instance", "ease", "anx")}
        got = sorted((r[at["participant_code"]], r[at["instance"]], r[at["ease"]], r[at["anx"]]) for r in rows)
        code_a, code_b = diary.codes
        assert got == sorted([(code_a, "1", "6", "7"), (code_a, "2", "4", "14"), (code_b, "1", "10", "0")])


def test_the_dictionary_says_how_the_reports_score_is_computed(client, login, diary, startup):
    login(startup)
    rows = rows_of(client.get(f"/studies/{diary.id}/exports/dictionary.csv"))
    [ease] = [row for row in rows if row[0] == "reports.ease"]
    assert "Sleep ease" in ease[1] and "sum of feel_1, feel_2" in ease[1] and "repeated, long form" in ease[1]
    assert [row for row in rows if row[0] == "reports.anx"]


def test_the_score_of_a_report_whose_items_are_missing_is_empty(client, login, make_study, take_part, startup):
    """A sum is given only when every item is answered (the missing rule of computed scores)."""
    optional = {
        **DIARY,
        "items": [{**item, "required": False} if item["key"] == "feel" else item for item in DIARY["items"]],
    }
    study = make_study("recruiting", survey_defs=[*sleep_surveys(), optional])
    answers = entry("2026-11-02", (4, 2), 1)
    del answers["feel_2"]
    take_part(study, {"diary": answers})
    login(startup)
    header, row = rows_of(client.get(f"/studies/{study.id}/exports/reports.csv"))
    assert row[header.index("ease")] == "" and row[header.index("feel_1")] == "4"
    assert summary_of(study)["ease"]["participant_means"]["n"] == 0


SENTENCES = [
    "“ease”, the score of each report (Sleep ease) averaged within each participant, across 2 participants: mean 7.50",
    "“anx”, the score of each report (Generalized Anxiety Disorder scale (GAD-7))",
    "“feel_1”, the mean of each participant's reports, across 2 participants: mean 4.00",
    "“night”, a date: earliest 2026-11-02, latest 2026-11-04 (reports giving it: 3; participants: 2).",
    "“notes”, a free text, is not summarised here (reports answering it: 1; participants: 1): read the answers in the "
    "long-form export.",
    "“bedtime”, a time of day, is not summarised here",
]


def results_page(client, study, locale: str) -> str:
    reply = client.get(f"/studies/{study.id}/results", headers={"Accept-Language": locale})
    assert reply.status_code == 200
    return " ".join(html.unescape(reply.get_data(as_text=True)).split())


def test_the_results_page_shows_every_item_of_the_diary(client, login, diary, startup):
    login(startup)
    page = results_page(client, diary, "en")
    for sentence in SENTENCES:
        assert sentence in page, sentence


def test_the_results_page_shows_the_diarys_figures_in_french(client, login, diary, startup):
    """The sentences' French comes with the catalogue (the lead's merge); the figures are French already."""
    login(startup)
    page = results_page(client, diary, "fr")
    assert '<html lang="fr">' in page
    for figure in ("7,50", "5,25", "10,5", "2026-11-02", "2026-11-04"):
        assert figure in page, figure


def test_the_api_results_carry_the_diarys_every_item(client, diary, startup, api_headers):
    body = client.get(f"/api/v1/studies/{diary.id}/results", headers=api_headers(startup)).json
    [summary] = body["repeated_reports"]
    assert [item["key"] for item in summary["items"]] == [
        "night",
        "bedtime",
        "feel_1",
        "feel_2",
        "anx",
        "ease",
        "notes",
    ]


def test_the_builder_says_a_diarys_score_is_computed_for_each_report(client, login, make_study, startup):
    study = make_study("draft", survey_defs=[*sleep_surveys(), DIARY])
    survey = next(s for s in study.surveys if s.key == "diary")
    login(startup)
    page = html.unescape(client.get(f"/studies/{study.id}/surveys/{survey.id}").get_data(as_text=True))
    assert "In a repeatable survey, a score is computed for each report" in " ".join(page.split())


def test_results_cached_before_every_item_was_summarised_are_computed_again():
    from livinglab.results import cache

    assert cache.FORMAT >= 15
