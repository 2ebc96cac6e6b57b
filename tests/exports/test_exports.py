"""Exports of a pilot's answers: wide CSV, data dictionary, XLSX, SPSS and Stata; pseudonymous and safe."""

import csv
import io
import re

import pyreadstat
import pytest
from openpyxl import load_workbook

from livinglab.demo import sleep_protocol
from livinglab.exports.cells import csv_cell, neutralise, sheet_cell
from livinglab.exports.statfiles import SPSS, STATA, variable_names

FORMULA = '=HYPERLINK("http://x","y")'
LONG_TEXT = "é" * 1999 + "!"

EVERY_TYPE = [
    {
        "key": "baseline",
        "title": "Before",
        "timepoint": "baseline",
        "items": [
            {
                "key": "sleep_hours",
                "text": "Hours of sleep per night?",
                "type": "number",
                "min": 0,
                "max": 24,
                "unit": "h",
            },
            {"key": "change", "text": "Hours more or less than usual?", "type": "number", "min": -10, "max": 10},
            {"key": "mood", "text": "How is your mood?", "type": "likert", "min": 1, "max": 7},
            {
                "key": "diet",
                "text": "Your diet?",
                "type": "single_choice",
                "choices": ["Omnivore", "Flexitarian", "-Vegan"],
            },
            {
                "key": "habits",
                "text": "Your habits?",
                "type": "multiple_choice",
                "choices": ["Coffee", "Screens", "Naps"],
            },
            {"key": "keep", "text": "Keep the app?", "type": "yes_no"},
            {"key": "recommend", "text": "Recommend it?", "type": "nps"},
            {"key": "who", "instrument": "who5"},
            {"key": "comments", "text": "Anything else?", "type": "text", "required": False},
        ],
    },
    {
        "key": "follow_up",
        "title": "After",
        "timepoint": "follow_up",
        "items": [
            {
                "key": "sleep_hours",
                "text": "Hours of sleep per night?",
                "type": "number",
                "min": 0,
                "max": 24,
                "unit": "h",
            },
            {"key": "mood", "text": "How is your mood?", "type": "likert", "min": 1, "max": 7},
            {"key": "umux", "instrument": "umux_lite"},
            {"key": "comments", "text": "Anything else?", "type": "text", "required": False},
        ],
    },
]
HEADER = [
    "participant_code",
    "arm",
    "timepoint",
    "sleep_hours",
    "change",
    "mood",
    "diet",
    "habits",
    "keep",
    "recommend",
    "who_1",
    "who_2",
    "who_3",
    "who_4",
    "who_5",
    "who",
    "comments",
    "umux_1",
    "umux_2",
    "umux",
]


def baseline(**overrides) -> dict:
    answers = {
        "sleep_hours": 6.5,
        "change": -2.5,
        "mood": 3,
        "diet": "-Vegan",
        "habits": ["Naps", "Coffee"],
        "keep": True,
        "recommend": 9,
        **{f"who_{i}": 3 for i in range(1, 6)},
        "comments": FORMULA,
    }
    return answers | overrides


FOLLOW_UP = {"sleep_hours": 7.5, "mood": 5, "umux_1": 6, "umux_2": 7, "comments": "Très bien, merci ! 😴"}


@pytest.fixture
def pilot(make_study):
    return make_study("recruiting", survey_defs=EVERY_TYPE)


@pytest.fixture
def answered(pilot, take_part):
    """Four participants: both timepoints; baseline only; withdrawn erasing; withdrawn keeping."""
    both = take_part(pilot, {"baseline": baseline(), "follow_up": FOLLOW_UP})
    once = take_part(pilot, {"baseline": baseline(keep=False, habits=["Screens"], comments=LONG_TEXT)})
    erased = take_part(pilot, {"baseline": baseline()}, withdraw=True)
    kept = take_part(pilot, {"baseline": baseline(change=1)}, withdraw=False)
    return {"both": both, "once": once, "erased": erased, "kept": kept}


@pytest.fixture
def download(client, login, startup):
    login(startup)

    def get(study, what: str, status: int = 200):
        response = client.get(f"/studies/{study.id}/exports/{what}")
        assert response.status_code == status, response.data[:300]
        return response

    return get


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def by_code(rows) -> dict:
    header = rows[0]
    return {(row[0], row[2]): dict(zip(header, row, strict=True)) for row in rows[1:]}


# The wide CSV


def test_the_csv_has_one_row_per_participant_and_timepoint_and_a_column_per_answer_key(pilot, answered, download):
    rows = read_csv(download(pilot, "data.csv"))
    assert rows[0] == HEADER
    codes = [row[0] for row in rows[1:]]
    assert codes == sorted(codes), "ordered by participant code"
    both, once, kept = answered["both"][0], answered["once"][0], answered["kept"][0]
    assert sorted((row[0], row[2]) for row in rows[1:]) == sorted(
        [(both, "baseline"), (both, "follow_up"), (once, "baseline"), (kept, "baseline")]
    )
    assert [row[2] for row in rows[1:] if row[0] == both] == ["baseline", "follow_up"]


def test_the_csv_writes_each_type_of_answer_plainly(pilot, answered, download):
    rows = by_code(read_csv(download(pilot, "data.csv")))
    first = rows[(answered["both"][0], "baseline")]
    assert first["arm"] == "intervention"
    assert (first["sleep_hours"], first["change"], first["mood"], first["recommend"]) == ("6.5", "-2.5", "3", "9")
    assert first["keep"] == "1" and rows[(answered["once"][0], "baseline")]["keep"] == "0"
    assert first["diet"] == "'-Vegan", "a text starting with - is neutralised; the number -2.5 is not"
    assert first["habits"] == "Coffee; Naps", "in the order of the choices"
    assert [first[f"who_{i}"] for i in range(1, 6)] == ["3"] * 5 and first["who"] == "60"
    assert first["umux"] == first["umux_1"] == "", "not measured at baseline"
    later = rows[(answered["both"][0], "follow_up")]
    assert (later["umux_1"], later["umux_2"]) == ("6", "7")
    assert float(later["umux"]) == pytest.approx((6 + 7 - 2) * 100 / 12)
    assert later["diet"] == later["who"] == "", "not asked at follow-up"


def test_text_answers_are_neutralised_and_kept_whole(pilot, answered, download):
    rows = by_code(read_csv(download(pilot, "data.csv")))
    assert rows[(answered["both"][0], "baseline")]["comments"] == "'" + FORMULA
    assert rows[(answered["both"][0], "follow_up")]["comments"] == "Très bien, merci ! 😴"
    assert rows[(answered["once"][0], "baseline")]["comments"] == LONG_TEXT


def test_the_csv_is_utf8_with_a_byte_order_mark_for_excel(pilot, answered, download):
    response = download(pilot, "data.csv")
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.get_data().startswith("\ufeffparticipant_code,".encode())
    assert "Très bien".encode() in response.get_data()
    assert response.headers["Content-Disposition"] == f'attachment; filename="livinglab-study-{pilot.id}-data.csv"'
    assert response.headers["Cache-Control"] == "no-store"


def test_the_csv_is_streamed(pilot, answered, download):
    assert download(pilot, "data.csv").is_streamed


def test_wide_rows_are_built_as_the_long_rows_arrive(pilot):
    from livinglab.exports.columns import plan_for
    from livinglab.exports.rows import wide_rows

    plan = plan_for(pilot)
    long_rows = iter(
        [
            ("P-A", "intervention", "baseline", "sleep_hours", 6.0, None),
            ("P-A", "intervention", "baseline", "keep", 1.0, None),
            ("P-B", "intervention", "baseline", "sleep_hours", 7.0, None),
            ("P-B", "intervention", "baseline", "habits", None, '["Naps"]'),
        ]
    )
    rows = wide_rows(long_rows, plan)
    first = next(rows)
    assert first[:4] == ["P-A", "intervention", "baseline", 6] and first[HEADER.index("keep")] == 1
    assert len(list(long_rows)) == 1, "one row read ahead, no more"


def test_the_csv_comes_in_chunks_of_bounded_size(monkeypatch):
    from livinglab.exports import delimited

    monkeypatch.setattr(delimited, "CHUNK", 100)
    rows = [[f"P-{n:08d}", "intervention", "baseline", n * 0.5] for n in range(50)]
    chunks = list(delimited.csv_chunks(["participant_code", "arm", "timepoint", "x"], rows))
    assert len(chunks) > 10 and max(len(chunk) for chunk in chunks) < 200
    text = b"".join(chunks).decode("utf-8-sig")
    assert text.splitlines()[1] == "P-00000000,intervention,baseline,0.0"


def test_erased_participants_are_absent_and_those_who_kept_their_data_are_present(pilot, answered, download):
    codes = {row[0] for row in read_csv(download(pilot, "data.csv"))[1:]}
    assert answered["erased"][0] not in codes
    assert answered["kept"][0] in codes


def test_a_study_without_answers_exports_the_header_only(pilot, download):
    assert read_csv(download(pilot, "data.csv")) == [HEADER]


def test_a_response_with_every_optional_question_skipped_still_has_its_row(make_study, take_part, download):
    optional = [
        {
            "key": "baseline",
            "title": "B",
            "timepoint": "baseline",
            "items": [
                {"key": "sleep_hours", "text": "Sleep?", "type": "number", "required": False},
                {"key": "note", "text": "Note?", "type": "text", "required": False},
            ],
        },
        {
            "key": "follow_up",
            "title": "F",
            "timepoint": "follow_up",
            "items": [{"key": "sleep_hours", "text": "Sleep?", "type": "number", "required": False}],
        },
    ]
    study = make_study("recruiting", survey_defs=optional)
    code, _user = take_part(study, {"baseline": {}})
    assert read_csv(download(study, "data.csv"))[1:] == [[code, "intervention", "baseline", "", ""]]


def test_two_surveys_at_one_timepoint_share_one_row(make_study, take_part, download):
    surveys = [
        {
            "key": "baseline",
            "title": "B",
            "timepoint": "baseline",
            "items": [{"key": "sleep_hours", "text": "Sleep?", "type": "number"}],
        },
        {
            "key": "baseline_extra",
            "title": "B2",
            "timepoint": "baseline",
            "items": [{"key": "energy", "text": "Energy?", "type": "likert"}],
        },
        {
            "key": "follow_up",
            "title": "F",
            "timepoint": "follow_up",
            "items": [{"key": "sleep_hours", "text": "Sleep?", "type": "number"}],
        },
    ]
    study = make_study("recruiting", survey_defs=surveys)
    code, _user = take_part(study, {"baseline": {"sleep_hours": 6}, "baseline_extra": {"energy": 4}})
    rows = read_csv(download(study, "data.csv"))
    assert rows == [
        ["participant_code", "arm", "timepoint", "sleep_hours", "energy"],
        [code, "intervention", "baseline", "6", "4"],
    ]


@pytest.mark.parametrize("key", ["participant_code", "arm", "timepoint"])
def test_the_identifying_columns_cannot_be_question_keys(key):
    from livinglab.surveys.definitions import clean_item
    from livinglab.validation import FieldError

    with pytest.raises(FieldError, match="reserved for the exports"):
        clean_item({"key": key, "text": "Which?", "type": "text"})


def test_parallel_groups_export_each_participants_arm(make_study, take_part, download):
    from livinglab.demo import food_protocol, food_surveys

    study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    codes = [take_part(study, {"baseline": {"satisfaction": 4, "diet": "Omnivore"}})[0] for _ in range(4)]
    rows = by_code(read_csv(download(study, "data.csv")))
    assert {rows[(code, "baseline")]["arm"] for code in codes} == {"usual_menu", "plant_based"}


# Never a name, an email or an account


@pytest.mark.parametrize("what", ["data.csv", "dictionary.csv", "data.xlsx", "data.sav", "data.dta"])
def test_no_export_holds_a_name_or_an_email(pilot, answered, download, startup, what):
    body = download(pilot, what).get_data()
    if what == "data.xlsx":
        book = load_workbook(io.BytesIO(body))
        body = "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        ).encode()
    for _code, user in answered.values():
        for personal in (user.email, user.name, startup.email, startup.name):
            assert personal.encode() not in body


# The data dictionary


def test_the_dictionary_describes_every_column_in_order(pilot, download):
    rows = read_csv(download(pilot, "dictionary.csv"))
    assert rows[0] == ["key", "label", "type", "range_or_choices", "unit", "timepoints"]
    assert [row[0] for row in rows[1:]] == HEADER
    entry = {row[0]: row for row in rows[1:]}
    assert entry["sleep_hours"] == [
        "sleep_hours",
        "Hours of sleep per night?",
        "number",
        "[0, 24]",
        "h",
        "baseline; follow_up",
    ]
    assert entry["change"][3] == "[-10, 10]"
    assert entry["mood"][3] == "[1, 7] (1 = lowest; 7 = highest)"
    assert entry["diet"][2:4] == ["single_choice", "Omnivore; Flexitarian; '-Vegan"]  # a French spreadsheet splits on ;
    assert entry["habits"][3].startswith("Coffee; Screens; Naps")
    assert entry["keep"][2:4] == ["yes_no", "1 = yes; 0 = no"]
    assert entry["recommend"][3] == "[0, 10] (0 = not at all likely; 10 = extremely likely)"
    assert entry["who_1"][1].startswith("WHO-5 Well-Being Index 1: I have felt cheerful")
    assert entry["who_1"][2:4] == [
        "likert",
        "[0, 5] (0 = At no time; 1 = Some of the time; 2 = Less than half of the time; 3 = More than half of the time;"
        " 4 = Most of the time; 5 = All of the time)",
    ]
    assert entry["who"][1:4] == ["WHO-5 Well-Being Index score", "score", "[0, 100]"]
    assert entry["umux"][5] == "follow_up" and entry["comments"][5] == "baseline; follow_up"
    assert entry["arm"][3] == "intervention" and entry["timepoint"][3] == "baseline; follow_up"


def test_the_dictionary_neutralises_formulas_in_question_texts(make_study, download):
    surveys = [
        {
            "key": s,
            "title": s,
            "timepoint": s,
            "items": [{"key": "sleep_hours", "text": "=1+1 hours?", "type": "number"}],
        }
        for s in ("baseline", "follow_up")
    ]
    study = make_study("recruiting", survey_defs=surveys)
    rows = read_csv(download(study, "dictionary.csv"))
    assert rows[-1][1] == "'=1+1 hours?"


# XLSX


def test_the_workbook_holds_the_data_and_the_dictionary(pilot, answered, download):
    response = download(pilot, "data.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(f"livinglab-study-{pilot.id}-data.xlsx")
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["data", "dictionary"]
    data = list(book["data"].iter_rows(values_only=True))
    assert list(data[0]) == HEADER and len(data) == 5
    assert book["data"]["A1"].font.bold
    rows = {(row[0], row[2]): dict(zip(HEADER, row, strict=True)) for row in data[1:]}
    first = rows[(answered["both"][0], "baseline")]
    assert first["sleep_hours"] == 6.5 and first["change"] == -2.5 and first["keep"] == 1 and first["who"] == 60
    assert first["comments"] == "'" + FORMULA and first["diet"] == "'-Vegan"
    assert rows[(answered["once"][0], "baseline")]["comments"] == LONG_TEXT
    assert [row[0] for row in book["dictionary"].iter_rows(values_only=True)][1:] == HEADER


def test_no_workbook_cell_is_a_formula(pilot, answered, download):
    book = load_workbook(io.BytesIO(download(pilot, "data.xlsx").get_data()))
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_control_characters_cannot_break_the_workbook(pilot, take_part, download):
    take_part(pilot, {"baseline": baseline(comments="\x07=bell\x1b")})
    book = load_workbook(io.BytesIO(download(pilot, "data.xlsx").get_data()))
    assert list(book["data"].iter_rows(values_only=True))[1][HEADER.index("comments")] == "'=bell"


# SPSS and Stata


@pytest.mark.parametrize("what, reader", [("data.sav", pyreadstat.read_sav), ("data.dta", pyreadstat.read_dta)])
def test_spss_and_stata_files_carry_variable_and_value_labels(pilot, answered, download, tmp_path, what, reader):
    path = tmp_path / what
    path.write_bytes(download(pilot, what).get_data())
    frame, meta = reader(str(path))
    assert list(frame.columns) == HEADER
    labels = meta.column_names_to_labels
    assert labels["sleep_hours"] == "Hours of sleep per night? (h)"
    assert labels["who_2"].startswith("WHO-5 Well-Being Index 2: I have felt calm")
    assert labels["participant_code"] == "Pseudonymous participant code"
    values = meta.variable_value_labels
    assert values["keep"] == {1: "yes", 0: "no"}
    assert values["diet"] == {1: "Omnivore", 2: "Flexitarian", 3: "'-Vegan"}
    assert values["timepoint"] == {1: "Baseline", 2: "Follow up"} and values["arm"] == {1: "Intervention"}
    assert values["mood"] == {1: "1 (lowest)", 7: "7 (highest)"}
    assert values["who_1"] == {
        0: "At no time",
        1: "Some of the time",
        2: "Less than half of the time",
        3: "More than half of the time",
        4: "Most of the time",
        5: "All of the time",
    }
    rows = {(row.participant_code, row.timepoint): row for row in frame.itertuples()}
    first = rows[(answered["both"][0], 1)]
    assert (first.sleep_hours, first.change, first.keep, first.diet, first.who) == (6.5, -2.5, 1, 3, 60)
    assert first.habits == "Coffee; Naps"
    assert first.comments == "'" + FORMULA, "SPSS and Stata save to Excel and CSV: the text is neutralised too"
    assert rows[(answered["once"][0], 1)].comments == LONG_TEXT
    assert frame["umux"].isna().sum() == 3


def test_spss_measure_levels_follow_the_question_types(pilot, answered, download, tmp_path):
    path = tmp_path / "data.sav"
    path.write_bytes(download(pilot, "data.sav").get_data())
    _frame, meta = pyreadstat.read_sav(str(path))
    measure = meta.variable_measure
    assert (measure["sleep_hours"], measure["who"], measure["mood"], measure["diet"]) == (
        "scale",
        "scale",
        "ordinal",
        "nominal",
    )


@pytest.mark.parametrize("what, reader", [("data.sav", pyreadstat.read_sav), ("data.dta", pyreadstat.read_dta)])
def test_a_study_without_answers_gives_empty_spss_and_stata_files(pilot, download, tmp_path, what, reader):
    path = tmp_path / what
    path.write_bytes(download(pilot, what).get_data())
    frame, _meta = reader(str(path))
    assert list(frame.columns) == HEADER and len(frame) == 0


def test_keys_too_long_or_reserved_for_stata_are_renamed_and_said_in_the_label(
    make_study, take_part, download, tmp_path
):
    long_key = "a" * 40
    surveys = [
        {
            "key": s,
            "title": s,
            "timepoint": s,
            "items": [
                {"key": "sleep_hours", "text": "Sleep?", "type": "number"},
                {"key": "in", "text": "Inside?", "type": "yes_no"},
                {"key": long_key, "instrument": "umux_lite"},
            ],
        }
        for s in ("baseline", "follow_up")
    ]
    study = make_study("recruiting", survey_defs=surveys)
    take_part(study, {"baseline": {"sleep_hours": 7, "in": True, f"{long_key}_1": 5, f"{long_key}_2": 3}})
    path = tmp_path / "data.dta"
    path.write_bytes(download(study, "data.dta").get_data())
    frame, meta = pyreadstat.read_dta(str(path))
    short = "a" * 29  # 32 characters, less one for pyreadstat's label set counter, less "_1"
    assert list(frame.columns)[3:] == ["sleep_hours", "in_1", short + "_1", short + "_2", short + "_3"]
    assert meta.column_names_to_labels["in_1"] == "in: Inside?"
    assert meta.column_names_to_labels[short + "_1"].startswith(f"{long_key}_1: UMUX-Lite 1")
    assert len(meta.column_names_to_labels[short + "_1"]) <= 80
    assert meta.variable_value_labels[short + "_1"] == {1: "1 (strongly disagree)", 7: "7 (strongly agree)"}
    sav = tmp_path / "data.sav"
    sav.write_bytes(download(study, "data.sav").get_data())
    assert list(pyreadstat.read_sav(str(sav))[0].columns)[3:] == [
        "sleep_hours",
        "in",
        f"{long_key}_1",
        f"{long_key}_2",
        long_key,
    ]


def test_variable_names_stay_unique_when_shortened():
    keys = ["b" * 29 + "_1", "b" * 40, "b" * 41, "with", "with_1"]
    names = variable_names(keys, STATA)
    assert len(set(names.values())) == len(keys)
    assert all(len(name) <= 31 and name not in STATA.reserved for name in names.values())
    assert names["b" * 29 + "_1"] == "b" * 29 + "_1" and names["with_1"] == "with_1"
    assert names["b" * 40] == "b" * 29 + "_2" and names["with"] == "with_2"
    assert variable_names(["to", "score"], SPSS) == {"to": "to_1", "score": "score"}


# Cells


@pytest.mark.parametrize("text", ["=1+1", "+33 6 12", "-2", "@SUM(A1)", "\tx", "\rx", FORMULA])
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert neutralise(text) == "'" + text
    assert csv_cell(text) == "'" + text and sheet_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value, written",
    [
        (-2.5, "-2.5"),
        (-3, "-3"),
        (0, "0"),
        (1e-07, "1e-07"),
        (None, ""),
        ("a = b", "a = b"),
        ("", ""),
        ("'quoted", "'quoted"),
    ],
)
def test_numbers_stay_numbers_and_plain_text_stays_as_it_is(value, written):
    assert csv_cell(value) == written
    assert sheet_cell(value) == value


# Formulas after the separators a French spreadsheet splits on (issue 8, item 17)

SEPARATORS = re.compile(r"[;,|\t\r\n]")
SPLIT_FORMULAS = [
    'Bien; =HYPERLINK("http://x","y")',
    "ok;@SUM(1+1)*cmd|' /C calc'!A0",
    "a, +33 6 12",
    "x|-2+3",
    "a;\t=1",
    'quoted; "=1+1"',
    "fullwidth; ＝1+1",
]


def pieces_that_would_run(text: str) -> list[str]:
    """The pieces of a cell that would start a formula once a spreadsheet splits it on ; , | tab or a
    line end (French Excel and LibreOffice split CSV on ;), blanks and quotes trimmed; numbers are numbers."""
    found = []
    for piece in SEPARATORS.split(text):
        bare = piece.strip(' "')
        if bare[:1] in ("=", "+", "-", "@", "＝", "＋", "－", "＠"):
            try:
                float(bare)
            except ValueError:
                found.append(piece)
    return found


@pytest.fixture
def split_pilot(make_study, take_part):
    surveys = [
        {
            "key": s,
            "title": s,
            "timepoint": s,
            "items": [
                {"key": "sleep_hours", "text": "Sleep?", "type": "number", "required": False},
                {"key": "note", "text": "Your note; =1+1", "type": "text", "required": False},
                {
                    "key": "tools",
                    "text": "Tools?",
                    "type": "multiple_choice",
                    "choices": ["Tea", "@SUM(1)", "-x"],
                    "required": False,
                },
                {
                    "key": "pick",
                    "text": "Pick?",
                    "type": "single_choice",
                    "choices": ["Plain", "+cmd;=2"],
                    "required": False,
                },
            ],
        }
        for s in ("baseline", "follow_up")
    ]
    study = make_study("recruiting", survey_defs=surveys)
    for text in SPLIT_FORMULAS:
        take_part(study, {"baseline": {"note": text, "tools": ["Tea", "@SUM(1)", "-x"], "pick": "+cmd;=2"}})
    return study


@pytest.mark.parametrize("what", ["data.csv", "dictionary.csv"])
def test_no_piece_of_a_csv_runs_when_a_french_spreadsheet_splits_it(split_pilot, download, what):
    raw = download(split_pilot, what).get_data().decode("utf-8-sig")
    assert pieces_that_would_run(raw) == []
    if what == "data.csv":
        notes = [row[4] for row in read_csv(download(split_pilot, what))[1:]]
        assert 'Bien; \'=HYPERLINK("http://x","y")' in notes and "a, '+33 6 12" in notes  # kept whole, readable


def test_no_piece_of_a_workbook_cell_runs_when_split(split_pilot, download):
    book = load_workbook(io.BytesIO(download(split_pilot, "data.xlsx").get_data()))
    cells = [
        cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)
    ]
    assert "Tea; '@SUM(1); '-x" in cells
    assert [cell for cell in cells if pieces_that_would_run(cell)] == []


@pytest.mark.parametrize("what, reader", [("data.sav", pyreadstat.read_sav), ("data.dta", pyreadstat.read_dta)])
def test_no_text_of_a_statistics_file_runs_when_split(split_pilot, download, tmp_path, what, reader):
    path = tmp_path / what
    path.write_bytes(download(split_pilot, what).get_data())
    frame, meta = reader(str(path))
    texts = [value for column in ("note", "tools") for value in frame[column] if isinstance(value, str)]
    texts += [label for labels in meta.variable_value_labels.values() for label in labels.values()]
    texts += list(meta.column_names_to_labels.values())
    assert "Tea; '@SUM(1); '-x" in texts and "'+cmd;'=2" in texts
    assert [text for text in texts if pieces_that_would_run(text)] == []


@pytest.mark.parametrize(
    "text, written",
    [
        ("a; =1+1", "a; '=1+1"),
        ("a;=1", "a;'=1"),
        ("a, -b", "a, '-b"),
        ("a\t@b", "a\t'@b"),
        ("a\n+b", "a\n'+b"),
        ('x; "=1"', 'x; "\'=1"'),
        ("x| =1", "x| '=1"),
        ("＝1", "'＝1"),
        ("a; b, c", "a; b, c"),
        ("a; '=1", "a; '=1"),
    ],
)
def test_pieces_after_separators_get_an_apostrophe_once(text, written):
    assert neutralise(text) == written and neutralise(written) == written


# Who may download


@pytest.mark.parametrize("what", ["data.csv", "dictionary.csv", "data.xlsx", "data.sav", "data.dta"])
def test_the_owner_organisation_and_coordinators_download_every_format(
    client, login, pilot, answered, colleague, coordinator, what
):
    for user in (colleague, coordinator):
        login(user)
        assert client.get(f"/studies/{pilot.id}/exports/{what}").status_code == 200
        client.post("/account/signout")


@pytest.mark.parametrize("what", ["data.csv", "dictionary.csv", "data.xlsx", "data.sav", "data.dta"])
def test_others_cannot_download(client, login, pilot, answered, other_startup, what):
    url = f"/studies/{pilot.id}/exports/{what}"
    response = client.get(url)
    assert response.status_code == 302 and "/account/signin" in response.headers["Location"]
    login(other_startup)
    assert client.get(url).status_code == 404


def test_a_participant_of_the_study_cannot_download(client, login, pilot, answered):
    _code, user = answered["both"]
    login(user)
    assert client.get(f"/studies/{pilot.id}/exports/data.csv").status_code == 403


@pytest.mark.parametrize("status, expected", [("draft", 409), ("submitted", 409), ("approved", 200), ("closed", 200)])
def test_exports_exist_once_the_protocol_is_approved(make_study, download, status, expected):
    study = make_study(status, protocol=sleep_protocol())
    response = download(study, "data.csv", expected)
    if expected == 409:
        assert b"approved" in response.data
