"""The API survives a fuzzer: Schemathesis, driven by /api/v1/openapi.json, sends every operation
generated valid and invalid requests on a live gunicorn server (rate limits off), once per role with
that role's bearer token: anonymous, participant, startup of the owning organisation, startup of
another organisation, coordinator.

Checks on every answer: never a 500, a status code the description lists, and a body of the described
media type that matches the described schema. Study ids and survey keys are mostly drawn from real
objects (studies in every useful state), so that requests get past the 404 and reach validation.

Bounded and reproducible: LIVINGLAB_FUZZ_EXAMPLES examples (default 15) per operation and generation
mode (valid, invalid), derandomized, no example database, no shrinking; each run prints its counts.
The cases are generated once for the module (generating them is most of the fuzzer's time) and sent by
every role: the same requests each time, with each role's world's real ids put in place of the stand-ins
they were generated with.
"""

import copy
import time
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from livinglab.auth.services import create_token
from livinglab.demo import build_study, food_protocol, food_surveys, sleep_surveys
from livinglab.extensions import db
from livinglab.participants import services as participation
from tests.conftest import join_organisation
from tests.fuzzing import examples, reproducible
from tests.servers import gunicorn

EXAMPLES = examples(15)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["anonymous", "participant", "startup", "other_startup", "coordinator"]
# Operations that end what the others need (the account, the enrolment) run last, in this order.
LAST = ["POST /studies/{study_id}/withdrawal", "DELETE /me"]
# The cases are generated once, with these stand-ins for the ids of `world`'s studies (in its order) ...
STAND_INS = [2_000_000_001 + n for n in range(8)]
# ... and the survey keys every world has
SURVEY_KEYS = sorted({survey["key"] for survey in [*sleep_surveys(), *food_surveys()]})


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    with gunicorn(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path_factory.mktemp("fuzz-api"),
        workers=2,
        threads=4,
        env={"LIVINGLAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
    ) as live:
        yield live


@pytest.fixture
def world(make_study, make_user, startup, other_startup, coordinator, participant):
    """Accounts of every role and studies in every useful state; returns tokens, study ids, survey keys."""
    join_organisation(startup, make_user("startup", organisation="Colleague's first startup"))
    studies = [
        make_study(status) for status in ("draft", "submitted", "changes_requested", "approved", "recruiting", "paused")
    ]
    enrolled_in = studies[4]
    open_to_all = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    studies += [open_to_all, build_study(other_startup, coordinator, "draft")]
    db.session.commit()
    consent = enrolled_in.current_consent
    participation.enrol(
        participant,
        enrolled_in,
        consent_version=consent.version,
        clauses={clause["key"]: True for clause in consent.clauses},
        signature=participant.name,
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    users = {"participant": participant, "startup": startup, "other_startup": other_startup, "coordinator": coordinator}
    tokens = {role: create_token(user)[0] for role, user in users.items()}
    db.session.commit()
    assert len(studies) == len(STAND_INS)
    assert sorted({s.key for study in studies for s in study.surveys}) == SURVEY_KEYS
    return {
        "tokens": tokens,
        "study_ids": dict(zip(STAND_INS, [s.id for s in studies], strict=True)),
        "open": open_to_all.id,
    }


def ordered(operations):
    return sorted(operations, key=lambda op: LAST.index(op.label) + 1 if op.label in LAST else 0)


def modes(operation) -> list:
    """Invalid requests too, where there is something to get wrong (a path parameter, a query, a body)."""
    inputs = [*operation.path_parameters, *operation.query, *operation.body]
    return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if inputs else [GenerationMode.POSITIVE]


def strategy(operation, mode):
    """Mostly real ids (their stand-ins) and keys in the path, sometimes whatever the schema allows (or forbids)."""
    names = {parameter.name for parameter in operation.path_parameters}
    if not names:
        return operation.as_strategy(generation_mode=mode)
    choices = [operation.as_strategy(generation_mode=mode)]
    for study_id in STAND_INS:
        for key in SURVEY_KEYS if "key" in names else [None]:
            fixed = {"study_id": study_id} if key is None else {"study_id": study_id, "key": key}
            choices.append(operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    return st.sampled_from(choices).flatmap(lambda chosen: chosen)


def generate(operation, mode) -> list:
    """The cases Hypothesis draws for an operation in a mode: the same on every run (derandomized)."""
    cases = []

    @reproducible(EXAMPLES)
    @given(case=strategy(operation, mode))
    def collect(case):
        cases.append(case)

    collect()
    return cases


def in_world(case, world):
    """A fresh copy of a generated case, with the world's study ids in place of their stand-ins."""
    path = {
        name: world["study_ids"].get(value, value) if name == "study_id" else value
        for name, value in case.path_parameters.items()
    }
    return case.operation.Case(
        method=case.method,
        path_parameters=path,
        headers=copy.deepcopy(case.headers),
        cookies=copy.deepcopy(case.cookies),
        query=copy.deepcopy(case.query),
        body=case.body if case.body is NOT_SET else copy.deepcopy(case.body),
        media_type=case.media_type,
        multipart_content_types=case.multipart_content_types,
        _meta=copy.deepcopy(case._meta),
    )


@pytest.fixture(scope="module")
def generated(server):
    """Every operation (those that end the account or the enrolment last) with its cases, generated once.
    Loaded as a document, not from_url: Schemathesis leaves out the operation that serves the schema it was loaded
    from, and every operation is to be fuzzed. Security parameters are not generated: the token is sent on every
    request, so that invalid bodies reach validation instead of stopping at a garbled Authorization header (missing
    and bad tokens are the anonymous run's, and test_openapi's)."""
    config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
    schema = schemathesis.openapi.from_dict(
        requests.get(server("/api/v1/openapi.json"), timeout=30).json(), config=config
    )
    operations = ordered([result.ok() for result in schema.get_all_operations()])
    return [
        (operation, [case for mode in modes(operation) for case in generate(operation, mode)])
        for operation in operations
    ]


class Run:
    """One role's run: sends cases, validates the answers, counts, and collects every distinct failure."""

    def __init__(self, base_url: str, headers: dict):
        self.base_url, self.headers = base_url, headers
        self.examples, self.statuses, self.failures = Counter(), Counter(), {}

    def check(self, case) -> None:
        self.examples[case.operation.label] += 1
        response = case.call(base_url=self.base_url, headers=self.headers, timeout=30)
        self.statuses[response.status_code] += 1
        if response.status_code == 414:
            # gunicorn refuses a request line over 4094 bytes before the app sees it: infrastructure, not the API.
            # The app itself never answers 414: the request line must really be that long.
            line = len(response.request.method) + len(response.request.path_url) + len(" HTTP/1.1") + 1
            if line <= 4094:
                self.failures.setdefault((case.operation.label, "414 for a short request line"), response.text)
            return
        try:
            case.validate_response(response, checks=CHECKS, headers=self.headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures.setdefault((case.operation.label, failure.title), str(group))


def regressions(operation, world) -> list:
    """Requests that once crashed the server, replayed on every run: digit strings that str.isdigit()
    accepts but int() refuses (a superscript, more than 4,300 digits)."""
    if operation.label != "POST /studies/{study_id}/enrolment":
        return []
    enrolment = {
        "consent_version": 1,
        "clauses": {"understood": True, "data_use": True},
        "signature": "A. Person",
        "criteria_confirmed": True,
    }
    return [
        operation.Case(
            path_parameters={"study_id": world["open"]}, body={**enrolment, "age": age}, media_type="application/json"
        )
        for age in ("²", "9" * 4301)
    ]


@pytest.mark.parametrize("role", ROLES)
def test_the_api_survives_the_fuzzer(server, generated, world, role):
    token = world["tokens"].get(role)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    operations = [operation for operation, _cases in generated]
    run = Run(server("/api/v1"), headers)
    started = time.monotonic()
    try:
        for operation, cases in generated:
            for case in regressions(operation, world):
                run.check(case)
            for case in cases:
                run.check(in_world(case, world))
    except requests.ConnectionError as err:
        pytest.fail(f"the server stopped answering ({err}); its log:\n{server.log()[-5000:]}")
    seconds = time.monotonic() - started
    print(
        f"\n[{db.engine.dialect.name}] fuzzer as {role}: {len(operations)} operations, "
        f"{sum(run.examples.values())} examples in {seconds:.0f} s (at most {EXAMPLES} per operation and mode); "
        f"answers: {dict(sorted(run.statuses.items()))}"
    )
    assert not run.failures, (
        "\n".join(f"--- {label}: {title}\n{detail}" for (label, title), detail in run.failures.items())
        + "\n"
        + server.log()[-5000:]
    )
