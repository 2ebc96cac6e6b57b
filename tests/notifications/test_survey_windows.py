"""The survey calendar's jobs with windows (issue 11, items 7, 11, 12, 14): invitations and reminders only
while a window is open, on the protocol's reminder days; the last reminder says when the window closes and
that a draft would be discarded; drafts of closed windows are discarded; a closed window bumps the data
version so results count the missed surveys. Set-based and idempotent."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from livinglab.extensions import db
from livinglab.notifications.jobs import survey_invitations, survey_reminders, survey_windows
from livinglab.notifications.models import OutboxMessage
from livinglab.participants.models import Enrolment, Response, SurveyDraft
from livinglab.studies.models import Study
from livinglab.timeutil import utcnow
from tests.notifications.conftest import clear_outbox
from tests.notifications.test_wiring import enrol

OPENS, CLOSES = 28, 38  # the follow-up's window, in days after enrolment


@pytest.fixture
def pilot(make_study):
    study = make_study("recruiting")
    study.timepoint_delays = {"follow_up": OPENS}
    study.timepoint_closes = {"baseline": 7, "follow_up": CLOSES}
    study.reminder_days = [2, 5, 12]  # day 12 falls after the window (10 days long): never sent
    db.session.commit()
    return study


def enrolled_at(person, study, moment: datetime, answered_baseline=True):
    enrolment = enrol(person, study)
    db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id).values(enrolled_at=moment))
    if answered_baseline:
        baseline = next(s for s in study.surveys if s.timepoint == "baseline")
        db.session.add(Response(enrolment_id=enrolment.id, survey_id=baseline.id))
    db.session.commit()
    clear_outbox()
    return enrolment


def outbox(kind):
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()


def test_reminders_follow_the_protocol_days_inside_the_window_and_the_last_says_so(
    smtp_server, run_worker, pilot, verified_user
):
    person = verified_user("participant")
    start = utcnow() - timedelta(days=OPENS)
    enrolment = enrolled_at(person, pilot, start)
    follow_up = next(s for s in pilot.surveys if s.timepoint == "follow_up")
    db.session.add(SurveyDraft(enrolment_id=enrolment.id, survey_id=follow_up.id, answers={"sleep_hours": 7}))
    db.session.commit()
    now = utcnow()
    assert survey_invitations(now + timedelta(hours=1)) == {"invitations": 1}
    assert survey_reminders(now + timedelta(days=1)) == {"reminders": 0}
    assert survey_reminders(now + timedelta(days=2, hours=1)) == {"reminders": 1}
    assert survey_reminders(now + timedelta(days=5, hours=1)) == {"reminders": 1}
    for later in (6, 9, 12.5, 13):  # nothing more: day 12 is after the window closed (day 10 after opening)
        assert survey_reminders(now + timedelta(days=later)) == {"reminders": 0}
    db.session.commit()
    [first, last] = outbox("survey_reminder")
    assert first.context["final"] is False and last.context["final"] is True
    # The jobs ran "in the future": their messages are due from then; the worker sends them now.
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    run_worker(run_jobs=False)
    mails = smtp_server.to(person.email)
    final = next(m for m in mails if "Last reminder" in str(m["Subject"]))
    closes = (start + timedelta(days=CLOSES)).date()
    assert f"It closes on {closes.day} {closes:%b} {closes.year}." in final.text  # its own closing date
    assert "your draft will be discarded" in final.text


def test_no_invitation_nor_reminder_once_the_window_closed(pilot, verified_user):
    enrolled_at(verified_user("participant"), pilot, utcnow() - timedelta(days=CLOSES, hours=1))
    now = utcnow()
    assert survey_invitations(now) == {"invitations": 0}
    assert survey_reminders(now) == {"reminders": 0}


def test_a_missed_baseline_does_not_hold_the_follow_up_back(pilot, verified_user):
    enrolled_at(verified_user("participant"), pilot, utcnow() - timedelta(days=OPENS, hours=1), answered_baseline=False)
    assert survey_invitations(utcnow()) == {"invitations": 1}


def test_drafts_of_closed_windows_are_discarded_and_the_results_learn_of_it(pilot, verified_user):
    closed = enrolled_at(verified_user("participant"), pilot, utcnow() - timedelta(days=CLOSES, hours=1))
    still_open = enrolled_at(verified_user("participant"), pilot, utcnow() - timedelta(days=OPENS + 1))
    follow_up = next(s for s in pilot.surveys if s.timepoint == "follow_up")
    for enrolment in (closed, still_open):
        db.session.add(SurveyDraft(enrolment_id=enrolment.id, survey_id=follow_up.id, answers={"sleep_hours": 7}))
    db.session.commit()
    version = db.session.scalar(select(Study.data_version).where(Study.id == pilot.id))
    result = survey_windows(utcnow())
    db.session.commit()
    assert result == {"drafts_discarded": 1, "pilots_with_closed_windows": 1}
    assert db.session.scalars(select(SurveyDraft.enrolment_id)).all() == [still_open.id]
    assert db.session.scalar(select(Study.data_version).where(Study.id == pilot.id)) == version + 1
    assert survey_windows(utcnow())["drafts_discarded"] == 0  # idempotent


def test_the_windows_job_makes_as_many_statements_for_30_participants_as_for_1(pilot, make_user, count_queries):
    def statements():
        with count_queries() as seen:
            survey_windows(utcnow())
        db.session.rollback()
        return len(seen)

    enrolled_at(make_user("participant"), pilot, utcnow() - timedelta(days=CLOSES + 1))
    one = statements()
    for _ in range(29):
        enrolled_at(make_user("participant"), pilot, utcnow() - timedelta(days=CLOSES + 1))
    assert statements() == one
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 30
