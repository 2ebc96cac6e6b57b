"""Amendments of an approved protocol, and the chain of registrations they make.

The data (models in `studies/models.py`):

- `amendment`: (study_id, version, status, reason, record, created_by_id, created_at, updated_at,
  submitted_at, decided_at, decision_comment). `version` is the protocol version the study becomes once the
  amendment is approved (unique per study); `status` is draft | submitted | changes_requested | approved |
  rejected; `record` is the proposed protocol, consent and surveys, in the shape of
  `services.frozen_record(study)`: `{"protocol": {...}, "consent": {version, text, clauses} | null,
  "surveys": [{key, title, timepoint, items}, ...]}`. One open (draft, submitted or changes_requested)
  amendment per study at a time: a partial unique index on `study_id` holds it, on SQLite and PostgreSQL.
- `registration`: (study_id, version, registration_hash, previous_hash, approved_at, record, outcome_change),
  unique (study_id, version). The first approval appends the first row (`previous_hash` null, the hash
  computed as before); each approved amendment appends one whose hash is the SHA-256 of the canonical JSON
  of its record plus `"previous_hash"` (API.md), so anyone can recompute the chain from the API.
  `study.registration_hash` is the latest. `outcome_change` keeps the reason when the primary outcome or the
  design changed ("outcome switched after registration", shown on the results page).

The study keeps running on its approved version while an amendment is drafted and reviewed: the amendment
is edited in its own record, never on the study. Approval applies the record to the study in one
transaction: protocol fields, a changed consent as a new consent version (enrolled participants must sign it
before their next answer, and are told by email through the outbox), surveys changed or added (never
removed: answers hang on them), the version, a new registration. The study's status does not change.

A change to a survey applies to timepoints not yet opened (`check_surveys`, the one home of the rule, run when
a survey is saved, at submission and at approval): once a survey's timepoint has opened for any participant who
enrolled (its opening day after their enrolment, once the earlier timepoints were answered or closed, as
`participants/schedule.py` opens it), only its wording may change (its
title and its questions' text: the typo fix), never its structure (questions added, removed or reordered, their
keys, types, scales, choices, units and required flags, its timepoint), since answers may have been given to it. A survey
whose timepoint has opened for nobody changes freely; a new survey may be added at any timepoint.
"""

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from .. import validation as v
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..surveys.models import Survey
from ..surveys.services import clean_survey
from ..timeutil import days, utcnow
from . import diff, fields, regulatory, rounds, sites, workflow
from .checklist import missing
from .consent import clean_consent, clean_gdpr
from .fields import registration_dict  # noqa: F401 (served with the amendments)
from .models import Amendment, AmendmentStatus, ConsentVersion, Registration, Study, StudyStatus
from .services import (
    add_comments,
    clean_decision,
    clean_draft,
    consent_record,
    frozen_record,
    record_as_registered,
    register,
)

A = AmendmentStatus
EDITABLE = frozenset({A.DRAFT, A.CHANGES_REQUESTED})
OPEN = (A.DRAFT, A.SUBMITTED, A.CHANGES_REQUESTED)  # at most one per study (a partial unique index)
# decision -> the amendment's status after it (from submitted only)
DECISIONS = {"approve": A.APPROVED, "request_changes": A.CHANGES_REQUESTED, "reject": A.REJECTED}
# A change of these after registration must be reported with its reason (CONSORT: outcome switching)
OUTCOME_FIELDS = ("primary_outcome", "design", "primary_arm", "primary_timepoint")


def amendments_of(study: Study) -> list[Amendment]:
    return list(db.session.scalars(select(Amendment).where(Amendment.study_id == study.id).order_by(Amendment.version)))


def find(study: Study, version: int) -> Amendment:
    amendment = db.session.scalar(select(Amendment).where(Amendment.study_id == study.id, Amendment.version == version))
    if amendment is None:
        raise NotFound(_("This amendment does not exist."), code="no_amendment")
    return amendment


def open_amendment(user, study: Study, reason) -> Amendment:
    """Start a new version of an approved protocol, as a copy of the approved one, with the reason for it."""
    if not workflow.is_amendable(study):
        raise Conflict(
            _(
                "This study is %(status)s: only an approved study that has not ended can be amended.",
                status=workflow.STATUS_LABELS[study.status],
            ),
            code="not_amendable",
        )
    try:
        reason = v.text(reason, max_len=5000, required=True)
    except v.FieldError as err:
        v.raise_for({"reason": err}, _("Say why the protocol changes."))
    if db.session.scalar(select(Amendment.id).where(Amendment.study_id == study.id, Amendment.status.in_(OPEN))):
        raise Conflict(_("An amendment of this study is already open: finish it first."), code="amendment_open")
    last = db.session.scalar(select(func.max(Amendment.version)).where(Amendment.study_id == study.id)) or 0
    amendment = Amendment(
        study_id=study.id,
        version=max(study.version, last) + 1,
        reason=reason,
        record=frozen_record(study),
        created_by_id=user.id,
    )
    db.session.add(amendment)
    db.session.flush()  # the partial unique index decides a race between two openings (409)
    audit.record(user, "amendment.open", study=study, version=amendment.version, comment=reason)
    return amendment


def require_editable(amendment: Amendment) -> None:
    if amendment.status not in EDITABLE:
        raise Conflict(
            _(
                "This amendment is %(status)s: it can be edited only as a draft or when changes are requested.",
                status=workflow.STATUS_LABELS[StudyStatus(amendment.status.value)],
            ),
            code="not_editable",
        )


def proposed_study(amendment: Amendment) -> Study:
    """The study as the amendment proposes it: a transient object (never added to the session) that the
    study's own checks (field validation, checklist) read as they read a study."""
    record = amendment.record
    shadow = Study()
    # plain columns, never the relationships: the shadow must not join the study's organisation's collections
    shadow.organisation_id = db.session.scalars(
        select(Study.organisation_id).where(Study.id == amendment.study_id)
    ).one()
    for name, value in record["protocol"].items():
        if name in fields.FIELDS:
            field = fields.FIELDS[name]
            for attr, new in field.attributes(field.kind.from_api(value)).items():
                setattr(shadow, attr, new)
    consent = record.get("consent")
    shadow.consent_versions = (
        [
            ConsentVersion(
                version=consent["version"], text=consent["text"], clauses=consent["clauses"], gdpr=consent.get("gdpr")
            )
        ]
        if consent
        else []
    )
    shadow.surveys = [
        Survey(key=s["key"], title=s["title"], timepoint=s["timepoint"], items=s["items"], repeat=s.get("repeat"))
        for s in record["surveys"]
    ]
    return shadow


def _save(amendment: Amendment, shadow: Study) -> None:
    """Write the proposed study back into the amendment's record (a new dict: the JSON column is changed)."""
    consent = shadow.current_consent
    amendment.record = {
        "protocol": fields.protocol_dict(shadow),
        "consent": consent_record(consent) if consent else None,
        "surveys": [
            {"key": s.key, "title": s.title, "timepoint": s.timepoint, "items": s.items}
            | ({"repeat": s.repeat} if s.repeat else {})  # only when set, as in the frozen record
            for s in sorted(shadow.surveys, key=lambda s: s.key)
        ],
    }
    amendment.updated_at = utcnow()


def update(user, study: Study, amendment: Amendment, data) -> list[str]:
    """Change fields of the proposed protocol, checked exactly as a PATCH of the study checks them."""
    require_editable(amendment)
    shadow = proposed_study(amendment)
    clean = fields.clean_study_fields(data, creating=False, current=shadow)
    sites.keep_used(study, clean)  # a site with enrolments stays
    changed = fields.apply(shadow, clean)
    if changed:
        _save(amendment, shadow)
        audit.record(user, "amendment.update", study=study, version=amendment.version, fields=changed)
    return changed


def save_draft(user, study: Study, amendment: Amendment, data: dict, shadow: Study) -> tuple[list[str], dict]:
    """The protocol editor's save on an amendment (`shadow`, its proposed study, follows): every valid field is
    kept, the invalid ones are returned with what is wrong, as the study's own editor does."""
    require_editable(amendment)
    clean, invalid = clean_draft(data, shadow)
    sites.keep_used(study, clean, invalid)  # a site with enrolments stays
    changed = fields.apply(shadow, clean)
    if changed:
        _save(amendment, shadow)
        audit.record(user, "amendment.update", study=study, version=amendment.version, fields=changed)
    return changed, invalid


def save_consent(user, study: Study, amendment: Amendment, text, clauses, gdpr=None) -> dict:
    """Propose a new consent: it becomes the study's next consent version on approval, and participants consent
    again. Its GDPR information items stay as proposed unless `gdpr` gives them. A consent saved as approved (the
    same text, clauses and GDPR information) stays the approved version: nobody is asked to consent again."""
    require_editable(amendment)
    text, clauses = clean_consent(text, clauses)
    new_gdpr = clean_gdpr(gdpr)
    current = study.current_consent
    shadow = proposed_study(amendment)
    proposed = amendment.record.get("consent") or {}  # its GDPR items stay as proposed (or as approved)
    gdpr = new_gdpr if new_gdpr is not None else proposed.get("gdpr")
    if current is not None and (text, clauses, given(gdpr)) == (current.text, current.clauses, given(current.gdpr)):
        # the approved consent itself: the amendment's record, and its hash, hold it as registered
        consent = ConsentVersion(version=current.version, text=current.text, clauses=current.clauses, gdpr=current.gdpr)
    else:
        consent = ConsentVersion(version=(current.version if current else 0) + 1, text=text, clauses=clauses, gdpr=gdpr)
    shadow.consent_versions = [consent]
    _save(amendment, shadow)
    audit.record(user, "amendment.consent", study=study, version=amendment.version)
    return amendment.record["consent"]


def given(gdpr: dict | None) -> dict:
    """The GDPR information items that say something (an item left empty is as good as absent)."""
    return {key: text for key, text in (gdpr or {}).items() if text}


def save_survey(user, study: Study, amendment: Amendment, data) -> dict:
    """Change a survey (the one with this key) or add one; surveys are never removed (answers hang on them)."""
    require_editable(amendment)
    shadow = proposed_study(amendment)
    key = data.get("key") if isinstance(data, dict) else None
    existing = next((s for s in shadow.surveys if s.key == key), None)
    survey = clean_survey(shadow, data, existing)
    check_surveys(study, [survey])
    if existing is not None:
        shadow.surveys.remove(existing)
    shadow.surveys.append(Survey(**survey))
    _save(amendment, shadow)
    audit.record(user, "amendment.survey", study=study, version=amendment.version, survey=survey["key"])
    return survey


def opened_timepoints(study: Study) -> set[str]:
    """The timepoints whose surveys have opened for at least one participant who enrolled (whatever became of
    them since: their answers hang on the surveys). As `participants/schedule.py` opens them: on the timepoint's
    first day after enrolment, once every survey of each earlier timepoint is answered or its window closed.
    One query, whatever the number of participants."""
    from ..participants.models import Enrolment, Response
    from ..participants.schedule import window_days

    timepoints = list(study.timepoints or [])
    if not timepoints:
        return set()
    now = utcnow()
    ids = {tp: [s.id for s in study.surveys if s.timepoint == tp] for tp in timepoints}

    def done(tp: str):  # every survey of `tp` answered by the enrolment, or its window closed
        answered = (
            select(func.count(func.distinct(Response.survey_id)))
            .where(Response.enrolment_id == Enrolment.id, Response.survey_id.in_(ids[tp]))
            .scalar_subquery()
        )
        return or_(Enrolment.enrolled_at <= now - days(window_days(study, tp)[1]), answered >= len(ids[tp]))

    opened = [
        select(Enrolment.id)
        .where(
            Enrolment.study_id == study.id,
            Enrolment.enrolled_at <= now - days(window_days(study, tp)[0]),
            *(done(earlier) for earlier in timepoints[:n]),
        )
        .exists()
        .label(f"tp{n}")
        for n, tp in enumerate(timepoints)
    ]
    row = db.session.execute(select(*opened)).one()
    return {tp for tp, is_open in zip(timepoints, row, strict=True) if is_open}


WORDING = ("text", "section", "intro")  # a question's text, a section break's title and intro


def structure(survey: dict) -> tuple:
    """What answers depend on: the timepoint and every item but its wording (`WORDING`), in order. A computed
    score (surveys/scores.py) is not asked: adding one to an opened survey changes no answer, and the diff shows it."""
    items = [
        {k: value for k, value in item.items() if k not in WORDING} for item in survey["items"] if "score" not in item
    ]
    return survey["timepoint"], survey.get("repeat"), items  # answered once or repeatedly: answers depend on it too


def check_surveys(study: Study, proposed: list[dict]) -> None:
    """Refuse (422 `survey_opened`, naming the survey) a change to the structure of a survey whose timepoint has
    already opened for a participant; its wording may change, a new survey may be added anywhere."""
    approved = {s.key: s for s in study.surveys}
    opened = None
    for survey in proposed:
        before = approved.get(survey["key"])
        if before is None:
            continue
        old = {"timepoint": before.timepoint, "items": before.items, "repeat": before.repeat}
        if structure(old) == structure(survey):
            continue
        opened = opened_timepoints(study) if opened is None else opened
        if before.timepoint in opened:
            message = _(
                "The survey “%(title)s” has already opened for participants: only its wording (its title and the "
                "text of its questions) may change, not its questions, their order, types, scales, choices or "
                "required flags, nor its timepoint.",
                title=before.title,
            )
            raise Invalid(message, code="survey_opened", fields={f"surveys.{survey['key']}": message})


def submit(user, study: Study, amendment: Amendment) -> None:
    """Send the amendment to the coordinators, once the proposed protocol is complete."""
    if amendment.status not in EDITABLE:
        raise Conflict(_("This amendment cannot be submitted in its state."), code="invalid_transition")
    gaps = missing(proposed_study(amendment))
    if gaps:
        raise Invalid(_("The protocol is not complete yet."), code="incomplete", fields=gaps)
    check_surveys(study, amendment.record["surveys"])  # a timepoint may have opened since the survey was saved
    sites.keep_used(study, {"sites": amendment.record["protocol"].get("sites", [])})  # enrolled at one since
    rounds.open_round(user, study, amendment.record, amendment.version)
    amendment.status = A.SUBMITTED
    amendment.submitted_at = amendment.updated_at = utcnow()
    audit.record(user, "amendment.submit", study=study, version=amendment.version)
    from ..notifications import notify

    notify.review_submitted(study, amendment=amendment.version)


def waiting_for_decision(limit: int = 100) -> list[Amendment]:
    """Submitted amendments, the oldest submission first, with their studies (the review queue's second list)."""
    return list(
        db.session.scalars(
            select(Amendment)
            .where(Amendment.status == A.SUBMITTED)
            .options(selectinload(Amendment.study).selectinload(Study.organisation))
            .order_by(Amendment.submitted_at, Amendment.id)
            .limit(limit)
        )
    )


def decide(user, study: Study, amendment: Amendment, decision, comment, section_comments=None) -> None:
    """A coordinator approves, asks for changes or rejects an amendment (the bodies of the study's decision)."""
    survey_keys = [survey["key"] for survey in amendment.record["surveys"]]
    decision, comment, sections = clean_decision(decision, comment, section_comments, survey_keys)
    if amendment.status != A.SUBMITTED:
        raise Conflict(_("Only a submitted amendment can be decided."), code="invalid_transition")
    add_comments(user, study, decision, comment, sections, amendment.version, rounds.attach(study, amendment.version))
    if decision == "approve":
        if not workflow.is_amendable(study):  # ended meanwhile
            raise Conflict(_("The pilot has ended: its protocol can no longer change."), code="not_amendable")
        apply(study, amendment)
    amendment.status = DECISIONS[decision]
    amendment.decided_at = utcnow()
    amendment.decision_comment = comment
    from ..notifications import notify

    notify.review_decision(study, decision, comment, amendment=amendment.version)
    audit.record(
        user,
        f"amendment.{decision}",
        study=study,
        version=amendment.version,
        comment=comment or None,
        registration_hash=study.registration_hash if decision == "approve" else None,
    )


def apply(study: Study, amendment: Amendment) -> Registration:
    """Make the amendment the study's approved protocol and register it, chained to the last registration."""
    from ..notifications import notify

    check_surveys(study, amendment.record["surveys"])  # a timepoint may have opened during the review
    # a site may have had its first enrolment during the review: checked under the study's row lock, which an
    # enrolment takes too (participants/services.take_a_place), so none slips in between
    db.session.execute(select(Study.id).where(Study.id == study.id).with_for_update())
    sites.keep_used(study, {"sites": amendment.record["protocol"].get("sites", [])})
    previous = study.registrations[-1] if study.registrations else None
    if previous is not None and previous.record is None:  # backfilled by the migration: the study still is it
        previous.record, _found = record_as_registered(study, previous)
    before, mode_before = fields.protocol_dict(study), regulatory.mode_of(study)
    record = amendment.record
    for name, value in record["protocol"].items():
        if name in fields.FIELDS:  # as the API serves it: back to what the model holds (dates, say)
            fields.apply(study, {name: fields.FIELDS[name].kind.from_api(value)})
    # a field the record lacks (an amendment opened before the field existed) stays as it was: not a switch
    switched = [n for n in OUTCOME_FIELDS if n in record["protocol"] and before.get(n) != record["protocol"][n]]
    consent, current = record.get("consent"), study.current_consent
    if consent and (current is None or consent["version"] != current.version):
        study.consent_versions.append(
            ConsentVersion(
                version=consent["version"],
                text=consent["text"],
                clauses=consent["clauses"],
                gdpr=consent.get("gdpr"),
                on_erasure=current.on_erasure if current else "erase",
                keep_free_text=current.keep_free_text if current else False,
                created_by_id=amendment.created_by_id,
            )
        )
        notify.consent_changed(study, consent["version"], reconsent_required=True)
    elif current is not None and regulatory.stricter(regulatory.mode_of(study), mode_before):
        # the same form, asked for in a stricter mode (information → express or written): a new version of it,
        # which every participant agrees to again in that mode
        study.consent_versions.append(
            ConsentVersion(
                version=current.version + 1,
                text=current.text,
                clauses=current.clauses,
                gdpr=current.gdpr,
                on_erasure=current.on_erasure,
                keep_free_text=current.keep_free_text,
                created_by_id=amendment.created_by_id,
            )
        )
        notify.consent_changed(study, current.version + 1, reconsent_required=True)
    by_key = {s.key: s for s in study.surveys}
    for proposed_survey in record["surveys"]:
        survey = by_key.get(proposed_survey["key"])
        if survey is None:
            study.surveys.append(Survey(**proposed_survey))
        elif (survey.title, survey.timepoint, survey.items, survey.repeat) != (
            *(proposed_survey[k] for k in ("title", "timepoint", "items")),
            proposed_survey.get("repeat"),
        ):
            survey.title, survey.timepoint = proposed_survey["title"], proposed_survey["timepoint"]
            survey.items = list(proposed_survey["items"])
            survey.repeat = proposed_survey.get("repeat")
    study.version = amendment.version
    db.session.flush()
    from ..participants import quota_places

    quota_places.sync(study)  # the quotas' rows follow the amended protocol (under the row lock taken above)
    from ..participants.services import bump_data_version

    bump_data_version(study)  # the results follow the approved protocol (its outcome, its surveys) at once
    return register(study, previous, outcome_change=amendment.reason if switched else "")


# --- What the API serves -------------------------------------------------------------------------------


def amendment_dict(amendment: Amendment) -> dict:
    return {
        "version": amendment.version,
        "status": str(amendment.status),
        "reason": amendment.reason,
        "comment": amendment.decision_comment or None,
        "created_at": fields.iso(amendment.created_at),
        "updated_at": fields.iso(amendment.updated_at),
        "submitted_at": fields.iso(amendment.submitted_at),
        "decided_at": fields.iso(amendment.decided_at),
        **amendment.record,
    }


# --- What changes: the reviewer's diff against the approved version -----------------------------------


def _amended_record(study: Study, amendment: Amendment) -> dict:
    """The approved version an amendment is compared with: the study as it stands, or, once the amendment is
    approved, the registration it amended."""
    if amendment.status == A.APPROVED:
        earlier = [r.record for r in study.registrations if r.version < amendment.version and r.record is not None]
        if earlier:
            return earlier[-1]
    return frozen_record(study)


def differences(study: Study, amendment: Amendment) -> dict:
    """What the amendment changes against the study's approved version (studies/diff.py)."""
    return diff.differences(_amended_record(study, amendment), amendment.record)
