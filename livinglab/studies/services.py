"""The domain functions of protocols and their review: the only place where these rules live."""

import hashlib
import json

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from .. import audit
from .. import validation as v
from ..errors import Conflict, Forbidden, Invalid, Malformed
from ..extensions import db
from ..policy import can
from ..timeutil import utcnow
from . import fields, rounds, workflow
from .checklist import missing
from .consent import clean_consent, clean_consent_options, clean_gdpr
from .models import ConsentVersion, Registration, ReviewComment, Study
from .sections import GENERAL

DECISIONS = ("approve", "request_changes", "reject")


def create_study(user, data) -> Study:
    """A startup member drafts a new study for its organisation."""
    if user.organisation_id is None:  # between leaving one organisation and joining another
        raise Forbidden(_("Join an organisation before drafting a study."), code="no_organisation")
    clean = fields.clean_study_fields(data, creating=True)
    study = Study(organisation_id=user.organisation_id, owner_id=user.id, title=clean["title"], domain=clean["domain"])
    fields.apply(study, clean)
    db.session.add(study)
    db.session.flush()
    audit.record(user, "study.create", study=study, to_state=workflow.INITIAL)
    return study


def update_study(user, study: Study, data) -> list[str]:
    """Edit the protocol while it is a draft or changes are requested."""
    workflow.require_editable(study)
    clean = fields.clean_study_fields(data, creating=False, current=study)
    changed = fields.apply(study, clean)
    if changed:
        study.version += 1
        audit.record(user, "study.update", study=study, fields=changed)
    return changed


def clean_draft(data: dict, current: Study) -> tuple[dict, dict[str, str]]:
    """The valid fields of an editor's save, checked against `current` (a study, or an amendment's proposed
    one), and the invalid ones with what is wrong (fields by name, as in the API)."""
    pending, invalid = dict(data), dict[str, str]()
    while True:
        try:
            return fields.clean_study_fields(pending, creating=False, current=current), invalid
        except (Invalid, Malformed) as err:
            # Drop the fields at fault and check the rest again: a field may have been refused only
            # because of another (delays of renamed timepoints), and is then checked on its own.
            at_fault = {name.split(".")[0] for name in err.fields} & set(pending)
            if not at_fault:
                raise
            invalid.update({name: message for name, message in err.fields.items() if name.split(".")[0] in at_fault})
            # A design is saved with its arms or not at all: alone, it would reset them.
            if "arms" in at_fault and "design" in pending and "design" not in at_fault:
                at_fault.add("design")
                invalid["design"] = _("Not saved: the groups it needs are not valid yet.")
            for name in at_fault:
                del pending[name]


def save_draft(user, study: Study, data: dict) -> tuple[list[str], dict[str, str]]:
    """The protocol editor's save: every valid field is kept, every invalid one is left as it was and
    returned with what is wrong (fields by name, as in the API). The API's PATCH stays all or nothing."""
    workflow.require_editable(study)
    clean, invalid = clean_draft(data, study)
    changed = fields.apply(study, clean)
    if changed:
        study.version += 1
        audit.record(user, "study.update", study=study, fields=changed)
    return changed, invalid


def save_consent(
    user, study: Study, text, clauses, gdpr=None, *, on_erasure=None, keep_free_text=None
) -> ConsentVersion:
    """Each save makes a new consent version; earlier ones stay readable. `gdpr`: its GDPR information items;
    the retention options not given stay as in the current version."""
    workflow.require_editable(study)
    text, clauses = clean_consent(text, clauses)
    gdpr = clean_gdpr(gdpr)
    on_erasure, keep_free_text = clean_consent_options(on_erasure, keep_free_text, study.current_consent)
    number = (study.current_consent.version if study.current_consent else 0) + 1
    consent = ConsentVersion(
        study=study,
        version=number,
        text=text,
        clauses=clauses,
        gdpr=gdpr,
        on_erasure=on_erasure,
        keep_free_text=keep_free_text,
        created_by_id=user.id,
    )
    db.session.add(consent)
    audit.record(user, "consent.save", study=study, version=number)
    return consent


def submit(user, study: Study) -> None:
    """Send the protocol to the coordinators, once nothing is missing."""
    if not workflow.allowed(study, "submit"):
        workflow.move(study, "submit", user)  # raises the 409
    gaps = missing(study)
    if gaps:
        raise Invalid(_("The protocol is not complete yet."), code="incomplete", fields=gaps)
    rounds.open_round(user, study, frozen_record(study))
    workflow.move(study, "submit", user)


def clean_decision(decision, comment, section_comments=None, survey_keys=()) -> tuple[str, str, dict]:
    """The decision, its comment, and the comments per section (studies/sections.py: a survey's among
    `survey_keys`), checked; every error named."""
    errors = {}
    try:
        decision = v.choice(decision, DECISIONS)
    except v.FieldError as err:
        errors["decision"] = err
    try:
        comment = v.text(comment, max_len=10_000)
        if decision in ("request_changes", "reject") and not comment:
            raise v.FieldError(_("Explain the decision: a comment is required unless approving."))
    except v.FieldError as err:
        errors["comment"] = err
    sections: dict[str, str] = {}
    if section_comments is not None and not isinstance(section_comments, dict):
        errors["section_comments"] = v.FieldError(_("Must be an object."), 400)
    elif section_comments:
        sections, wrong = rounds.check_sections(section_comments, survey_keys)
        errors.update(wrong)
    v.raise_for(errors)
    return decision, comment, sections


def add_comments(user, study: Study, decision: str, comment: str, sections: dict, version: int, round_id) -> None:
    """The decision's comment and the comments per section, on the round decided."""
    for section, body in ([(GENERAL, comment)] if comment else []) + list(sections.items()):
        db.session.add(
            ReviewComment(
                study=study,
                round_id=round_id,
                author_id=user.id,
                section=section,
                decision=decision,
                study_version=version,
                body=body,
            )
        )


def decide(user, study: Study, decision, comment, section_comments=None) -> None:
    """A coordinator approves, asks for changes or rejects, with comments."""
    decision, comment, sections = clean_decision(
        decision, comment, section_comments, [survey.key for survey in study.surveys]
    )
    if not workflow.allowed(study, decision):
        workflow.move(study, decision, user)  # raises the 409
    add_comments(user, study, decision, comment, sections, study.version, rounds.attach(study))
    if decision == "approve":
        register(study, previous=None)
    workflow.move(study, decision, user, comment=comment)


def set_recruitment(user, study: Study, state) -> None:
    """Open, pause or close recruitment of an approved study."""
    try:
        state = v.choice(state, list(workflow.RECRUITMENT_MOVES))
    except v.FieldError as err:
        v.raise_for({"state": err})
    workflow.move(study, workflow.RECRUITMENT_MOVES[state], user)
    from ..participants import quota_places

    quota_places.sync(study)  # the quotas' rows, written when recruitment opens (participants/quota_places.py)


def end_study(user, study: Study, reason) -> None:
    """End the pilot: no more answers, the results are final, participants read what it found. A coordinator
    may end it at any time; the owner organisation once every timepoint window has passed. Always with a
    reason, kept in the audit trail."""
    from ..participants.models import Enrolment, SurveyDraft
    from ..participants.schedule import follow_up_ends_at

    try:
        reason = v.text(reason, max_len=2000, required=True)
    except v.FieldError as err:
        v.raise_for({"reason": err}, _("Say why the pilot ends."))
    if not workflow.allowed(study, "end"):
        workflow.move(study, "end", user)  # raises the 409
    ends_at = follow_up_ends_at(study)
    if ends_at is not None and ends_at > utcnow() and not can(user, "end_early", study):
        raise Conflict(
            _(
                "Participants may still answer until %(date)s: the pilot can end then, or earlier by a coordinator.",
                date=format_date(ends_at, "long"),
            ),
            code="follow_up_running",
        )
    # drafts would never be sent now
    db.session.execute(
        delete(SurveyDraft).where(
            SurveyDraft.enrolment_id.in_(select(Enrolment.id).where(Enrolment.study_id == study.id))
        )
    )
    workflow.move(study, "end", user, comment=reason)


def frozen_record(study: Study) -> dict:
    """The protocol, consent and surveys exactly as they are approved."""
    consent = study.current_consent
    return {
        "protocol": fields.protocol_dict(study),
        "consent": consent_record(consent) if consent else None,
        "surveys": [
            {"key": s.key, "title": s.title, "timepoint": s.timepoint, "items": s.items}
            | ({"repeat": s.repeat} if s.repeat else {})  # only when set: earlier hashes recompute
            for s in sorted(study.surveys, key=lambda s: s.key)
        ],
    }


def consent_record(consent) -> dict:
    """A consent version as it is registered: its GDPR information items only when it has them, so that the
    hashes of versions written before they existed stay as they were."""
    record = {"version": consent.version, "text": consent.text, "clauses": consent.clauses}
    if consent.gdpr is not None:
        record["gdpr"] = consent.gdpr
    return record


def registration_hash(study: Study) -> str:
    """SHA-256 of the canonical JSON of the frozen record: anyone can recompute it from the API."""
    return hash_record(frozen_record(study))


def hash_record(record: dict, previous_hash: str | None = None) -> str:
    """The registration hash of a frozen record; an amendment's also covers the hash it amends (API.md)."""
    content = record if previous_hash is None else {**record, "previous_hash": previous_hash}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# The hashed protocol fields added since the first schema, newest first (by migration). A registration made before
# the amendments existed has no stored record: it is rebuilt from the study as it stands, without the fields added
# after it was hashed, so that its hash recomputes (`record_as_registered`).
ADDED_FIELDS = (
    ("primary_timepoint",),  # primarytp_5d3a8c1e7b42
    ("languages", "translations"),  # languages_8e2c4a6f1b93
    ("sites",),  # sites_7b3d9f1e5a24
    ("secondary_adjustment",),  # intervals_4e7a1c9d2b58
    ("primary_arm",),  # primaryarm_2e7c5a9d4b61
    ("allocation",),  # allocation_4c7e1b9d2f60
    ("retention_archive_months",),  # retention_6d4b8e2a1f35
    ("primary_analysis",),  # stats_6c1d9e4b2a70
    ("sample_size",),  # sample_size_5b1d7e3a9c20
    (  # regulatory_3f2a7c9e1b64
        "qualification",
        "qualification_justification",
        "principal_investigator",
        "id_rcb",
        "ansm_reference",
        "insurance",
        "cpp_name",
        "dpo_contact",
        "data_host",
        "dpia_reference",
        "dpia_not_required",
        "cpp_date",
        "dpia_date",
        "hds_certified",
        "cpp_decision",
        "medical_device",
        "legal_basis",
        "health_data_exception",
    ),
    ("timepoint_closes", "reminder_days"),  # schema_9c2e4a7b1d63
    ("sponsor",),  # schema_7a3c9e1d5b20
    ("labels",),  # pages_5b8d1c2e7f40
)


def record_as_registered(study: Study, registration: Registration) -> tuple[dict, bool]:
    """The record a registration without one hashed: the study as it stands, less the protocol fields added after
    it, the first set whose hash is the registration's. (record, True) when found; (the whole record, False) when
    no set recomputes the hash (the study changed since in another way)."""
    record = frozen_record(study)
    dropped: set[str] = set()
    for group in ((), *ADDED_FIELDS):
        dropped.update(group)
        candidate = {**record, "protocol": {k: x for k, x in record["protocol"].items() if k not in dropped}}
        if hash_record(candidate, registration.previous_hash) == registration.registration_hash:
            return candidate, True
    return record, False


def register(study: Study, previous: Registration | None, outcome_change: str = "") -> Registration:
    """Append the registration of the study as it now stands, chained to `previous`; the study's hash is the
    latest."""
    record = frozen_record(study)
    previous_hash = previous.registration_hash if previous else None
    registration = Registration(
        version=study.version,
        registration_hash=hash_record(record, previous_hash),
        previous_hash=previous_hash,
        approved_at=utcnow(),
        record=record,
        outcome_change=outcome_change,
    )
    study.registrations.append(registration)
    study.registration_hash = registration.registration_hash
    return registration


def review_queue() -> list[Study]:
    """Submitted studies, the oldest submission first."""
    return list(
        db.session.scalars(
            select(Study)
            .options(selectinload(Study.organisation))
            .where(workflow.in_states(workflow.REVIEWABLE))
            .order_by(Study.submitted_at, Study.id)
        )
    )
