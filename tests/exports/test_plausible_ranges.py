"""A number's declared plausible range in the data dictionary (CSV, XLSX, API) and in the SPSS and Stata variable
labels, in English and French, on a pilot drafted, submitted and approved through the API."""

import csv
import io

import pyreadstat
import pytest
from openpyxl import load_workbook

from livinglab.demo import CONSENT_CLAUSES, CONSENT_TEXT, sleep_protocol, sleep_surveys

API = "/api/v1"
SLEEP_TEXT = "On average, how many hours did you sleep per night last week?"


@pytest.fixture
def approved(client, api_headers, startup, coordinator):
    """The sleep pilot with `sleep_hours` plausible from 3 to 12 h and an extra `naps` plausible up to 4 (no floor)."""
    headers = api_headers(startup)

    def call(method, path, json=None, as_headers=headers):
        answer = client.open(API + path, method=method, json=json, headers=as_headers)
        assert answer.status_code in (200, 201), answer.get_json()
        return answer.get_json()

    sid = call("POST", "/studies", sleep_protocol())["id"]
    call("PUT", f"/studies/{sid}/consent", {"text": CONSENT_TEXT, "clauses": CONSENT_CLAUSES})
    for survey in sleep_surveys():
        survey["items"][0] = {**survey["items"][0], "plausible_min": 3, "plausible_max": 12}
        if survey["key"] == "baseline":
            survey["items"].append({"key": "naps", "text": "Naps a week?", "type": "number", "plausible_max": 4.5})
        call("POST", f"/studies/{sid}/surveys", survey)
    call("POST", f"/studies/{sid}/submit")
    call("POST", f"/studies/{sid}/decision", {"decision": "approve"}, as_headers=api_headers(coordinator))
    return sid, headers


def rows_of(body: bytes) -> dict:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0][3] == "range_or_choices"
    return {row[0]: row for row in rows[1:]}


@pytest.mark.parametrize(
    "language, sleep, naps",
    [
        ("en", "[0, 24]; plausible 3–12", "plausible ≤ 4.5"),
        ("fr", "[0, 24]; plausible de 3 à 12", "plausible ≤ 4.5"),
    ],
)
def test_the_dictionary_gives_the_plausible_range_beside_the_hard_one(client, approved, language, sleep, naps):
    sid, headers = approved
    answer = client.get(f"{API}/studies/{sid}/dictionary.csv", headers={**headers, "Accept-Language": language})
    assert answer.status_code == 200
    entry = rows_of(answer.get_data())
    assert entry["sleep_hours"][3:5] == [sleep, "h"]
    assert entry["naps"][3] == naps
    assert "plausible" not in entry["who_1"][3] and "plausible" not in entry["who"][3]  # declared on numbers only


def test_the_workbook_dictionary_carries_the_plausible_range(client, approved):
    sid, headers = approved
    answer = client.get(f"{API}/studies/{sid}/export.xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(answer.get_data()))["dictionary"]
    entry = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert entry["sleep_hours"][3] == "[0, 24]; plausible 3–12"


@pytest.mark.parametrize(
    "what, reader, language, sleep",
    [
        ("sav", pyreadstat.read_sav, "en", f"{SLEEP_TEXT} (h) [plausible 3–12]"),
        ("sav", pyreadstat.read_sav, "fr", f"{SLEEP_TEXT} (h) [plausible de 3 à 12]"),
        # Stata: 80 characters at most; the question gives way, the unit and the range stay whole
        ("dta", pyreadstat.read_dta, "en", f"{SLEEP_TEXT[:59]} (h) [plausible 3–12]"),  # 59 + 21 = 80
    ],
)
def test_spss_and_stata_variable_labels_end_with_the_plausible_range(
    client, approved, tmp_path, what, reader, language, sleep
):
    sid, headers = approved
    answer = client.get(f"{API}/studies/{sid}/export.{what}", headers={**headers, "Accept-Language": language})
    path = tmp_path / f"data.{what}"
    path.write_bytes(answer.get_data())
    _frame, meta = reader(str(path))
    labels = meta.column_names_to_labels
    assert labels["sleep_hours"] == sleep
    assert labels["naps"] == "Naps a week? [plausible ≤ 4.5]"
    assert "plausible" not in labels["who"]
