"""One call per message kind: what the domain functions call, in their own transaction, to say
something to someone. Each adds outbox rows and never commits; the worker sends them.

Where each is called (issue 11, items 5-10):

    verify_email(user, link)                  auth/mail_links.send_verification: registration (page, API, a
                                              pilot's consent page, coordinators, CLI), "send the link again",
                                              a reset asked for an unverified address
    password_reset(user, link)                auth/mail_links.request_reset ("forgot password", page and API)
    email_change(user, new_email, link)       auth/mail_links.request_email_change
    organisation_invitation(email, organisation, inviter, link, locale)
                                              auth/organisations.invite (when the inviter is verified)
    consent_changed(study, version, reconsent_required)
                                              not called yet: no flow changes the consent of a running study
    enrolment_confirmed(enrolment)            participants.services.admit (every enrolment)
    withdrawal_confirmed(enrolment, erase_data)
                                              participants.services.withdraw
    erasure_confirmed(email, locale, answers_kept)
                                              participants.gdpr.erase_account (address captured before)
    review_submitted(study)                   studies.workflow.move: submit (and resubmit)
    review_decision(study, decision, comment) studies.workflow.move: approve, request_changes, reject
    recruitment_changed(study, state)         studies.workflow.move: open, pause, close, end
    survey_open / survey_reminder             jobs.survey_invitations / jobs.survey_reminders (set-based,
                                              with the same dedupe keys as these one-at-a-time doors)
    recruitment_digest(user, studies)         jobs.recruitment_digest (set-based, weekly)
    cancel_survey_mail(...)                   participants.services: an answer, a withdrawal; the end of a pilot
    webhooks.emit(organisation_id, "enrolment" | "answer" | "withdrawal", {codes})
                                              participants.services: admit, submit_response, withdraw

Links are app paths (`/account/verify?token=...`), made absolute with LIVINGLAB_BASE_URL when sent."""

from datetime import date, datetime

from sqlalchemy import ColumnElement, cast, null, select
from sqlalchemy.types import String

from ..auth.models import Role, User
from ..extensions import db
from . import outbox

# Accounts --------------------------------------------------------------------------------------------


def verify_email(user: User, link: str):
    """The only message an unverified address gets: the link that verifies it."""
    return outbox.enqueue("verify_email", user, {"link": link})


def password_reset(user: User, link: str, expires_minutes: int = 60):
    return outbox.enqueue("password_reset", user, {"link": link, "expires_minutes": expires_minutes})


def email_change(user: User, new_email: str, link: str):
    """Confirmation to the new address (it verifies it), and a notice to the current one."""
    confirm = outbox.enqueue("email_change_confirm", user, {"link": link, "new_email": new_email}, to_address=new_email)
    notice = outbox.enqueue("email_change_notice", user, {"new_email": new_email}, to_address=user.email)
    return confirm, notice


def organisation_invitation(email: str, organisation: str, inviter: str, link: str, locale: str | None = None):
    """To someone who may have no account yet: addressed by email, in the inviter's language."""
    existing = db.session.scalar(select(User).where(User.email == email))
    return outbox.enqueue(
        "organisation_invitation",
        existing,
        {"link": link, "organisation": organisation, "inviter": inviter},
        to_address=None if existing is not None else email,
        locale=None if existing is not None else locale,
    )


# Participation ---------------------------------------------------------------------------------------


def enrolled_participants(study_id: int):
    from ..participants.models import Enrolment, EnrolmentStatus

    return select(
        Enrolment.user_id.label("user_id"),
        cast_null().label("dedupe_key"),
        Enrolment.participant_code.label("participant_code"),
    ).where(Enrolment.study_id == study_id, Enrolment.status == EnrolmentStatus.ACTIVE, Enrolment.user_id.is_not(None))


def consent_changed(study, version: int, reconsent_required: bool = True) -> int:
    """To every active participant of the study: a new consent version (sign it again if required)."""
    return outbox.enqueue_from(
        "consent_changed",
        enrolled_participants(study.id),
        context={
            "study_id": study.id,
            "title": study.title,
            "consent_version": version,
            "reconsent_required": reconsent_required,
        },
    )


def enrolment_confirmed(enrolment):
    return outbox.enqueue(
        "enrolment_confirmed",
        enrolment.user,
        {"study_id": enrolment.study_id, "title": enrolment.study.title},
        participant_code=enrolment.participant_code,
    )


def withdrawal_confirmed(enrolment, erase_data: bool):
    return outbox.enqueue(
        "withdrawal_confirmed",
        enrolment.user,
        {"study_id": enrolment.study_id, "title": enrolment.study.title, "erase_data": bool(erase_data)},
        participant_code=enrolment.participant_code,
    )


def erasure_confirmed(email: str, locale: str | None, answers_kept: bool):
    """After the account is gone: to the address it had (read it before erasing)."""
    return outbox.enqueue(
        "erasure_confirmed", None, {"answers_kept": bool(answers_kept)}, to_address=email, locale=locale
    )


# Review and recruitment ------------------------------------------------------------------------------


def review_submitted(study, amendment: int | None = None) -> int:
    """To every coordinator who wants each submission (the others get the daily digest, or nothing); an
    amendment's submission names the protocol version it proposes."""
    from ..auth.models import Organisation
    from ..studies.rounds import PROTOCOL, letter_counts

    owner = db.session.get(User, study.owner_id)
    organisation = db.session.get(Organisation, study.organisation_id)
    coordinators = select(User.id.label("user_id"), cast_null().label("dedupe_key")).where(
        User.role == Role.COORDINATOR
    )
    return outbox.enqueue_from(
        "review_submitted",
        coordinators,
        context={
            "study_id": study.id,
            "title": study.title,
            "organisation": organisation.name if organisation else "",
            "submitter_verified": bool(owner is not None and owner.email_verified_at is not None),
            "amendment": amendment,
            "letter": letter_counts(study, amendment or PROTOCOL),  # a resubmission: its response letter
        },
    )


def organisation_members(organisation_id: int):
    return select(User.id.label("user_id"), cast_null().label("dedupe_key")).where(
        User.organisation_id == organisation_id, User.role == Role.STARTUP
    )


def review_decision(study, decision: str, comment: str | None, amendment: int | None = None) -> int:
    """To every member of the study's organisation: approved, changes requested or rejected, with the comment
    (of the study's protocol, or of the amendment proposing protocol version `amendment`)."""
    return outbox.enqueue_from(
        "review_decision",
        organisation_members(study.organisation_id),
        context={
            "study_id": study.id,
            "title": study.title,
            "decision": str(decision),
            "comment": comment or "",
            "amendment": amendment,
        },
    )


def recruitment_changed(study, state: str) -> int:
    """To the organisation's members and to coordinators: recruitment opened, paused, closed or ended."""
    recipients = select(User.id.label("user_id"), cast_null().label("dedupe_key")).where(
        ((User.organisation_id == study.organisation_id) & (User.role == Role.STARTUP))
        | (User.role == Role.COORDINATOR)
    )
    return outbox.enqueue_from(
        "recruitment_changed", recipients, context={"study_id": study.id, "title": study.title, "state": str(state)}
    )


def recruitment_digest(user: User, studies: list[dict], week: str):
    """The weekly digest of one startup member: per study, counts and participant codes only
    (`{"study_id", "title", "enrolled", "answered", "withdrawn", "codes": {"enrolled": [...], ...}}`)."""
    return outbox.enqueue(
        "recruitment_digest", user, {"studies": studies, "week": week}, key=f"recruitment_digest:{user.id}:{week}"
    )


# Surveys ---------------------------------------------------------------------------------------------


def survey_open(enrolment, survey, closes_on: date | None):
    """The invitation when a survey opens, with a direct link; once per enrolment and survey."""
    return outbox.enqueue(
        "survey_open",
        enrolment.user,
        {
            "study_id": enrolment.study_id,
            "title": enrolment.study.title,
            "survey": survey.title,
            "survey_key": survey.key,
            "closes_on": closes_on.isoformat() if closes_on else None,
        },
        participant_code=enrolment.participant_code,
        key=f"survey_open:{enrolment.id}:{survey.id}",
    )


def survey_reminder(
    enrolment,
    survey,
    closes_on: date | None,
    *,
    draft_waiting: bool,
    final: bool,
    day: int | date,
    expires_at: datetime | None = None,
):
    """A reminder (3 and 7 days after opening by default); `final` says a draft will be discarded when
    the window closes. Once per enrolment, survey and day (the scheduler's job keys it by the day after
    opening, an int, so reminders of one calendar day in a shortened demo calendar stay apart). The scheduler's job should insert these
    set-based with `outbox.enqueue_from`; this is the one-at-a-time door, with the same key."""
    return outbox.enqueue(
        "survey_reminder",
        enrolment.user,
        {
            "study_id": enrolment.study_id,
            "title": enrolment.study.title,
            "survey": survey.title,
            "survey_key": survey.key,
            "closes_on": closes_on.isoformat() if closes_on else None,
            "draft_waiting": bool(draft_waiting),
            "final": bool(final),
        },
        participant_code=enrolment.participant_code,
        expires_at=expires_at,
        key=f"survey_reminder:{enrolment.id}:{survey.id}:{day if isinstance(day, int) else day.isoformat()}",
    )


def cast_null():
    """A NULL dedupe key: events are not deduplicated (each call is one event)."""
    return cast(null(), String)


def cancel_survey_mail(*, study_id: int | None = None, enrolment=None, survey=None) -> int:
    """Invitations and reminders not sent yet become pointless when the survey is answered (`enrolment`
    and `survey`), the participant withdraws (`enrolment`) or the pilot ends (`study_id`): cancel them,
    in the caller's transaction, set-based."""
    from sqlalchemy import or_, update

    from ..participants.models import Enrolment
    from .models import OutboxMessage, QueueStatus

    conditions: list[ColumnElement[bool]] = [
        OutboxMessage.kind.in_(("survey_open", "survey_reminder")),
        OutboxMessage.status.in_((QueueStatus.PENDING, QueueStatus.HELD)),
    ]
    if enrolment is not None and survey is not None:
        conditions.append(
            or_(
                OutboxMessage.dedupe_key == f"survey_open:{enrolment.id}:{survey.id}",
                OutboxMessage.dedupe_key.like(f"survey_reminder:{enrolment.id}:{survey.id}:%"),
            )
        )
    elif enrolment is not None:
        conditions.append(OutboxMessage.participant_code == enrolment.participant_code)
    elif study_id is not None:
        conditions.append(
            OutboxMessage.participant_code.in_(select(Enrolment.participant_code).where(Enrolment.study_id == study_id))
        )
    else:
        raise ValueError("cancel what?")
    return db.session.execute(  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount
        update(OutboxMessage)
        .where(*conditions)
        .values(status=QueueStatus.CANCELLED, last_error="no longer asked")
        .execution_options(synchronize_session=False)
    ).rowcount
