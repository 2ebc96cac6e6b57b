"""The participant's rights, as issue 8 (items 11, 12, 13) asks them to hold.

- Erased data are gone from the database files too (SQLite: secure_delete and a WAL checkpoint in
  TRUNCATE mode after each erasure): the files' bytes are searched for an erased email, signature and
  free-text answer.
- The personal data export holds the audit records about the person; every personal answer carries
  `Cache-Control: no-store`, the API's and the anonymous caller's too.
- Having withdrawn and kept their answers, a participant may still have them erased, by page and API."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from livinglab import create_app, purge
from livinglab.audit import AuditPseudonym, AuditRecord
from livinglab.auth.services import create_token, create_user
from livinglab.demo import build_study
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.participants.models import Answer, Enrolment, Response
from tests.conftest import AUDIT_KEY, PASSWORD

FREE_TEXT_SURVEYS = [
    {
        "key": key,
        "title": key,
        "timepoint": key,
        "items": [
            {"key": "sleep_hours", "text": "Hours of sleep?", "type": "number", "min": 0, "max": 24},
            {"key": "note", "text": "Anything else?", "type": "text", "required": False},
        ],
    }
    for key in ("baseline", "follow_up")
]


def enrol(user, study, signature=None):
    consent = study.current_consent
    enrolment = participation.enrol(
        user,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=signature or user.name,
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    return enrolment


# --- Item 11: gone from the database files ------------------------------------------------------------


@pytest.fixture
def own_sqlite_app(tmp_path):
    """An app on a SQLite file of its own (whatever DATABASE_URL the suite runs on): its files are read."""
    path = tmp_path / "erasure.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "AUDIT_KEY": AUDIT_KEY,
            "WTF_CSRF_ENABLED": False,
            "AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints"),
            "RATELIMIT_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        db.create_all()
        yield app, path
        db.session.remove()
        db.engine.dispose()


def file_bytes(path: Path) -> bytes:
    purge.wait()  # a purge that found a reader in the way finishes in the background
    return b"".join(
        Path(f"{path}{suffix}").read_bytes() for suffix in ("", "-wal", "-shm") if Path(f"{path}{suffix}").exists()
    )


def secrets_of_a_participant(app, n: int, consent_on_erasure="erase"):
    """A recruiting pilot and a participant with a unique email, signature and free-text answer,
    written through to the database file (so that erasure must overwrite them there)."""
    owner = create_user(f"owner{n}@example.org", PASSWORD, "Owner", "startup", f"Startup {n}")
    coordinator = create_user(f"coord{n}@example.org", PASSWORD, "Coordinator", "coordinator")
    study = build_study(owner, coordinator, "recruiting", survey_defs=FREE_TEXT_SURVEYS)
    study.current_consent.on_erasure = consent_on_erasure
    email, signature, note = f"erase-me-{n}-q7z@example.org", f"Signature Zq81 {n}", f"Freetext Kx93 secret {n}"
    user = create_user(email, PASSWORD, "Camille", "participant")
    db.session.commit()
    enrol(user, study, signature)
    participation.submit_response(user, study, "baseline", {"sleep_hours": 7, "note": note})
    db.session.commit()
    raw = db.engine.raw_connection()
    raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return user, study, [email.encode(), signature.encode(), note.encode()]


def test_an_erased_account_leaves_no_trace_in_the_database_files(own_sqlite_app):
    app, path = own_sqlite_app
    user, _study, secrets = secrets_of_a_participant(app, 1)
    assert all(secret in file_bytes(path) for secret in secrets)  # they were written to the file
    raw, _token = create_token(user)
    db.session.commit()
    response = app.test_client().delete("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 204
    found = [secret for secret in secrets if secret in file_bytes(path)]
    assert found == []
    assert Path(f"{path}-wal").stat().st_size == 0  # the log was checkpointed and emptied


def test_answers_erased_at_withdrawal_leave_no_trace_in_the_database_files(own_sqlite_app):
    app, path = own_sqlite_app
    user, study, secrets = secrets_of_a_participant(app, 2)
    participation.withdraw(user, study, True)
    db.session.commit()
    assert secrets[2] not in file_bytes(path)  # the answer; the account and signature stay (still taking part)


def test_kept_answers_erased_later_leave_no_trace_in_the_database_files(own_sqlite_app):
    app, path = own_sqlite_app
    user, study, secrets = secrets_of_a_participant(app, 3)
    participation.withdraw(user, study, False)
    db.session.commit()
    assert secrets[2] in file_bytes(path)
    participation.withdraw(user, study, True)  # later: erase what was kept
    db.session.commit()
    assert secrets[2] not in file_bytes(path)


def test_every_connection_overwrites_deleted_content(own_sqlite_app):
    assert db.session.execute(db.text("PRAGMA secure_delete")).scalar() == 1


def test_a_reader_in_the_way_delays_the_purge_but_not_the_answer(own_sqlite_app):
    """A long read (a CSV export streaming) holds an old snapshot: the erasure answers at once, and the
    log is emptied as soon as the reader is done."""
    import time

    app, path = own_sqlite_app
    user, study, secrets = secrets_of_a_participant(app, 4)
    reader = db.engine.raw_connection()
    reader.cursor().execute("BEGIN")
    reader.cursor().execute("SELECT count(*) FROM answer").fetchone()  # a snapshot from before the erasure
    began = time.monotonic()
    participation.withdraw(user, study, True)
    db.session.commit()
    assert time.monotonic() - began < 5
    reader.cursor().execute("COMMIT")
    reader.close()
    assert secrets[2] not in file_bytes(path)


# --- Item 12: the export holds the audit records about the person; no-store everywhere -------------------


def test_the_export_holds_the_audit_records_about_the_person(client, login, make_study, make_user, api_headers):
    study = make_study("recruiting")
    me = make_user("participant")
    someone = make_user("participant")
    mine, theirs = enrol(me, study), enrol(someone, study)
    participation.withdraw(me, study, False)
    db.session.commit()
    login(me)
    for data in (
        client.get("/api/v1/me/export", headers=api_headers(me)).json,
        json.loads(client.get("/pilots/my-data.json").data),
    ):
        events = data["audit_events"]
        actions = [(e["action"], e["participant_key"]) for e in events]
        assert ("participant.enrol", mine.participant_code) in actions
        assert ("participant.withdraw", mine.participant_code) in actions
        pseudonym = db.session.scalar(select(AuditPseudonym.key).where(AuditPseudonym.user_id == me.id))
        assert ("account.create", pseudonym) in actions and ("account.signin", pseudonym) in actions
        assert all(e["by"] == "you" for e in events if e["action"].startswith("participant."))
        assert theirs.participant_code not in json.dumps(events)
    page = client.get("/pilots/my-data").get_data(as_text=True)
    assert "The audit trail about me" in page and mine.participant_code in page and "Participant withdrew" in page


def test_staff_see_the_records_of_what_they_did(client, api_headers, make_study, coordinator):
    study = make_study("approved")
    events = client.get("/api/v1/me/export", headers=api_headers(coordinator)).json["audit_events"]
    approvals = [e for e in events if e["action"] == "study.approve"]
    assert approvals and approvals[0]["study_id"] == study.id and approvals[0]["by"] == "you"


def test_an_account_that_takes_an_erased_ones_id_gets_none_of_its_records(client, api_headers, make_study, make_user):
    from livinglab.participants import gdpr

    study = make_study("recruiting")
    gone = make_user("participant")
    enrol(gone, study)
    gone_id = gone.id
    gdpr.erase_account(gone)
    db.session.commit()
    newcomer = make_user("participant")  # on SQLite, may be given the erased account's id
    events = client.get("/api/v1/me/export", headers=api_headers(newcomer)).json["audit_events"]
    assert [e["action"] for e in events] == ["account.create", "token.create"] or newcomer.id != gone_id
    assert not any(e["action"].startswith("participant.") for e in events)


PERSONAL = [
    ("GET", "/api/v1/me/export", "participant", None),
    ("GET", "/api/v1/me", "participant", None),
    ("GET", "/api/v1/studies", "startup", None),
    ("POST", "/api/v1/auth/tokens", None, {"email": "participant1@example.org", "password": PASSWORD}),
    (
        "POST",
        "/api/v1/auth/register",
        None,
        {"email": "new@example.org", "password": PASSWORD, "name": "N", "role": "participant"},
    ),
    ("GET", "/api/v1/me", None, None),  # a 401: the error body is no-store too
    ("GET", "/pilots/my-data.json", "page", None),
    ("GET", "/pilots/my-data", "page", None),
    ("GET", "/dashboard", "page", None),
    ("GET", "/account/signin", None, None),  # anonymous, but it sets the session's CSRF token
]


@pytest.mark.parametrize("method, path, who, body", PERSONAL)
def test_personal_answers_are_never_stored_by_a_cache(client, login, api_headers, make_user, method, path, who, body):
    participant = make_user("participant")
    startup = make_user("startup")
    headers = {}
    if who == "page":
        login(participant)
    elif who:
        headers = api_headers({"participant": participant, "startup": startup}[who])
    response = client.open(path, method=method, headers=headers, json=body)
    assert response.status_code < 500
    assert response.headers.get("Cache-Control") == "no-store", f"{method} {path}: {response.status_code}"


def test_static_files_stay_cacheable(client):
    response = client.get("/static/livinglab.css")
    response.close()
    assert response.headers.get("Cache-Control") != "no-store"


# --- Item 13: erasing, later, the answers kept at withdrawal ---------------------------------------------


@pytest.fixture
def kept(make_study, participant):
    """A participant who answered, then left keeping the answers."""
    study = make_study("recruiting")
    enrol(participant, study)
    participation.submit_response(
        participant, study, "baseline", {"sleep_hours": 6.5, **{f"who_{i}": 3 for i in range(1, 6)}}
    )
    participation.withdraw(participant, study, False)
    db.session.commit()
    return study


def answers_of(study) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Answer).join(Response).join(Enrolment).where(Enrolment.study_id == study.id)
    )


def test_the_api_erases_kept_answers_later(client, api_headers, kept, participant):
    headers = api_headers(participant)
    version = kept.data_version
    assert answers_of(kept) > 0
    response = client.post(f"/api/v1/studies/{kept.id}/withdrawal", json={"erase_data": True}, headers=headers)
    assert response.status_code == 200 and response.json["data_erased"] is True
    assert response.json["status"] == "withdrawn"
    assert answers_of(kept) == 0
    db.session.refresh(kept)
    assert kept.data_version > version  # the results are recomputed without them
    code = db.session.scalar(select(Enrolment.participant_code).where(Enrolment.user_id == participant.id))
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "participant.erase_answers"))
    assert record.participant_key == code and record.actor_id is None
    again = client.post(f"/api/v1/studies/{kept.id}/withdrawal", json={"erase_data": True}, headers=headers)
    assert again.status_code == 409 and again.json["error"]["code"] == "already_erased"


def test_withdrawing_again_without_erasing_says_already_withdrawn(client, api_headers, kept, participant):
    response = client.post(
        f"/api/v1/studies/{kept.id}/withdrawal", json={"erase_data": False}, headers=api_headers(participant)
    )
    assert response.status_code == 409 and response.json["error"]["code"] == "withdrawn"
    assert answers_of(kept) > 0


def test_nobody_else_erases_a_participants_kept_answers(
    client, api_headers, login, kept, make_user, startup, coordinator
):
    stranger = make_user("participant")
    for user, status in ((stranger, 403), (startup, 403), (coordinator, 403)):  # 403 not_enrolled; role
        response = client.post(
            f"/api/v1/studies/{kept.id}/withdrawal", json={"erase_data": True}, headers=api_headers(user)
        )
        assert response.status_code == status, user.role
    login(stranger)
    assert client.post(f"/pilots/{kept.id}/erase-answers", data={"confirm": "y"}).status_code == 403
    assert answers_of(kept) > 0


def test_the_withdraw_page_offers_to_erase_kept_answers(client, login, kept, participant):
    login(participant)
    page = client.get(f"/pilots/{kept.id}/withdraw").get_data(as_text=True)
    assert "Erase the answers you kept" in page and f'action="/pilots/{kept.id}/erase-answers"' in page
    assert "Erase the answers I kept" in client.get("/dashboard").get_data(as_text=True)
    unconfirmed = client.post(f"/pilots/{kept.id}/erase-answers", data={})
    assert unconfirmed.status_code == 422 and answers_of(kept) > 0
    done = client.post(f"/pilots/{kept.id}/erase-answers", data={"confirm": "y"}, follow_redirects=True)
    assert "are erased" in done.get_data(as_text=True) and answers_of(kept) == 0
    page = client.get(f"/pilots/{kept.id}/withdraw").get_data(as_text=True)
    assert "Your answers to this pilot are erased." in page and "erase-answers" not in page
    replay = client.post(f"/pilots/{kept.id}/erase-answers", data={"confirm": "y"}, follow_redirects=True)
    assert "already erased" in replay.get_data(as_text=True)


def test_a_participant_still_taking_part_is_sent_to_the_withdrawal_form(client, login, make_study, participant):
    study = make_study("recruiting")
    enrol(participant, study)
    login(participant)
    response = client.post(f"/pilots/{study.id}/erase-answers", data={"confirm": "y"})
    assert response.status_code == 409 or response.location.endswith(f"/pilots/{study.id}/withdraw")
    assert db.session.scalar(select(Enrolment.status)) == "active"


def test_answers_cannot_be_erased_once_the_pilot_is_anonymised(kept, participant):
    """Anonymisation at the end of retention sets Study.anonymised_at: from then on nobody's answers
    can be told apart, so none can be erased on request."""
    from livinglab.errors import Conflict

    kept.anonymised_at = kept.created_at
    with pytest.raises(Conflict) as refused:
        participation.withdraw(participant, kept, True)
    assert refused.value.code == "anonymised" and answers_of(kept) > 0
