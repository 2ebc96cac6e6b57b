"""The domain events that speak: review and recruitment moves, enrolment, answers, withdrawal and erasure
(mail and webhook events, in the event's own transaction), and the scheduler's survey invitations,
reminders and weekly recruitment digest: set-based, idempotent, never after an answer, a withdrawal or
the end of the pilot."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from livinglab.errors import Invalid
from livinglab.extensions import db
from livinglab.notifications import scheduler
from livinglab.notifications.jobs import recruitment_digest, survey_invitations, survey_reminders
from livinglab.notifications.models import OutboxMessage, QueueStatus, WebhookDelivery, WebhookEndpoint
from livinglab.participants import gdpr
from livinglab.participants import services as participation
from livinglab.participants.models import Enrolment, Response, SurveyDraft
from livinglab.studies import services as studies
from livinglab.timeutil import utcnow
from tests.notifications.conftest import BASE_URL, clear_outbox

DELAY = 28


def enrol(person, study):
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
    return enrolment


def rows(kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def kinds(server, address):
    return [str(m["X-LivingLab-Kind"]) for m in server.to(address)]


# Review and recruitment -----------------------------------------------------------------------------


def test_each_move_of_the_lifecycle_tells_the_right_people(
    app, smtp_server, run_worker, make_study, startup, coordinator, verified, verified_user, colleague
):
    verified(startup), verified(coordinator), verified(colleague)
    digest_fan = verified_user("coordinator")
    from livinglab.notifications.preferences import set_choice

    set_choice(digest_fan, "review_submitted", "digest")
    db.session.commit()
    study = make_study("draft")
    studies.submit(startup, study)
    db.session.commit()
    studies.decide(coordinator, study, "request_changes", "Describe the <b>risks</b> better.")
    db.session.commit()
    run_worker()
    assert kinds(smtp_server, coordinator.email) == ["review_submitted"]
    assert kinds(smtp_server, digest_fan.email) == []  # the digest, not each
    for member in (startup, colleague):
        [decision] = smtp_server.to(member.email)
        assert str(decision["X-LivingLab-Kind"]) == "review_decision"
        assert "Describe the <b>risks</b> better." in decision.text
        assert "&lt;b&gt;" in decision.html and decision["List-Unsubscribe"] is not None

    studies.submit(startup, study)
    studies.decide(coordinator, study, "approve", "")
    studies.set_recruitment(startup, study, "recruiting")
    studies.set_recruitment(coordinator, study, "paused")
    db.session.commit()
    run_worker()
    moves = [(str(m["X-LivingLab-Kind"]), str(m["Subject"])) for m in smtp_server.to(coordinator.email)]
    assert [k for k, _s in moves] == [
        "review_submitted",
        "review_submitted",
        "recruitment_changed",
        "recruitment_changed",
    ]
    assert "open" in moves[2][1] and "paused" in moves[3][1]
    assert kinds(smtp_server, startup.email)[-2:] == ["recruitment_changed", "recruitment_changed"]


def test_a_rolled_back_decision_sends_nothing(smtp_server, run_worker, make_study, coordinator, verified, startup):
    verified(startup)
    study = make_study("submitted")
    studies.decide(coordinator, study, "approve", "")
    db.session.rollback()
    run_worker()
    assert rows() == [] and smtp_server.received == []


def test_the_decision_is_in_the_recipients_language(
    smtp_server, run_worker, make_study, coordinator, startup, verified
):
    startup.locale = "fr"
    verified(startup)
    study = make_study("submitted")
    studies.decide(coordinator, study, "reject", "Pas de plan de gestion des risques.")
    db.session.commit()
    run_worker()
    [mail] = smtp_server.to(startup.email)
    assert mail["Content-Language"] == "fr" and "Pas de plan de gestion des risques." in mail.text
    assert "Bonjour" in mail.text and "decision" not in str(mail["Subject"])


# Participants: confirmations and webhooks ------------------------------------------------------------


@pytest.fixture
def hook(make_study, startup):
    """A recruiting pilot whose organisation listens to every event."""
    study = make_study("recruiting")
    db.session.add(
        WebhookEndpoint(
            organisation_id=startup.organisation_id, url="https://hooks.example/x", secret="s" * 32, events=[]
        )
    )
    db.session.commit()
    return study


def test_enrolment_answer_and_withdrawal_mail_the_participant_and_post_codes_only(
    smtp_server, run_worker, hook, verified_user
):
    person = verified_user("participant", locale="fr")
    enrolment = enrol(person, hook)
    participation.submit_response(person, hook, "baseline", {"sleep_hours": 6, **{f"who_{n}": 3 for n in range(1, 6)}})
    participation.withdraw(person, hook, erase_data=False)
    db.session.commit()
    run_worker(run_jobs=False)
    assert kinds(smtp_server, person.email) == ["enrolment_confirmed", "withdrawal_confirmed"]
    assert all(m["Content-Language"] == "fr" for m in smtp_server.to(person.email))
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.event for d in deliveries] == ["enrolment", "answer", "withdrawal"]
    for delivery in deliveries:
        assert delivery.payload["participant_code"] == enrolment.participant_code
        text = str(delivery.payload)
        assert person.email not in text and person.name not in text


def test_a_refused_enrolment_posts_and_mails_nothing(hook, verified_user):
    person = verified_user("participant")
    consent = hook.current_consent
    with pytest.raises(Invalid):
        participation.enrol(
            person,
            hook,
            consent_version=consent.version,
            clauses={c["key"]: False for c in consent.clauses},
            signature=person.name,
            age=30,
            criteria_confirmed=True,
        )
    db.session.rollback()
    assert rows() == [] and db.session.scalar(select(func.count(WebhookDelivery.id))) == 0


def test_erasure_is_confirmed_at_the_address_the_account_had(smtp_server, run_worker, hook, verified_user):
    person = verified_user("participant")
    address = person.email
    enrol(person, hook)
    clear_outbox()
    gdpr.erase_account(person)
    db.session.commit()
    run_worker(run_jobs=False)
    assert kinds(smtp_server, address) == ["erasure_confirmed"]


def test_an_unverified_account_erased_gets_nothing(smtp_server, run_worker, hook, make_user):
    person = make_user("participant")
    address = person.email
    enrol(person, hook)
    gdpr.erase_account(person)
    db.session.commit()
    run_worker(run_jobs=False)
    assert smtp_server.to(address) == []


# Surveys: invitations and reminders ------------------------------------------------------------------


@pytest.fixture
def pilot(make_study):
    study = make_study("recruiting")
    study.timepoint_delays = {"follow_up": DELAY}
    # The baseline stays open until the follow-up's first days (a late baseline holds the follow-up back).
    study.timepoint_closes = {"baseline": DELAY + 2, "follow_up": DELAY + 14}
    db.session.commit()
    return study


def enrolled_days_ago(person, study, days: float, answered_baseline=True):
    enrolment = enrol(person, study)
    db.session.execute(
        update(Enrolment).where(Enrolment.id == enrolment.id).values(enrolled_at=utcnow() - timedelta(days=days))
    )
    if answered_baseline:
        baseline = next(s for s in study.surveys if s.timepoint == "baseline")
        db.session.add(Response(enrolment_id=enrolment.id, survey_id=baseline.id))
    db.session.commit()
    clear_outbox()
    return enrolment


def test_the_invitation_goes_when_the_survey_opens_once_with_a_direct_link(
    smtp_server, run_worker, pilot, verified_user
):
    due = verified_user("participant", locale="fr")
    early = verified_user("participant")
    behind = verified_user("participant")
    enrolment = enrolled_days_ago(due, pilot, DELAY + 0.5)
    enrolled_days_ago(early, pilot, DELAY - 1)
    enrolled_days_ago(behind, pilot, DELAY + 0.5, answered_baseline=False)  # baseline first
    now = utcnow()
    assert survey_invitations(now) == {"invitations": 1}
    assert survey_invitations(now) == {"invitations": 0}  # the same run again: nothing new
    db.session.commit()
    assert scheduler.run_job("survey_invitations", "w", now, force=True) == {"invitations": 0}
    run_worker(run_jobs=False)
    [mail] = smtp_server.received
    assert mail.rcpt_tos == [due.email] and mail["Content-Language"] == "fr"
    assert f"{BASE_URL}/pilots/{pilot.id}/surveys/follow_up" in mail.text
    assert mail["List-Unsubscribe"] is not None and enrolment.participant_code in mail.text


def test_reminders_on_days_3_and_7_never_after_an_answer_a_withdrawal_or_the_end(
    smtp_server, run_worker, pilot, verified_user, coordinator
):
    waiting, drafted, answered, withdrawn = (verified_user("participant") for _ in range(4))
    people = {
        name: enrolled_days_ago(person, pilot, DELAY + 3.5)
        for name, person in (
            ("waiting", waiting),
            ("drafted", drafted),
            ("answered", answered),
            ("withdrawn", withdrawn),
        )
    }
    follow_up = next(s for s in pilot.surveys if s.timepoint == "follow_up")
    db.session.add(SurveyDraft(enrolment_id=people["drafted"].id, survey_id=follow_up.id, answers={"sleep_hours": 7}))
    db.session.add(Response(enrolment_id=people["answered"].id, survey_id=follow_up.id))
    participation.withdraw(withdrawn, pilot, erase_data=False)
    db.session.commit()
    clear_outbox()

    now = utcnow()
    assert survey_reminders(now) == {"reminders": 2}
    assert survey_reminders(now) == {"reminders": 0}
    db.session.commit()
    keys = sorted(r.dedupe_key for r in rows("survey_reminder"))
    assert keys == sorted(f"survey_reminder:{people[n].id}:{follow_up.id}:3" for n in ("waiting", "drafted"))
    run_worker(run_jobs=False)
    [drafted_mail] = smtp_server.to(drafted.email)
    [plain_mail] = smtp_server.to(waiting.email)
    assert "draft" in drafted_mail.text and "draft" not in plain_mail.text

    # Day 7: the second reminder, once; not for whoever answered meanwhile.
    db.session.add(Response(enrolment_id=people["drafted"].id, survey_id=follow_up.id))
    db.session.commit()
    later = now + timedelta(days=4)
    assert survey_reminders(later) == {"reminders": 1}
    assert survey_reminders(later + timedelta(hours=5)) == {"reminders": 0}
    db.session.commit()
    # The pilot ends: nothing more, and what was not sent yet is cancelled.
    studies.end_study(coordinator, pilot, "Enough answers.")
    db.session.commit()
    assert {r.status for r in rows("survey_reminder") if r.status != QueueStatus.SENT} == {QueueStatus.CANCELLED}
    assert survey_reminders(later + timedelta(days=1)) == {"reminders": 0}
    assert survey_invitations(later + timedelta(days=1)) == {"invitations": 0}


def test_an_answer_cancels_the_invitation_not_sent_yet(pilot, verified_user):
    person = verified_user("participant")
    enrolment = enrolled_days_ago(person, pilot, DELAY + 0.5)
    assert survey_invitations(utcnow()) == {"invitations": 1}
    db.session.commit()
    participation.submit_response(
        person,
        pilot,
        "follow_up",
        {"sleep_hours": 7, **{f"who_{n}": 3 for n in range(1, 6)}, **{f"sus_{n}": 3 for n in range(1, 11)}},
    )
    db.session.commit()
    [row] = rows("survey_open")
    assert row.status == QueueStatus.CANCELLED and row.participant_code == enrolment.participant_code


def test_the_survey_jobs_make_as_many_statements_for_30_participants_as_for_1(pilot, make_user, count_queries):
    def statements():
        with count_queries() as seen:
            survey_invitations(utcnow())
            survey_reminders(utcnow())
        db.session.rollback()
        return len(seen)

    enrolled_days_ago(make_user("participant"), pilot, DELAY + 3.5)
    one = statements()
    for _ in range(29):
        enrolled_days_ago(make_user("participant"), pilot, DELAY + 3.5)
    assert statements() == one


def test_a_shorter_day_for_a_demo(app, monkeypatch, pilot, verified_user):
    """LIVINGLAB_DAY_SECONDS=60: the follow-up due after 28 days opens after 28 minutes, reminders follow."""
    monkeypatch.setitem(app.config, "DAY_SECONDS", 60)
    person = verified_user("participant")
    enrolment = enrol(person, pilot)
    baseline = next(s for s in pilot.surveys if s.timepoint == "baseline")
    db.session.add(Response(enrolment_id=enrolment.id, survey_id=baseline.id))
    db.session.commit()
    now = utcnow()
    assert survey_invitations(now + timedelta(minutes=DELAY - 1)) == {"invitations": 0}
    assert survey_invitations(now + timedelta(minutes=DELAY + 1)) == {"invitations": 1}
    assert survey_reminders(now + timedelta(minutes=DELAY + 3.5)) == {"reminders": 1}
    states = participation.states_for(enrolment)
    assert [d.state for d in states] == ["answered", "scheduled"]  # the page agrees: not yet open now


# Startups: the weekly digest --------------------------------------------------------------------------


def test_the_weekly_digest_counts_by_code_once_a_week(
    app, monkeypatch, smtp_server, run_worker, hook, startup, verified, verified_user, colleague
):
    verified(startup), verified(colleague)
    people = [verified_user("participant") for _ in range(2)]
    codes = [enrol(p, hook).participant_code for p in people]
    participation.withdraw(people[1], hook, erase_data=False)
    db.session.commit()
    clear_outbox()
    now = utcnow()
    monkeypatch.setitem(app.config, "DIGEST_WEEKDAY", (now.weekday() + 1) % 7)
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 0)
    assert recruitment_digest(now) == {"skipped": "not_digest_time"}
    monkeypatch.setitem(app.config, "DIGEST_WEEKDAY", now.weekday())
    assert recruitment_digest(now) == {"digests": 2, "organisations": 1}
    assert recruitment_digest(now) == {"digests": 0, "organisations": 1}
    db.session.commit()
    run_worker(run_jobs=False)
    [mail] = smtp_server.to(startup.email)
    assert str(mail["X-LivingLab-Kind"]) == "recruitment_digest"
    assert all(code in mail.text for code in codes)
    assert all(p.email not in mail.text and p.name not in mail.text for p in people)
