"""The outbox: rows in the caller's transaction, the verification gate, preferences, dedupe keys, and
every kind of message rendered in both languages."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from livinglab.errors import Invalid
from livinglab.extensions import db
from livinglab.notifications import notify, outbox
from livinglab.notifications.compose import Recipient, build
from livinglab.notifications.kinds import KINDS
from livinglab.notifications.models import OutboxMessage, QueueStatus
from livinglab.notifications.preferences import set_choice
from livinglab.notifications.samples import SAMPLES  # inputs of the rendering tests
from livinglab.timeutil import utcnow
from tests.notifications.conftest import BASE_URL, clear_outbox


def rows():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_an_unverified_address_gets_only_the_verification_then_the_rest_once_verified(
    smtp_server, run_worker, make_user, make_study
):
    person = make_user("startup")  # email_verified_at is null
    study = make_study("approved")
    study.organisation_id = person.organisation_id
    notify.review_decision(study, "approve", "")
    notify.verify_email(person, "/account/verify?token=abc")
    db.session.commit()

    run_worker()

    assert [str(r["X-LivingLab-Kind"]) for r in smtp_server.to(person.email)] == ["verify_email"]
    assert {(r.kind, r.status) for r in rows()} == {
        ("review_decision", QueueStatus.HELD),
        ("verify_email", QueueStatus.SENT),
    }
    # The accounts branch's verification: set the date and release what waited, in one transaction.
    person.email_verified_at = utcnow()
    assert outbox.release_held(person) == 1
    db.session.commit()
    run_worker()
    assert [str(r["X-LivingLab-Kind"]) for r in smtp_server.to(person.email)] == ["verify_email", "review_decision"]


def test_the_gate_holds_set_based_inserts_too(make_user, verified_user, make_study):
    unverified, checked = make_user("coordinator"), verified_user("coordinator")
    study = make_study("submitted")
    assert notify.review_submitted(study) == 3  # the fixture's coordinator, and these two
    db.session.commit()
    status = {r.user_id: r.status for r in rows()}
    assert status[unverified.id] == QueueStatus.HELD and status[checked.id] == QueueStatus.PENDING


def test_a_message_that_became_unverified_is_held_when_sending(smtp_server, run_worker, verified_user):
    person = verified_user()
    notify.password_reset(person, "/account/reset?token=t")
    person.email_verified_at = None  # say, an email change that is not confirmed yet
    db.session.commit()
    report = run_worker()
    assert report.mail.held == 1 and smtp_server.received == []
    [row] = rows()
    assert row.status == QueueStatus.HELD and row.attempts == 0


def test_held_messages_are_dropped_after_the_held_days(make_user, make_study):
    from livinglab.notifications.jobs import expire_held

    person = make_user("startup")
    study = make_study("approved")
    study.organisation_id = person.organisation_id
    notify.review_decision(study, "approve", "")
    db.session.commit()
    assert expire_held(utcnow() + timedelta(days=29)) == {"dropped": 0}
    assert expire_held(utcnow() + timedelta(days=31)) == {"dropped": 1}
    db.session.commit()
    assert rows()[0].status == QueueStatus.CANCELLED


def test_a_kind_turned_off_is_not_even_written_and_is_cancelled_if_turned_off_later(
    smtp_server, run_worker, verified_user, make_study
):
    person = verified_user("startup")
    study = make_study("approved")
    study.organisation_id = person.organisation_id
    set_choice(person, "review_decision", "off")
    db.session.commit()
    assert notify.review_decision(study, "approve", "") == 0
    set_choice(person, "review_decision", "each")
    assert notify.review_decision(study, "approve", "") == 1
    db.session.commit()
    set_choice(person, "review_decision", "off")  # after the row was written, before it is sent
    db.session.commit()
    run_worker()
    assert smtp_server.received == [] and rows()[0].status == QueueStatus.CANCELLED
    assert rows()[0].last_error == "opted out"


def test_essential_messages_ignore_preferences(smtp_server, run_worker, verified_user):
    person = verified_user()
    with pytest.raises(Invalid):
        set_choice(person, "password_reset", "off")
    db.session.rollback()
    notify.password_reset(person, "/account/reset?token=t")
    db.session.commit()
    assert run_worker().mail.sent == 1


def test_a_dedupe_key_makes_the_second_enqueue_a_no_op(verified_user, make_study):
    from livinglab.participants import services as participation

    person = verified_user()
    study = make_study("recruiting")
    consent = study.current_consent
    enrolment = participation.enrol(
        person,
        study,
        consent_version=consent.version,
        clauses={c["key"]: True for c in consent.clauses},
        signature="P",
        age=30,
        criteria_confirmed=True,
    )
    db.session.commit()
    clear_outbox()  # the enrolment's confirmation
    survey = study.surveys[0]
    today = date.today()
    for _ in range(3):
        notify.survey_reminder(enrolment, survey, None, draft_waiting=True, final=False, day=today)
    notify.survey_reminder(enrolment, survey, None, draft_waiting=True, final=True, day=today + timedelta(days=4))
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2


def test_enqueue_refuses_what_it_cannot_send(verified_user):
    person = verified_user()
    with pytest.raises(ValueError, match="unknown message kind"):
        outbox.enqueue("nonsense", person, {})
    with pytest.raises(ValueError, match="needs link"):
        outbox.enqueue("password_reset", person, {})
    with pytest.raises(ValueError, match="accounts only"):
        outbox.enqueue("survey_open", None, SAMPLES["survey_open"], to_address="someone@example.org")
    with pytest.raises(ValueError, match="JSON"):
        outbox.enqueue("password_reset", person, {"link": "/x", "bad": object()})


# Every kind, both languages --------------------------------------------------------------------------


def test_every_kind_has_a_sample_here():
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_renders_both_parts_in_english_and_french_with_working_links(app, kind, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    message = OutboxMessage(uid="0" * 32, kind=kind, context=SAMPLES[kind], participant_code="P-AAAA1111")
    rendered = {}
    for locale in ("en", "fr"):
        email = build(message, Recipient("someone@example.org", "Ana", locale, user_id=5))
        text = email.get_body(preferencelist=("plain",)).get_content()
        html = email.get_body(preferencelist=("html",)).get_content()
        rendered[locale] = (str(email["Subject"]), text, html)
        for part in (text, html):
            assert "%(" not in part and "{{" not in part and "{%" not in part
            assert "Ana" in part
        assert f'<html lang="{locale}">' in html
        for link in re.findall(r"https?://[^\s\"<>]+", text + html):
            assert link.startswith(BASE_URL + "/"), link
        assert (email["List-Unsubscribe"] is None) == KINDS[kind].essential
    assert rendered["en"][0] != rendered["fr"][0] and rendered["en"][1] != rendered["fr"][1]
    assert "Hello Ana," in rendered["en"][1] and "Bonjour Ana," in rendered["fr"][1]


def test_html_parts_escape_what_people_typed(app):
    message = OutboxMessage(uid="1" * 32, kind="review_decision", context=SAMPLES["review_decision"])
    email = build(message, Recipient("someone@example.org", "<script>x</script>", "en", user_id=5))
    html = email.get_body(preferencelist=("html",)).get_content()
    assert "<b>risk</b>" not in html and "&lt;b&gt;risk&lt;/b&gt;" in html
    assert "<script>" not in html
