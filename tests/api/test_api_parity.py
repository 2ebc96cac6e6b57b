"""API parity with the pages (issue 10, item 6): what a page does, the API does, with the same rules.

Survey editing (change, reorder, delete a survey and its items while the protocol is editable), the XLSX,
SPSS and Stata exports, the observatory, the audit trail, and the lay summary a participant reads."""

import io

import pyreadstat
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from livinglab.audit import AuditRecord
from livinglab.extensions import db
from livinglab.observatory import services as observatory
from livinglab.participants import services as participation
from livinglab.results.views import lay_summary
from livinglab.studies import services as studies
from livinglab.surveys.models import Survey

API = "/api/v1"
FORMULA = '=HYPERLINK("http://x","y")'
BASELINE = {"sleep_hours": 6, **{f"who_{i}": 3 for i in range(1, 6)}}
# Hostile input: wrong types, nesting, lone surrogates, NUL, huge strings, non-JSON
HOSTILE_BODIES = [
    '{"title": 5}',
    "[1, 2]",
    '"text"',
    "{",
    '{"key": "\\ud800"}',
    '{"title": "a\\u0000b"}',
    '{"title": "' + "x" * 100_000 + '"}',
    "[" * 100 + "]" * 100,
    '{"title": {"a": 1}, "items": {"a": 1}}',
    "null",
    "NaN",
]


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"}
    if code:
        assert error["code"] == code
    assert set(fields) <= set(error["fields"]), error["fields"]
    return error


def trail(action: str) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action))


def stored_items(study_id: int, key: str) -> list[str] | None:
    db.session.rollback()
    survey = db.session.scalar(select(Survey).where(Survey.study_id == study_id, Survey.key == key))
    return None if survey is None else [item["key"] for item in survey.items]


@pytest.fixture
def draft(make_study):
    """A draft with its baseline (sleep_hours, who) and follow-up (sleep_hours, who, sus, comments) surveys."""
    return make_study("draft")


@pytest.fixture
def as_(client, api_headers):
    """Call the API as a user (None: anonymous); a str body is sent raw, as JSON."""

    def call(user, method, url, body=None):
        headers = api_headers(user)
        if isinstance(body, str):
            return client.open(url, method=method, data=body, content_type="application/json", headers=headers)
        return client.open(url, method=method, json=body, headers=headers)

    return call


def enrol(user, study):
    consent = study.current_consent
    enrolment = participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=user.name,
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    return enrolment


# --- Survey editing -------------------------------------------------------------------------------


def test_the_owner_reads_one_survey_by_its_key(as_, draft, startup):
    response = as_(startup, "GET", f"{API}/studies/{draft.id}/surveys/follow_up")
    assert response.status_code == 200
    body = response.get_json()
    assert body["key"] == "follow_up" and [i["key"] for i in body["items"]] == ["sleep_hours", "who", "sus", "comments"]


def test_a_coordinator_and_an_enrolled_participant_read_a_survey_and_others_do_not(
    as_, make_study, coordinator, participant, make_user, other_startup
):
    study = make_study("recruiting")
    enrol(participant, study)
    url = f"{API}/studies/{study.id}/surveys/baseline"
    assert as_(coordinator, "GET", url).status_code == 200
    assert as_(participant, "GET", url).status_code == 200
    assert_error(as_(make_user("participant"), "GET", url), 404)
    assert_error(as_(other_startup, "GET", url), 404)
    assert_error(as_(None, "GET", url), 401)
    assert_error(as_(participant, "GET", f"{API}/studies/{study.id}/surveys/nope"), 404)


def test_the_owner_changes_a_survey_title_key_and_timepoint(as_, draft, startup):
    url = f"{API}/studies/{draft.id}/surveys/follow_up"
    response = as_(startup, "PATCH", url, {"title": "After the coaching", "key": "after"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "After the coaching" and response.get_json()["key"] == "after"
    assert stored_items(draft.id, "after") is not None and stored_items(draft.id, "follow_up") is None
    assert trail("survey.update") == 1


def test_a_survey_change_that_the_page_would_refuse_is_refused_with_its_fields(as_, draft, startup):
    url = f"{API}/studies/{draft.id}/surveys/follow_up"
    assert_error(as_(startup, "PATCH", url, {"timepoint": "week_9"}), 422, fields=["timepoint"])
    assert_error(as_(startup, "PATCH", url, {"key": "baseline"}), 422, fields=["key"])
    assert_error(as_(startup, "PATCH", url, {"title": ""}), 422, fields=["title"])
    assert_error(as_(startup, "PATCH", url, {"title": ["x"]}), 400, fields=["title"])
    # the follow-up's items at baseline would measure sleep_hours twice there
    assert_error(as_(startup, "PATCH", url, {"timepoint": "baseline"}), 422)
    assert trail("survey.update") == 0


def test_the_owner_adds_an_item_at_the_end(as_, draft, startup):
    url = f"{API}/studies/{draft.id}/surveys/baseline/items"
    response = as_(startup, "POST", url, {"key": "mood", "text": "Your mood?", "type": "likert", "min": 1, "max": 7})
    assert response.status_code == 201, response.get_json()
    assert [i["key"] for i in response.get_json()["items"]] == ["sleep_hours", "who", "mood"]
    assert response.get_json()["items"][-1] == {
        "key": "mood",
        "text": "Your mood?",
        "type": "likert",
        "required": True,
        "min": 1,
        "max": 7,
    }
    assert as_(startup, "POST", url, {"key": "ux", "instrument": "umux_lite"}).status_code == 201
    assert stored_items(draft.id, "baseline") == ["sleep_hours", "who", "mood", "ux"]
    assert trail("survey.add_item") == 2


@pytest.mark.parametrize(
    "item, status, field",
    [
        ({"key": "sleep_hours", "text": "Again?", "type": "nps"}, 422, None),  # the key is taken
        ({"key": "who_1", "text": "Clash?", "type": "nps"}, 422, None),  # an instrument's answer key
        ({"key": "q", "text": "Q?", "type": "ranking"}, 422, "type"),
        ({"key": "q", "text": "Q?", "type": "single_choice", "choices": ["only one"]}, 422, "choices"),
        ({"key": "Q Q", "text": "Q?", "type": "nps"}, 422, "key"),
        ({"key": "arm", "text": "Q?", "type": "nps"}, 422, "key"),  # reserved for the exports
        ({"key": "q", "instrument": "beck_di"}, 422, "instrument"),
        ({"key": "q", "text": 5, "type": "nps"}, 400, "text"),
        ({"key": "q", "text": "Q?", "type": "likert", "min": "1"}, 400, "min"),
    ],
)
def test_an_item_the_builder_would_refuse_is_refused_and_nothing_is_saved(as_, draft, startup, item, status, field):
    error = assert_error(as_(startup, "POST", f"{API}/studies/{draft.id}/surveys/baseline/items", item), status)
    if field:
        assert field in error["fields"]
    assert stored_items(draft.id, "baseline") == ["sleep_hours", "who"]


def test_the_owner_replaces_an_item_in_its_place(as_, draft, startup):
    url = f"{API}/studies/{draft.id}/surveys/follow_up/items/comments"
    response = as_(startup, "PUT", url, {"key": "remarks", "text": "Any remark?", "type": "text", "required": False})
    assert response.status_code == 200, response.get_json()
    assert [i["key"] for i in response.get_json()["items"]] == ["sleep_hours", "who", "sus", "remarks"]
    assert_error(as_(startup, "PUT", url, {"key": "x", "text": "?", "type": "nps"}), 404)  # `comments` is gone
    assert_error(
        as_(
            startup, "PUT", f"{API}/studies/{draft.id}/surveys/follow_up/items/sus", {"key": "who", "instrument": "sus"}
        ),
        422,
    )  # the key of another item
    assert trail("survey.edit_item") == 1


def test_the_owner_reorders_the_items(as_, draft, startup):
    url = f"{API}/studies/{draft.id}/surveys/follow_up/order"
    response = as_(startup, "PUT", url, {"items": ["comments", "sus", "who", "sleep_hours"]})
    assert response.status_code == 200, response.get_json()
    assert stored_items(draft.id, "follow_up") == ["comments", "sus", "who", "sleep_hours"]
    assert trail("survey.move_item") == 1


@pytest.mark.parametrize(
    "order, status",
    [
        (["sus", "who", "sleep_hours"], 422),  # one missing
        (["comments", "sus", "who", "sleep_hours", "sus"], 422),  # one twice
        (["comments", "sus", "who", "nope"], 422),  # one unknown
        ([], 422),
        ("sus,who", 400),
        ([1, 2, 3, 4], 400),
        (None, 400),
    ],
)
def test_an_order_that_is_not_every_item_once_is_refused(as_, draft, startup, order, status):
    assert_error(
        as_(startup, "PUT", f"{API}/studies/{draft.id}/surveys/follow_up/order", {"items": order}),
        status,
        fields=["items"],
    )
    assert stored_items(draft.id, "follow_up") == ["sleep_hours", "who", "sus", "comments"]


def test_the_owner_deletes_an_item_but_not_the_last_one(as_, draft, startup):
    base = f"{API}/studies/{draft.id}/surveys/baseline/items"
    response = as_(startup, "DELETE", f"{base}/who")
    assert response.status_code == 200 and [i["key"] for i in response.get_json()["items"]] == ["sleep_hours"]
    assert_error(as_(startup, "DELETE", f"{base}/who"), 404)
    assert_error(as_(startup, "DELETE", f"{base}/sleep_hours"), 422, fields=["items"])
    assert stored_items(draft.id, "baseline") == ["sleep_hours"]
    assert trail("survey.delete_item") == 1


def test_the_owner_deletes_a_whole_survey(as_, draft, startup):
    response = as_(startup, "DELETE", f"{API}/studies/{draft.id}/surveys/follow_up")
    assert response.status_code == 204 and response.get_data() == b""
    assert stored_items(draft.id, "follow_up") is None
    assert_error(as_(startup, "DELETE", f"{API}/studies/{draft.id}/surveys/follow_up"), 404)
    assert trail("survey.delete") == 1


def test_a_colleague_of_the_organisation_edits_too(as_, draft, colleague):
    assert as_(colleague, "PATCH", f"{API}/studies/{draft.id}/surveys/baseline", {"title": "Before"}).status_code == 200


EDITS = [
    ("PATCH", "/surveys/baseline", {"title": "New"}),
    ("DELETE", "/surveys/baseline", None),
    ("POST", "/surveys/baseline/items", {"key": "mood", "text": "Mood?", "type": "nps"}),
    ("PUT", "/surveys/baseline/items/who", {"key": "wellbeing", "instrument": "who5"}),
    ("DELETE", "/surveys/baseline/items/who", None),
    ("PUT", "/surveys/baseline/order", {"items": ["who", "sleep_hours"]}),
]


@pytest.mark.parametrize("method, path, body", EDITS)
@pytest.mark.parametrize("status", ["submitted", "approved", "recruiting", "ended"])
def test_no_edit_once_the_protocol_is_frozen(as_, make_study, startup, method, path, body, status):
    study = make_study(status)
    assert_error(as_(startup, method, f"{API}/studies/{study.id}{path}", body), 409, "not_editable")
    assert stored_items(study.id, "baseline") == ["sleep_hours", "who"]


@pytest.mark.parametrize("method, path, body", EDITS)
def test_a_study_waiting_for_changes_is_editable_again(as_, make_study, startup, method, path, body):
    study = make_study("changes_requested")
    assert as_(startup, method, f"{API}/studies/{study.id}{path}", body).status_code < 300


@pytest.mark.parametrize("method, path, body", EDITS)
def test_only_the_owner_organisation_edits(as_, draft, coordinator, participant, other_startup, method, path, body):
    url = f"{API}/studies/{draft.id}{path}"
    assert_error(as_(None, method, url, body), 401)
    assert_error(as_(coordinator, method, url, body), 403)
    assert_error(as_(participant, method, url, body), 404)
    assert_error(as_(other_startup, method, url, body), 404, "not_found")
    assert_error(as_(other_startup, method, f"{API}/studies/{draft.id + 1000}{path}", body), 404)
    assert stored_items(draft.id, "baseline") == ["sleep_hours", "who"]
    assert trail("survey.update") == trail("survey.delete") == trail("survey.add_item") == 0


@pytest.mark.parametrize("method, path, body", [e for e in EDITS if e[2] is not None])
@pytest.mark.parametrize("raw", HOSTILE_BODIES)
def test_hostile_bodies_answer_4xx_and_change_nothing(as_, draft, startup, method, path, body, raw):
    response = as_(startup, method, f"{API}/studies/{draft.id}{path}", raw)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert stored_items(draft.id, "baseline") == ["sleep_hours", "who"]


@pytest.mark.parametrize("method, path, body", [e for e in EDITS if e[2] is not None])
def test_a_body_that_is_not_json_is_415(client, api_headers, draft, startup, method, path, body):
    response = client.open(
        f"{API}/studies/{draft.id}{path}",
        method=method,
        data="title=x",
        content_type="application/x-www-form-urlencoded",
        headers=api_headers(startup),
    )
    assert_error(response, 415)


@pytest.mark.parametrize("key", ["%00", "a" * 300, "%F0%9F%98%80", "..", "%2e%2e", "baseline%0A"])
def test_odd_survey_and_item_keys_in_the_path_are_404(as_, draft, startup, key):
    assert_error(as_(startup, "GET", f"{API}/studies/{draft.id}/surveys/{key}"), 404)
    assert_error(as_(startup, "DELETE", f"{API}/studies/{draft.id}/surveys/baseline/items/{key}"), 404)


# --- Exports --------------------------------------------------------------------------------------


@pytest.fixture
def answered(make_study, make_user):
    """A recruiting pilot with two participants; one wrote a formula in the comments."""
    study = make_study("recruiting")
    for comment in (FORMULA, "Fine; +33 6 12"):
        user = make_user("participant")
        enrol(user, study)
        participation.submit_response(user, study, "baseline", BASELINE)
        participation.submit_response(
            user,
            study,
            "follow_up",
            {
                "sleep_hours": 7,
                **{f"who_{i}": 4 for i in range(1, 6)},
                **{f"sus_{i}": 3 for i in range(1, 11)},
                "comments": comment,
            },
        )
    db.session.commit()
    return study


def test_the_workbook_is_the_pages_workbook_and_runs_no_formula(as_, client, login, answered, startup):
    response = as_(startup, "GET", f"{API}/studies/{answered.id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(f"livinglab-study-{answered.id}-data.xlsx")
    assert response.headers["Cache-Control"] == "no-store"
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["data", "dictionary"]
    assert all(cell.data_type != "f" for sheet in book for row in sheet.iter_rows() for cell in row)
    comments = [row[-1] for row in book["data"].iter_rows(values_only=True)]
    assert "'" + FORMULA in comments and "Fine; '+33 6 12" in comments
    login(startup)
    page = load_workbook(io.BytesIO(client.get(f"/studies/{answered.id}/exports/data.xlsx").get_data()))
    assert [list(s.iter_rows(values_only=True)) for s in page] == [list(s.iter_rows(values_only=True)) for s in book]


@pytest.mark.parametrize(
    "suffix, reader, mimetype",
    [("sav", pyreadstat.read_sav, "application/x-spss-sav"), ("dta", pyreadstat.read_dta, "application/x-stata-dta")],
)
def test_spss_and_stata_files_neutralise_formulas_like_the_pages(
    as_, answered, coordinator, tmp_path, suffix, reader, mimetype
):
    response = as_(coordinator, "GET", f"{API}/studies/{answered.id}/export.{suffix}")
    assert response.status_code == 200 and response.mimetype == mimetype
    assert response.headers["Content-Disposition"].endswith(f"livinglab-study-{answered.id}-data.{suffix}")
    path = tmp_path / f"data.{suffix}"
    path.write_bytes(response.get_data())
    frame, meta = reader(str(path))
    assert "'" + FORMULA in set(frame["comments"]) and "Fine; '+33 6 12" in set(frame["comments"])
    assert "participant_code" in frame.columns and meta.variable_value_labels["timepoint"]


@pytest.mark.parametrize("suffix", ["xlsx", "sav", "dta"])
def test_exports_follow_the_pages_access_rules(as_, answered, participant, other_startup, colleague, suffix):
    url = f"{API}/studies/{answered.id}/export.{suffix}"
    enrol(participant, answered)
    assert as_(colleague, "GET", url).status_code == 200
    assert_error(as_(None, "GET", url), 401)
    assert_error(as_(participant, "GET", url), 403)
    assert_error(as_(other_startup, "GET", url), 404)
    assert_error(as_(other_startup, "GET", f"{API}/studies/{answered.id + 1000}/export.{suffix}"), 404)


@pytest.mark.parametrize("suffix", ["xlsx", "sav", "dta"])
def test_no_export_before_approval_as_on_the_pages(as_, client, login, draft, startup, suffix):
    assert_error(as_(startup, "GET", f"{API}/studies/{draft.id}/export.{suffix}"), 409, "not_approved")
    login(startup)
    assert client.get(f"/studies/{draft.id}/exports/data.{suffix}").status_code == 409


def test_exports_write_the_same_audit_records_as_the_pages(client, api_headers, login, answered, startup):
    def actions() -> list[str]:
        db.session.rollback()
        return list(db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))

    login(startup)
    before = actions()
    for suffix in ("xlsx", "sav", "dta"):
        assert client.get(f"/studies/{answered.id}/exports/data.{suffix}").status_code == 200
    by_pages = actions()[len(before) :]
    headers = api_headers(startup)
    before = actions()
    for suffix in ("xlsx", "sav", "dta"):
        assert client.get(f"{API}/studies/{answered.id}/export.{suffix}", headers=headers).status_code == 200
    assert actions()[len(before) :] == by_pages


# --- The observatory ------------------------------------------------------------------------------


def test_the_observatory_answers_what_the_page_shows(as_, make_study, coordinator, make_user):
    study = make_study("recruiting")
    enrol(make_user("participant"), study)
    make_study("draft")
    response = as_(coordinator, "GET", f"{API}/observatory")
    assert response.status_code == 200
    body = response.get_json()
    figures = observatory.figures(observatory.Scope())
    assert body == {"scope": {"domain": None, "year": None}, **figures}
    assert body["studies"]["total"] == 2 and body["overall"]["enrolled"] == 1
    assert body["studies"]["by_status"]["recruiting"] == 1 and body["turnaround"]["overall"]["n"] == 1


def test_the_observatory_filters_by_domain_and_year(as_, make_study, coordinator):
    make_study("draft")
    year = make_study("draft").created_at.year
    body = as_(coordinator, "GET", f"{API}/observatory?domain=foodtech&year={year}").get_json()
    assert body["scope"] == {"domain": "foodtech", "year": year} and body["domains"] == ["foodtech"]
    assert body["studies"]["total"] == 0
    assert as_(coordinator, "GET", f"{API}/observatory?domain=e-health&year={year}").get_json()["studies"]["total"] == 2


@pytest.mark.parametrize(
    "query, status",
    [
        ("domain=space", 422),
        ("year=1900", 422),
        ("year=10000", 422),
        ("year=twenty", 400),
        ("year=²", 400),
        ("year=" + "9" * 5000, 400),
        ("year=-1", 400),
        ("domain=%00", 422),
        ("limit=0", None),
        ("cursor=x", None),
    ],
)
def test_the_observatory_refuses_bad_filters(as_, coordinator, query, status):
    for path in ("/observatory", "/observatory/studies"):
        response = as_(coordinator, "GET", f"{API}{path}?{query}")
        if status is None:  # paging belongs to the list only
            expected = 200 if path == "/observatory" else (422 if "limit" in query else 400)
        else:
            expected = status
        assert_error(response, expected) if expected >= 400 else None
        assert response.status_code == expected


def test_the_observatory_lists_one_row_per_study_a_page_at_a_time(as_, make_study, coordinator, startup):
    ids = [make_study(status).id for status in ("draft", "recruiting", "ended")]
    page = as_(coordinator, "GET", f"{API}/observatory/studies?limit=2").get_json()
    assert [row["study_id"] for row in page["items"]] == ids[:2] and page["next_cursor"]
    rest = as_(coordinator, "GET", f"{API}/observatory/studies?limit=2&cursor={page['next_cursor']}").get_json()
    assert [row["study_id"] for row in rest["items"]] == ids[2:] and rest["next_cursor"] is None
    draft, _recruiting, ended = page["items"] + rest["items"]
    assert draft["first_submitted_on"] is None and draft["ended"] is False
    assert draft["primary_outcome_supported"] is None and draft["organisation"] == "Sommeil+"
    assert ended["ended"] is True and ended["review_rounds"] == 1
    assert not any("@" in str(value) for row in page["items"] + rest["items"] for value in row.values())


@pytest.mark.parametrize("path", ["/observatory", "/observatory/studies"])
def test_only_coordinators_see_the_observatory(as_, startup, participant, path):
    assert_error(as_(None, "GET", f"{API}{path}"), 401)
    assert_error(as_(startup, "GET", f"{API}{path}"), 403)
    assert_error(as_(participant, "GET", f"{API}{path}"), 403)


# --- The audit trail ------------------------------------------------------------------------------


def test_coordinators_page_through_the_trail_newest_first(as_, draft, coordinator, startup):
    db.session.rollback()
    total = db.session.scalar(select(func.count()).select_from(AuditRecord))
    seen, cursor = [], None
    headers_before = total
    while True:
        url = f"{API}/audit?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = as_(coordinator, "GET", url).get_json()
        seen += [record["id"] for record in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) >= headers_before
    oldest = as_(coordinator, "GET", f"{API}/audit?sort=oldest&limit=500").get_json()["items"]
    assert [r["id"] for r in oldest] == sorted(r["id"] for r in oldest)


def test_the_trail_names_staff_and_never_a_participant(as_, make_study, coordinator, startup, participant):
    study = make_study("recruiting")
    enrol(participant, study)
    items = as_(coordinator, "GET", f"{API}/audit?study_id={study.id}&limit=500").get_json()["items"]
    enrolment = next(r for r in items if r["action"] == "participant.enrol")
    assert enrolment["actor"] == {"id": None, "role": "participant", "name": None}
    assert enrolment["participant_key"] and enrolment["study_title"] == study.title
    created = next(r for r in items if r["action"] == "study.create")
    assert created["actor"] == {"id": startup.id, "role": "startup", "name": startup.name}
    assert created["label"] == "Study drafted"
    assert participant.email not in str(items) and participant.name not in str(items)


def test_the_trail_is_filtered_like_the_page(as_, make_study, coordinator):
    study, other = make_study("approved"), make_study("draft")
    only = as_(coordinator, "GET", f"{API}/audit?action=study.approve&limit=500").get_json()["items"]
    assert [r["study_id"] for r in only] == [study.id]
    mine = as_(coordinator, "GET", f"{API}/audit?study_id={other.id}&limit=500").get_json()["items"]
    assert mine and {r["study_id"] for r in mine} == {other.id}
    today = study.created_at.date().isoformat()
    assert as_(coordinator, "GET", f"{API}/audit?from={today}&to={today}").get_json()["items"]
    assert as_(coordinator, "GET", f"{API}/audit?to=2000-01-01").get_json()["items"] == []
    assert as_(coordinator, "GET", f"{API}/audit?action=nothing.like.this").get_json()["items"] == []


@pytest.mark.parametrize(
    "query, status",
    [
        ("from=yesterday", 422),
        ("to=2026-02-30", 422),
        ("from=2026-03-02&to=2026-03-01", 422),
        ("from=%EF%BC%92026-01-01", 422),
        ("study_id=x", 400),
        ("study_id=0", 422),
        ("study_id=" + "9" * 40, 400),
        ("action=a%00b", 422),
        ("action=" + "a" * 65, 422),
        ("action=a%0Ab", 422),
        ("sort=random", 422),
        ("limit=501", 422),
        ("limit=ten", 400),
        ("cursor=forged", 400),
    ],
)
def test_bad_trail_filters_answer_4xx(as_, coordinator, query, status):
    assert_error(as_(coordinator, "GET", f"{API}/audit?{query}"), status)


def test_a_cursor_of_one_order_does_not_page_the_other(as_, make_study, coordinator):
    make_study("approved")
    cursor = as_(coordinator, "GET", f"{API}/audit?limit=1").get_json()["next_cursor"]
    assert cursor
    assert_error(as_(coordinator, "GET", f"{API}/audit?sort=oldest&cursor={cursor}"), 400, "invalid_cursor")


def test_coordinators_verify_the_trail(as_, make_study, coordinator):
    make_study("approved")
    response = as_(coordinator, "POST", f"{API}/audit/verify")
    assert response.status_code == 200
    body = response.get_json()
    assert body["intact"] is True and body["problem"] is None and body["checked"] > 0 and body["chains"] >= 1


def test_verification_reports_a_changed_record(as_, make_study, coordinator):
    make_study("approved")
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "study.approve"))
    record.comment = "rewritten"
    db.session.commit()
    body = as_(coordinator, "POST", f"{API}/audit/verify").get_json()
    assert body["intact"] is False
    assert body["problem"]["kind"] == "changed" and body["problem"]["record_id"] == record.id


@pytest.mark.parametrize("method, path", [("GET", "/audit"), ("POST", "/audit/verify")])
def test_only_coordinators_read_or_verify_the_trail(as_, startup, participant, method, path):
    assert_error(as_(None, method, f"{API}{path}"), 401)
    assert_error(as_(startup, method, f"{API}{path}"), 403)
    assert_error(as_(participant, method, f"{API}{path}"), 403)


# --- The lay summary ------------------------------------------------------------------------------


@pytest.fixture
def ended(make_study, make_user, coordinator):
    """An ended pilot: one participant finished, one withdrew keeping the answers, one erasing them."""
    study = make_study("recruiting")
    people = {}
    for name in ("finished", "kept", "erased"):
        user = people[name] = make_user("participant")
        enrol(user, study)
        participation.submit_response(user, study, "baseline", BASELINE)
        db.session.commit()
    participation.withdraw(people["kept"], study, erase_data=False)
    participation.withdraw(people["erased"], study, erase_data=True)
    studies.end_study(coordinator, study, "Every follow-up is done.")
    db.session.commit()
    return study, people


def test_a_participant_reads_what_the_ended_pilot_found_as_on_the_dashboard(as_, ended):
    study, people = ended
    for who in ("finished", "kept"):
        response = as_(people[who], "GET", f"{API}/studies/{study.id}/lay-summary")
        assert response.status_code == 200
        assert response.get_json() == {"study_id": study.id, "title": study.title, **lay_summary(study)}
        assert "took part" in response.get_json()["flow"]


def test_the_lay_summary_is_in_the_callers_language(client, api_headers, ended):
    study, people = ended
    response = client.get(
        f"{API}/studies/{study.id}/lay-summary", headers={**api_headers(people["finished"]), "Accept-Language": "fr"}
    )
    assert "personne" in response.get_json()["flow"] or "participé" in response.get_json()["flow"]


def test_no_lay_summary_for_those_whose_answers_were_erased(as_, ended):
    study, people = ended
    assert_error(as_(people["erased"], "GET", f"{API}/studies/{study.id}/lay-summary"), 409, "answers_erased")


def test_no_lay_summary_before_the_pilot_ends(as_, make_study, participant):
    study = make_study("recruiting")
    enrol(participant, study)
    assert_error(as_(participant, "GET", f"{API}/studies/{study.id}/lay-summary"), 409, "not_ended")


def test_the_lay_summary_is_for_the_pilots_participants_only(as_, ended, make_user, startup, coordinator, make_study):
    study, _people = ended
    url = f"{API}/studies/{study.id}/lay-summary"
    assert_error(as_(None, "GET", url), 401)
    assert_error(as_(startup, "GET", url), 403)
    assert_error(as_(coordinator, "GET", url), 403)
    assert_error(as_(make_user("participant"), "GET", url), 403, "not_enrolled")
    assert_error(as_(make_user("participant"), "GET", f"{API}/studies/{make_study('draft').id}/lay-summary"), 404)
    assert_error(as_(make_user("participant"), "GET", f"{API}/studies/{study.id + 1000}/lay-summary"), 404)
