"""Messages go through a real SMTP server: both parts, the recipient's language, links into the app,
a Message-ID per outbox row, List-Unsubscribe on non-essential mail only, retries and failures."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from livinglab.extensions import db
from livinglab.notifications import notify, outbox
from livinglab.notifications.models import OutboxMessage, QueueStatus
from livinglab.participants import services as participation
from livinglab.timeutil import aware, utcnow
from tests.conftest import PASSWORD
from tests.notifications.conftest import BASE_URL, clear_outbox


@pytest.fixture
def enrolment(make_study, verified_user):
    """A verified French-speaking participant enrolled in a recruiting study."""
    study = make_study("recruiting")
    person = verified_user("participant", locale="fr")
    consent = study.current_consent
    enrolment = participation.enrol(
        person,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature=person.name,
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    clear_outbox()  # the enrolment's own confirmation: the tests below queue what they test
    return enrolment


def messages():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"<>]+", text)


def test_a_committed_message_is_sent_in_the_recipients_language_with_both_parts(
    smtp_server, run_worker, enrolment, client
):
    notify.enrolment_confirmed(enrolment)
    db.session.commit()
    row = messages()[0]

    report = run_worker()

    assert report.mail.sent == 1
    [mail] = smtp_server.received
    person = enrolment.user
    assert mail.rcpt_tos == [person.email]
    assert mail["To"].addresses[0].addr_spec == person.email
    assert mail["From"].addresses[0].addr_spec == "noreply@livinglab.test"
    assert str(mail["Subject"]) == f"Vous participez à «\u00a0{enrolment.study.title}\u00a0»"
    assert mail["Content-Language"] == "fr"
    assert mail["Message-ID"] == f"<{row.uid}@livinglab.test>"
    assert enrolment.participant_code in mail.text and enrolment.participant_code in mail.html
    assert "Bonjour" in mail.text and "Bonjour" in mail.html
    assert mail.html.startswith("<!doctype html>") and '<html lang="fr">' in mail.html
    assert mail["List-Unsubscribe"] is None and mail["List-Unsubscribe-Post"] is None  # essential
    # The link goes back into the app, at its public address, and works there.
    [dashboard] = [link for link in links(mail.text) if link.endswith("/dashboard")]
    assert dashboard == BASE_URL + "/dashboard"
    assert client.post("/account/signin", data={"email": person.email, "password": PASSWORD}).status_code == 302
    assert client.get(dashboard.removeprefix(BASE_URL)).status_code == 200
    db.session.refresh(row)
    assert row.status == QueueStatus.SENT and row.sent_at is not None and row.attempts == 1


def test_an_english_speaker_gets_english(smtp_server, run_worker, make_study, verified_user):
    study = make_study("approved")
    member = verified_user("startup", locale="en", organisation="Lab & Co")
    study.organisation_id = member.organisation_id
    notify.review_decision(study, "request_changes", "Please describe the risks.\nAnd the data.")
    db.session.commit()

    run_worker()

    [mail] = smtp_server.to(member.email)
    assert str(mail["Subject"]) == f"Review of “{study.title}”: a decision"
    assert "asked for changes" in mail.text and "Please describe the risks.\nAnd the data." in mail.text
    assert "Please describe the risks." in mail.html and "Hello" in mail.html


def test_a_rolled_back_event_sends_nothing(smtp_server, run_worker, enrolment):
    notify.enrolment_confirmed(enrolment)
    db.session.rollback()

    run_worker()

    assert messages() == [] and smtp_server.received == []


def test_non_essential_mail_carries_one_click_unsubscribe_and_it_works_without_signing_in(
    smtp_server, run_worker, enrolment, app
):
    survey = enrolment.study.surveys[0]
    notify.survey_open(enrolment, survey, closes_on=None)
    db.session.commit()

    run_worker()

    [mail] = smtp_server.received
    header = str(mail["List-Unsubscribe"])
    assert re.fullmatch(r"<https://livinglab\.test/mail/unsubscribe\?token=[\w.\-]+>", header)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert header[1:-1] in mail.text and header[1:-1].replace("&", "&amp;") in mail.html
    [answer] = [link for link in links(mail.text) if "/surveys/" in link]
    assert answer == f"{BASE_URL}/pilots/{enrolment.study_id}/surveys/{survey.key}"
    # A mail client posts RFC 8058's body, with no cookie and no CSRF token.
    anonymous = app.test_client()
    response = anonymous.post(
        header[1:-1].removeprefix(BASE_URL),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    notify.survey_open(enrolment, enrolment.study.surveys[1], closes_on=None)
    db.session.commit()
    run_worker()
    assert len(smtp_server.received) == 1  # that kind is off now: nothing more


def test_message_id_is_the_same_for_every_attempt_of_a_row(smtp_server, run_worker, enrolment):
    smtp_server.recorder.fail_data = ["451 4.3.0 Try again later"]
    notify.enrolment_confirmed(enrolment)
    db.session.commit()

    first = run_worker()
    row = messages()[0]
    assert first.mail.retried == 1 and row.status == QueueStatus.PENDING and row.attempts == 1
    assert "451" in row.last_error
    delay = aware(row.next_attempt_at) - utcnow()
    assert timedelta(seconds=40) < delay < timedelta(seconds=75)  # 60 s, give or take the jitter

    assert run_worker().mail.sent == 0  # not due yet
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert run_worker().mail.sent == 1

    expected = f"<{row.uid}@livinglab.test>"
    assert smtp_server.recorder.attempted_ids == [expected, expected]
    assert [str(m["Message-ID"]) for m in smtp_server.received] == [expected]


def test_a_permanent_refusal_fails_at_once_and_the_outbox_shows_it_without_the_participants_address(
    smtp_server, run_worker, enrolment, coordinator, login, client
):
    address = enrolment.user.email
    smtp_server.recorder.refuse[address] = f"550 5.1.1 <{address.upper()}>: No such user"  # servers quote it
    notify.enrolment_confirmed(enrolment)
    db.session.commit()

    report = run_worker()

    row = messages()[0]
    assert report.mail.failed == 1 and row.status == QueueStatus.FAILED and row.attempts == 1
    assert row.last_error == "550 5.1.1 <[recipient]>: No such user"
    login(coordinator)
    page = client.get("/outbox").get_data(as_text=True)
    assert "No such user" in page and enrolment.participant_code in page
    assert enrolment.user.email not in page
    # A coordinator sends it again once the address is fixed.
    smtp_server.recorder.refuse.clear()
    assert client.post("/outbox/retry", data={"message": str(row.id)}).status_code == 302
    assert run_worker().mail.sent == 1 and len(smtp_server.received) == 1


def test_staff_mail_shows_the_address_on_the_outbox_page(
    smtp_server, run_worker, make_study, verified_user, coordinator, login, client
):
    member = verified_user("startup")
    smtp_server.recorder.refuse[member.email] = "550 5.1.1 No such user"
    study = make_study("approved")
    study.organisation_id = member.organisation_id
    notify.review_decision(study, "approve", "")
    db.session.commit()
    run_worker()
    login(coordinator)
    assert member.email in client.get("/outbox?status=failed").get_data(as_text=True)


def test_after_the_last_attempt_a_temporary_failure_becomes_permanent(
    smtp_server, run_worker, enrolment, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    smtp_server.recorder.fail_data = ["451 busy"] * 3
    notify.enrolment_confirmed(enrolment)
    db.session.commit()
    statuses = []
    for _attempt in range(3):
        run_worker()
        row = db.session.scalar(select(OutboxMessage))
        statuses.append((row.status, row.attempts))
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert statuses == [(QueueStatus.PENDING, 1), (QueueStatus.PENDING, 2), (QueueStatus.FAILED, 3)]
    assert smtp_server.received == []


def test_an_unreachable_server_costs_one_attempt_and_leaves_the_rest_for_later(
    app, monkeypatch, run_worker, enrolment, verified_user
):
    from tests.servers import free_port

    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    others = [verified_user() for _ in range(3)]
    for person in [enrolment.user, *others]:
        outbox.enqueue("password_reset", person, {"link": "/account/reset?token=abc"})
    db.session.commit()

    report = run_worker()

    rows = messages()
    assert report.mail.retried == 1 and report.mail.released == 3 and report.mail.sent == 0
    assert [r.attempts for r in rows] == [1, 0, 0, 0]
    assert {r.status for r in rows} == {QueueStatus.PENDING}
    assert all(aware(r.next_attempt_at) > utcnow() for r in rows)


def test_the_smtp_url_credentials_are_used_to_log_in(app, monkeypatch, run_worker, enrolment):
    from tests.notifications.conftest import start_server

    server = start_server(credentials=("mailer", "s3cret/+:"))
    try:
        monkeypatch.setitem(app.config, "MAIL_URL", server.url("mailer", "s3cret%2F%2B%3A"))
        notify.enrolment_confirmed(enrolment)
        db.session.commit()
        assert run_worker().mail.sent == 1
        assert server.recorder.logins == [("mailer", "s3cret/+:")] and len(server.received) == 1
    finally:
        server.controller.stop()


def test_one_time_links_are_forgotten_once_sent(smtp_server, run_worker, verified_user):
    person = verified_user()
    notify.password_reset(person, "/account/reset?token=one-time-secret")
    db.session.commit()
    run_worker()
    [mail] = smtp_server.received
    assert f"{BASE_URL}/account/reset?token=one-time-secret" in mail.text
    assert messages()[0].context == {}


def test_a_link_to_another_site_is_refused_when_rendering(smtp_server, run_worker, verified_user):
    person = verified_user()
    notify.password_reset(person, "//evil.example/phish")
    db.session.commit()
    report = run_worker()
    assert report.mail.failed == 1 and smtp_server.received == []
    assert "not a path of this app" in messages()[0].last_error


def test_header_injection_through_names_and_titles_stays_in_one_header(
    smtp_server, run_worker, make_user, verified, make_study
):
    person = make_user("startup")
    person.name = "Eve\r\nBcc: victim@example.org"  # the forms refuse it; the mail must not trust them
    verified(person)
    study = make_study("approved")
    study.organisation_id = person.organisation_id
    study.title = "Sleep\r\nBcc: victim@example.org\r\n\r\nbody"
    notify.review_decision(study, "reject", "No.")
    db.session.commit()

    run_worker()

    [mail] = smtp_server.received
    assert mail.rcpt_tos == [person.email]
    assert mail["Bcc"] is None
    assert "\n" not in str(mail["Subject"]) and "\n" not in str(mail["To"])
    assert str(mail["Subject"]) == "Review of “Sleep Bcc: victim@example.org body”: a decision"
    assert mail["To"].addresses[0].addr_spec == person.email


def test_erased_accounts_get_nothing_but_the_erasure_confirmation(smtp_server, run_worker, enrolment):
    person = enrolment.user
    address = person.email
    notify.withdrawal_confirmed(enrolment, erase_data=True)
    notify.erasure_confirmed(address, "fr", answers_kept=False)
    enrolment.user_id = None
    db.session.delete(person)
    db.session.commit()

    run_worker()

    rows = messages()
    assert [(r.kind, r.status) for r in rows] == [
        ("withdrawal_confirmed", QueueStatus.CANCELLED),
        ("erasure_confirmed", QueueStatus.SENT),
    ]
    [mail] = smtp_server.received
    assert mail.rcpt_tos == [address] and "effacé" in mail.text


def test_expired_messages_are_not_sent(smtp_server, run_worker, enrolment):
    survey = enrolment.study.surveys[0]
    notify.survey_reminder(
        enrolment,
        survey,
        None,
        draft_waiting=False,
        final=False,
        day=utcnow().date(),
        expires_at=utcnow() - timedelta(seconds=1),
    )
    db.session.commit()
    run_worker()
    assert smtp_server.received == [] and messages()[0].status == QueueStatus.CANCELLED
