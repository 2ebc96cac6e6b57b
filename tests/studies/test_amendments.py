"""Amendments of an approved pilot through the API: the whole journey, the chain of registration hashes
(recomputed here from what the API serves, from the contract's definition), re-consent, and refusals."""

import hashlib
import html
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from livinglab.demo import sleep_protocol
from livinglab.extensions import db
from livinglab.notifications.models import OutboxMessage
from livinglab.participants import services as participation
from livinglab.studies.models import Amendment
from tests.conftest import PASSWORD
from tests.studies.test_api_studies import assert_error

API = "/api/v1"
FOLLOW_UP = {"sleep_hours": 7.5, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 3 for i in range(1, 11)}}
BASELINE = {"sleep_hours": 6.0, **{f"who_{i}": 3 for i in range(1, 6)}}
NEW_CONSENT = {
    "text": "We now also ask about naps. Your answers stay pseudonymous.",
    "clauses": [
        {"key": "data", "text": "I agree that my answers are used for this pilot.", "required": True},
        {"key": "naps", "text": "I agree to be asked about my naps.", "required": True},
    ],
}


@pytest.fixture
def api(client, api_headers):
    tokens = {}

    def call(method, path, user=None, **kwargs):
        if user is not None and id(user) not in tokens:
            tokens[id(user)] = api_headers(user)
        return client.open(API + path, method=method, headers=tokens.get(id(user), {}), **kwargs)

    return call


def enrol(user, study):
    consent = study.current_consent
    participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="Camille",
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()


def canonical_sha256(content: dict) -> str:
    """API.md, "Registration hash input": sorted keys, separators , and :, UTF-8, no ASCII escaping."""
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def served_record(api, user, study_id) -> dict:
    """The hash input rebuilt from GET /studies/{id}, GET .../consent and GET .../surveys alone."""
    from livinglab.studies.fields import EDITABLE_FIELDS  # the names a PATCH accepts (the contract's list)

    study = api("GET", f"/studies/{study_id}", user).get_json()
    consent = api("GET", f"/studies/{study_id}/consent", user).get_json()
    surveys = api("GET", f"/studies/{study_id}/surveys", user).get_json()["items"]
    return {
        "protocol": {name: study[name] for name in EDITABLE_FIELDS},
        "consent": {name: consent[name] for name in ("version", "text", "clauses")},
        "surveys": sorted(
            ({name: s[name] for name in ("key", "title", "timepoint", "items")} for s in surveys),
            key=lambda s: s["key"],
        ),
    }


def test_an_approved_pilot_is_amended_end_to_end_and_its_hashes_chain(
    api, make_study, startup, coordinator, participant
):
    # the follow-up opens on day 28: its survey may still change while the participant answers the baseline
    study = make_study("recruiting", protocol=sleep_protocol(timepoint_delays={"follow_up": 28}))
    enrol(participant, study)
    first = api("GET", f"/studies/{study.id}", startup).get_json()
    assert first["registrations"] == [
        {
            "version": first["version"],
            "registration_hash": first["registration_hash"],
            "previous_hash": None,
            "approved_at": first["registrations"][0]["approved_at"],
            "outcome_change": None,
        }
    ]
    assert canonical_sha256(served_record(api, startup, study.id)) == first["registration_hash"]

    opened = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Recruit more, ask about naps"})
    assert opened.status_code == 201, opened.get_json()
    amendment = opened.get_json()
    assert (amendment["status"], amendment["reason"]) == ("draft", "Recruit more, ask about naps")
    version = amendment["version"]
    assert version == first["version"] + 1
    assert amendment["protocol"]["target_enrolment"] == first["target_enrolment"]  # a copy of the approved one
    base = f"/studies/{study.id}/amendments/{version}"

    patched = api("PATCH", base, startup, json={"target_enrolment": 90, "summary": "Sleep coaching, now with naps."})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["protocol"]["target_enrolment"] == 90
    assert api("PUT", f"{base}/consent", startup, json=NEW_CONSENT).status_code == 200
    survey = api("GET", f"/studies/{study.id}/surveys/follow_up", startup).get_json()
    naps = {"key": "naps", "text": "How many naps did you take last week?", "type": "number", "min": 0, "max": 50}
    changed = {k: survey[k] for k in ("key", "title", "timepoint")} | {"items": [*survey["items"], naps]}
    assert api("POST", f"{base}/surveys", startup, json=changed).status_code == 200
    submitted = api("POST", f"{base}/submit", startup)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"

    # Under review, the pilot runs on its approved version: same protocol, and the participant answers
    during = api("GET", f"/studies/{study.id}", startup).get_json()
    assert (during["target_enrolment"], during["registration_hash"]) == (
        first["target_enrolment"],
        first["registration_hash"],
    )
    answered = api("POST", f"/studies/{study.id}/surveys/baseline/responses", participant, json={"answers": BASELINE})
    assert answered.status_code == 201, answered.get_json()

    decided = api("POST", f"{base}/decision", coordinator, json={"decision": "approve"})
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "approved"
    after = api("GET", f"/studies/{study.id}", startup).get_json()
    assert (after["status"], after["version"], after["target_enrolment"]) == ("recruiting", version, 90)
    assert [r["version"] for r in after["registrations"]] == [first["version"], version]
    latest = after["registrations"][-1]
    assert latest["previous_hash"] == first["registration_hash"]
    assert after["registration_hash"] == latest["registration_hash"] != first["registration_hash"]
    # Recomputed from what the API serves, as anyone could: the record plus the hash it amends
    record = served_record(api, startup, study.id)
    assert record["consent"]["text"] == NEW_CONSENT["text"]
    assert "naps" in [i["key"] for s in record["surveys"] for i in s["items"]]
    assert canonical_sha256({**record, "previous_hash": first["registration_hash"]}) == latest["registration_hash"]
    chain = api("GET", f"/studies/{study.id}/registrations", startup).get_json()["items"]
    assert canonical_sha256(chain[0]["record"]) == chain[0]["registration_hash"]
    assert (
        canonical_sha256({**chain[1]["record"], "previous_hash": chain[0]["registration_hash"]})
        == (chain[1]["registration_hash"])
    )

    # The consent changed: the participant is told, must sign again, then answers (four weeks later)
    enrolment = participation.enrolment_of(participant, study)
    enrolment.enrolled_at = enrolment.enrolled_at - timedelta(days=28)
    db.session.commit()
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consent_changed")).all()
    assert [m.user_id for m in sent] == [participant.id]
    refused = api("POST", f"/studies/{study.id}/surveys/follow_up/responses", participant, json={"answers": FOLLOW_UP})
    assert_error(refused, 409, "reconsent_needed")
    consent = api("GET", f"/studies/{study.id}/consent", participant).get_json()
    signed = api(
        "POST",
        f"/studies/{study.id}/consent-signatures",
        participant,
        json={"consent_version": consent["version"], "clauses": {"data": True, "naps": True}, "signature": "Camille"},
    )
    assert signed.status_code == 201, signed.get_json()
    assert signed.get_json() == {"consent_version": consent["version"]}
    with_naps = {**FOLLOW_UP, "naps": 2}  # the amended survey asks it
    again = api("POST", f"/studies/{study.id}/surveys/follow_up/responses", participant, json={"answers": with_naps})
    assert again.status_code == 201, again.get_json()
    assert_error(api("POST", f"/studies/{study.id}/consent-signatures", participant, json={}), 409, "consent_current")


def test_a_required_clause_refused_on_reconsent_is_422_and_signs_nothing(
    api, make_study, startup, coordinator, participant
):
    study = make_study("recruiting")
    enrol(participant, study)
    version = approve_amendment(api, study, startup, coordinator, consent=NEW_CONSENT)
    assert version
    body = {
        "consent_version": study.current_consent.version,
        "clauses": {"data": True, "naps": False},
        "signature": "C",
    }
    assert_error(api("POST", f"/studies/{study.id}/consent-signatures", participant, json=body), 422)
    stale = {**body, "clauses": {"data": True, "naps": True}, "consent_version": 1}
    assert api("POST", f"/studies/{study.id}/consent-signatures", participant, json=stale).status_code == 422
    db.session.expire_all()
    assert participation.needs_reconsent(participation.enrolment_of(participant, study))


def approve_amendment(api, study, startup, coordinator, consent=None, changes=None, reason="A site is added") -> int:
    amendment = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": reason}).get_json()
    base = f"/studies/{study.id}/amendments/{amendment['version']}"
    if changes:
        assert api("PATCH", base, startup, json=changes).status_code == 200
    if consent:
        assert api("PUT", f"{base}/consent", startup, json=consent).status_code == 200
    assert api("POST", f"{base}/submit", startup).status_code == 200
    assert api("POST", f"{base}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    db.session.expire_all()
    return amendment["version"]


def test_only_one_amendment_is_open_at_a_time(api, make_study, startup, coordinator):
    study = make_study("approved")
    assert api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "First"}).status_code == 201
    assert_error(
        api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Second"}), 409, "amendment_open"
    )
    # the database holds it too, whatever a service forgets
    db.session.add(Amendment(study_id=study.id, version=9, reason="x", record={}, created_by_id=startup.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # once decided, the next one may open, with the next version
    first = db.session.scalar(select(Amendment).where(Amendment.study_id == study.id))
    base = f"/studies/{study.id}/amendments/{first.version}"
    assert api("POST", f"{base}/submit", startup).status_code == 200
    rejected = api("POST", f"{base}/decision", coordinator, json={"decision": "reject", "comment": "Not needed"})
    assert rejected.get_json()["status"] == "rejected"
    again = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Third"})
    assert again.status_code == 201 and again.get_json()["version"] == first.version + 1


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "rejected", "ended"])
def test_only_an_approved_pilot_that_has_not_ended_can_be_amended(api, make_study, startup, status):
    study = make_study(status)
    assert_error(api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Why"}), 409, "not_amendable")
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


def test_others_cannot_open_edit_or_decide_an_amendment(
    api, make_study, startup, other_startup, coordinator, participant
):
    study = make_study("recruiting")
    enrol(participant, study)
    assert_error(api("POST", f"/studies/{study.id}/amendments", other_startup, json={"reason": "Mine"}), 404)
    assert_error(api("POST", f"/studies/{study.id}/amendments", participant, json={"reason": "Mine"}), 403)
    assert_error(api("POST", f"/studies/{study.id}/amendments", coordinator, json={"reason": "Mine"}), 403)
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Ours"}).get_json()["version"]
    base = f"/studies/{study.id}/amendments/{version}"
    assert_error(api("PATCH", base, other_startup, json={"target_enrolment": 5}), 404)
    assert_error(api("GET", base, other_startup), 404)
    assert_error(api("PATCH", base, coordinator, json={"target_enrolment": 5}), 403)
    assert_error(api("POST", f"{base}/decision", startup, json={"decision": "approve"}), 403)
    assert_error(api("POST", f"{base}/decision", coordinator, json={"decision": "approve"}), 409, "invalid_transition")
    assert_error(api("GET", f"/studies/{study.id}/amendments/999", startup), 404)
    assert api("GET", base, startup).get_json()["protocol"]["target_enrolment"] != 5


def test_an_amendment_is_checked_as_the_study_is_and_bad_input_changes_nothing(api, make_study, startup):
    study = make_study("recruiting")
    assert_error(api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": ""}), 422, fields=["reason"])
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Fix"}).get_json()["version"]
    base = f"/studies/{study.id}/amendments/{version}"
    before = api("GET", base, startup).get_json()
    assert_error(
        api("PATCH", base, startup, json={"design": "parallel_groups", "arms": ["only"]}), 422, fields=["arms"]
    )
    assert_error(api("PATCH", base, startup, json={"target_enrolment": 0, "title": "ok"}), 422)
    assert_error(api("PATCH", base, startup, json={"colour": "blue"}), 422, fields=["colour"])
    assert_error(api("PATCH", base, startup, json={"timepoints": ["baseline"]}), 422, fields=["timepoints"])
    assert_error(api("PATCH", base, startup, json={"title": "Line\r\nbreak"}), 422, fields=["title"])
    deep: dict = {}
    for _ in range(200):
        deep = {"a": deep}
    assert_error(api("PATCH", base, startup, json={"eligibility": deep}), 400)
    assert_error(api("PUT", f"{base}/consent", startup, json={"text": "", "clauses": "all"}), 400)
    assert_error(
        api("POST", f"{base}/surveys", startup, json={"key": "x", "title": "X", "timepoint": "nowhere", "items": []}),
        422,
    )
    assert_error(api("PATCH", base, startup, data="{", content_type="application/json"), 400)
    assert api("GET", base, startup).get_json() == before


def test_a_switched_primary_outcome_is_registered_with_its_reason_and_shown(
    api, client, make_study, startup, coordinator, login
):
    study = make_study("recruiting")
    reason = "WHO-5 reflects the coaching's aim better"
    approve_amendment(
        api,
        study,
        startup,
        coordinator,
        changes={"primary_outcome": {"variable": "who", "hypothesis": "increase"}},
        reason=reason,
    )
    registrations = api("GET", f"/studies/{study.id}", startup).get_json()["registrations"]
    assert [r["outcome_change"] for r in registrations] == [None, reason]
    login(startup)
    page = html.unescape(client.get(f"/studies/{study.id}/results").get_data(as_text=True))
    assert "Outcome switched after registration" in page and reason in page


def test_the_results_follow_an_approved_switch_of_the_primary_outcome_at_once(api, make_study, startup, coordinator):
    study = make_study("recruiting")
    before = api("GET", f"/studies/{study.id}/results", startup).get_json()["primary_outcome"]["variable"]
    approve_amendment(
        api,
        study,
        startup,
        coordinator,
        changes={"primary_outcome": {"variable": "who", "hypothesis": "increase"}},
        reason="WHO-5 reflects the coaching's aim better",
    )
    after = api("GET", f"/studies/{study.id}/results", startup).get_json()["primary_outcome"]["variable"]
    assert (before, after) == ("sleep_hours", "who")  # not the results cached for the old protocol


def test_an_amendment_without_an_outcome_change_records_none(api, make_study, startup, coordinator):
    study = make_study("approved")
    approve_amendment(api, study, startup, coordinator, changes={"location": "At home or at work"})
    latest = api("GET", f"/studies/{study.id}", startup).get_json()
    assert latest["status"] == "approved" and latest["location"] == "At home or at work"
    assert latest["registrations"][-1]["outcome_change"] is None


def test_listing_studies_with_registrations_costs_the_same_queries_for_more_studies(
    api, make_study, startup, coordinator, count_queries
):
    def listing() -> int:
        api("GET", "/studies", startup)  # the token made first
        with count_queries() as statements:
            assert api("GET", "/studies", startup).status_code == 200
        return len(statements)

    make_study("recruiting")
    few = listing()
    for _ in range(3):
        approve_amendment(api, make_study("recruiting"), startup, coordinator)
    assert listing() == few


def test_the_migration_gives_every_approved_study_its_first_registration_and_the_chain_continues(app, api):
    """Studies approved before registrations were kept get one (their hash, no previous hash, approved when
    decided); their first amendment then chains to it, and the chain is recomputable from the API."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from livinglab.auth.models import User
    from livinglab.auth.services import create_user
    from livinglab.demo import build_study
    from livinglab.studies.models import Registration, Study

    def reset():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))

    reset()
    try:
        upgrade()
        owner = create_user("owner@example.org", "correct-horse-battery", "Owner", "startup", "Sommeil+")
        staff = create_user("staff@example.org", "correct-horse-battery", "Staff", "coordinator", None)
        pilot, draft = build_study(owner, staff, "recruiting"), build_study(owner, staff, "draft")
        db.session.commit()
        expected = (pilot.id, pilot.version, pilot.registration_hash, pilot.decided_at)
        ids = (pilot.id, draft.id, owner.id, staff.id)
        db.session.remove()
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config(directory=None))
        downgrade(revision=scripts.get_revision("amend_3f8b2d6c1e47").down_revision)  # before registrations
        upgrade()
        rows = db.session.scalars(select(Registration)).all()
        assert [(r.study_id, r.version, r.registration_hash, r.previous_hash, r.record) for r in rows] == [
            (*expected[:3], None, None)
        ]
        assert rows[0].approved_at.replace(tzinfo=None) == expected[3].replace(tzinfo=None)
        pilot, draft = db.session.get(Study, ids[0]), db.session.get(Study, ids[1])
        owner, staff = db.session.get(User, ids[2]), db.session.get(User, ids[3])
        assert draft.registrations == []
        approve_amendment(api, pilot, owner, staff, changes={"location": "Nantes"})
        chain = api("GET", f"/studies/{pilot.id}/registrations", owner).get_json()["items"]
        assert canonical_sha256(chain[0]["record"]) == chain[0]["registration_hash"] == expected[2]
        assert canonical_sha256({**chain[1]["record"], "previous_hash": expected[2]}) == chain[1]["registration_hash"]
    finally:
        db.session.remove()
        downgrade(revision="base")
        reset()
        db.create_all()


def test_a_registration_hashed_before_later_fields_existed_still_recomputes_once_amended(
    api, make_study, startup, coordinator
):
    """A study registered before the protocol gained its sample size, primary analysis, archive period and
    secondary adjustment has a registration without a stored record (the migration's backfill) whose hash
    covers the fields of its day. Its first amendment rebuilds that record without the later fields, so the chain recomputes from the API."""
    from livinglab.studies.models import Registration

    pilot = make_study("recruiting")
    later = (
        "sample_size",
        "primary_analysis",
        "retention_archive_months",
        "primary_arm",
        "allocation",
        "secondary_adjustment",
        "sites",
        "languages",
        "translations",
        "primary_timepoint",
    )
    served = served_record(api, startup, pilot.id)
    then = {**served, "protocol": {k: x for k, x in served["protocol"].items() if k not in later}}
    old_hash = canonical_sha256(then)
    registration = db.session.scalar(select(Registration).where(Registration.study_id == pilot.id))
    registration.record, registration.registration_hash = None, old_hash
    pilot.registration_hash = old_hash
    db.session.commit()

    approve_amendment(api, pilot, startup, coordinator, changes={"location": "Nantes"})
    chain = api("GET", f"/studies/{pilot.id}/registrations", startup).get_json()["items"]
    assert chain[0]["registration_hash"] == old_hash == canonical_sha256(chain[0]["record"])
    assert not set(later) & set(chain[0]["record"]["protocol"])
    assert canonical_sha256({**chain[1]["record"], "previous_hash": old_hash}) == chain[1]["registration_hash"]
    assert set(later) <= set(chain[1]["record"]["protocol"])  # the amendment registers every field of today


def test_the_pages_open_show_submit_and_approve_an_amendment(app, api, client, make_study, startup, coordinator, login):
    study = make_study("recruiting")
    first_hash = study.registration_hash
    login(startup)
    page = client.get(f"/studies/{study.id}").get_data(as_text=True)
    assert "Amend the protocol" in page and first_hash in page
    assert client.post(f"/studies/{study.id}/amendments", data={"reason": ""}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0  # no reason, nothing opened
    opened = client.post(f"/studies/{study.id}/amendments", data={"reason": "A second site in Rennes"})
    version = study.version + 1
    assert opened.location.endswith(f"/studies/{study.id}/amendments/{version}")
    assert "Amend the protocol" not in client.get(f"/studies/{study.id}").get_data(as_text=True)  # one open
    base = f"/studies/{study.id}/amendments/{version}"
    assert api("PATCH", base, startup, json={"location": "Nantes and Rennes"}).status_code == 200
    assert api("PUT", f"{base}/consent", startup, json=NEW_CONSENT).status_code == 200
    page = html.unescape(client.get(f"/studies/{study.id}/amendments/{version}").get_data(as_text=True))
    assert "A second site in Rennes" in page and "Nantes and Rennes" in page and "naps" in page
    assert client.post(f"/studies/{study.id}/amendments/{version}/submit").status_code == 302
    reviewer = app.test_client()
    reviewer.post("/account/signin", data={"email": coordinator.email, "password": PASSWORD})
    page = reviewer.get(f"/studies/{study.id}/amendments/{version}").get_data(as_text=True)
    assert "Your decision" in page
    assert (
        reviewer.post(f"/studies/{study.id}/amendments/{version}/decision", data={"decision": "approve"}).status_code
        == 302
    )
    db.session.expire_all()
    assert study.version == version and len(study.registrations) == 2
    page = client.get(f"/studies/{study.id}").get_data(as_text=True)
    assert first_hash in page and study.registration_hash in page


def test_the_startup_cannot_decide_its_own_amendment_on_the_page(api, client, make_study, startup, login):
    study = make_study("approved")
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Typo"}).get_json()["version"]
    api("POST", f"/studies/{study.id}/amendments/{version}/submit", startup)
    login(startup)
    assert "Your decision" not in client.get(f"/studies/{study.id}/amendments/{version}").get_data(as_text=True)
    assert (
        client.post(f"/studies/{study.id}/amendments/{version}/decision", data={"decision": "approve"}).status_code
        == 403
    )
    assert db.session.scalar(select(Amendment.status)) == "submitted"


def test_an_approved_amendment_still_shows_what_it_changed(api, client, make_study, startup, coordinator, login):
    study = make_study("recruiting")
    version = approve_amendment(api, study, startup, coordinator, changes={"location": "Rennes too"})
    login(startup)
    page = client.get(f"/studies/{study.id}/amendments/{version}").get_data(as_text=True)
    assert "Rennes too" in page and "Nothing" not in page


def test_a_submitted_amendment_waits_in_the_review_queue_and_each_side_is_told_by_mail(
    api, client, make_study, startup, coordinator, login
):
    study = make_study("recruiting")
    reason = "A second site in Rennes"
    opened = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": reason}).get_json()
    base = f"/studies/{study.id}/amendments/{opened['version']}"
    assert api("PATCH", base, startup, json={"location": "Nantes and Rennes"}).status_code == 200
    login(coordinator)
    assert reason not in client.get("/studies/queue").get_data(as_text=True)  # a draft is not waiting
    assert api("POST", f"{base}/submit", startup).status_code == 200
    queue = html.unescape(client.get("/studies/queue").get_data(as_text=True))
    assert "Amendments waiting for a decision" in queue and reason in queue and f'href="{base}"' in queue
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review_submitted")).all()
    about_it = [m for m in told if m.context.get("amendment")]  # (the study's own submission came first)
    assert about_it and all(m.context["amendment"] == opened["version"] for m in about_it)
    assert api("POST", f"{base}/decision", coordinator, json={"decision": "approve"}).status_code == 200
    [decision] = [
        m
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "review_decision"))
        if m.context.get("amendment")
    ]
    assert decision.context["amendment"] == opened["version"] and decision.context["decision"] == "approve"
    assert reason not in html.unescape(client.get("/studies/queue").get_data(as_text=True))  # decided: gone


def test_the_amendment_mail_says_what_was_decided_and_links_to_the_amendment(app, make_study, startup):
    from livinglab.notifications.compose import Recipient, build

    study = make_study("recruiting")
    for decision, words in (
        ("approve", "version 3 of its protocol applies from now on"),
        ("request_changes", "asked for changes to the amendment"),
        ("reject", "the pilot goes on under its approved protocol"),
    ):
        message = OutboxMessage(
            uid=f"amendment{decision}",
            kind="review_decision",
            context={"study_id": study.id, "title": study.title, "decision": decision, "comment": "", "amendment": 3},
        )
        email = build(message, Recipient("founder@example.org", "Founder", "en", startup.id))
        text = email.get_body(("plain",)).get_content()
        assert words in text and f"/studies/{study.id}/amendments/3" in text


def test_an_approved_amendment_of_the_analysis_plan_recomputes_the_results(
    api, make_study, take_part, startup, coordinator
):
    """The results are cached per data version: an amendment that changes how the secondary families are adjusted
    served the results of the old plan until some answer came in (a reviewer's finding). Approval moves the data
    version on, so the next reader gets the amended plan's results."""
    pilot = make_study("recruiting")
    baseline = {"sleep_hours": 6.0, **{f"who_{i}": 3 for i in range(1, 6)}}
    follow_up = {**baseline, **{f"who_{i}": 4 for i in range(1, 6)}, **{f"sus_{i}": 4 for i in range(1, 11)}}
    for lift in (1.0, 1.5, 2.5, 0.5):
        take_part(pilot, {"baseline": baseline, "follow_up": follow_up | {"sleep_hours": 6.0 + lift}})
    before = api("GET", f"/studies/{pilot.id}/results", startup).get_json()
    assert {e["adjustment"] for e in before["secondary"]} <= {"holm"}
    approve_amendment(api, pilot, startup, coordinator, changes={"secondary_adjustment": "benjamini_hochberg"})
    after = api("GET", f"/studies/{pilot.id}/results", startup).get_json()
    assert after["data_version"] > before["data_version"]
    assert after["secondary"] and {e["adjustment"] for e in after["secondary"]} == {"benjamini_hochberg"}


def current_consent_body(study) -> dict:
    consent = study.current_consent
    return {"text": consent.text, "clauses": [dict(c) for c in consent.clauses], "gdpr": dict(consent.gdpr or {})}


def test_a_consent_saved_unchanged_in_an_amendment_asks_nobody_to_consent_again(
    api, make_study, make_user, startup, coordinator
):
    """Defect: saving the consent of an amendment, even unchanged, made a new consent version at approval, and
    every participant had to consent again to the same text."""
    study = make_study("recruiting")
    person = make_user("participant")
    enrol(person, study)
    before = study.current_consent.version
    approve_amendment(
        api, study, startup, coordinator, consent=current_consent_body(study), changes={"location": "Rennes"}
    )
    assert study.current_consent.version == before
    assert not participation.needs_reconsent(participation.enrolment_of(person, study))


def test_a_change_of_the_gdpr_information_alone_is_in_the_diff_and_asks_for_consent_again(
    api, client, login, make_study, make_user, startup, coordinator
):
    """Defect: the reviewer's diff compared the consent's text and clauses, not its GDPR information: a new DPO
    read "Nothing changed" while approval asked every participant to consent again."""
    study = make_study("recruiting")
    person = make_user("participant")
    enrol(person, study)
    body = current_consent_body(study)
    body["gdpr"]["dpo"] = "You can reach its new data protection officer at dpo-new@sommeil.example."
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "A new DPO"}).get_json()[
        "version"
    ]
    assert api("PUT", f"/studies/{study.id}/amendments/{version}/consent", startup, json=body).status_code == 200
    login(coordinator)
    page = html.unescape(client.get(f"/studies/{study.id}/amendments/{version}").get_data(as_text=True))
    assert "Data protection officer (DPO)" in page and "dpo-new@sommeil.example" in page
    assert "Nothing: the amendment is a copy" not in page
    api("POST", f"/studies/{study.id}/amendments/{version}/submit", startup)
    api("POST", f"/studies/{study.id}/amendments/{version}/decision", coordinator, json={"decision": "approve"})
    db.session.expire_all()
    assert participation.needs_reconsent(participation.enrolment_of(person, study))


@pytest.mark.parametrize(
    "category, before, change, after, again",
    [
        # outside the Jardé law the GDPR decides: a processing that now rests on consent needs express consent
        ("outside_jarde", "information", {"legal_basis": "consent"}, "express", True),
        ("not_riph", "express", {"legal_basis": "public_task"}, "information", False),  # a lighter mode: kept
    ],
)
def test_an_amendment_that_asks_for_a_stricter_consent_mode_asks_everyone_to_consent_again(
    api, make_study, make_user, startup, coordinator, category, before, change, after, again
):
    """Defect: an amendment that moved a pilot from information with a right to object to express consent asked
    nobody to consent again: participants who were only informed stayed enrolled without the consent now needed."""
    from livinglab.studies import regulatory
    from tests.conftest import protocol_of_category

    extra = {"legal_basis": "consent"} if before == "express" else {}
    study = make_study("recruiting", protocol=protocol_of_category(category, **extra))
    assert regulatory.mode_of(study) == before
    person = make_user("participant")
    consent = study.current_consent
    participation.enrol(
        person,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="",
        age=30,
        criteria_confirmed=True,
        confirmed=True,
    )
    db.session.commit()
    approve_amendment(api, study, startup, coordinator, changes=change, reason="The processing's legal basis")
    assert regulatory.mode_of(study) == after
    assert participation.needs_reconsent(participation.enrolment_of(person, study)) is again
    told = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "consent_changed")
    )
    assert (told > 0) is again


@pytest.mark.parametrize("field, value", [("on_erasure", "anonymise"), ("keep_free_text", True)])
def test_an_amendment_s_consent_refuses_to_change_what_happens_to_the_answers(api, make_study, startup, field, value):
    """Defect: the amendment's consent PUT ignored these fields silently (they stay as approved)."""
    study = make_study("recruiting")
    version = api("POST", f"/studies/{study.id}/amendments", startup, json={"reason": "Typo"}).get_json()["version"]
    body = {**NEW_CONSENT, field: value}
    response = api("PUT", f"/studies/{study.id}/amendments/{version}/consent", startup, json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    proposed = db.session.scalar(select(Amendment).where(Amendment.study_id == study.id))
    assert proposed.record["consent"]["text"] != NEW_CONSENT["text"]  # nothing saved
