"""The scheduler's jobs. Each is a few set-based statements; none loops over people in Python."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, or_, select, update

from ..auth.models import Organisation, Role, User
from ..extensions import db
from ..studies import workflow
from ..studies.models import Study
from ..timeutil import aware, day_length, days
from .models import OutboxMessage, QueueStatus, WebhookDelivery
from .outbox import enqueue_from, purge_sent
from .scheduler import job
from .settings import setting

DIGEST_STUDIES = 50  # listed in one digest; the count says how many wait in all


def explain_digest(result: dict) -> str:
    if result.get("skipped") == "before_digest_hour":
        return _("Not yet the hour of the digest.")
    if result.get("skipped") == "queue_empty":
        return _("The review queue is empty: no digest.")
    return _(
        "%(digests)d digests of %(protocols)d protocols.", digests=result["digests"], protocols=result["protocols"]
    )


@job(
    "review_digest",
    every=timedelta(hours=1),
    explain=explain_digest,
    label=_l("Each morning, coordinators who chose a digest get the review queue in one message."),
)
def review_digest(now: datetime) -> dict:
    """Each morning, coordinators who chose a digest get the review queue in one message."""
    if now.hour < int(setting("DIGEST_HOUR")):
        return {"skipped": "before_digest_hour"}
    waiting = workflow.in_states(workflow.REVIEWABLE)
    count = db.session.scalar(select(func.count(Study.id)).where(waiting))
    if not count:
        return {"skipped": "queue_empty"}
    rows = db.session.execute(
        select(Study.id, Study.title, Study.submitted_at, Organisation.name, User.email_verified_at)
        .join(Organisation, Organisation.id == Study.organisation_id)
        .join(User, User.id == Study.owner_id)
        .where(waiting)
        .order_by(Study.submitted_at, Study.id)
        .limit(DIGEST_STUDIES)
    ).all()
    studies = [
        {
            "study_id": r.id,
            "title": r.title,
            "organisation": r.name,
            "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
            "submitter_verified": r.email_verified_at is not None,
        }
        for r in rows
    ]
    day = now.date().isoformat()
    recipients = select(
        User.id.label("user_id"),
        (literal("review_digest:") + cast(User.id, String) + literal(":" + day)).label("dedupe_key"),
    ).where(User.role == Role.COORDINATOR)
    added = enqueue_from(
        "review_digest",
        recipients,
        context={"count": count, "studies": studies, "day": day},
        expires_at=now + timedelta(days=1),
        now=now,
    )
    return {"digests": added, "protocols": count}


@job(
    "expire_held",
    every=timedelta(hours=1),
    explain=lambda r: _("%(n)d held messages dropped.", n=r["dropped"]),
    label=_l("Messages held for an address that was never verified are dropped after 30 days."),
)
def expire_held(now: datetime) -> dict:
    """Messages held for an address that was never verified are dropped after HELD_DAYS."""
    cutoff = now - timedelta(days=float(setting("HELD_DAYS")))
    dropped = db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
        update(OutboxMessage)
        .where(OutboxMessage.status == QueueStatus.HELD, OutboxMessage.created_at < cutoff)
        .values(status=QueueStatus.CANCELLED, last_error="held too long: the address was never verified")
        .execution_options(synchronize_session=False)
    ).rowcount
    return {"dropped": dropped}


@job(
    "purge_sent",
    every=timedelta(days=1),
    explain=lambda r: _("%(messages)d messages and %(deliveries)d webhook deliveries deleted.", **r),
    label=_l("Sent mail and delivered webhook events are deleted after 90 days; failures stay."),
)
def purge(now: datetime) -> dict:
    """Sent and cancelled mail, and delivered webhook events, are deleted after 90 days."""
    mail = purge_sent(timedelta(days=90), now)
    hooks = db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
        WebhookDelivery.__table__.delete().where(  # type: ignore[attr-defined]  # a model's __table__ is a Table
            WebhookDelivery.status == QueueStatus.SENT, WebhookDelivery.created_at < now - timedelta(days=90)
        )
    ).rowcount
    return {"messages": mail, "deliveries": hooks}


# Surveys: invitations, reminders and windows closing ------------------------------------------------
#
# A survey opens for a participant on its timepoint's first day after they enrolled and closes on its last
# (participants/schedule.py), and waits until every survey of the earlier timepoints is answered or closed.
# One INSERT ... SELECT per survey of a running pilot and kind of message: how many statements a run makes
# depends on the pilots' surveys, never on the number of participants. The dedupe keys make a second run
# add nothing: `survey_open:<enrolment>:<survey>` and `survey_reminder:<enrolment>:<survey>:<day>`.


def survey_plan(now: datetime) -> list[dict]:
    """Each survey of a pilot that still collects answers, with its window, its reminder days and the
    surveys of each earlier timepoint (with the day they close)."""
    from ..participants.schedule import window_days
    from ..surveys.models import Survey
    from ..surveys.repeats import once_only

    studies = db.session.scalars(select(Study).where(workflow.in_states(workflow.COLLECTING)).order_by(Study.id)).all()
    if not studies:
        return []
    surveys = db.session.scalars(
        select(Survey).where(Survey.study_id.in_([s.id for s in studies])).order_by(Survey.id)
    ).all()
    by_study: dict[int, list] = {}
    for survey in surveys:
        by_study.setdefault(survey.study_id, []).append(survey)
    plan = []
    for study in studies:
        order = {timepoint: n for n, timepoint in enumerate(study.timepoints or [])}
        own = [s for s in once_only(by_study.get(study.id, [])) if s.timepoint in order]  # reports: never reminded
        for survey in own:
            opens, closes = window_days(study, survey.timepoint)
            earlier = [
                (window_days(study, tp)[1], [s.id for s in own if s.timepoint == tp])
                for tp in study.timepoints[: order[survey.timepoint]]
            ]
            plan.append(
                {
                    "study": study,
                    "survey": survey,
                    "earlier": [(day, ids) for day, ids in earlier if ids],
                    "opens": opens,
                    "closes": closes,
                    "reminders": [day for day in study.reminder_days or [] if opens + day < closes],
                }
            )
    return plan


def due_rows(item: dict, key_prefix: str, key_suffix: str, now: datetime, since: timedelta, until: timedelta):
    """The active participants of the pilot whose survey has been open for at least `since` and less than
    `until` (counted from its first day), whose window is still open, who have not answered it and for whom
    every earlier timepoint is answered or closed: (user_id, dedupe_key, participant_code)."""
    from ..participants.models import Enrolment, EnrolmentStatus, Response

    survey, study = item["survey"], item["study"]
    opens, closes = days(item["opens"]), days(item["closes"])
    key = literal(f"{key_prefix}:") + cast(Enrolment.id, String) + literal(f":{survey.id}{key_suffix}")
    answered = select(Response.id).where(Response.enrolment_id == Enrolment.id, Response.survey_id == survey.id)
    query = select(
        Enrolment.user_id.label("user_id"),
        key.label("dedupe_key"),
        Enrolment.participant_code.label("participant_code"),
    ).where(
        Enrolment.study_id == study.id,
        Enrolment.status == EnrolmentStatus.ACTIVE,
        Enrolment.user_id.is_not(None),
        Enrolment.enrolled_at <= now - opens - since,
        Enrolment.enrolled_at > now - opens - until,
        Enrolment.enrolled_at > now - closes,  # its window is open
        ~answered.exists(),
    )
    for close_day, ids in item["earlier"]:  # each earlier timepoint: answered, or its window closed
        done = (
            select(func.count(Response.id))
            .where(Response.enrolment_id == Enrolment.id, Response.survey_id.in_(ids))
            .scalar_subquery()
        )
        query = query.where(or_(done >= len(ids), Enrolment.enrolled_at <= now - days(close_day)))
    return query


def survey_context(item: dict) -> dict:
    """What the survey messages say; `close_day` lets each message give its participant's closing date."""
    study, survey = item["study"], item["survey"]
    return {
        "study_id": study.id,
        "title": study.title,
        "survey": survey.title,
        "survey_key": survey.key,
        "closes_on": None,
        "close_day": item["closes"],
    }


def survey_interval() -> timedelta:
    """Every 10 minutes; eight times a "day" when LIVINGLAB_DAY_SECONDS makes days shorter (a demo)."""
    return min(timedelta(minutes=10), day_length() / 8)


@job(
    "survey_invitations",
    every=survey_interval,
    explain=lambda r: _("%(n)d survey invitations.", n=r["invitations"]),
    label=_l("Participants are told when a survey opens for them, with a direct link."),
)
def survey_invitations(now: datetime) -> dict:
    """The invitation when a survey opens after its delay (a survey open at enrolment needs none: the
    participant is on its page). Sent until the first reminder is due (or the window closes); once per
    enrolment and survey."""
    added = 0
    for item in survey_plan(now):
        if item["opens"] <= 0:
            continue
        last = (item["reminders"] or [item["closes"] - item["opens"]])[0]
        rows = due_rows(item, "survey_open", "", now, timedelta(0), days(last))
        added += enqueue_from("survey_open", rows, context=survey_context(item), expires_at=now + days(last), now=now)
    return {"invitations": added}


@job(
    "survey_reminders",
    every=survey_interval,
    explain=lambda r: _("%(n)d survey reminders.", n=r["reminders"]),
    label=_l("Participants are reminded of a survey left unanswered, on the days the protocol sets."),
)
def survey_reminders(now: datetime) -> dict:
    """Reminders on the protocol's days after opening (`reminder_days`), those falling inside the window;
    each only until the next is due (the last until the window closes, at most two days), so a worker that
    was stopped does not send them all at once. The last one says the window closes and a draft would be
    discarded. Never after the survey is answered, the participant withdrew or the pilot ended."""
    from ..participants.models import Enrolment, SurveyDraft

    added = 0
    for item in survey_plan(now):
        schedule = item["reminders"]
        for n, day in enumerate(schedule):
            final = n + 1 == len(schedule)
            until = min(day + 2, item["closes"] - item["opens"]) if final else schedule[n + 1]
            rows = due_rows(item, "survey_reminder", f":{day}", now, days(day), days(until))
            draft = (
                select(SurveyDraft.id)
                .where(SurveyDraft.enrolment_id == Enrolment.id, SurveyDraft.survey_id == item["survey"].id)
                .exists()
            )
            for waiting in (True, False):
                context = {**survey_context(item), "draft_waiting": waiting, "final": final, "day": day}
                added += enqueue_from(
                    "survey_reminder",
                    rows.where(draft if waiting else ~draft),
                    context=context,
                    expires_at=now + days(until - day),
                    now=now,
                )
    return {"reminders": added}


@job(
    "survey_windows",
    every=survey_interval,
    explain=lambda r: _("%(n)d drafts of closed surveys discarded.", n=r["drafts_discarded"]),
    label=_l("When a survey's window closes unanswered, it is missed and its draft is discarded."),
)
def survey_windows(now: datetime) -> dict:
    """Drafts of surveys whose window has closed are deleted (they are never analysed; the last reminder
    said so), and a pilot in which a window closed since the last run gets a new data version, so that its
    results count the surveys missed. A few statements per survey of a collecting pilot, whatever the number
    of participants."""
    from ..participants.models import Enrolment, EnrolmentStatus, SurveyDraft
    from .models import SchedulerJob

    previous = db.session.scalar(select(SchedulerJob.last_finished_at).where(SchedulerJob.name == "survey_windows"))
    discarded, changed = 0, set()
    for item in survey_plan(now):
        study, close = item["study"], days(item["closes"])
        closed = select(Enrolment.id).where(Enrolment.study_id == study.id, Enrolment.enrolled_at <= now - close)
        discarded += db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
            SurveyDraft.__table__.delete().where(  # type: ignore[attr-defined]  # a model's __table__ is a Table
                SurveyDraft.survey_id == item["survey"].id, SurveyDraft.enrolment_id.in_(closed)
            )
        ).rowcount
        if study.id not in changed:
            just_closed = closed.where(Enrolment.status == EnrolmentStatus.ACTIVE)
            if previous is not None:
                just_closed = just_closed.where(Enrolment.enrolled_at > aware(previous) - close)
            if db.session.scalar(select(just_closed.exists())):
                changed.add(study.id)
    if changed:
        db.session.execute(
            update(Study)
            .where(Study.id.in_(sorted(changed)))
            .values(data_version=Study.data_version + 1)
            .execution_options(synchronize_session=False)
        )
    return {"drafts_discarded": discarded, "pilots_with_closed_windows": len(changed)}


# Startups: the weekly recruitment digest -------------------------------------------------------------

CODES_LISTED = 100  # per list in one digest; the counts are complete


def explain_recruitment(result: dict) -> str:
    if result.get("skipped"):
        return _("Not the day or hour of the weekly digest.")
    return _("%(n)d weekly recruitment digests.", n=result["digests"])


@job(
    "recruitment_digest",
    every=timedelta(hours=1),
    explain=explain_recruitment,
    label=_l("Each week, startup members get their running pilots' enrolments, answers and withdrawals, by code."),
)
def recruitment_digest(now: datetime) -> dict:
    """On DIGEST_WEEKDAY from DIGEST_HOUR: per organisation with a running pilot, the past 7 days' counts
    and participant codes (never a name nor an address), to each member who did not turn it off."""
    from ..participants.models import Enrolment, Response

    if now.weekday() != int(setting("DIGEST_WEEKDAY")) or now.hour < int(setting("DIGEST_HOUR")):
        return {"skipped": "not_digest_time"}
    since = now - timedelta(days=7)
    year, week, _day = now.isocalendar()
    week_key = f"{year}-W{week:02d}"
    studies = db.session.execute(
        select(Study.id, Study.title, Study.organisation_id)
        .where(workflow.in_states(workflow.COLLECTING))
        .order_by(Study.id)
    ).all()
    if not studies:
        return {"digests": 0, "organisations": 0}
    ids = [s.id for s in studies]
    codes: dict[tuple[int, str], list[str]] = {}
    counts: dict[tuple[int, str], int] = {}

    def gather(name, query):
        for study_id, code in db.session.execute(query):
            counts[(study_id, name)] = counts.get((study_id, name), 0) + 1
            listed = codes.setdefault((study_id, name), [])
            if len(listed) < CODES_LISTED:
                listed.append(code)

    gather(
        "enrolled",
        select(Enrolment.study_id, Enrolment.participant_code)
        .where(Enrolment.study_id.in_(ids), Enrolment.enrolled_at > since)
        .order_by(Enrolment.id),
    )
    gather(
        "answered",
        select(Enrolment.study_id, Enrolment.participant_code)
        .join(Response, Response.enrolment_id == Enrolment.id)
        .where(Enrolment.study_id.in_(ids), Response.submitted_at > since)
        .group_by(Enrolment.study_id, Enrolment.participant_code)
        .order_by(Enrolment.participant_code),
    )
    gather(
        "withdrawn",
        select(Enrolment.study_id, Enrolment.participant_code)
        .where(Enrolment.study_id.in_(ids), Enrolment.withdrawn_at > since)
        .order_by(Enrolment.id),
    )
    by_organisation: dict[int, list[dict]] = {}
    for study in studies:
        by_organisation.setdefault(study.organisation_id, []).append(
            {
                "study_id": study.id,
                "title": study.title,
                **{name: counts.get((study.id, name), 0) for name in ("enrolled", "answered", "withdrawn")},
                "codes": {name: codes.get((study.id, name), []) for name in ("enrolled", "answered", "withdrawn")},
            }
        )
    added = 0
    for organisation_id, listed in by_organisation.items():  # one statement per organisation, not per person
        members = select(
            User.id.label("user_id"),
            (literal("recruitment_digest:") + cast(User.id, String) + literal(":" + week_key)).label("dedupe_key"),
        ).where(User.organisation_id == organisation_id, User.role == Role.STARTUP)
        added += enqueue_from(
            "recruitment_digest",
            members,
            context={"studies": listed, "week": week_key},
            expires_at=now + timedelta(days=2),
            now=now,
        )
    return {"digests": added, "organisations": len(by_organisation)}


# Retention: notices before, then the purge of each pilot whose day has come ---------------------------


@job(
    "retention",
    every=timedelta(days=1),
    explain=lambda r: _(
        "%(notices)d retention notices; %(purged)d pilots purged.", notices=r["notices"], purged=len(r["purged"])
    ),
    label=_l(
        "Each day: participants are told 30 days before a pilot's personal data are erased or anonymised, "
        "and pilots whose retention has ended are purged."
    ),
    own_transactions=True,
)
def retention(now: datetime) -> dict:
    """The notices in one short transaction, then one transaction per pilot purged (studies/retention.py)."""
    from ..studies import retention as rules
    from ..transactions import unit_of_work

    with unit_of_work():
        notices = rules.send_notices(now)
    return {"notices": notices, **rules.purge_due(now)}
