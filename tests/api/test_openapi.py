"""The OpenAPI description: valid, complete, and true to what the API answers."""

import copy
import re
from datetime import timedelta

import pytest
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from sqlalchemy import select

from livinglab.api.openapi import spec as build_spec
from livinglab.api.studies import consent_dict
from livinglab.auth.models import ApiToken
from livinglab.auth.services import user_dict
from livinglab.demo import CONSENT_CLAUSES, CONSENT_TEXT, food_protocol, food_surveys, sleep_protocol, sleep_surveys
from livinglab.extensions import db
from livinglab.studies.fields import EDITABLE_FIELDS, public_study_dict, study_dict
from livinglab.surveys.definitions import QUESTION_TYPES
from livinglab.surveys.instruments import INSTRUMENTS
from livinglab.surveys.services import survey_dict
from livinglab.timeutil import utcnow

PREFIX = "/api/v1"
METHODS = ("get", "put", "post", "patch", "delete")


@pytest.fixture(scope="module")
def spec():
    return build_spec()


def operations(spec):
    """(path, method, operation) for every operation of the description."""
    return [
        (path, method, item[method]) for path, item in spec["paths"].items() for method in METHODS if method in item
    ]


def needs_token(operation) -> bool:
    return operation["security"] == [{"bearerAuth": []}]


def template(rule: str) -> str:
    """/api/v1/studies/<int:study_id> -> /studies/{study_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(PREFIX) :])


# The document


def test_the_description_is_served_as_json_to_anyone(client):
    response = client.get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json()["openapi"] == "3.1.0"


def test_the_description_is_valid_openapi(client):
    validate(client.get(f"{PREFIX}/openapi.json").get_json())


def test_the_validator_catches_a_broken_description(spec):
    broken = copy.deepcopy(spec)
    del broken["paths"]["/studies"]["get"]["responses"]
    broken["components"]["schemas"]["Study"]["type"] = "strnig"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_every_api_route_is_described_and_every_described_operation_is_a_route(app, spec):
    routes = {
        (template(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, method, _operation in operations(spec)}
    assert routes - described == set(), "routes missing from the description"
    assert described - routes == set(), "described operations that are not routes"


def test_operation_ids_are_unique(spec):
    ids = [operation["operationId"] for _path, _method, operation in operations(spec)]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path, method", [(p, m) for p, m, _o in operations(build_spec())])
def test_each_operation_documents_the_conventions(spec, path, method):
    operation = spec["paths"][path][method]
    documented = set(operation["responses"])
    if needs_token(operation):
        assert "401" in documented, "a token is needed, so 401 is an answer"
    if "requestBody" in operation:
        assert "400" in documented, "a body can be malformed"
    if "{study_id}" in path:
        assert "404" in documented, "a study can be unknown or hidden"
    for status, response in operation["responses"].items():
        if status >= "400":
            schema = (
                response.get("content", {}).get("application/json", {}).get("schema")
                or spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]["content"]["application/json"][
                    "schema"
                ]
            )
            assert schema == {"$ref": "#/components/schemas/Error"}


# The schemas match what the serialisers produce


def properties(spec, name: str) -> set:
    return set(spec["components"]["schemas"][name]["properties"])


def test_the_study_schema_lists_every_field_of_a_study(spec, make_study):
    study = make_study("approved")
    assert properties(spec, "Study") == set(study_dict(study))
    assert set(spec["components"]["schemas"]["Study"]["required"]) == set(study_dict(study))


def test_the_public_study_schema_lists_exactly_the_public_fields(spec, make_study):
    assert properties(spec, "PublicStudy") == set(public_study_dict(make_study("recruiting")))


def test_the_account_consent_and_survey_schemas_match_their_serialisers(spec, make_study, startup):
    study = make_study("draft")
    assert properties(spec, "Account") == set(user_dict(startup))
    assert properties(spec, "Consent") == set(consent_dict(study.current_consent))
    assert set(spec["components"]["schemas"]["Survey"]["required"]) == set(survey_dict(study.surveys[0]))


def test_the_editable_fields_are_the_study_fields_a_client_may_send(spec):
    assert properties(spec, "StudyChanges") == set(EDITABLE_FIELDS)
    assert properties(spec, "NewStudy") == set(EDITABLE_FIELDS)


# Security as described


def url_for(path: str, study_id: int) -> str:
    return PREFIX + (
        path.replace("{study_id}", str(study_id))
        .replace("{key}", "baseline")
        .replace("{token_id}", "1")
        .replace("{invitation_id}", "1")
        .replace("{webhook_id}", "1")
        .replace("{version}", "2")
        .replace("{comment_id}", "1")
        .replace("{exclusion_id}", "1")
    )


def expired_headers(user, api_headers) -> dict:
    headers = api_headers(user)
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
        token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return headers


SECURED = [(p, m) for p, m, o in operations(build_spec()) if needs_token(o)]
PUBLIC = [(p, m) for p, m, o in operations(build_spec()) if not needs_token(o)]


@pytest.mark.parametrize("token", ["none", "garbage", "expired"])
@pytest.mark.parametrize("path, method", SECURED)
def test_an_operation_that_needs_a_token_refuses_a_missing_garbage_or_expired_one(
    client, api_headers, make_study, participant, path, method, token
):
    study = make_study("recruiting")
    headers = {
        "none": {},
        "garbage": {"Authorization": "Bearer garbage"},
        "expired": expired_headers(participant, api_headers) if token == "expired" else {},
    }[token]
    response = client.open(url_for(path, study.id), method=method.upper(), headers=headers, json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("path, method", PUBLIC)
def test_an_operation_described_as_public_needs_no_token(client, make_study, path, method):
    study = make_study("recruiting")
    response = client.open(url_for(path, study.id), method=method.upper(), json={})
    assert response.status_code != 401


# Every answer of a whole pilot matches its description


class CheckedClient:
    """A test client that notes every API answer that is not documented, or not valid against its schema
    (all of them, so that one failure lists every mismatch)."""

    def __init__(self, client, app, spec):
        self.client, self.spec = client, spec
        self.adapter = app.url_map.bind("localhost")
        self.seen = set()
        self.problems = []

    def __call__(self, method, url, headers=None, **kwargs):
        response = self.client.open(url, method=method, headers=headers or {}, **kwargs)
        rule, _args = self.adapter.match(url.split("?")[0], method=method, return_rule=True)
        path = template(rule.rule)
        operation = self.spec["paths"][path][method.lower()]
        status = str(response.status_code)
        self.seen.add((path, method.lower(), status))
        if status not in operation["responses"]:
            self.problems.append(f"{method} {path} answered an undocumented {status}")
            return response
        described = operation["responses"][status]
        if "$ref" in described:
            described = self.spec["components"]["responses"][described["$ref"].rsplit("/", 1)[1]]
        if "content" in described and response.mimetype not in described["content"]:
            self.problems.append(f"{method} {path} {status}: {response.mimetype} is not described")
        elif "content" in described and response.mimetype != "application/json":
            pass  # a file (text/csv): its media type is all the description says
        elif "content" in described:
            schema = {**described["content"]["application/json"]["schema"], "components": self.spec["components"]}
            errors = [
                f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in OAS31Validator(schema, format_checker=oas31_format_checker).iter_errors(response.get_json())
            ]
            self.problems += [f"{method} {path} {status}: {error}" for error in errors]
        elif response.get_data():
            self.problems.append(f"{method} {path} {status}: a body where none is described")
        return response


@pytest.fixture
def checked(client, app, spec):
    return CheckedClient(client, app, spec)


def bearer(response) -> dict:
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_every_answer_of_a_whole_pilot_matches_the_description(checked, api_headers, coordinator, spec):
    v1 = PREFIX
    # A startup registers and drafts its pilot.
    account = {
        "email": "zoe@sommeil.example",
        "password": "correct-horse-battery",
        "name": "Zoë",
        "role": "startup",
        "organisation": "Sommeil Santé",
    }
    checked("POST", f"{v1}/auth/register", json=account)
    checked("POST", f"{v1}/auth/register", json=account)  # 409
    checked("POST", f"{v1}/auth/register", json={**account, "email": "x"})  # 422
    checked("POST", f"{v1}/auth/register", data="[", content_type="application/json")  # 400
    checked("POST", f"{v1}/auth/tokens", json={**account, "password": "wrong-password"})  # 401
    checked("POST", f"{v1}/auth/tokens", json={"email": 1})  # 400
    startup = bearer(checked("POST", f"{v1}/auth/tokens", json=account))
    checked("GET", f"{v1}/me", startup)
    checked("GET", f"{v1}/me")  # 401

    # Tokens, and a colleague invited into the organisation, who leaves and comes back.
    checked("GET", f"{v1}/auth/tokens", startup)
    checked("GET", f"{v1}/auth/tokens?limit=0", startup)  # 422
    spare = checked("POST", f"{v1}/auth/tokens", json={**account, "name": "spare"}).get_json()
    checked("POST", f"{v1}/auth/tokens", json={**account, "name": "two\nlines"})  # 422
    checked("DELETE", f"{v1}/auth/tokens/{spare['id']}", startup)
    checked("DELETE", f"{v1}/auth/tokens/{spare['id']}", startup)  # 404
    checked("GET", f"{v1}/organisation/members", startup)
    invited = checked("POST", f"{v1}/organisation/invitations", startup, json={"email": "leo@sommeil.example"})
    checked("POST", f"{v1}/organisation/invitations", startup, json={"email": "leo@sommeil.example"})  # 409
    checked("POST", f"{v1}/organisation/invitations", startup, json={"email": 5})  # 400
    checked("POST", f"{v1}/organisation/invitations", startup, json={"email": "not an email"})  # 422
    checked("GET", f"{v1}/organisation/invitations", startup)
    colleague = {
        "email": "leo@sommeil.example",
        "password": "correct-horse-battery",
        "name": "Léo",
        "role": "startup",
        "invitation": invited.get_json()["token"],
    }
    checked("POST", f"{v1}/auth/register", json=colleague)
    leo = bearer(checked("POST", f"{v1}/auth/tokens", json=colleague))
    checked("POST", f"{v1}/invitations/accept", leo, json={"token": colleague["invitation"]})  # 404: used
    checked("POST", f"{v1}/organisation/leave", leo)
    checked("POST", f"{v1}/organisation/leave", leo)  # 409
    checked("GET", f"{v1}/organisation/members", leo)  # 403: no organisation
    again = checked("POST", f"{v1}/organisation/invitations", startup, json={"email": "leo@sommeil.example"})
    checked("GET", f"{v1}/me/invitations", leo)
    checked("POST", f"{v1}/invitations/accept", leo, json={"token": again.get_json()["token"]})
    checked("POST", f"{v1}/invitations/accept", startup, json={"token": again.get_json()["token"]})  # 404
    third = checked("POST", f"{v1}/organisation/invitations", startup, json={"email": "mia@sommeil.example"})
    checked("POST", f"{v1}/invitations/accept", leo, json={"token": third.get_json()["token"]})  # 403
    checked("POST", f"{v1}/invitations/accept", leo, json={"token": 5})  # 404
    checked("DELETE", f"{v1}/organisation/invitations/{third.get_json()['id']}", startup)
    checked("DELETE", f"{v1}/organisation/invitations/{third.get_json()['id']}", startup)  # 404
    study = checked("POST", f"{v1}/studies", startup, json=sleep_protocol()).get_json()
    checked("POST", f"{v1}/studies", startup, json={"title": 5})  # 400
    checked("POST", f"{v1}/studies", startup, json={"title": "T", "domain": "space"})  # 422
    sid = study["id"]
    checked("GET", f"{v1}/studies", startup)
    checked("GET", f"{v1}/studies?status=bogus", startup)  # 422
    checked("GET", f"{v1}/studies/{sid}", startup)
    checked("GET", f"{v1}/studies/{sid + 1000}", startup)  # 404
    checked("GET", f"{v1}/studies/{sid}/consent", startup)  # 404 no_consent
    checked("POST", f"{v1}/studies/{sid}/submit", startup)  # 422 incomplete
    checked("GET", f"{v1}/studies/{sid}/results", startup)  # 409 not approved yet
    checked("PUT", f"{v1}/studies/{sid}/consent", startup, json={"text": "Draft", "clauses": []})
    checked("PUT", f"{v1}/studies/{sid}/consent", startup, json={"text": CONSENT_TEXT, "clauses": CONSENT_CLAUSES})
    checked("PUT", f"{v1}/studies/{sid}/consent", startup, json={"text": ""})  # 422
    for survey in sleep_surveys():
        checked("POST", f"{v1}/studies/{sid}/surveys", startup, json=survey)
    checked("POST", f"{v1}/studies/{sid}/surveys", startup, json={"key": "x", "items": "no"})  # 400
    checked("GET", f"{v1}/studies/{sid}/surveys", startup)
    # The startup builds, changes, reorders and deletes a survey, as on the survey builder's pages.
    checked(
        "POST",
        f"{v1}/studies/{sid}/surveys",
        startup,
        json={
            "key": "extra",
            "title": "Extra",
            "timepoint": "baseline",
            "items": [{"key": "mood", "text": "Your mood?", "type": "likert"}],
        },
    )
    extra = f"{v1}/studies/{sid}/surveys/extra"
    checked("GET", extra, startup)
    checked("GET", f"{v1}/studies/{sid}/surveys/nope", startup)  # 404
    # Reuse (issue 14, item 5): a second pilot starts from a template, takes a question of the first from the
    # organisation's library, copies an item and a whole survey to its follow-up.
    sid2 = checked("POST", f"{v1}/studies", startup, json=sleep_protocol()).get_json()["id"]
    library = checked("GET", f"{v1}/studies/{sid2}/question-library?q=mood", startup).get_json()["items"]
    checked("GET", f"{v1}/studies/{sid2}/question-library?q={'x' * 201}", startup)  # 422
    checked("GET", f"{v1}/studies/{sid2}/question-library", api_headers(coordinator))  # 403
    made = f"{v1}/studies/{sid2}/surveys/from-template"
    checked("POST", made, startup, json={"template": "sleep_wellbeing", "language": "fr", "timepoint": "baseline"})
    checked("POST", made, startup, json={"template": "nope", "language": "fr", "timepoint": "baseline"})  # 422
    checked("POST", made, startup, json={"template": 5, "language": "fr", "timepoint": "baseline"})  # 400
    reused = f"{v1}/studies/{sid2}/surveys/sleep_wellbeing"
    checked("POST", f"{reused}/library", startup, json={"source": library[0]["survey_id"], "key": "mood"})
    checked("POST", f"{reused}/library", startup, json={"source": library[0]["survey_id"], "key": "mood"})  # 422
    checked("POST", f"{reused}/library", startup, json={"source": "1", "key": "mood"})  # 400
    checked("POST", f"{reused}/library", startup, json={"source": sid2 * 1000, "key": "mood"})  # 404
    checked("POST", f"{reused}/copy", startup, json={"timepoint": "follow_up"})
    checked("POST", f"{reused}/copy", startup, json={"timepoint": "baseline"})  # 422
    checked("POST", f"{reused}/copy", startup, json={"timepoint": ["follow_up"]})  # 400
    checked("POST", f"{reused}/items/gad/copy", startup, json={"target": "sleep_wellbeing_follow_up"})  # 422
    checked("POST", f"{reused}/items/gad/copy", startup, json={"target": "nope"})  # 404
    checked("POST", f"{reused}/items/gad/copy", startup, json={"target": 5})  # 400
    checked("DELETE", f"{reused}_follow_up/items/gad", startup)
    checked("POST", f"{reused}/items/gad/copy", startup, json={"target": "sleep_wellbeing_follow_up"})
    checked("PATCH", extra, startup, json={"title": "Extra questions"})
    checked("PATCH", extra, startup, json={"timepoint": "never"})  # 422
    checked("PATCH", extra, startup, json={"title": 5})  # 400
    checked("POST", f"{extra}/items", startup, json={"key": "energy", "text": "Your energy?", "type": "nps"})
    checked("POST", f"{extra}/items", startup, json={"key": "energy", "text": "Again?", "type": "nps"})  # 422
    checked("POST", f"{extra}/items", startup, json={"key": "x", "text": 5, "type": "nps"})  # 400
    checked(
        "PUT",
        f"{extra}/items/energy",
        startup,
        json={"key": "energy", "text": "Your energy?", "type": "likert", "min": 1, "max": 7},
    )
    checked("PUT", f"{extra}/items/nope", startup, json={"key": "nope", "text": "?", "type": "nps"})  # 404
    checked("PUT", f"{extra}/items/energy", startup, json={"key": "energy", "type": "likert"})  # 422
    checked("PUT", f"{extra}/items/energy", startup, json={"key": 1, "text": "?", "type": "nps"})  # 400
    checked("PUT", f"{extra}/order", startup, json={"items": ["energy", "mood"]})
    checked("PUT", f"{extra}/order", startup, json={"items": ["energy"]})  # 422
    checked("PUT", f"{extra}/order", startup, json={"items": "energy"})  # 400
    checked("DELETE", f"{extra}/items/mood", startup)
    checked("DELETE", f"{extra}/items/energy", startup)  # 422: the last item
    checked("DELETE", extra, startup)
    checked("DELETE", extra, startup)  # 404
    checked("PATCH", f"{v1}/studies/{sid}", startup, json={"location": "Nantes"})
    checked("PATCH", f"{v1}/studies/{sid}", startup, json={"alpha": 0.9})  # 422

    # Review, approval and recruitment.
    staff = api_headers(coordinator)
    checked("PATCH", f"{v1}/studies/{sid}", staff, json={"location": "Rennes"})  # 403
    checked("POST", f"{v1}/studies/{sid}/decision", staff, json={"decision": "approve"})  # 409 still a draft
    checked("POST", f"{v1}/studies/{sid}/submit", startup)
    checked("POST", f"{v1}/studies/{sid}/submit", startup)  # 409
    checked("PATCH", f"{v1}/studies/{sid}", startup, json={"location": "Nantes"})  # 409
    checked("PATCH", f"{v1}/studies/{sid}/surveys/baseline", startup, json={"title": "Before"})  # 409
    checked("PATCH", f"{v1}/studies/{sid}/surveys/baseline", staff, json={"title": "Before"})  # 403
    checked("DELETE", f"{v1}/studies/{sid}/surveys/baseline", startup)  # 409
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/items", startup, json={})  # 409
    checked("PUT", f"{v1}/studies/{sid}/surveys/baseline/items/sleep_hours", startup, json={})  # 409
    checked("DELETE", f"{v1}/studies/{sid}/surveys/baseline/items/sleep_hours", startup)  # 409
    checked("PUT", f"{v1}/studies/{sid}/surveys/baseline/order", startup, json={})  # 409
    checked("GET", f"{v1}/studies/{sid}/question-library", startup)  # 409
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/library", startup, json={})  # 409
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/items/sleep_hours/copy", startup, json={})  # 409
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/copy", startup, json={})  # 409
    checked("POST", f"{v1}/studies/{sid}/surveys/from-template", startup, json={})  # 409
    checked("POST", f"{v1}/studies/{sid}/decision", staff, json={"decision": "reject"})  # 422
    checked("POST", f"{v1}/studies/{sid}/decision", staff, json={"decision": 1})  # 400
    checked("POST", f"{v1}/studies/{sid}/decision", startup, json={"decision": "approve"})  # 403
    # Changes asked on two sections; the startup answers in its response letter and resubmits.
    asked = {"decision": "request_changes", "comment": "Say how tiredness is followed."}
    checked("POST", f"{v1}/studies/{sid}/decision", staff, json={**asked, "section_comments": {"nope": "x"}})  # 422
    checked(
        "POST",
        f"{v1}/studies/{sid}/decision",
        staff,
        json={**asked, "section_comments": {"design": "Why 40?", "survey:baseline": "Shorter?"}},
    )
    comments = checked("GET", f"{v1}/studies/{sid}/comments", startup).get_json()["items"]
    reply = f"{v1}/studies/{sid}/comments/{comments[0]['id']}/reply"
    checked("PUT", reply, startup, json={"reply": "A weekly check-in asks about it."})
    checked("PUT", reply, startup, json={"reply": 5})  # 400
    checked("PUT", reply, startup, json={"reply": "x" * 6000})  # 422
    checked("PUT", reply, staff, json={"reply": "Not mine to answer."})  # 403
    checked("PUT", f"{v1}/studies/{sid}/comments/999999/reply", startup, json={"reply": "x"})  # 404
    checked("POST", f"{v1}/studies/{sid}/submit", startup)
    checked("PUT", reply, startup, json={"reply": "Too late."})  # 409
    checked("GET", f"{v1}/studies/{sid}/comments", staff)
    checked("POST", f"{v1}/studies/{sid}/decision", staff, json={"decision": "approve"})
    checked("POST", f"{v1}/studies/{sid}/recruitment", staff, json={"state": "open"})  # 422
    checked("POST", f"{v1}/studies/{sid}/recruitment", staff, json={"state": 1})  # 400
    checked("POST", f"{v1}/studies/{sid}/recruitment", startup, json={"state": "recruiting"})
    checked("POST", f"{v1}/studies/{sid}/recruitment", startup, json={"state": "recruiting"})  # 409
    checked("GET", f"{v1}/catalogue")
    checked("GET", f"{v1}/catalogue?domain=space")  # 422
    checked("GET", f"{v1}/studies/{sid}/consent")
    checked("GET", f"{v1}/openapi.json")

    # A participant takes part, answers, reads their data, withdraws and leaves.
    person = {
        "email": "camille@example.org",
        "password": "correct-horse-battery",
        "name": "Camille",
        "role": "participant",
    }
    checked("POST", f"{v1}/auth/register", json=person)
    participant = bearer(checked("POST", f"{v1}/auth/tokens", json=person))
    checked("POST", f"{v1}/studies", participant, json=sleep_protocol())  # 403
    enrolment = {
        "consent_version": 2,
        "clauses": {"understood": True, "data_use": True, "recontact": False},
        "signature": "Camille",
        "age": 34,
        "criteria_confirmed": True,
    }
    checked("POST", f"{v1}/studies/{sid}/enrolment", participant, json={**enrolment, "consent_version": 1})  # 422
    checked("POST", f"{v1}/studies/{sid}/enrolment", participant, json={**enrolment, "age": "old"})  # 400
    checked("POST", f"{v1}/studies/{sid}/enrolment", participant, json=enrolment)
    checked("POST", f"{v1}/studies/{sid}/enrolment", participant, json=enrolment)  # 409
    checked("GET", f"{v1}/studies/{sid}", participant)
    checked("GET", f"{v1}/studies", participant)
    checked("GET", f"{v1}/studies/{sid}/surveys", participant)
    baseline = {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/responses", participant, json={"answers": {}})  # 422
    checked("POST", f"{v1}/studies/{sid}/surveys/nope/responses", participant, json={"answers": {}})  # 404
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/responses", participant, json={"answers": baseline})
    checked("POST", f"{v1}/studies/{sid}/surveys/baseline/responses", participant, json={"answers": baseline})  # 409
    # Corrections: the participant's own, then a coordinator's with a reason
    mine = f"{v1}/studies/{sid}/surveys/baseline/responses/mine"
    corrected = checked("PUT", mine, participant, json={"answers": {**baseline, "sleep_hours": 7}, "revision": 0})
    checked("PUT", mine, participant, json={"answers": baseline, "revision": 0})  # 409 stale_revision
    checked("PUT", mine, participant, json={"answers": {}, "revision": 1})  # 422
    checked("PUT", mine, participant, json={"answers": baseline, "revision": "one"})  # 400
    checked("PUT", f"{v1}/studies/{sid}/surveys/follow_up/responses/mine", participant, json={})  # 404 not answered
    checked("PUT", mine, staff, json={"answers": baseline, "revision": 1})  # 403
    code = corrected.get_json()["participant_code"]
    theirs = f"{v1}/studies/{sid}/participants/{code}/responses/baseline"
    checked("GET", theirs, staff)
    checked("GET", theirs, startup)  # 403
    checked("GET", f"{v1}/studies/{sid}/participants/P-NOBODY/responses/baseline", staff)  # 404
    checked("PATCH", theirs, staff, json={"answers": {"sleep_hours": 6}, "reason": "Typo", "revision": 1})
    checked("PATCH", theirs, staff, json={"answers": {"sleep_hours": 6}, "reason": "Typo", "revision": 1})  # 409
    checked("PATCH", theirs, staff, json={"answers": {"sleep_hours": 6}, "revision": 2})  # 422 no reason
    checked("PATCH", theirs, staff, json={"answers": [], "reason": "Typo", "revision": 2})  # 400
    checked("PATCH", theirs, startup, json={"answers": {"sleep_hours": 6}, "reason": "Typo", "revision": 2})  # 403
    log = checked("GET", f"{v1}/studies/{sid}/corrections?limit=1", startup).get_json()  # the log, newest first
    checked("GET", f"{v1}/studies/{sid}/corrections?limit=1&cursor={log['next_cursor']}", staff)
    checked("GET", f"{v1}/studies/{sid}/corrections?cursor=forged", startup)  # 400
    checked("GET", f"{v1}/studies/{sid}/corrections", participant)  # 403
    # Data quality (issue 13, item 7): the flags, an exclusion with a reason, undone
    checked("GET", f"{v1}/studies/{sid}/data-quality", startup)
    checked("GET", f"{v1}/studies/{sid}/data-quality", participant)  # 403
    exclusions = f"{v1}/studies/{sid}/exclusions"
    excluded = checked(
        "POST", exclusions, staff, json={"participant_code": code, "survey": "baseline", "reason": "Test"}
    )
    checked(
        "POST", exclusions, startup, json={"participant_code": code, "survey": "baseline", "reason": "Again"}
    )  # 409
    checked("POST", exclusions, startup, json={"response_id": 1})  # 422 no reason
    checked("POST", exclusions, startup, json={"response_id": "1", "reason": "Typo"})  # 400
    checked("POST", exclusions, startup, json={"response_id": 999_999, "reason": "Typo"})  # 404
    checked("POST", exclusions, participant, json={"response_id": 1, "reason": "Mine"})  # 403
    checked("GET", exclusions, startup)
    checked("DELETE", f"{exclusions}/{excluded.get_json()['id']}", startup)
    checked("DELETE", f"{exclusions}/{excluded.get_json()['id']}", startup)  # 409 already_undone
    checked("DELETE", f"{exclusions}/999999", startup)  # 404
    checked("DELETE", f"{exclusions}/1", participant)  # 403
    # The protocol is amended while the pilot runs (issue 12); its new consent is signed before the next answer.
    amend = f"{v1}/studies/{sid}/amendments"
    opened = checked("POST", amend, startup, json={"reason": "A clearer consent"}).get_json()
    checked("POST", amend, startup, json={"reason": "Another"})  # 409 amendment_open
    checked("POST", amend, startup, json={"reason": 5})  # 400
    checked("GET", amend, staff)
    one = f"{amend}/{opened['version']}"
    checked("GET", one, startup)
    checked("GET", f"{amend}/999", startup)  # 404
    checked("PATCH", one, startup, json={"location": "Nantes and Rennes"})
    checked("GET", f"{one}/diff", startup)  # the location changed
    checked("GET", f"{one}/diff", participant)  # 403
    checked("GET", f"{amend}/999/diff", staff)  # 404
    checked("GET", f"{one}/diff")  # 401
    checked("PATCH", one, startup, json={"alpha": 0.9})  # 422
    checked("PATCH", one, startup, json={"alpha": "low"})  # 400
    checked("PUT", f"{one}/consent", startup, json={"text": CONSENT_TEXT + " Updated.", "clauses": CONSENT_CLAUSES})
    checked("PUT", f"{one}/consent", startup, json={"text": ""})  # 422
    checked("POST", f"{one}/surveys", startup, json={**sleep_surveys()[0], "title": "Before the coaching starts"})
    checked("POST", f"{one}/surveys", startup, json={**sleep_surveys()[0], "timepoint": "never"})  # 422
    checked("POST", f"{one}/decision", staff, json={"decision": "approve"})  # 409 not submitted yet
    checked("POST", f"{one}/submit", startup)
    checked("POST", f"{one}/submit", startup)  # 409
    checked("POST", f"{one}/decision", staff, json={"decision": "reject"})  # 422 no comment
    checked("POST", f"{one}/decision", staff, json={"decision": "approve"})
    checked("GET", f"{one}/diff", staff)  # against the registration it amended
    checked("GET", f"{v1}/studies/{sid}/registrations", participant)
    # The record of processing (GDPR art. 30), as its page shows it
    checked("GET", f"{v1}/studies/{sid}/processing-record", startup)
    checked("GET", f"{v1}/studies/{sid}/processing-record", staff)
    checked("GET", f"{v1}/studies/{sid}/processing-record", participant)  # 403
    checked("GET", f"{v1}/studies/{sid + 1000}/processing-record", staff)  # 404
    checked("GET", f"{v1}/studies/{sid}/processing-record")  # 401
    signing = {"consent_version": 3, "clauses": {"understood": True, "data_use": True}, "signature": "Camille"}
    checked(
        "POST", f"{v1}/studies/{sid}/consent-signatures", participant, json={**signing, "consent_version": 2}
    )  # 422
    checked("POST", f"{v1}/studies/{sid}/consent-signatures", participant, json={**signing, "signature": 5})  # 400
    checked("POST", f"{v1}/studies/{sid}/consent-signatures", participant, json=signing)
    checked("POST", f"{v1}/studies/{sid}/consent-signatures", participant, json=signing)  # 409 consent_current
    draft = f"{v1}/studies/{sid}/surveys/follow_up/draft"
    checked("GET", draft, participant)  # 404 no_draft
    checked("PUT", draft, participant, json={"answers": {"sleep_hours": 7, "comments": "So far so good"}})
    checked("PUT", draft, participant, json={"answers": {"nope": 1}})  # 422
    checked("PUT", draft, participant, json={"answers": []})  # 400
    checked("GET", draft, participant)
    checked("GET", f"{v1}/me/export", participant)
    checked("DELETE", draft, participant)
    checked("DELETE", draft, participant)  # 404
    checked("PUT", f"{v1}/studies/{sid}/surveys/baseline/draft", participant, json={"answers": {}})  # 409 answered
    checked("POST", f"{v1}/studies/{sid}/withdrawal", participant, json={"erase_data": "yes"})  # 400
    checked("POST", f"{v1}/studies/{sid}/withdrawal", participant, json={"erase_data": False})
    checked("POST", f"{v1}/studies/{sid}/withdrawal", participant, json={"erase_data": False})  # 409
    checked("GET", f"{v1}/studies/{sid}/lay-summary", participant)  # 409 not_ended

    # The startup and the coordinator read the results and the export.
    checked("GET", f"{v1}/studies/{sid}/results", startup)
    checked("GET", f"{v1}/studies/{sid}/results", participant)  # 403
    correlation = f"{v1}/studies/{sid}/results/correlation"
    checked("GET", f"{correlation}?x=sleep_hours@baseline&y=who@baseline", startup)
    checked("GET", f"{correlation}?x=sleep_hours@baseline&y=comments@follow_up", staff)  # 422 a text question
    checked("GET", f"{correlation}?x=sleep_hours@baseline&y=who%0D%0A@baseline", startup)  # 400
    checked("GET", f"{correlation}?x=sleep_hours@baseline&y=who@baseline", participant)  # 403
    checked("GET", f"{v1}/studies/{sid}/export.csv", staff)
    checked("GET", f"{v1}/studies/{sid}/dictionary.csv", startup)
    for suffix in ("xlsx", "sav", "dta"):
        checked("GET", f"{v1}/studies/{sid}/export.{suffix}", startup)
        checked("GET", f"{v1}/studies/{sid}/export.{suffix}", participant)  # 403
    checked("GET", f"{v1}/studies/{sid}/export.reports.csv", startup)
    checked("GET", f"{v1}/studies/{sid}/problem-reports", staff)
    checked("GET", f"{v1}/studies/{sid}/problem-reports", participant)  # 403
    checked("POST", f"{v1}/studies/{sid}/end", staff, json={"reason": " "})  # 422
    checked("POST", f"{v1}/studies/{sid}/end", staff, json={"reason": 1})  # 400
    checked("POST", f"{v1}/studies/{sid}/end", participant, json={"reason": "Done."})  # 403
    checked("POST", f"{v1}/studies/{sid}/end", staff, json={"reason": "Every follow-up is done."})
    checked("POST", f"{v1}/studies/{sid}/end", staff, json={"reason": "Again."})  # 409
    checked("GET", f"{v1}/studies/{sid}/results", startup)
    checked("GET", f"{v1}/studies/{sid}/lay-summary", participant)  # withdrew, keeping the answers
    checked("GET", f"{v1}/studies/{sid}/lay-summary", startup)  # 403
    # Retention (issue 12, items 11-12): the rule with its dates, the upcoming purges, a postponement.
    purge_on = checked("GET", f"{v1}/studies/{sid}/retention", startup).get_json()["purge_on"]
    checked("GET", f"{v1}/retention", staff)
    checked("GET", f"{v1}/retention", startup)  # 403
    postpone = f"{v1}/studies/{sid}/retention/postponement"
    later = f"{int(purge_on[:4]) + 1}{purge_on[4:8]}01"
    checked("POST", postpone, staff, json={"until": later, "reason": "An audit"})
    checked("POST", postpone, staff, json={"until": "2000-01-01", "reason": "Earlier"})  # 422
    checked("POST", postpone, staff, json={"until": 5, "reason": "x"})  # 400
    checked("POST", postpone, startup, json={"until": "2099-06-01", "reason": "x"})  # 403

    # The coordinator reads the observatory and the audit trail, and verifies it.
    checked("GET", f"{v1}/observatory", staff)
    checked("GET", f"{v1}/observatory?year=last", staff)  # 400
    checked("GET", f"{v1}/observatory?year=1900", staff)  # 422
    checked("GET", f"{v1}/observatory", startup)  # 403
    checked("GET", f"{v1}/observatory/studies?domain=e-health", staff)
    checked("GET", f"{v1}/observatory/studies?limit=0", staff)  # 422
    checked("GET", f"{v1}/observatory/studies?cursor=forged", staff)  # 400
    checked("GET", f"{v1}/audit?limit=5&sort=oldest", staff)
    checked("GET", f"{v1}/audit?from=yesterday", staff)  # 422
    checked("GET", f"{v1}/audit?study_id=x", staff)  # 400
    checked("GET", f"{v1}/audit", participant)  # 403
    checked("POST", f"{v1}/audit/verify", staff)
    checked("POST", f"{v1}/audit/verify", startup)  # 403

    # The startup plugs its own tool in (no worker runs here: nothing is posted); everyone chooses their mail.
    hook = checked(
        "POST", f"{v1}/webhooks", startup, json={"url": "https://93.184.216.34/livinglab", "events": ["enrolment"]}
    ).get_json()
    checked("POST", f"{v1}/webhooks", startup, json={"url": "https://127.0.0.1/"})  # 422
    checked("POST", f"{v1}/webhooks", startup, data="[", content_type="application/json")  # 400
    checked("POST", f"{v1}/webhooks", participant, json={})  # 403
    checked("GET", f"{v1}/webhooks", startup)
    checked("POST", f"{v1}/webhooks/{hook['id']}/ping", startup)
    checked("GET", f"{v1}/webhooks/{hook['id']}/deliveries", startup)
    checked("GET", f"{v1}/webhooks/{hook['id']}/deliveries?limit=0", startup)  # 422
    checked("DELETE", f"{v1}/webhooks/{hook['id']}", staff)  # 403
    checked("DELETE", f"{v1}/webhooks/{hook['id']}", startup)
    checked("DELETE", f"{v1}/webhooks/{hook['id']}", startup)  # 404
    checked("GET", f"{v1}/me/notifications", staff)
    checked("PUT", f"{v1}/me/notifications", staff, json={"choices": {"review_submitted": "digest"}})
    checked("PUT", f"{v1}/me/notifications", staff, json={"choices": {"password_reset": "off"}})  # 422
    checked("POST", f"{v1}/me/verification", participant)  # 202: sent again
    checked("POST", f"{v1}/me/verification")  # 401
    checked("POST", f"{v1}/auth/password-reset", None, json={"email": "nobody@example.org"})  # 202
    checked("POST", f"{v1}/auth/password-reset", None, json={"email": "a\r\nb@example.org"})  # 422

    checked("DELETE", f"{v1}/me", startup)  # 403
    checked("DELETE", f"{v1}/me", participant)

    assert checked.problems == []
    # Every operation was exercised, with each of its success answers.
    exercised = {(path, method) for path, method, _status in checked.seen}
    assert exercised == {(path, method) for path, method, _operation in operations(spec)}
    for path, method, operation in operations(spec):
        for status in operation["responses"]:
            if status < "300":
                assert (path, method, status) in checked.seen, f"{method} {path} never answered {status}"


# Request bodies as described


def request_validator(spec, name: str) -> OAS31Validator:
    return OAS31Validator(
        {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}, format_checker=oas31_format_checker
    )


@pytest.mark.parametrize(
    "name, body",
    [
        ("NewStudy", sleep_protocol()),
        ("NewStudy", food_protocol()),
        ("StudyChanges", {"summary": "Shorter.", "primary_outcome": {"variable": "sus", "hypothesis": "change"}}),
        ("NewConsent", {"text": CONSENT_TEXT, "clauses": CONSENT_CLAUSES}),
        *[("NewSurvey", survey) for survey in sleep_surveys() + food_surveys()],
        ("Decision", {"decision": "approve"}),
        ("Decision", {"decision": "request_changes", "comment": "Why?", "section_comments": {"design": "Why?"}}),
        ("Recruitment", {"state": "paused"}),
        ("Registration", {"email": "a@example.org", "password": "x" * 10, "name": "A", "role": "participant"}),
    ],
)
def test_the_bodies_the_api_accepts_are_valid_requests(spec, name, body):
    assert list(request_validator(spec, name).iter_errors(body)) == []


@pytest.mark.parametrize(
    "name, body",
    [
        ("NewStudy", {"domain": "foodtech"}),
        ("NewStudy", {"title": "T", "domain": "agritech"}),
        ("StudyChanges", {"target_enrolment": 0}),
        ("StudyChanges", {"arms": ["Intervention"]}),
        ("NewSurvey", {"key": "s", "title": "S", "timepoint": "baseline", "items": []}),
        (
            "NewSurvey",
            {
                "key": "s",
                "title": "S",
                "timepoint": "baseline",
                "items": [{"key": "q", "text": "Q", "type": "single_choice", "choices": []}],
            },
        ),
        ("NewSurvey", {"key": "s", "title": "S", "timepoint": "baseline", "items": [{"key": "q", "instrument": "x"}]}),
        ("Decision", {"decision": "request_changes"}),
        ("Decision", {"decision": "maybe", "comment": "Hmm."}),
        ("Recruitment", {"state": "open"}),
        ("Registration", {"email": "a@example.org", "password": "x" * 10, "name": "A", "role": "startup"}),
    ],
)
def test_bodies_the_api_refuses_are_invalid_requests_too(spec, name, body):
    assert list(request_validator(spec, name).iter_errors(body)) != []


def test_every_question_type_and_instrument_is_described(spec):
    assert set(spec["components"]["schemas"]["Question"]["discriminator"]["mapping"]) == set(QUESTION_TYPES)
    assert spec["components"]["schemas"]["Instrument"]["properties"]["instrument"]["enum"] == list(INSTRUMENTS)
