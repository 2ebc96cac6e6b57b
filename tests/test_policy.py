"""`can(user, action, study)` against the table of tests/test_route_access.py (written there, not read from
the policy), the lifecycle's part in it, and the filter "studies this user may see" through pages and API."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.policy import can, visible_studies
from livinglab.studies.models import Study
from tests.test_route_access import ACTIONS, ON_STUDY, ROLES, STATE_AGAINST, STATE_FOR


@pytest.fixture
def callers(make_study, startup, other_startup, coordinator, make_user):
    """The six callers of the table, with the owning organisation's recruiting pilot, in which one
    participant is enrolled and the other is not."""
    pilot = make_study("recruiting")
    enrolled, outsider = make_user("participant"), make_user("participant")
    consent = pilot.current_consent
    participation.enrol(
        enrolled,
        pilot,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="P",
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    users = {
        "anonymous": AnonymousUserMixin(),
        "participant": outsider,
        "enrolled": enrolled,
        "startup": startup,
        "other_startup": other_startup,
        "coordinator": coordinator,
    }
    return pilot, users


def test_the_table_names_every_action_on_a_study_or_not():
    assert ON_STUDY <= set(ACTIONS) and set(STATE_FOR) | set(STATE_AGAINST) <= ON_STUDY
    assert all(len(row.split()) == len(ROLES) and set(row.split()) <= {"y", "-"} for row in ACTIONS.values())


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_can_answers_what_the_table_says_for_each_caller(callers, make_study, action):
    pilot, users = callers
    study = None
    if action in ON_STUDY:
        study = make_study(STATE_FOR[action]) if action in STATE_FOR else pilot
    answers = {role: "y" if can(users[role], action, study) else "-" for role in ROLES}
    assert " ".join(answers[role] for role in ROLES) == ACTIONS[action], answers


@pytest.mark.parametrize("action", sorted(STATE_AGAINST))
def test_nobody_can_act_on_a_study_in_a_state_the_lifecycle_forbids(callers, make_study, action):
    _pilot, users = callers
    study = make_study(STATE_AGAINST[action])
    assert [role for role in ROLES if can(users[role], action, study)] == []


def test_the_visible_studies_filter_matches_who_may_read_each_study(callers, make_study, make_user):
    pilot, users = callers
    other = make_study("draft", owner=users["other_startup"])
    own_draft = make_study("draft")
    everyone = {pilot.id, other.id, own_draft.id}
    expected = {
        "anonymous": set(),
        "participant": set(),
        "enrolled": {pilot.id},
        "startup": {pilot.id, own_draft.id},
        "other_startup": {other.id},
        "coordinator": everyone,
    }
    for role in ROLES:
        seen = set(db.session.scalars(select(Study.id).where(visible_studies(users[role]))))
        assert seen == expected[role], role
        assert seen == {s.id for s in db.session.scalars(select(Study)) if can(users[role], "read", s)}, role


def test_a_startup_never_lists_another_organisations_study(
    client, login, api_headers, make_study, startup, other_startup, coordinator
):
    ours = make_study("draft")
    theirs = make_study("recruiting", owner=other_startup)
    ours.title, theirs.title = "Our very own pilot", "Their secret pilot"
    db.session.commit()

    login(startup)
    page = client.get("/studies/").get_data(as_text=True)
    assert "Our very own pilot" in page and "Their secret pilot" not in page
    searched = client.get("/studies/?q=secret").get_data(as_text=True)
    assert "Their secret pilot" not in searched

    listed = client.get("/api/v1/studies", headers=api_headers(startup)).get_json()["items"]
    assert [item["id"] for item in listed] == [ours.id]
    by_status = client.get("/api/v1/studies?status=recruiting", headers=api_headers(startup)).get_json()["items"]
    assert by_status == []

    listed = client.get("/api/v1/studies", headers=api_headers(other_startup)).get_json()["items"]
    assert [item["id"] for item in listed] == [theirs.id]
    listed = client.get("/api/v1/studies", headers=api_headers(coordinator)).get_json()["items"]
    assert {item["id"] for item in listed} == {ours.id, theirs.id}


def test_a_participant_lists_only_the_pilots_they_take_part_in(client, api_headers, callers, make_study):
    pilot, users = callers
    make_study("recruiting")  # open to them, but they have not joined it
    listed = client.get("/api/v1/studies", headers=api_headers(users["enrolled"])).get_json()["items"]
    assert [item["id"] for item in listed] == [pilot.id]
    assert client.get("/api/v1/studies", headers=api_headers(users["participant"])).get_json()["items"] == []
