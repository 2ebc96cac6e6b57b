"""The participant's GDPR rights: see and download everything held; erase the account."""

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import selectinload

from .. import audit, purge
from ..audit import AuditPseudonym, AuditRecord
from ..auth.models import ApiToken, Role, User
from ..auth.services import security_data
from ..extensions import db
from ..studies import pilot_languages, sites
from ..studies.fields import iso
from ..surveys.answers import json_value
from ..timeutil import utcnow
from . import screening
from .corrections import item_types, revision_dict, revisions_of
from .models import ConsentSignature, Enrolment, EnrolmentStatus, Response, SurveyDraft


def audit_events(user: User, codes: list[str]) -> list[dict]:
    """The audit records about this person: by their account's pseudonym, their participant codes,
    or (staff) their account id."""
    keys = [*codes, *db.session.scalars(select(AuditPseudonym.key).where(AuditPseudonym.user_id == user.id))]
    about: list[ColumnElement[bool]]
    if user.role == Role.PARTICIPANT:  # never named by account id in the trail: an indexed look-up by key
        about = [AuditRecord.participant_key.in_(keys)]
    else:  # staff act under their account id, and are named by it when a record is about them
        about = [AuditRecord.actor_id == user.id, AuditRecord.details["user_id"].as_integer() == user.id]
    records = db.session.scalars(select(AuditRecord).where(or_(*about)).order_by(AuditRecord.id))
    return [
        {
            "id": r.id,
            "at": iso(r.at),
            "action": r.action,
            "study_id": r.study_id,
            "by": "you"
            if r.actor_id == user.id or (r.actor_role == "participant" and r.participant_key in keys)
            else (r.actor_role or "system"),
            "participant_key": r.participant_key,
            "from_state": r.from_state,
            "to_state": r.to_state,
            "comment": r.comment,
            "details": r.details or {},
        }
        for r in records
    ]


def exclusions_of_responses(response_ids: list[int]) -> dict[int, list[dict]]:
    """The exclusions of these responses from their pilot's sensitivity analysis, oldest first, undone ones too
    (one query): when and why, never who decided."""
    from ..quality.models import ResponseExclusion  # the quality package builds on this one

    if not response_ids:
        return {}
    found: dict[int, list[dict]] = {}
    for exclusion in db.session.scalars(
        select(ResponseExclusion).where(ResponseExclusion.response_id.in_(response_ids)).order_by(ResponseExclusion.id)
    ):
        found.setdefault(exclusion.response_id, []).append(
            {
                "excluded_at": iso(exclusion.excluded_at),
                "reason": exclusion.reason,
                "active": exclusion.revoked_at is None,
                "undone_at": iso(exclusion.revoked_at),
            }
        )
    return found


def personal_data(user: User) -> dict:
    """Every personal datum held about this account, the audit records about it included."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.id)
        .options(
            selectinload(Enrolment.study),
            selectinload(Enrolment.signatures).selectinload(ConsentSignature.consent_version),
            selectinload(Enrolment.responses).selectinload(Response.answers),
            selectinload(Enrolment.responses).selectinload(Response.survey),
        )
    ).all()
    history = revisions_of([r.id for e in enrolments for r in e.responses])
    excluded = exclusions_of_responses([r.id for e in enrolments for r in e.responses])
    drafts = db.session.scalars(
        select(SurveyDraft)
        .where(SurveyDraft.enrolment_id.in_([e.id for e in enrolments]))
        .order_by(SurveyDraft.id)
        .options(selectinload(SurveyDraft.survey))
    ).all()
    data = {
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": str(user.role),
            "language": user.locale,
            "created_at": iso(user.created_at),
            "organisation": user.organisation.name if user.organisation else None,
        },
        **security_data(user),  # API tokens (never the secret), sign-in throttling, invitations
        "enrolments": [
            {
                "study": {"id": e.study.id, "title": e.study.title},
                "participant_code": e.participant_code,
                "arm": e.arm,
                # where they take part, and the age group a stratified pilot randomised them in (kept: personal)
                # its name as the reader reads the pilot (translated when the pilot has an up-to-date translation)
                "site": {"key": e.site, "name": pilot_languages.site_name(e.study, e.site)} if e.site else None,
                "age_group": sites.age_band(e.stratum) or None,
                "status": str(e.status),
                "enrolled_at": iso(e.enrolled_at),
                "withdrawn_at": iso(e.withdrawn_at),
                "answers_erased": e.data_erased,
                "consents": [
                    {
                        "consent_version": s.consent_version.version,
                        "consent_text": s.consent_version.text,
                        "clauses": [
                            {
                                "key": c["key"],
                                "text": c["text"],
                                "required": c["required"],
                                "agreed": s.clauses.get(c["key"], False),
                            }
                            for c in s.consent_version.clauses
                        ],
                        "signed_name": s.signed_name,
                        "mode": str(s.mode),  # how they agreed (written, express, information)
                        "signed_at": iso(s.signed_at),
                    }
                    for s in e.signatures
                ],
                "responses": [
                    {
                        "survey": r.survey.key,
                        "timepoint": r.survey.timepoint,
                        "instance": r.instance,  # a repeatable survey's report number (1 for every other)
                        "submitted_at": iso(r.submitted_at),
                        "started_at": iso(r.started_at),  # when they started it, if known (data quality)
                        "answers": {
                            a.item_key: json_value(item_types(r.survey).get(a.item_key, "text"), a.number, a.text)
                            for a in r.answers
                        },
                        # questions whose condition was not met (their answers above are null): not missing
                        "not_applicable": [a.item_key for a in r.answers if a.not_applicable],
                        # every correction, by the participant or a coordinator (by role: no staff account id)
                        "revision": r.revision,
                        "revised_at": iso(r.revised_at),
                        "revisions": [
                            revision_dict(row, item_types(r.survey), staff=False) for row in history.get(r.id, [])
                        ],
                        # left out of the pilot's sensitivity analysis by its staff (never who: no account, no role)
                        "excluded_from_analysis": excluded.get(r.id, []),
                    }
                    for r in e.responses
                ],
                "drafts": [
                    {
                        "survey": d.survey.key,
                        "saved_at": iso(d.saved_at),
                        "started_at": iso(d.started_at),
                        "answers": d.answers,
                    }
                    for d in drafts
                    if d.enrolment_id == e.id
                ],
            }
            for e in enrolments
        ],
        # kept once per pilot to count each person once, under a key that does not name them: never the answers
        "eligibility_checks": [
            {
                "study_id": c.study_id,
                "outcome": str(c.outcome),
                "rules_not_met": c.reasons.split(),
                "site": c.site or None,  # the site they chose, by its key
                "age_group": c.stratum or None,  # a stratified pilot's age group, once eligible
                "at": iso(c.updated_at),
            }
            for c in screening.of_account(user)
        ],
    }
    data["audit_events"] = audit_events(user, [e.participant_code for e in enrolments])
    return data


def erase_account(user: User) -> None:
    """Delete the account. Answers are erased, or kept without any link to the person or their participant
    code when the consent they signed said so (its free text removed unless it said otherwise: studies/retention.py
    `anonymise_enrolment`); signatures (names) are always deleted. The confirmation goes to the
    address the account had (read before it is gone), if it was verified."""
    from ..notifications import notify

    email, locale, verified = user.email, user.locale, user.email_verified_at is not None
    answers_kept = False
    for enrolment in db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)):
        signed = enrolment.signature.consent_version if enrolment.signature else None
        if signed is None or signed.on_erasure != "anonymise":
            from .services import bump_data_version, erase_answers

            erase_answers(enrolment)
            bump_data_version(enrolment.study)
        elif not enrolment.data_erased and enrolment.responses:
            from ..studies.retention import anonymise_enrolment
            from .services import bump_data_version

            answers_kept = True
            anonymise_enrolment(enrolment, keep_free_text=signed.keep_free_text)
            bump_data_version(enrolment.study)  # a new code, perhaps less text: the results and exports follow
        notify.cancel_survey_mail(enrolment=enrolment)
        for signature in list(enrolment.signatures):
            enrolment.signatures.remove(signature)
            db.session.delete(signature)
        if enrolment.status == EnrolmentStatus.ACTIVE:
            enrolment.status = EnrolmentStatus.WITHDRAWN
            enrolment.withdrawn_at = utcnow()
        db.session.execute(delete(SurveyDraft).where(SurveyDraft.enrolment_id == enrolment.id))
        enrolment.user_id = None
    screening.anonymise(user)  # the counts stay; nothing links them to the person
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    # The record names the account by its pseudonym, which goes with the account: nothing in the trail
    # links this person to anything afterwards (the codes were never beside the pseudonym).
    audit.record(user, "account.erase")
    db.session.execute(delete(AuditPseudonym).where(AuditPseudonym.user_id == user.id))
    db.session.delete(user)
    if verified:
        notify.erasure_confirmed(email, locale, answers_kept)
    purge.after_commit()
