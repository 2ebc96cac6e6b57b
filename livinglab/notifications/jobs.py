"""The scheduler's jobs. Each is a few set-based statements; none loops over people in Python."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, select, update

from ..auth.models import Organisation, Role, User
from ..extensions import db
from ..studies import workflow
from ..studies.models import Study
from ..timeutil import day_length, days
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


# Surveys: invitations and reminders ------------------------------------------------------------------
#
# A survey opens for a participant `delay` days (the timepoint's, in the protocol) after they enrolled,
# once every survey of the earlier timepoints is answered (participants/schedule.py). One INSERT ... SELECT
# per survey of a running pilot and kind of message: how many statements a run makes depends on the
# pilots' surveys, never on the number of participants. The dedupe keys make a second run add nothing:
# `survey_open:<enrolment>:<survey>` and `survey_reminder:<enrolment>:<survey>:<day after opening>`.


def reminder_days() -> list[int]:
    """LIVINGLAB_REMINDER_DAYS: "3,7" (or a JSON list); days after opening, at most 5 of them."""
    value = setting("REMINDER_DAYS")
    items = value if isinstance(value, (list, tuple)) else str(value).replace(";", ",").split(",")
    out = set()
    for item in items:
        try:
            number = int(str(item).strip())
        except ValueError:
            continue
        if 0 < number <= 365:
            out.add(number)
    return sorted(out)[:5]


def survey_plan(now: datetime) -> list[dict]:
    """Each survey of a pilot that still collects answers, with its delay and the surveys before it."""
    from ..surveys.models import Survey

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
        delays = study.timepoint_delays or {}
        own = [s for s in by_study.get(study.id, []) if s.timepoint in order]
        for survey in own:
            earlier = [s.id for s in own if order[s.timepoint] < order[survey.timepoint]]
            plan.append(
                {
                    "study": study,
                    "survey": survey,
                    "earlier": earlier,
                    "delay": int(delays.get(survey.timepoint, 0) or 0),
                }
            )
    return plan


def due_rows(item: dict, key_prefix: str, key_suffix: str, opened_before: datetime, opened_after: datetime):
    """The active participants of the pilot for whom this survey opened between the two moments, who have
    not answered it and answered every earlier survey: (user_id, dedupe_key, participant_code)."""
    from ..participants.models import Enrolment, EnrolmentStatus, Response

    survey, study, earlier = item["survey"], item["study"], item["earlier"]
    delay = days(item["delay"])
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
        Enrolment.enrolled_at <= opened_before - delay,
        Enrolment.enrolled_at > opened_after - delay,
        ~answered.exists(),
    )
    if earlier:
        done = (
            select(func.count(Response.id))
            .where(Response.enrolment_id == Enrolment.id, Response.survey_id.in_(earlier))
            .scalar_subquery()
        )
        query = query.where(done >= len(earlier))
    return query


def survey_context(item: dict) -> dict:
    study, survey = item["study"], item["survey"]
    return {
        "study_id": study.id,
        "title": study.title,
        "survey": survey.title,
        "survey_key": survey.key,
        "closes_on": None,
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
    participant is on its page). Sent until the first reminder is due; once per enrolment and survey."""
    first_reminder = (reminder_days() or [3])[0]
    added = 0
    for item in survey_plan(now):
        if item["delay"] <= 0:
            continue
        rows = due_rows(item, "survey_open", "", now, now - days(first_reminder))
        added += enqueue_from(
            "survey_open", rows, context=survey_context(item), expires_at=now + days(first_reminder), now=now
        )
    return {"invitations": added}


@job(
    "survey_reminders",
    every=survey_interval,
    explain=lambda r: _("%(n)d survey reminders.", n=r["reminders"]),
    label=_l("Participants are reminded of a survey left unanswered (3 and 7 days after it opened)."),
)
def survey_reminders(now: datetime) -> dict:
    """Reminders on the days after opening of LIVINGLAB_REMINDER_DAYS; each only until the next is due
    (the last for two days), so a worker that was stopped does not send them all at once. Never after
    the survey is answered, the participant withdrew or the pilot ended; a waiting draft is mentioned."""
    from ..participants.models import Enrolment, SurveyDraft

    schedule = reminder_days()
    added = 0
    for item in survey_plan(now):
        for n, day in enumerate(schedule):
            until = schedule[n + 1] if n + 1 < len(schedule) else day + 2
            rows = due_rows(item, "survey_reminder", f":{day}", now - days(day), now - days(until))
            draft = (
                select(SurveyDraft.id)
                .where(SurveyDraft.enrolment_id == Enrolment.id, SurveyDraft.survey_id == item["survey"].id)
                .exists()
            )
            for waiting in (True, False):
                # `final` announces a closing window: survey windows do not exist yet, so never final.
                context = {**survey_context(item), "draft_waiting": waiting, "final": False, "day": day}
                added += enqueue_from(
                    "survey_reminder",
                    rows.where(draft if waiting else ~draft),
                    context=context,
                    expires_at=now + days(until - day),
                    now=now,
                )
    return {"reminders": added}


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
