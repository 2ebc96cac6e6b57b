"""Every route declares who may use it, and the declaration holds for every role, automatically.

A view declares its audience with `public`, `role_required(...)` (pages) or `token_required(...)`
(API) from livinglab.auth.permissions / livinglab.api.common. These tests walk `app.url_map`:
a route without a declaration fails, and each route is requested as anonymous, a participant, a
startup of the owning organisation, a startup of another organisation and a coordinator, to check
the declared gate (sign-in, role) and the object gate (another organisation's study is 404)."""
import pytest

from livinglab.auth.permissions import ANYONE, SIGNED_IN
from livinglab.extensions import db
from livinglab.participants import services as participation

from .conftest import PASSWORD

EXEMPT = {"static"}  # Flask's static files: public by nature, and not a view we write
SKIP_METHODS = {"HEAD", "OPTIONS"}
LAST = {"auth.signout", "participants.erase", "api.participation.erase",  # they end the session
        "account.signout_everywhere", "organisation.leave", "api.organisation.leave"}  # or the membership


def view_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in EXEMPT:
            yield rule


def test_every_route_declares_who_may_use_it(app):
    undeclared = sorted(rule.rule for rule in view_rules(app)
                        if not hasattr(app.view_functions[rule.endpoint], "access"))
    assert undeclared == [], "declare each with public / role_required / token_required"


@pytest.fixture
def world(make_study, startup, other_startup, coordinator, participant):
    study = make_study("recruiting")
    consent = study.current_consent
    participation.enrol(participant, study, consent_version=consent.version,
                        clauses={c["key"]: True for c in consent.clauses}, signature="P", age=30,
                        criteria_confirmed=True)
    db.session.commit()
    survey = study.surveys[0]
    values = {"study_id": study.id, "survey_id": survey.id, "key": survey.key, "index": 0, "version": 1,
              "name": "primary", "invitation_id": 1, "token_id": 1, "token": "not-a-real-invitation",
              "webhook_id": 1}
    return {"values": values, "users": {"participant": participant, "startup": startup,
                                        "other_startup": other_startup, "coordinator": coordinator}}


def url_for_rule(rule, values) -> str:
    values = dict(values)
    for arg, converter in rule._converters.items():
        if hasattr(converter, "items"):  # an `any(...)` converter: the first of its names
            values[arg] = sorted(converter.items)[0]
    missing = [arg for arg in rule.arguments if arg not in values]
    assert not missing, f"{rule.rule}: give the access test a value for {missing}"
    return rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]


def requests(app, values):
    calls = [(rule, method, url_for_rule(rule, values)) for rule in view_rules(app)
             for method in sorted(rule.methods - SKIP_METHODS)]
    order = {"GET": 0, "POST": 1, "PUT": 1, "PATCH": 1, "DELETE": 2}
    return sorted(calls, key=lambda c: (c[0].endpoint in LAST, order.get(c[1], 1), c[2]))


def expected_gate(access, role: str, api: bool) -> int | None:
    """The status the declared gate must give this role, or None when the gate lets it through."""
    if access == ANYONE:
        return None
    if role == "anonymous":
        return 401 if api else 302
    if access == SIGNED_IN:
        return None
    return None if role.replace("other_", "") in access else 403


@pytest.mark.parametrize("role", ["anonymous", "participant", "startup", "other_startup", "coordinator"])
def test_each_role_meets_the_declared_gate_on_every_route(app, world, api_headers, role):
    user = world["users"].get(role)
    client = app.test_client()
    headers = api_headers(user) if user else {}
    if user:
        assert client.post("/account/signin", data={"email": user.email, "password": PASSWORD}).status_code == 302
    problems = []
    for rule, method, url in requests(app, world["values"]):
        api = rule.rule.startswith("/api/")
        response = client.open(url, method=method, headers=headers if api else {},
                               json={} if api and method != "GET" else None)
        status = response.status_code
        access = getattr(app.view_functions[rule.endpoint], "access", ANYONE)  # undeclared: the test above fails
        gate = expected_gate(access, role, api)
        if status >= 500:
            problems.append(f"{method} {url}: {status}")
        elif gate is not None and status != gate:
            problems.append(f"{method} {url}: {status}, the declared gate ({access}) says {gate}")
        elif role == "other_startup" and "study_id" in rule.arguments and access != ANYONE \
                and gate is None and status not in (404, 405, 302):
            problems.append(f"{method} {url}: {status} for another organisation's study (must be 404)")
        elif role == "anonymous" and gate == 302 and "/account/signin" not in response.location:
            problems.append(f"{method} {url}: redirects to {response.location}, not to sign in")
    assert problems == []
