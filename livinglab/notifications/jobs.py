"""The scheduler's jobs. Each is a few set-based statements; none loops over people in Python."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, select, update

from ..auth.models import Organisation, Role, User
from ..extensions import db
from ..studies import workflow
from ..studies.models import Study
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
    return _("%(digests)d digests of %(protocols)d protocols.", digests=result["digests"],
             protocols=result["protocols"])


@job("review_digest", every=timedelta(hours=1), explain=explain_digest,
     label=_l("Each morning, coordinators who chose a digest get the review queue in one message."))
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
        .join(Organisation, Organisation.id == Study.organisation_id).join(User, User.id == Study.owner_id)
        .where(waiting).order_by(Study.submitted_at, Study.id).limit(DIGEST_STUDIES)).all()
    studies = [{"study_id": r.id, "title": r.title, "organisation": r.name,
                "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None,
                "submitter_verified": r.email_verified_at is not None} for r in rows]
    day = now.date().isoformat()
    recipients = select(User.id.label("user_id"),
                        (literal("review_digest:") + cast(User.id, String) + literal(":" + day)).label("dedupe_key")) \
        .where(User.role == Role.COORDINATOR)
    added = enqueue_from("review_digest", recipients, context={"count": count, "studies": studies, "day": day},
                         expires_at=now + timedelta(days=1), now=now)
    return {"digests": added, "protocols": count}


@job("expire_held", every=timedelta(hours=1),
     explain=lambda r: _("%(n)d held messages dropped.", n=r["dropped"]),
     label=_l("Messages held for an address that was never verified are dropped after 30 days."))
def expire_held(now: datetime) -> dict:
    """Messages held for an address that was never verified are dropped after HELD_DAYS."""
    cutoff = now - timedelta(days=float(setting("HELD_DAYS")))
    dropped = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == QueueStatus.HELD, OutboxMessage.created_at < cutoff)
        .values(status=QueueStatus.CANCELLED, last_error="held too long: the address was never verified")
        .execution_options(synchronize_session=False)).rowcount
    return {"dropped": dropped}


@job("purge_sent", every=timedelta(days=1),
     explain=lambda r: _("%(messages)d messages and %(deliveries)d webhook deliveries deleted.", **r),
     label=_l("Sent mail and delivered webhook events are deleted after 90 days; failures stay."))
def purge(now: datetime) -> dict:
    """Sent and cancelled mail, and delivered webhook events, are deleted after 90 days."""
    mail = purge_sent(timedelta(days=90), now)
    hooks = db.session.execute(WebhookDelivery.__table__.delete().where(
        WebhookDelivery.status == QueueStatus.SENT, WebhookDelivery.created_at < now - timedelta(days=90))).rowcount
    return {"messages": mail, "deliveries": hooks}
