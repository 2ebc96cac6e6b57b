"""The studies API: a whole pilot, who may call what, the lifecycle, and what bad input gets."""

import hashlib
import json
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from livinglab.audit import study_history
from livinglab.demo import CONSENT_CLAUSES, CONSENT_TEXT, food_protocol, food_surveys, sleep_protocol, sleep_surveys
from livinglab.extensions import db
from livinglab.studies.fields import EDITABLE_FIELDS, PUBLIC_FIELDS, study_dict
from livinglab.studies.models import Study, StudyStatus
from livinglab.studies.workflow import EDITABLE, TRANSITIONS
from livinglab.surveys.services import survey_dict

API = "/api/v1"
ROLES = ("anonymous", "participant", "startup", "colleague", "other_startup", "coordinator")
CONSENT = {"text": CONSENT_TEXT, "clauses": CONSENT_CLAUSES}
EXTRA_SURVEY = {
    "key": "mood",
    "title": "Mood check",
    "timepoint": "baseline",
    "items": [{"key": "mood", "text": "How is your mood today?", "type": "likert"}],
}


# Helpers


@pytest.fixture
def api(client, api_headers):
    """`api(method, path, user=None, json=... | data=...)`: one request, with a bearer token for `user`."""
    tokens = {}

    def call(method, path, user=None, **kwargs):
        headers = {}
        if user is not None:  # keyed by object: reading user.id may query, and spoil a query count
            if id(user) not in tokens:
                tokens[id(user)] = api_headers(user)
            headers = tokens[id(user)]
        return client.open(API + path, method=method, headers=headers, **kwargs)

    call.warm = lambda *users: [call("GET", "/me", user) for user in users]  # tokens made before a snapshot
    return call


@pytest.fixture
def as_role(request):
    """The user for a role name of ROLES (None for anonymous)."""
    return lambda role: None if role == "anonymous" else request.getfixturevalue(role)


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The answer is `status` with the API's error body (never HTML), naming these fields."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    assert set(fields) <= set(error["fields"]), error["fields"]
    return error


def snapshot() -> dict:
    """Everything a request could change: row counts, and every study, consent and survey as stored."""
    db.session.rollback()  # a fresh transaction sees what the requests committed
    counts = {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }
    studies = {
        study.id: (
            study_dict(study),
            [(c.version, c.text, c.clauses) for c in study.consent_versions],
            [survey_dict(s) for s in study.surveys],
        )
        for study in db.session.scalars(select(Study))
    }
    return {"counts": counts, "studies": studies}


@contextmanager
def database_unchanged():
    before = snapshot()
    yield
    assert snapshot() == before


def reload(study_id: int) -> Study:
    db.session.rollback()
    return db.session.get(Study, study_id)


def expected_registration_hash(study: dict, consent: dict, surveys: list[dict]) -> str:
    """Recomputed from what the API answers, as the Study schema documents it."""
    record = {
        "protocol": {name: study[name] for name in EDITABLE_FIELDS},
        "consent": {name: consent[name] for name in ("version", "text", "clauses")},
        "surveys": [
            {name: s[name] for name in ("key", "title", "timepoint", "items")}
            for s in sorted(surveys, key=lambda s: s["key"])
        ],
    }
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# A whole pilot over the API


def test_a_whole_pilot_runs_over_the_api(client, api, coordinator):
    account = {
        "email": "zoe@sommeil.example",
        "password": "correct-horse-battery",
        "name": "Zoë Ångström",
        "role": "startup",
        "organisation": "Sommeil Santé",
    }
    assert client.post(f"{API}/auth/register", json=account).status_code == 201
    token = client.post(f"{API}/auth/tokens", json={"email": account["email"], "password": account["password"]})
    assert token.status_code == 201
    startup = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def as_startup(method, path, **kwargs):
        return client.open(API + path, method=method, headers=startup, **kwargs)

    # Draft the protocol, its consent (twice) and its two surveys.
    created = as_startup("POST", "/studies", json=sleep_protocol())
    assert created.status_code == 201
    study = created.get_json()
    assert (study["status"], study["version"], study["registration_hash"]) == ("draft", 1, None)
    assert study["owner"]["name"] == "Zoë Ångström" and study["organisation"]["name"] == "Sommeil Santé"
    for name, value in sleep_protocol().items():
        assert study[name] == value, name
    sid = study["id"]
    first = as_startup("PUT", f"/studies/{sid}/consent", json={**CONSENT, "text": "A first draft."})
    second = as_startup("PUT", f"/studies/{sid}/consent", json=CONSENT)
    assert (first.status_code, first.get_json()["version"]) == (200, 1)
    assert (second.status_code, second.get_json()["version"]) == (200, 2)
    assert second.get_json()["clauses"] == CONSENT_CLAUSES
    for survey in sleep_surveys():
        assert as_startup("POST", f"/studies/{sid}/surveys", json=survey).status_code == 201
    assert [s["key"] for s in as_startup("GET", f"/studies/{sid}/surveys").get_json()["items"]] == [
        "baseline",
        "follow_up",
    ]

    # Submit; the coordinator asks for changes; the startup edits and resubmits.
    submitted = as_startup("POST", f"/studies/{sid}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["submitted_at"]
    changes = api(
        "POST",
        f"/studies/{sid}/decision",
        coordinator,
        json={
            "decision": "request_changes",
            "comment": "Say how night-shift workers are reached.",
            "section_comments": {"design": "Why four weeks?"},
        },
    )
    assert changes.status_code == 200
    assert (changes.get_json()["status"], changes.get_json()["registration_hash"]) == ("changes_requested", None)
    edited = as_startup("PATCH", f"/studies/{sid}", json={"location": "At home; flyers in Nantes hospitals."})
    assert (edited.status_code, edited.get_json()["version"]) == (200, 2)
    assert as_startup("POST", f"/studies/{sid}/submit").get_json()["status"] == "submitted"

    # Approval freezes the protocol under a SHA-256 anyone can recompute from the API.
    approved = api("POST", f"/studies/{sid}/decision", coordinator, json={"decision": "approve"})
    assert approved.status_code == 200
    study = approved.get_json()
    assert study["status"] == "approved"
    assert re.fullmatch(r"[0-9a-f]{64}", study["registration_hash"])
    consent = api("GET", f"/studies/{sid}/consent", coordinator).get_json()
    surveys = api("GET", f"/studies/{sid}/surveys", coordinator).get_json()["items"]
    assert study["registration_hash"] == expected_registration_hash(study, consent, surveys)
    assert_error(as_startup("PATCH", f"/studies/{sid}", json={"title": "Too late"}), 409, "not_editable")
    assert_error(as_startup("PUT", f"/studies/{sid}/consent", json=CONSENT), 409, "not_editable")
    assert_error(as_startup("POST", f"/studies/{sid}/surveys", json=EXTRA_SURVEY), 409, "not_editable")

    # Recruitment opens: the catalogue shows public fields only, and anyone may read the consent.
    opened = as_startup("POST", f"/studies/{sid}/recruitment", json={"state": "recruiting"})
    assert opened.status_code == 200 and opened.get_json()["status"] == "recruiting"
    assert opened.get_json()["registration_hash"] == study["registration_hash"]
    catalogue = client.get(f"{API}/catalogue")
    [entry] = catalogue.get_json()["items"]
    assert set(entry) == {*PUBLIC_FIELDS, "organisation"}
    assert entry["id"] == sid and entry["organisation"] == {"name": "Sommeil Santé"}
    assert account["email"] not in catalogue.get_data(as_text=True)
    assert "owner" not in entry and "registration_hash" not in entry
    public_consent = client.get(f"{API}/studies/{sid}/consent")
    assert public_consent.status_code == 200
    assert public_consent.get_json()["version"] == 2 and public_consent.get_json()["text"] == CONSENT_TEXT

    # Every step left its mark in the audit trail.
    assert [record.action for record in study_history(sid)] == [
        "study.create",
        "consent.save",
        "consent.save",
        "survey.create",
        "survey.create",
        "study.submit",
        "study.request_changes",
        "study.update",
        "study.submit",
        "study.approve",
        "study.open",
    ]


def test_an_approval_hash_changes_with_the_protocol(api, make_study, coordinator, startup):
    first = make_study("approved")
    second = make_study("submitted", protocol=sleep_protocol(title="Another title"))
    api("POST", f"/studies/{second.id}/decision", coordinator, json={"decision": "approve"})
    assert reload(first.id).registration_hash != reload(second.id).registration_hash


# Who may call what

ACCESS = [
    # (what, method, path, study status or None, body, expected for ROLES:
    #  anonymous, participant, startup, colleague, other_startup, coordinator)
    ("read a study", "GET", "/studies/{id}", "draft", None, (401, 404, 200, 200, 404, 200)),
    ("edit a study", "PATCH", "/studies/{id}", "draft", {"summary": "Shorter."}, (401, 404, 200, 200, 404, 403)),
    ("save a consent", "PUT", "/studies/{id}/consent", "draft", CONSENT, (401, 404, 200, 200, 404, 403)),
    ("read a draft's consent", "GET", "/studies/{id}/consent", "draft", None, (404, 404, 200, 200, 404, 200)),
    ("read a recruiting consent", "GET", "/studies/{id}/consent", "recruiting", None, (200,) * 6),
    ("read a paused consent", "GET", "/studies/{id}/consent", "paused", None, (404, 404, 200, 200, 404, 200)),
    ("add a survey", "POST", "/studies/{id}/surveys", "draft", EXTRA_SURVEY, (401, 404, 201, 201, 404, 403)),
    ("list surveys", "GET", "/studies/{id}/surveys", "draft", None, (401, 404, 200, 200, 404, 200)),
    ("submit", "POST", "/studies/{id}/submit", "draft", None, (401, 404, 200, 200, 404, 403)),
    ("decide", "POST", "/studies/{id}/decision", "submitted", {"decision": "approve"}, (401, 404, 403, 403, 404, 200)),
    (
        "open recruitment",
        "POST",
        "/studies/{id}/recruitment",
        "approved",
        {"state": "recruiting"},
        (401, 404, 200, 200, 404, 200),
    ),
    ("create a study", "POST", "/studies", None, sleep_protocol(), (401, 403, 201, 201, 201, 403)),
    ("list studies", "GET", "/studies", None, None, (401, 200, 200, 200, 200, 200)),
    ("read the catalogue", "GET", "/catalogue", None, None, (200,) * 6),
    ("read the caller's account", "GET", "/me", None, None, (401, 200, 200, 200, 200, 200)),
]
ACCESS_CASES = [
    pytest.param(method, path, status, body, role, expected[i], id=f"{what} - {role}")
    for what, method, path, status, body, expected in ACCESS
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize("method, path, status, body, role, expected", ACCESS_CASES)
def test_each_role_gets_the_expected_status_from_each_endpoint(
    api, make_study, as_role, method, path, status, body, role, expected
):
    user = as_role(role)
    study = make_study(status) if status else None
    path = path.format(id=study.id if study else None)
    if user:
        api.warm(user)
    kwargs = {"json": body} if body is not None else {}
    if expected >= 400:
        with database_unchanged():
            response = api(method, path, user, **kwargs)
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}[expected]
        assert_error(response, expected, code)
    else:
        response = api(method, path, user, **kwargs)
        assert response.status_code == expected, response.get_data(as_text=True)


def enrol(api, study, participant):
    body = {
        "consent_version": study.current_consent.version,
        "signature": "Camille Citoyenne",
        "age": 30,
        "clauses": {"understood": True, "data_use": True, "recontact": False},
        "criteria_confirmed": True,
    }
    response = api("POST", f"/studies/{study.id}/enrolment", participant, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)


def test_an_enrolled_participant_reads_the_study_and_what_is_still_to_answer(api, make_study, participant):
    study = make_study("recruiting")
    enrol(api, study, participant)
    assert api("GET", f"/studies/{study.id}", participant).get_json()["id"] == study.id
    assert [s["id"] for s in api("GET", "/studies", participant).get_json()["items"]] == [study.id]
    surveys = api("GET", f"/studies/{study.id}/surveys", participant).get_json()["items"]
    assert [(s["key"], s["state"]) for s in surveys] == [("baseline", "open"), ("follow_up", "waiting")]


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("PATCH", "/studies/{id}", {"summary": "Mine now."}),
        ("POST", "/studies/{id}/decision", {"decision": "approve"}),
        ("POST", "/studies/{id}/recruitment", {"state": "paused"}),
    ],
)
def test_an_enrolled_participant_may_read_but_not_act_on_the_study(api, make_study, participant, method, path, body):
    study = make_study("recruiting")
    enrol(api, study, participant)
    with database_unchanged():
        response = api(method, path.format(id=study.id), participant, json=body)
    assert_error(response, 403, "forbidden")


def test_another_organisations_study_looks_exactly_like_a_missing_one(api, make_study, other_startup):
    study = make_study("draft")
    hidden = api("GET", f"/studies/{study.id}", other_startup)
    missing = api("GET", "/studies/999999", other_startup)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


@pytest.mark.parametrize("study_id", [999_999, 2**31, 2**63, 10**30], ids=["unknown", "2^31", "2^63", "10^30"])
@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/studies/{id}", None),
        ("PATCH", "/studies/{id}", {"summary": "x"}),
        ("PUT", "/studies/{id}/consent", CONSENT),
        ("GET", "/studies/{id}/consent", None),
        ("POST", "/studies/{id}/surveys", EXTRA_SURVEY),
        ("GET", "/studies/{id}/surveys", None),
        ("POST", "/studies/{id}/submit", None),
        ("POST", "/studies/{id}/decision", {"decision": "approve"}),
        ("POST", "/studies/{id}/recruitment", {"state": "recruiting"}),
    ],
)
def test_a_study_id_that_names_nothing_is_404_never_500(api, coordinator, study_id, method, path, body):
    kwargs = {"json": body} if body is not None else {}
    assert_error(api(method, path.format(id=study_id), coordinator, **kwargs), 404, "not_found")


@pytest.mark.parametrize("role", ["participant", "coordinator"])
def test_no_api_route_answers_500_for_a_study_id_beyond_the_database(app, api, as_role, role):
    """Every route of every API module, not just these: the id is checked before the database sees it."""
    user, answers = as_role(role), {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API + "/") and "study_id" in rule.arguments:
            path = rule.rule[len(API) :].replace("<int:study_id>", str(10**30)).replace("<key>", "baseline")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                answers[f"{method} {path}"] = api(method, path, user, json={}).status_code
    assert answers and {call: status for call, status in answers.items() if status not in (403, 404)} == {}


# Listing


def test_a_startup_lists_its_organisations_studies_only(api, make_study, startup, colleague, other_startup):
    own = make_study("draft")
    colleagues = make_study("submitted", owner=colleague)
    make_study("draft", owner=other_startup)
    ids = [s["id"] for s in api("GET", "/studies", startup).get_json()["items"]]
    assert ids == [own.id, colleagues.id]


def test_a_coordinator_lists_every_study_and_filters_by_status(api, make_study, coordinator, other_startup):
    draft, submitted = make_study("draft"), make_study("submitted", owner=other_startup)
    assert [s["id"] for s in api("GET", "/studies", coordinator).get_json()["items"]] == [draft.id, submitted.id]
    filtered = api("GET", "/studies?status=submitted", coordinator).get_json()["items"]
    assert [s["id"] for s in filtered] == [submitted.id]


def test_a_participant_lists_no_study_before_enrolling(api, make_study, participant):
    make_study("recruiting")
    assert api("GET", "/studies", participant).get_json() == {"items": [], "next_cursor": None}  # v1.1: paginated


def test_an_unknown_status_filter_is_refused_rather_than_ignored(api, coordinator):
    assert_error(api("GET", "/studies?status=recruting", coordinator), 422, fields=["status"])


def test_listing_studies_costs_the_same_queries_for_one_or_many(
    api, make_study, coordinator, other_startup, count_queries
):
    make_study("draft")
    api.warm(coordinator)
    with count_queries() as one:
        api("GET", "/studies", coordinator)
    for owner in (other_startup, other_startup):
        make_study("submitted", owner=owner)
    api.warm(coordinator)
    with count_queries() as three:
        assert len(api("GET", "/studies", coordinator).get_json()["items"]) == 3
    assert len(three) == len(one)


# The catalogue


def test_the_catalogue_lists_recruiting_studies_with_public_fields_only(client, make_study, startup):
    recruiting = make_study("recruiting")
    for status in StudyStatus:
        if status != StudyStatus.RECRUITING:
            make_study(str(status))
    response = client.get(f"{API}/catalogue")
    [entry] = response.get_json()["items"]
    assert entry["id"] == recruiting.id
    assert set(entry) == {*PUBLIC_FIELDS, "organisation"}
    assert entry["organisation"] == {"name": "Sommeil+"}
    assert startup.email not in response.get_data(as_text=True)


def test_the_catalogue_filters_by_domain(client, make_study, other_startup):
    sleep = make_study("recruiting")
    food = make_study("recruiting", owner=other_startup, protocol=food_protocol(), survey_defs=food_surveys())
    assert [s["id"] for s in client.get(f"{API}/catalogue?domain=foodtech").get_json()["items"]] == [food.id]
    assert [s["id"] for s in client.get(f"{API}/catalogue?domain=e-health").get_json()["items"]] == [sleep.id]
    assert_error(client.get(f"{API}/catalogue?domain=agritech"), 422, fields=["domain"])


def test_the_catalogue_costs_the_same_queries_for_one_or_many(client, make_study, make_user, count_queries):
    make_study("recruiting")
    with count_queries() as one:
        client.get(f"{API}/catalogue")
    for _ in range(3):
        make_study("recruiting", owner=make_user("startup"))
    with count_queries() as four:
        assert len(client.get(f"{API}/catalogue").get_json()["items"]) == 4
    assert len(four) == len(one)


# The lifecycle: one table of moves

MOVES = {  # move -> (who, path, body)
    "submit": ("startup", "submit", None),
    "approve": ("coordinator", "decision", {"decision": "approve"}),
    "request_changes": ("coordinator", "decision", {"decision": "request_changes", "comment": "Shorter please."}),
    "reject": ("coordinator", "decision", {"decision": "reject", "comment": "Too risky."}),
    "open": ("coordinator", "recruitment", {"state": "recruiting"}),
    "pause": ("coordinator", "recruitment", {"state": "paused"}),
    "close": ("coordinator", "recruitment", {"state": "closed"}),
    "end": ("coordinator", "end", {"reason": "Every follow-up is done."}),
}


def test_every_move_of_the_workflow_has_an_endpoint():
    assert set(MOVES) == set(TRANSITIONS)


@pytest.mark.parametrize(
    "move, status",
    [(m, s) for m in TRANSITIONS for s in StudyStatus],
    ids=[f"{m}-from-{s}" for m in TRANSITIONS for s in StudyStatus],
)
def test_a_move_is_made_exactly_from_the_states_the_workflow_table_lists(api, make_study, as_role, move, status):
    who, path, body = MOVES[move]
    user = as_role(who)
    study = make_study(str(status))
    api.warm(user)
    kwargs = {"json": body} if body is not None else {}
    if status in TRANSITIONS[move]:
        response = api("POST", f"/studies/{study.id}/{path}", user, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["status"] == TRANSITIONS[move][status]
        assert reload(study.id).status == TRANSITIONS[move][status]
    else:
        with database_unchanged():
            response = api("POST", f"/studies/{study.id}/{path}", user, **kwargs)
        assert_error(response, 409, "invalid_transition")


EDITS = [
    ("PATCH", "/studies/{id}", {"summary": "A new summary."}, 200),
    ("PUT", "/studies/{id}/consent", CONSENT, 200),
    ("POST", "/studies/{id}/surveys", EXTRA_SURVEY, 201),
]


@pytest.mark.parametrize("method, path, body, ok", EDITS, ids=["patch", "consent", "survey"])
@pytest.mark.parametrize("status", list(StudyStatus), ids=str)
def test_a_study_is_edited_only_as_a_draft_or_when_changes_are_requested(
    api, make_study, startup, status, method, path, body, ok
):
    study = make_study(str(status))
    api.warm(startup)
    if status in EDITABLE:
        assert api(method, path.format(id=study.id), startup, json=body).status_code == ok
    else:
        with database_unchanged():
            response = api(method, path.format(id=study.id), startup, json=body)
        assert_error(response, 409, "not_editable")


# Creating and editing a study


def test_a_new_study_gets_the_documented_defaults(api, startup):
    study = api("POST", "/studies", startup, json={"title": "Minimal", "domain": "foodtech"}).get_json()
    assert study["status"] == "draft" and study["version"] == 1
    assert study["design"] == "single_group_pre_post" and study["arms"] == ["intervention"]
    assert study["timepoints"] == ["baseline", "follow_up"]
    assert study["alpha"] == 0.05
    assert study["primary_outcome"] == {"variable": None, "hypothesis": None}
    assert study["organisation"]["id"] == startup.organisation_id


def test_patching_nothing_changes_nothing(api, make_study, startup):
    study = make_study("draft")
    api.warm(startup)
    with database_unchanged():
        response = api("PATCH", f"/studies/{study.id}", startup, json={})
    assert response.status_code == 200 and response.get_json()["version"] == 1


def test_read_only_fields_sent_back_are_ignored(api, make_study, startup):
    study = make_study("draft")
    current = api("GET", f"/studies/{study.id}", startup).get_json()
    sent = {
        **current,
        "status": "approved",
        "version": 99,
        "registration_hash": "0" * 64,
        "id": 12345,
        "owner": {"id": 1, "name": "Someone else"},
        "summary": "Edited.",
    }
    response = api("PATCH", f"/studies/{study.id}", startup, json=sent)
    assert response.status_code == 200
    after = response.get_json()
    assert (after["status"], after["version"], after["registration_hash"], after["id"]) == ("draft", 2, None, study.id)
    assert after["summary"] == "Edited."


def test_switching_to_parallel_groups_gives_a_control_and_an_intervention_arm(api, make_study, startup):
    study = make_study("draft")
    response = api("PATCH", f"/studies/{study.id}", startup, json={"design": "parallel_groups"})
    assert response.get_json()["arms"] == ["control", "intervention"]


def test_html_and_unicode_are_stored_and_answered_verbatim(api, startup):
    title = "Étude 睡眠 🛌 <script>alert('x')</script>"
    summary = '<img src=x onerror="alert(1)"> & &amp; </textarea>\nSecond line — « guillemets »'
    response = api("POST", "/studies", startup, json=sleep_protocol(title=title, summary=summary))
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    study = response.get_json()
    assert (study["title"], study["summary"]) == (title, summary)
    assert (reload(study["id"]).title, reload(study["id"]).summary) == (title, summary)


def test_a_10000_character_summary_is_accepted(api, startup):
    response = api("POST", "/studies", startup, json=sleep_protocol(summary="s" * 10_000))
    assert response.status_code == 201 and len(response.get_json()["summary"]) == 10_000


BAD_STUDY_INPUT = [
    # (what, body or raw text, status, fields)
    ("malformed JSON", '{"title": "Sleep", ', 400, []),
    ("a JSON array", '[{"title": "Sleep"}]', 400, []),
    ("JSON null", "null", 400, []),
    ("a JSON string", '"title"', 400, []),
    ("an empty body", "", 400, []),
    ("invalid UTF-8", b'{"title": "\xff\xfe"}', 400, []),
    ("a title of the wrong type", {"title": 5}, 400, ["title"]),
    ("arms as a string", {"arms": "intervention"}, 400, ["arms"]),
    ("timepoints as an object", {"timepoints": {"baseline": 1}}, 400, ["timepoints"]),
    ("eligibility as a list", {"eligibility": [18, 65]}, 400, ["eligibility"]),
    ("a text minimum age", {"eligibility": {"min_age": "18"}}, 400, ["eligibility"]),
    ("a text target", {"target_enrolment": "40"}, 400, ["target_enrolment"]),
    ("a fractional target", {"target_enrolment": 40.5}, 400, ["target_enrolment"]),
    ("a boolean target", {"target_enrolment": True}, 400, ["target_enrolment"]),
    ("a text alpha", {"alpha": "0.05"}, 400, ["alpha"]),
    ("a text DPIA flag", {"dpia_done": "yes"}, 400, ["dpia_done"]),
    ("a primary outcome as text", {"primary_outcome": "sleep_hours"}, 400, ["primary_outcome"]),
    ("an unknown domain", {"domain": "agritech"}, 422, ["domain"]),
    ("an unknown design", {"design": "crossover"}, 422, ["design"]),
    (
        "an unknown hypothesis",
        {"primary_outcome": {"variable": "sleep_hours", "hypothesis": "up"}},
        422,
        ["primary_outcome"],
    ),
    ("an unknown research category", {"research_category": "riph4"}, 422, ["research_category"]),
    ("an unknown CNIL framework", {"cnil_framework": "mr999"}, 422, ["cnil_framework"]),
    ("an unknown field", {"colour": "blue"}, 422, ["colour"]),
    ("a zero target", {"target_enrolment": 0}, 422, ["target_enrolment"]),
    ("a target above 100,000", {"target_enrolment": 100_001}, 422, ["target_enrolment"]),
    ("an alpha of zero", {"alpha": 0}, 422, ["alpha"]),
    ("an alpha of one half", {"alpha": 0.5}, 422, ["alpha"]),
    ("an alpha of null", {"alpha": None}, 422, ["alpha"]),
    ("an alpha beyond any float", '{"alpha": 1' + "0" * 400 + "}", 422, ["alpha"]),
    ("a negative minimum age", {"eligibility": {"min_age": -1}}, 422, ["eligibility"]),
    ("a minimum age of 121", {"eligibility": {"min_age": 121}}, 422, ["eligibility"]),
    ("a maximum age below the minimum", {"eligibility": {"min_age": 30, "max_age": 20}}, 422, ["eligibility"]),
    ("21 criteria", {"eligibility": {"min_age": 18, "criteria": [f"c{i}" for i in range(21)]}}, 422, ["eligibility"]),
    ("a retention of zero months", {"retention_months": 0}, 422, ["retention_months"]),
    ("a retention of 601 months", {"retention_months": 601}, 422, ["retention_months"]),
    ("a primary outcome key with spaces", {"primary_outcome": {"variable": "sleep hours"}}, 422, ["primary_outcome"]),
    ("two arms in a single group", {"arms": ["a", "b"]}, 422, ["arms"]),
    ("one arm in parallel groups", {"design": "parallel_groups", "arms": ["only"]}, 422, ["arms"]),
    ("seven arms", {"design": "parallel_groups", "arms": [f"arm_{i}" for i in range(7)]}, 422, ["arms"]),
    ("an arm listed twice", {"design": "parallel_groups", "arms": ["a", "a"]}, 422, ["arms"]),
    ("no timepoint", {"timepoints": []}, 422, ["timepoints"]),
    ("a timepoint that is not a key", {"timepoints": ["Base line", "follow_up"]}, 422, ["timepoints"]),
    ("eleven timepoints", {"timepoints": [f"t{i}" for i in range(11)]}, 422, ["timepoints"]),
    ("an empty title", {"title": "   "}, 422, ["title"]),
    ("a title on two lines", {"title": "Sleep\ncoaching"}, 422, ["title"]),
    ("a 10,000-character title", {"title": "t" * 10_000}, 422, ["title"]),
    ("a 10,001-character summary", {"summary": "s" * 10_001}, 422, ["summary"]),
    ("a 10,000-character CNIL reference", {"cnil_reference": "c" * 10_000}, 422, ["cnil_reference"]),
    ("a NUL character", {"summary": "before\x00after"}, 422, ["summary"]),
]


def send(api, method, path, user, body):
    if isinstance(body, (str, bytes)):
        return api(method, path, user, data=body, content_type="application/json")
    return api(method, path, user, json=body)


@pytest.mark.parametrize(
    "body, status, fields", [row[1:] for row in BAD_STUDY_INPUT], ids=[row[0] for row in BAD_STUDY_INPUT]
)
def test_editing_a_study_refuses_bad_input_and_changes_nothing(api, make_study, startup, body, status, fields):
    study = make_study("draft")
    api.warm(startup)
    with database_unchanged():
        response = send(api, "PATCH", f"/studies/{study.id}", startup, body)
    assert_error(response, status, fields=fields)


@pytest.mark.parametrize(
    "body, status, fields",
    [
        row[1:] if not isinstance(row[1], dict) else ({**sleep_protocol(), **row[1]}, *row[2:])
        for row in BAD_STUDY_INPUT
    ],
    ids=[row[0] for row in BAD_STUDY_INPUT],
)
def test_creating_a_study_refuses_bad_input_and_creates_nothing(api, startup, body, status, fields):
    api.warm(startup)
    with database_unchanged():
        response = send(api, "POST", "/studies", startup, body)
    assert_error(response, status, fields=fields)


@pytest.mark.parametrize("missing", ["title", "domain"])
def test_a_new_study_needs_a_title_and_a_domain(api, startup, missing):
    body = {name: value for name, value in sleep_protocol().items() if name != missing}
    assert_error(api("POST", "/studies", startup, json=body), 422, fields=[missing])


def test_removing_a_timepoint_that_still_has_a_survey_is_refused(api, make_study, startup):
    """Else the survey is orphaned and the pre/post check counts a timepoint the design no longer has."""
    study = make_study("draft")
    api.warm(startup)
    with database_unchanged():
        response = api("PATCH", f"/studies/{study.id}", startup, json={"timepoints": ["baseline", "week_4"]})
    assert_error(response, 422, fields=["timepoints"])


# The consent form


def test_each_consent_save_is_a_new_version_and_clauses_default_to_required(api, make_study, startup):
    study = make_study("draft")
    response = api(
        "PUT",
        f"/studies/{study.id}/consent",
        startup,
        json={"text": "Version two.", "clauses": [{"key": "agree", "text": "I agree."}]},
    )
    assert response.status_code == 200
    consent = response.get_json()
    assert consent["version"] == 2
    assert consent["clauses"] == [{"key": "agree", "text": "I agree.", "required": True}]
    assert consent["created_at"].endswith("+00:00")
    assert api("GET", f"/studies/{study.id}/consent", startup).get_json() == consent


BAD_CONSENTS = [
    ("malformed JSON", '{"text": ', 400, []),
    ("a JSON array", "[]", 400, []),
    ("no text", {"clauses": []}, 422, ["text"]),
    ("a text of the wrong type", {"text": ["a"]}, 400, ["text"]),
    ("clauses as a string", {"text": "T", "clauses": "agree"}, 400, ["clauses"]),
    ("clauses of null", {"text": "T", "clauses": None}, 400, ["clauses"]),
    ("a clause that is not an object", {"text": "T", "clauses": ["agree"]}, 400, ["clauses.0"]),
    ("a clause without key", {"text": "T", "clauses": [{"text": "I agree."}]}, 422, ["clauses.0"]),
    ("a clause without text", {"text": "T", "clauses": [{"key": "agree"}]}, 422, ["clauses.0"]),
    (
        "a clause required as text",
        {"text": "T", "clauses": [{"key": "a", "text": "A", "required": "yes"}]},
        400,
        ["clauses.0"],
    ),
    (
        "a clause key used twice",
        {"text": "T", "clauses": [{"key": "a", "text": "A"}, {"key": "a", "text": "B"}]},
        422,
        ["clauses.1"],
    ),
    ("31 clauses", {"text": "T", "clauses": [{"key": f"c{i}", "text": "C"} for i in range(31)]}, 422, ["clauses"]),
    ("a 20,001-character text", {"text": "t" * 20_001}, 422, ["text"]),
    ("a 10,000-character clause", {"text": "T", "clauses": [{"key": "a", "text": "c" * 10_000}]}, 422, ["clauses.0"]),
]


@pytest.mark.parametrize(
    "body, status, fields", [row[1:] for row in BAD_CONSENTS], ids=[row[0] for row in BAD_CONSENTS]
)
def test_saving_a_consent_refuses_bad_input_and_changes_nothing(api, make_study, startup, body, status, fields):
    study = make_study("draft")
    api.warm(startup)
    with database_unchanged():
        response = send(api, "PUT", f"/studies/{study.id}/consent", startup, body)
    assert_error(response, status, fields=fields)


def test_a_study_without_consent_answers_404_no_consent(api, startup):
    study = api("POST", "/studies", startup, json=sleep_protocol()).get_json()
    assert_error(api("GET", f"/studies/{study['id']}/consent", startup), 404, "no_consent")


# Submission: the checklist


def draft_over_api(api, startup, *, consent=CONSENT, surveys=None, **protocol) -> int:
    study = api("POST", "/studies", startup, json=sleep_protocol(**protocol)).get_json()
    if consent:
        assert api("PUT", f"/studies/{study['id']}/consent", startup, json=consent).status_code == 200
    for survey in sleep_surveys() if surveys is None else surveys:
        assert api("POST", f"/studies/{study['id']}/surveys", startup, json=survey).status_code == 201
    return study["id"]


# A RIPH 2 pilot, as the questionnaire proposes it: its CNIL route is MR-001 (regulatory.ROUTES)
RIPH2 = {
    "research_category": "riph2",
    "cnil_framework": "mr001",
    "qualification": {
        "purpose": "health_knowledge",
        "existing_data_only": False,
        "device_outside_ce": False,
        "beyond_usual_practice": True,
        "minimal_risk": True,
    },
}
INCOMPLETE = [
    # (what, how the draft is made, the checklist key that must be listed)
    (
        "a primary outcome no survey asks",
        {"primary_outcome": {"variable": "steps", "hypothesis": "increase"}},
        "primary_outcome",
    ),
    (
        "a text primary outcome",
        {"primary_outcome": {"variable": "comments", "hypothesis": "change"}},
        "primary_outcome",
    ),
    (
        "a pre/post outcome measured once",
        {"primary_outcome": {"variable": "sus", "hypothesis": "increase"}},
        "primary_outcome",
    ),
    ("no primary outcome", {"primary_outcome": None}, "primary_outcome"),
    ("no consent", {"consent": None}, "consent"),
    (
        "a consent without required clause",
        {"consent": {"text": "T", "clauses": [{"key": "optional", "text": "O", "required": False}]}},
        "consent",
    ),
    ("no survey at follow-up", {"surveys": sleep_surveys()[:1]}, "surveys"),
    (
        "a single timepoint in a pre/post design",
        {"timepoints": ["baseline"], "surveys": sleep_surveys()[:1]},
        "timepoints",
    ),
    ("no summary", {"summary": ""}, "summary"),
    ("no DPIA", {"dpia_done": False}, "dpia_done"),
    ("RIPH without ethics opinion", {**RIPH2, "ethics_opinion": ""}, "ethics_opinion"),
    ("a CNIL authorisation without reference", {"cnil_framework": "authorisation"}, "cnil_reference"),
]


@pytest.mark.parametrize("setup, missing", [row[1:] for row in INCOMPLETE], ids=[row[0] for row in INCOMPLETE])
def test_an_incomplete_protocol_is_refused_with_what_is_missing(api, startup, setup, missing):
    study_id = draft_over_api(api, startup, **setup)
    with database_unchanged():
        response = api("POST", f"/studies/{study_id}/submit", startup)
    error = assert_error(response, 422, "incomplete", fields=[missing])
    assert all(isinstance(text, str) and text for text in error["fields"].values())


def test_an_outcome_measured_once_is_enough_for_parallel_groups(api, startup):
    study_id = draft_over_api(
        api,
        startup,
        design="parallel_groups",
        arms=["usual_care", "app"],
        primary_outcome={"variable": "sus", "hypothesis": "increase"},
    )
    assert api("POST", f"/studies/{study_id}/submit", startup).status_code == 200


def test_submit_ignores_any_json_body_and_refuses_other_media_types(api, make_study, startup):
    """The API takes JSON only (issue 8, item 16): a text/plain body, as a cross-site form sends, is 415."""
    study = make_study("draft")
    response = api("POST", f"/studies/{study.id}/submit", startup, data="not json", content_type="text/plain")
    assert response.status_code == 415 and response.json["error"]["code"] == "unsupported_media_type"
    assert db.session.get(Study, study.id).status == StudyStatus.DRAFT
    assert api("POST", f"/studies/{study.id}/submit", startup, json={"anything": 1}).status_code == 200


# The review decision

BAD_DECISIONS = [
    ("malformed JSON", '{"decision": ', 400, []),
    ("a JSON array", '["approve"]', 400, []),
    ("no decision", {}, 422, ["decision"]),
    ("an unknown decision", {"decision": "maybe", "comment": "Hmm."}, 422, ["decision"]),
    ("a decision of the wrong type", {"decision": 1}, 400, ["decision"]),
    ("changes without comment", {"decision": "request_changes"}, 422, ["comment"]),
    ("a rejection with a blank comment", {"decision": "reject", "comment": "   "}, 422, ["comment"]),
    ("a comment of the wrong type", {"decision": "reject", "comment": ["No."]}, 400, ["comment"]),
    ("a 10,001-character comment", {"decision": "reject", "comment": "c" * 10_001}, 422, ["comment"]),
    ("section comments as a list", {"decision": "approve", "section_comments": ["ok"]}, 400, ["section_comments"]),
    (
        "an unknown section",
        {"decision": "approve", "section_comments": {"budget": "Cheap."}},
        422,
        ["section_comments.budget"],
    ),
]


@pytest.mark.parametrize(
    "body, status, fields", [row[1:] for row in BAD_DECISIONS], ids=[row[0] for row in BAD_DECISIONS]
)
def test_a_decision_refuses_bad_input_and_changes_nothing(api, make_study, coordinator, body, status, fields):
    study = make_study("submitted")
    api.warm(coordinator)
    with database_unchanged():
        response = send(api, "POST", f"/studies/{study.id}/decision", coordinator, body)
    assert_error(response, status, fields=fields)


def test_a_rejection_keeps_its_comment_and_ends_the_study(api, make_study, coordinator, startup):
    study = make_study("submitted")
    response = api(
        "POST", f"/studies/{study.id}/decision", coordinator, json={"decision": "reject", "comment": "Too risky."}
    )
    assert response.get_json()["status"] == "rejected"
    assert [c.body for c in reload(study.id).comments] == ["Too risky."]
    assert_error(api("POST", f"/studies/{study.id}/submit", startup), 409, "invalid_transition")


# Recruitment


@pytest.mark.parametrize(
    "body, status, fields",
    [
        ({}, 422, ["state"]),
        ({"state": None}, 422, ["state"]),
        ({"state": "open"}, 422, ["state"]),
        ({"state": "Recruiting"}, 422, ["state"]),
        ({"state": 1}, 400, ["state"]),
        ({"state": ["recruiting"]}, 400, ["state"]),
        ("[]", 400, []),
        ("{state: recruiting}", 400, []),
    ],
    ids=["nothing", "null", "a move instead of a state", "capitalised", "a number", "a list", "array", "malformed"],
)
def test_recruitment_refuses_an_unknown_state_and_changes_nothing(api, make_study, coordinator, body, status, fields):
    study = make_study("approved")
    api.warm(coordinator)
    with database_unchanged():
        response = send(api, "POST", f"/studies/{study.id}/recruitment", coordinator, body)
    assert_error(response, status, fields=fields)


def test_recruitment_pauses_reopens_and_closes(api, make_study, startup, coordinator):
    study = make_study("approved")
    states = [
        api("POST", f"/studies/{study.id}/recruitment", user, json={"state": state}).get_json()["status"]
        for user, state in [
            (startup, "recruiting"),
            (coordinator, "paused"),
            (startup, "recruiting"),
            (coordinator, "closed"),
        ]
    ]
    assert states == ["recruiting", "paused", "recruiting", "closed"]


# Errors are always JSON


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/no-such-endpoint", 404),
        ("DELETE", "/studies/1", 405),
        ("PUT", "/catalogue", 405),
        ("GET", "/studies/not-a-number", 404),
    ],
)
def test_unknown_routes_and_methods_answer_the_error_body(api, coordinator, method, path, status):
    assert_error(api(method, path, coordinator), status)


def test_a_body_over_the_size_limit_answers_413_with_the_error_body(api, startup):
    response = api("POST", "/studies", startup, data="x" * (3 * 1024 * 1024), content_type="application/json")
    assert_error(response, 413, "too_large")
