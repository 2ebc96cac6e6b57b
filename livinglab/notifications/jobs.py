"""The scheduler's jobs. Each is a few set-based statements; none loops over people in Python."""
from datetime import datetime, timedelta

from sqlalchemy import String, cast, func, literal, select, update

from ..auth.models import Organisation, Role, User
from ..extensions import db
from ..studies.models import Study, StudyStatus
from .models import OutboxMessage, QueueStatus, WebhookDelivery
from .outbox import enqueue_from, purge_sent
from .scheduler import job
from .settings import setting

DIGEST_STUDIES = 50  # listed in one digest; the count says how many wait in all


@job("review_digest", every=timedelta(hours=1))
def review_digest(now: datetime) -> str:
    """Each morning, coordinators who chose a digest get the review queue in one message."""
    if now.hour < int(setting("DIGEST_HOUR")):
        return "not yet the digest hour"
    waiting = Study.status == StudyStatus.SUBMITTED
    count = db.session.scalar(select(func.count(Study.id)).where(waiting))
    if not count:
        return "the review queue is empty"
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
    return f"{added} digests of {count} protocols"


@job("expire_held", every=timedelta(hours=1))
def expire_held(now: datetime) -> str:
    """Messages held for an address that was never verified are dropped after HELD_DAYS."""
    cutoff = now - timedelta(days=float(setting("HELD_DAYS")))
    dropped = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == QueueStatus.HELD, OutboxMessage.created_at < cutoff)
        .values(status=QueueStatus.CANCELLED, last_error="held too long: the address was never verified")
        .execution_options(synchronize_session=False)).rowcount
    return f"{dropped} dropped"


@job("purge_sent", every=timedelta(days=1))
def purge(now: datetime) -> str:
    """Sent and cancelled mail, and delivered webhook events, are deleted after 90 days."""
    mail = purge_sent(timedelta(days=90), now)
    hooks = db.session.execute(WebhookDelivery.__table__.delete().where(
        WebhookDelivery.status == QueueStatus.SENT, WebhookDelivery.created_at < now - timedelta(days=90))).rowcount
    return f"{mail} messages, {hooks} deliveries"
