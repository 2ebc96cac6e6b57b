"""How long a pilot's personal data are kept, and the purge that ends it: the one home of the rule.

Retention starts when the pilot ends (`Study.ended_at`). During the active period (`retention_months`) the
startup works with the data: results and participant-level exports. During the archive period that follows
(`retention_archive_months`, none if empty) the data are kept read-only: the results stay readable, the
participant-level exports answer 409 `archived`. On the purge day (end + active + archive, or the later day
a coordinator postponed it to, with a reason) the scheduler's `retention` job purges the pilot's personal
data in one transaction: each participant's answers are erased, or anonymised when the consent they signed
says so (`ConsentVersion.on_erasure`), and free-text answers of anonymised participants are removed unless
that consent keeps them (`keep_free_text`). Consent signatures, drafts, correction histories, mail and
webhook deliveries about them go; enrolments lose their account and their participant code; the eligibility
checks keep their outcome only. The results computed just before stay as the pilot's aggregates (the
cached results are frozen at that data version). Participants whose answers are kept are told by mail
`NOTICE_DAYS` before. Purging twice changes nothing (`Study.anonymised_at` is set once)."""

import calendar
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import String, cast, delete, literal, or_, select, update

from .. import audit, purge
from .. import validation as v
from ..analysis.question_types import other_key
from ..errors import Conflict
from ..extensions import db
from ..timeutil import aware, utcnow
from . import workflow
from .models import ConsentVersion, Study

NOTICE_DAYS = 30  # participants whose answers are kept are told this many days before the purge
MAX_POSTPONE_YEARS = 10  # a postponement moves the purge at most this far after its current day
ANONYMOUS_CODE = "anon-"  # an anonymised enrolment's code: this and its row id, which names nobody


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def archive_from(study: Study) -> datetime | None:
    """When the active period ends and the archive begins; None until the pilot ends (or without a period)."""
    if study.ended_at is None or not study.retention_months:
        return None
    return add_months(aware(study.ended_at), study.retention_months)


def scheduled_purge(study: Study) -> datetime | None:
    """End + active + archive, as the protocol sets it."""
    start = archive_from(study)
    return add_months(start, study.retention_archive_months or 0) if start is not None else None


def purge_at(study: Study) -> datetime | None:
    """When the purge runs: the protocol's day, or the later day a coordinator postponed it to."""
    planned = scheduled_purge(study)
    postponed = aware(study.purge_postponed_to)
    if planned is None:
        return None
    return max(planned, postponed) if postponed is not None else planned


def phase(study: Study, now: datetime | None = None) -> str:
    """ "unset" (no period), "running" (not ended), "active", "archive" or "purged"."""
    if study.anonymised_at is not None:
        return "purged"
    if not study.retention_months:
        return "unset"
    start = archive_from(study)
    if start is None:
        return "running"
    return "archive" if (now or utcnow()) >= start else "active"


def exports_closed(study: Study, now: datetime | None = None) -> bool:
    return phase(study, now) in ("archive", "purged")


def require_exports_open(study: Study) -> None:
    """409 `archived` once the active period is over: participant-level files are no longer handed out."""
    if exports_closed(study):
        raise Conflict(
            _("The pilot's data are archived: results stay readable, participant-level exports are closed."),
            code="archived",
        )


def outcome(consent: ConsentVersion | None) -> str:
    return consent.on_erasure if consent is not None and consent.on_erasure == "anonymise" else "erase"


def describe(study: Study, now: datetime | None = None) -> dict:
    """The rule of one pilot with its dates (None when not known yet), for the pages, the API and the mail."""
    consent = study.current_consent
    archive, purge_day = archive_from(study), purge_at(study)
    return {
        "study_id": study.id,
        "title": study.title,
        "phase": phase(study, now),
        "active_months": study.retention_months,
        "archive_months": study.retention_archive_months or 0,
        "ended_at": aware(study.ended_at),
        "archive_from": archive,
        "purge_on": purge_day,
        "scheduled_purge_on": scheduled_purge(study),
        "postponed_reason": study.purge_postponed_reason or "",
        "anonymised_at": aware(study.anonymised_at),
        "outcome": outcome(consent),
        "keep_free_text": bool(consent and consent.keep_free_text),
    }


# --- The coordinator's list and postponements -------------------------------------------------------------


def upcoming(limit: int = 200) -> list[dict]:
    """Ended pilots not purged yet, soonest purge first (one query, whatever the number of pilots)."""
    from sqlalchemy.orm import selectinload

    studies = db.session.scalars(
        select(Study)
        .where(workflow.in_states(workflow.FINAL), Study.anonymised_at.is_(None))
        .options(selectinload(Study.consent_versions), selectinload(Study.organisation))
    ).all()
    rows = [{**describe(s), "organisation": s.organisation.name} for s in studies]
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r["purge_on"] or far, r["study_id"]))
    return rows[:limit]


def recently_purged(limit: int = 20) -> list[dict]:
    from sqlalchemy.orm import selectinload

    studies = db.session.scalars(
        select(Study)
        .where(Study.anonymised_at.is_not(None))
        .order_by(Study.anonymised_at.desc(), Study.id.desc())
        .limit(limit)
        .options(selectinload(Study.consent_versions), selectinload(Study.organisation))
    ).all()
    return [{**describe(s), "organisation": s.organisation.name} for s in studies]


def clean_postponement(study: Study, until, reason) -> tuple[datetime, str]:
    """The new purge day and the reason, checked against the study's current purge day."""
    errors: dict = {}
    current = purge_at(study)
    day = None
    try:
        if isinstance(until, date) and not isinstance(until, datetime):
            day = until
        elif until is None or until == "":
            raise v.FieldError(_("Give the new purge date."))
        elif not isinstance(until, str):
            raise v.FieldError(_("Must be a date, YYYY-MM-DD."), 400)
        else:
            try:
                day = date.fromisoformat(until) if len(until) == 10 else None
            except ValueError:
                day = None
            if day is None:
                raise v.FieldError(_("Must be a date, YYYY-MM-DD."))
        if current is not None and start_of_day(day) <= current:
            raise v.FieldError(_("Must be after the current purge date, %(day)s.", day=current.date().isoformat()))
        if current is not None and start_of_day(day) > current + timedelta(days=366 * MAX_POSTPONE_YEARS):
            raise v.FieldError(_("At most %(n)d years after the current purge date.", n=MAX_POSTPONE_YEARS))
    except v.FieldError as err:
        errors["until"] = err
    try:
        reason = v.text(reason, max_len=1000, required=True, single_line=True)
    except v.FieldError as err:
        errors["reason"] = err
    v.raise_for(errors)
    assert day is not None  # no error was raised for it
    return start_of_day(day), reason


def postpone(user, study: Study, until, reason) -> dict:
    """Move an ended pilot's purge to a later day, with a reason (audited; shown to the startup)."""
    if study.anonymised_at is not None:
        raise Conflict(_("This pilot's personal data are already purged."), code="already_purged")
    if not workflow.is_final(study) or purge_at(study) is None:
        raise Conflict(_("The purge date is known once the pilot has ended."), code="not_ended")
    new_day, reason = clean_postponement(study, until, reason)
    previous = purge_at(study)
    study.purge_postponed_to = new_day
    study.purge_postponed_reason = reason
    audit.record(
        user,
        "retention.postpone",
        study=study,
        comment=reason,
        previous=previous.date().isoformat() if previous else None,
        until=new_day.date().isoformat(),
    )
    return describe(study)


# --- The scheduler's work --------------------------------------------------------------------------------


def pending(now: datetime) -> list[Study]:
    """Ended pilots not purged yet (each one's purge day is computed from its protocol, in Python)."""
    return list(
        db.session.scalars(
            select(Study).where(workflow.in_states(workflow.FINAL), Study.anonymised_at.is_(None)).order_by(Study.id)
        )
    )


def due(now: datetime) -> list[int]:
    """The ids of the pilots whose purge day has come."""
    return [s.id for s in pending(now) if (day := purge_at(s)) is not None and day <= now]


def send_notices(now: datetime) -> int:
    """Tell each participant whose answers are still held, NOTICE_DAYS before the purge: one INSERT ... SELECT
    per pilot and outcome; the dedupe key (enrolment and purge day) sends each notice once, and again only if
    the purge is postponed."""
    from ..notifications.outbox import enqueue_from
    from ..participants.models import ConsentSignature, Enrolment

    added = 0
    for study in pending(now):
        day = purge_at(study)
        if day is None or not (day - timedelta(days=NOTICE_DAYS) <= now < day):
            continue
        chosen = signed_choice(Enrolment.id)
        for choice in ("erase", "anonymise"):
            consent = study.current_consent
            rows = select(
                Enrolment.user_id.label("user_id"),
                (
                    literal("retention_notice:") + cast(Enrolment.id, String) + literal(":" + day.date().isoformat())
                ).label("dedupe_key"),
                Enrolment.participant_code.label("participant_code"),
            ).where(
                Enrolment.study_id == study.id,
                Enrolment.user_id.is_not(None),
                Enrolment.data_erased.is_(False),
                select(ConsentSignature.id).where(ConsentSignature.enrolment_id == Enrolment.id).exists(),
                chosen == "anonymise" if choice == "anonymise" else or_(chosen.is_(None), chosen != "anonymise"),
            )
            added += enqueue_from(
                "retention_notice",
                rows,
                context={
                    "study_id": study.id,
                    "title": study.title,
                    "purge_on": day.date().isoformat(),
                    "outcome": choice,
                    "keep_free_text": bool(consent and consent.keep_free_text),
                },
                expires_at=day,
                now=now,
            )
    return added


def signed_choice(enrolment_id, column=None):
    """What the consent an enrolment last signed says of its answers (a correlated scalar subquery):
    `on_erasure` by default, or another column of the consent version."""
    from ..participants.models import ConsentSignature

    return (
        select(column if column is not None else ConsentVersion.on_erasure)
        .join(ConsentSignature, ConsentSignature.consent_version_id == ConsentVersion.id)
        .where(ConsentSignature.enrolment_id == enrolment_id)
        .order_by(ConsentSignature.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def freeze_results(study: Study, now: datetime) -> None:
    """Store the results of the data as they are, at the current data version, so that the pilot's results
    stay as aggregates after its answers are erased or anonymised (the purge never bumps the version)."""
    from ..results.cache import FORMAT, ResultsCache, compute, responses_query, store

    cached = db.session.get(ResultsCache, study.id)
    if cached is not None and cached.data_version == study.data_version and cached.results.get("format") == FORMAT:
        return
    results = compute(study)
    results.update(
        data_version=study.data_version,
        format=FORMAT,
        computed_at=now.isoformat(),
        responses_included=db.session.scalar(select(responses_query(study.id))) or 0,
    )
    store(study.id, results, exists=cached is not None)


def chunks(ids: list[int], size: int = 5000):
    """Bound lists of ids (SQLite takes a limited number of parameters per statement)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def free_text_keys(study: Study) -> dict[int, list[str]]:
    """{survey id: the answer keys that hold what participants typed}: the free-text questions, and the box of
    each "Other (please specify)" (`<key>_other`), free text as much."""
    out = {}
    for survey in study.surveys:
        keys = []
        for item in survey.items:
            if "key" not in item:
                continue
            if item.get("type") == "text":
                keys.append(item["key"])
            elif item.get("type") == "single_choice" and item.get("other"):
                keys.append(other_key(item["key"]))
        out[survey.id] = keys
    return out


def remove_free_text(study: Study, enrolment_ids: list[int]) -> int:
    """Delete the free text these enrolments' answers hold (`free_text_keys`); the number of answers deleted."""
    from ..participants.models import Answer, Response

    removed = 0
    for survey_id, keys in free_text_keys(study).items():
        for ids in chunks(enrolment_ids if keys else []):
            removed += _run(
                delete(Answer).where(
                    Answer.item_key.in_(keys),
                    Answer.response_id.in_(
                        select(Response.id).where(Response.survey_id == survey_id, Response.enrolment_id.in_(ids))
                    ),
                )
            )
    return removed


def anonymise_enrolment(enrolment, keep_free_text: bool) -> None:
    """A participant erases their account and the consent they signed keeps their answers anonymised: what the
    purge does to a whole pilot, done to this enrolment now, in the caller's transaction. Their free text goes
    (unless the consent keeps it), with the history of their answers and the mail and webhook events that carry
    their code; the code itself is replaced by one that names nobody."""
    from ..notifications.models import OutboxMessage, WebhookDelivery
    from ..participants.models import AnswerRevision, Response

    code = enrolment.participant_code
    if not keep_free_text:
        remove_free_text(enrolment.study, [enrolment.id])
    responses = select(Response.id).where(Response.enrolment_id == enrolment.id)
    _run(delete(AnswerRevision).where(AnswerRevision.response_id.in_(responses)))
    _run(delete(OutboxMessage).where(OutboxMessage.participant_code == code))
    _run(delete(WebhookDelivery).where(WebhookDelivery.payload["participant_code"].as_string() == code))
    enrolment.participant_code = f"{ANONYMOUS_CODE}{enrolment.id}"


def _run(statement) -> int:
    """A set-based statement, past the session's objects; the number of rows it changed."""
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount


def purge_pilot(study_id: int, now: datetime) -> dict | None:
    """Erase or anonymise one pilot's personal data, in the caller's transaction; None when there is nothing
    to do (already purged, or not due: a second run changes nothing)."""
    from ..notifications.models import OutboxMessage, WebhookDelivery
    from ..participants.models import (
        Answer,
        AnswerRevision,
        ConsentSignature,
        Enrolment,
        Response,
        Screening,
        SurveyDraft,
    )

    locked = db.session.execute(
        select(Study).where(Study.id == study_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if locked is None or locked.anonymised_at is not None or (day := purge_at(locked)) is None or day > now:
        return None
    study = locked
    freeze_results(study, now)
    enrolments = select(Enrolment.id).where(Enrolment.study_id == study.id)
    codes = select(Enrolment.participant_code).where(Enrolment.study_id == study.id)
    responses = select(Response.id).where(Response.enrolment_id.in_(enrolments))

    run = _run

    # Mail and webhook events about its participants (they carry codes), then every digest naming the pilot.
    counts = {"messages": run(delete(OutboxMessage).where(OutboxMessage.participant_code.in_(codes)))}
    digests = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.context).where(OutboxMessage.kind == "recruitment_digest")
    ).all()
    naming = [m.id for m in digests if any(s.get("study_id") == study.id for s in (m.context or {}).get("studies", []))]
    if naming:
        counts["messages"] += run(delete(OutboxMessage).where(OutboxMessage.id.in_(naming)))
    counts["webhook_deliveries"] = run(
        delete(WebhookDelivery).where(WebhookDelivery.payload["study_id"].as_integer() == study.id)
    )
    counts["revisions"] = run(delete(AnswerRevision).where(AnswerRevision.response_id.in_(responses)))
    counts["drafts"] = run(delete(SurveyDraft).where(SurveyDraft.enrolment_id.in_(enrolments)))

    # Who erases and who is anonymised, as the consent each last signed says (read before signatures go).
    people = db.session.execute(
        select(
            Enrolment.id,
            Enrolment.data_erased,
            signed_choice(Enrolment.id),
            signed_choice(Enrolment.id, ConsentVersion.keep_free_text),
        ).where(Enrolment.study_id == study.id)
    ).all()
    kept = [p.id for p in people if p[2] == "anonymise" and not p.data_erased]
    losing_text = [p.id for p in people if p[2] == "anonymise" and not p.data_erased and not p[3]]
    kept_set = set(kept)
    erased = [p.id for p in people if p.id not in kept_set]
    counts.update(anonymised=len(kept), erased=len(erased), free_text_removed=remove_free_text(study, losing_text))
    for ids in chunks(erased):
        run(delete(Answer).where(Answer.response_id.in_(select(Response.id).where(Response.enrolment_id.in_(ids)))))
        run(delete(Response).where(Response.enrolment_id.in_(ids)))
        run(update(Enrolment).where(Enrolment.id.in_(ids)).values(data_erased=True))
    counts["signatures"] = run(delete(ConsentSignature).where(ConsentSignature.enrolment_id.in_(enrolments)))
    run(
        update(Enrolment)
        .where(Enrolment.study_id == study.id)
        .values(user_id=None, participant_code=literal(ANONYMOUS_CODE) + cast(Enrolment.id, String))
    )
    # The eligibility checks keep their outcome (the flow's counts), not the key that names the person.
    run(
        update(Screening)
        .where(Screening.study_id == study.id, ~Screening.screener_key.like("purged-%"))
        .values(screener_key=literal("purged-") + cast(Screening.id, String))
    )
    study.anonymised_at = now
    audit.record(None, "retention.purge", study=study, purge_on=day.date().isoformat(), **counts)
    purge.after_commit()
    db.session.flush()
    db.session.expire_all()  # the statements above bypassed the session's objects
    return counts


def purge_due(now: datetime) -> dict:
    """Purge every pilot whose day has come, one transaction each; a failing pilot does not stop the others."""
    import logging

    from ..transactions import unit_of_work

    done, failed = [], []
    for study_id in due(now):
        try:
            with unit_of_work():
                if purge_pilot(study_id, now) is not None:
                    done.append(study_id)
        except Exception:  # noqa: BLE001  (logged; retried at the next run)
            logging.getLogger(__name__).exception("The purge of pilot %s failed", study_id)
            failed.append(study_id)
    return {"purged": done, "failed": failed}
