"""The message of a problem report (participants/reports.py), beside the other kinds' calls in notify.py."""

from sqlalchemy import select

from ..auth.models import Role, User
from . import outbox
from .notify import cast_null


def problem_reported(study, code: str, survey, instance: int) -> int:
    """To the members of the pilot's organisation and to the coordinators, in the caller's transaction: the pilot,
    the participant code and the report number; never the participant's identity, never the answers."""
    recipients = select(User.id.label("user_id"), cast_null().label("dedupe_key")).where(
        ((User.organisation_id == study.organisation_id) & (User.role == Role.STARTUP))
        | (User.role == Role.COORDINATOR)
    )
    return outbox.enqueue_from(
        "problem_reported",
        recipients,
        context={
            "study_id": study.id,
            "title": study.title,
            "code": code,
            "instance": int(instance),
            "survey": survey.key,
        },
    )
