"""The accounts' mail, end to end through a real SMTP server: verification at registration (page and API),
"send the link again", the gate that holds everything else until then, password reset (single-use, one
hour, revealing nothing), email change (confirmation to the new address, notice to the old), invitations
by email; and the attacks: replayed, tampered, expired and other people's tokens, CR/LF in email fields."""

import re
from unittest import mock

import pytest
from sqlalchemy import select

from livinglab.auth import mail_links
from livinglab.auth.models import User
from livinglab.extensions import db
from livinglab.notifications.models import OutboxMessage, QueueStatus
from livinglab.timeutil import utcnow
from tests.conftest import PASSWORD, signed_in_session
from tests.notifications.conftest import BASE_URL

NEW_PASSWORD = "a brand new passphrase for tests"


def kinds(server, address):
    return [str(m["X-LivingLab-Kind"]) for m in server.to(address)]


def link_in(mail, path_start: str) -> str:
    """The app path of the first link of the message that starts with `path_start`."""
    for url in re.findall(r"https?://[^\s\"<>]+", mail.text):
        if url.startswith(BASE_URL + path_start):
            return url[len(BASE_URL) :]
    raise AssertionError(f"no link to {path_start} in {mail.text!r}")


def register_page(client, email, role="participant", lang=None, **extra):
    if lang:
        client.post("/language", data={"lang": lang})
    return client.post(
        "/account/register", data={"role": role, "name": "Camille Test", "email": email, "password": PASSWORD, **extra}
    )


def user(email) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# Verification ---------------------------------------------------------------------------------------


def test_registration_on_the_page_mails_the_verification_in_the_page_language_and_the_link_verifies(
    client, smtp_server, run_worker
):
    response = register_page(client, "camille@example.org", lang="fr")
    assert response.status_code == 302
    run_worker()
    [mail] = smtp_server.to("camille@example.org")
    assert str(mail["X-LivingLab-Kind"]) == "verify_email" and mail["Content-Language"] == "fr"
    assert "Confirmez" in str(mail["Subject"]) and mail["List-Unsubscribe"] is None
    assert user("camille@example.org").email_verified_at is None

    page = client.get(link_in(mail, "/account/verify"))
    assert page.status_code == 200
    assert user("camille@example.org").email_verified_at is not None
    assert client.get(link_in(mail, "/account/verify")).status_code == 200  # again: harmless


def test_an_unverified_address_gets_only_the_verification_and_the_rest_after(
    client, smtp_server, run_worker, make_study
):
    """API flows work for an unverified account (registration, enrolment); its enrolment confirmation waits."""
    study = make_study("recruiting")
    created = client.post(
        "/api/v1/auth/register",
        json={"email": "dana@example.org", "password": PASSWORD, "name": "Dana", "role": "participant"},
    )
    assert created.status_code == 201
    token = client.post("/api/v1/auth/tokens", json={"email": "dana@example.org", "password": PASSWORD})
    headers = {"Authorization": "Bearer " + token.get_json()["token"]}
    consent = study.current_consent
    enrolled = client.post(
        f"/api/v1/studies/{study.id}/enrolment",
        headers=headers,
        json={
            "consent_version": consent.version,
            "clauses": {c["key"]: True for c in consent.clauses},
            "signature": "Dana",
            "age": 30,
            "criteria_confirmed": True,
        },
    )
    assert enrolled.status_code == 201, enrolled.get_json()
    run_worker()
    assert kinds(smtp_server, "dana@example.org") == ["verify_email"]
    held = db.session.scalars(select(OutboxMessage.kind).where(OutboxMessage.status == QueueStatus.HELD)).all()
    assert "enrolment_confirmed" in held

    # Send the link again (API), then follow the newest link.
    again = client.post("/api/v1/me/verification", headers=headers)
    assert again.status_code == 202
    run_worker()
    assert kinds(smtp_server, "dana@example.org") == ["verify_email", "verify_email"]
    client.get(link_in(smtp_server.to("dana@example.org")[-1], "/account/verify"))
    run_worker()
    assert kinds(smtp_server, "dana@example.org")[2:] == ["enrolment_confirmed"]
    assert client.post("/api/v1/me/verification", headers=headers).status_code == 409


def test_send_the_link_again_from_the_email_page(client, smtp_server, run_worker, make_user, login):
    person = login(make_user("participant"))
    page = client.get("/account/email")
    assert page.status_code == 200 and b"Send the link again" in page.data
    assert client.post("/account/verify/resend").status_code == 302
    run_worker()
    assert kinds(smtp_server, person.email) == ["verify_email"]


def test_a_verification_link_of_another_account_or_tampered_is_refused(client, make_user, login):
    alice, bob = make_user("participant"), make_user("participant")
    with client.application.test_request_context():
        bobs = mail_links.make_token("verify", bob, mail_links.fingerprint(bob.email))
    login(alice)
    assert client.get(f"/account/verify?token={bobs}").status_code == 409  # signed in as someone else
    for bad in (bobs[:-2] + "xx", "garbage", "", "x" * 5000, bobs + "\r\nSet-Cookie: a=b"):
        assert client.get("/account/verify", query_string={"token": bad}).status_code == 400
    assert user(bob.email).email_verified_at is None
    # An old link for a previous address does not verify the current one.
    with client.application.test_request_context():
        old = mail_links.make_token("verify", alice, mail_links.fingerprint("old@example.org"))
    assert client.get(f"/account/verify?token={old}").status_code == 400


# Password reset --------------------------------------------------------------------------------------


def request_reset(client, email):
    return client.post("/account/forgot", data={"email": email})


def test_reset_mails_a_single_use_link_that_signs_out_every_session(
    app, client, smtp_server, run_worker, verified_user, api_headers
):
    person = verified_user("participant", locale="fr")
    headers = api_headers(person)
    other = app.test_client()
    with other.session_transaction() as session:
        signed_in_session(session, person)
    assert other.get("/account/").status_code == 200

    answer = request_reset(client, person.email)
    assert answer.status_code == 200
    run_worker()
    [mail] = smtp_server.to(person.email)
    assert str(mail["X-LivingLab-Kind"]) == "password_reset" and mail["Content-Language"] == "fr"
    path = link_in(mail, "/account/reset")
    assert db.session.scalar(select(OutboxMessage.context)) == {}  # the link is not kept once sent

    form = client.get(path)
    assert form.status_code == 200
    token = path.split("token=", 1)[1]
    done = client.post("/account/reset", data={"token": token, "new_password": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/signin")
    assert other.get("/account/").status_code == 302  # the other session ended
    assert client.get("/api/v1/me", headers=headers).status_code == 401  # the token is revoked
    assert client.post("/account/signin", data={"email": person.email, "password": NEW_PASSWORD}).status_code == 302

    # Single use: the same link again is refused, on both methods.
    assert client.get(path).status_code == 400
    assert (
        client.post("/account/reset", data={"token": token, "new_password": "yet another passphrase"}).status_code
        == 400
    )


def test_reset_links_expire_after_an_hour(client, verified_user):
    person = verified_user()
    with client.application.test_request_context():
        token = mail_links.make_token("reset", person, mail_links.fingerprint(person.password_hash))
    assert client.get(f"/account/reset?token={token}").status_code == 200
    with mock.patch("itsdangerous.timed.TimestampSigner.get_timestamp", return_value=int(utcnow().timestamp()) - 3601):
        with client.application.test_request_context():
            stale = mail_links.make_token("reset", person, mail_links.fingerprint(person.password_hash))
    assert client.get(f"/account/reset?token={stale}").status_code == 400
    assert client.post("/account/reset", data={"token": stale, "new_password": NEW_PASSWORD}).status_code == 400


def test_the_reset_answer_reveals_nothing(client, smtp_server, run_worker, verified_user):
    person = verified_user()
    known = request_reset(client, person.email)
    unknown = request_reset(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    api_known = client.post("/api/v1/auth/password-reset", json={"email": person.email})
    api_unknown = client.post("/api/v1/auth/password-reset", json={"email": "nobody-here@example.org"})
    assert api_known.status_code == api_unknown.status_code == 202
    assert api_known.get_json() == api_unknown.get_json()
    run_worker()
    assert smtp_server.to("nobody-here@example.org") == []
    assert kinds(smtp_server, person.email) == ["password_reset", "password_reset"]


def test_an_unverified_account_gets_its_verification_and_the_reset_waits_for_it(
    client, smtp_server, run_worker, make_user
):
    person = make_user("participant")
    request_reset(client, person.email)
    run_worker()
    assert kinds(smtp_server, person.email) == ["verify_email"]
    client.get(link_in(smtp_server.to(person.email)[0], "/account/verify"))
    run_worker()
    assert kinds(smtp_server, person.email) == ["verify_email", "password_reset"]


def test_a_reset_token_of_another_account_or_tampered_is_refused(client, verified_user):
    alice, bob = verified_user(), verified_user()
    with client.application.test_request_context():
        token = mail_links.make_token("reset", bob, mail_links.fingerprint(bob.password_hash))
        forged = mail_links.make_token("verify", alice, mail_links.fingerprint(alice.password_hash))
    payload, _dot, rest = token.partition(".")
    for bad in (forged, token.replace(payload, payload[::-1]), token[:-3], "x" * 700, "a.b.c"):
        assert client.get("/account/reset", query_string={"token": bad}).status_code == 400
        assert client.post("/account/reset", data={"token": bad, "new_password": NEW_PASSWORD}).status_code == 400
    assert user(alice.email).password_hash == alice.password_hash
    assert user(bob.email).password_hash == bob.password_hash


@pytest.mark.parametrize(
    "email", ["a@example.org\r\nBcc: victim@example.org", "a@example.org\nX: y", "\x00@example.org", "x" * 300]
)
def test_cr_lf_and_junk_in_email_fields_answer_4xx(client, verified_user, login, email):
    assert request_reset(client, email).status_code == 422
    assert client.post("/api/v1/auth/password-reset", json={"email": email}).status_code == 422
    assert client.post("/api/v1/auth/password-reset", json={"email": ["a"]}).status_code == 400
    login(verified_user())
    assert client.post("/account/email", data={"email": email, "password": PASSWORD}).status_code == 422
    assert db.session.scalar(select(OutboxMessage.id)) is None


# Email change ----------------------------------------------------------------------------------------


def test_an_email_change_is_confirmed_from_the_new_address_and_noticed_at_the_old(
    client, smtp_server, run_worker, verified_user, login
):
    person = login(verified_user("startup", locale="fr"))
    old = person.email
    wrong = client.post("/account/email", data={"email": "new@example.org", "password": "not it"})
    assert wrong.status_code == 422
    asked = client.post("/account/email", data={"email": "New@Example.org", "password": PASSWORD})
    assert asked.status_code == 302
    run_worker()
    assert kinds(smtp_server, "new@example.org") == ["email_change_confirm"]
    assert kinds(smtp_server, old) == ["email_change_notice"]
    assert user(old) is not None  # nothing changes before the link is followed
    path = link_in(smtp_server.to("new@example.org")[0], "/account/email/confirm")
    assert client.get(path).status_code == 200  # a page with a button: mail scanners only GET
    assert user(old) is not None
    token = path.split("token=", 1)[1]
    assert client.post("/account/email/confirm", data={"token": token}).status_code == 302
    changed = user("new@example.org")
    assert changed is not None and changed.id == person.id and changed.email_verified_at is not None
    assert client.post("/account/email/confirm", data={"token": token}).status_code == 400  # single use


def test_an_email_change_link_of_another_account_is_refused(client, verified_user, login):
    alice, bob = verified_user(), verified_user()
    with client.application.test_request_context():
        token = mail_links.make_token("email", bob, "taken-by-bob@example.org", mail_links.fingerprint(bob.email))
    login(alice)
    assert client.get(f"/account/email/confirm?token={token}").status_code == 409
    assert client.post("/account/email/confirm", data={"token": token}).status_code == 409
    assert user(bob.email) is not None


def test_an_email_change_to_an_address_taken_meanwhile_is_refused(client, verified_user, make_user):
    alice = verified_user()
    with client.application.test_request_context():
        token = mail_links.make_token("email", alice, "soon-taken@example.org", mail_links.fingerprint(alice.email))
    make_user("participant", email="soon-taken@example.org")
    assert client.post("/account/email/confirm", data={"token": token}).status_code == 409
    assert user(alice.email) is not None


# Invitations -----------------------------------------------------------------------------------------


def test_an_invitation_is_mailed_by_a_verified_member_only(client, smtp_server, run_worker, startup, verified, login):
    login(startup)
    assert client.post("/account/organisation/invitations", data={"email": "first@example.org"}).status_code == 302
    run_worker()
    assert smtp_server.to("first@example.org") == []  # the inviter's own address is not verified
    verified(startup)
    assert client.post("/account/organisation/invitations", data={"email": "second@example.org"}).status_code == 302
    run_worker()
    [mail] = smtp_server.to("second@example.org")
    assert str(mail["X-LivingLab-Kind"]) == "organisation_invitation"
    page = client.get(link_in(mail, "/account/invitations/"))
    assert page.status_code == 200 and b"second@example.org" in page.data


def test_a_rolled_back_registration_sends_nothing(client, smtp_server, run_worker, make_user):
    make_user("participant", email="taken@example.org")
    assert (
        client.post(
            "/api/v1/auth/register",
            json={"email": "taken@example.org", "password": PASSWORD, "name": "X", "role": "participant"},
        ).status_code
        == 409
    )
    run_worker()
    assert smtp_server.received == []


def test_the_review_page_says_whether_the_submitter_verified_their_address(
    client, make_study, login, coordinator, startup, verified
):
    study = make_study("submitted")
    login(coordinator)
    assert b"email address not verified" in client.get(f"/studies/{study.id}/review").data
    verified(startup)
    assert b"email address verified" in client.get(f"/studies/{study.id}/review").data
