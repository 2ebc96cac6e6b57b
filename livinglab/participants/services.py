"""The participant's journey: screening, consent and enrolment, answers, withdrawal."""
import secrets

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import audit, purge
from .. import validation as v
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..extensions import db
from ..studies.models import Study, StudyStatus
from ..surveys.answers import check_answers
from ..surveys.models import Survey
from ..timeutil import utcnow
from .models import Answer, ConsentSignature, Enrolment, EnrolmentStatus, Response, ScreeningTally
from .randomisation import arm_for_position
from .schedule import survey_states

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud without mistakes


def new_participant_code() -> str:
    """Random, not derived from the account: 31^8 ≈ 8.5 × 10^11 codes."""
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def require_recruiting(study: Study) -> None:
    if study.status != StudyStatus.RECRUITING:
        raise Conflict(_("This pilot is not recruiting at the moment."), code="not_recruiting")


def visible_study(user, study_id: int) -> Study:
    """A pilot is public while it recruits; afterwards only its participants see it."""
    study = db.session.get(Study, study_id)
    if study is None or (study.status != StudyStatus.RECRUITING and enrolment_of(user, study) is None):
        raise NotFound(_("This pilot does not exist, or it is not open to new participants."))
    return study


def enrolment_of(user, study: Study) -> Enrolment | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.study_id == study.id, Enrolment.user_id == user.id))


# --- Screening -------------------------------------------------------------------------------

def tally(study_id: int, reason: str) -> None:
    """Add one to a screening count with a single upsert (safe under concurrency)."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(ScreeningTally).values(study_id=study_id, reason=reason, count=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["study_id", "reason"], set_={"count": ScreeningTally.count + 1}))


def clean_screening(study: Study, age, criteria_confirmed) -> tuple[int, list[bool]]:
    criteria = (study.eligibility or {}).get("criteria", [])
    errors = {}
    try:
        if isinstance(age, str) and age.strip().isascii() and age.strip().isdigit() and len(age.strip()) < 100:
            age = int(age.strip())  # a form's text; "²" or 5,000 digits stay text, which v.integer refuses
        age = v.integer(age, lo=0, hi=130, required=True)
    except v.FieldError as err:
        errors["age"] = err
    if isinstance(criteria_confirmed, bool):
        confirmed = [criteria_confirmed] * len(criteria)
    elif isinstance(criteria_confirmed, list) and all(isinstance(c, bool) for c in criteria_confirmed) \
            and len(criteria_confirmed) == len(criteria):
        confirmed = criteria_confirmed
    elif criteria_confirmed is None and not criteria:
        confirmed = []
    else:
        confirmed = []
        errors["criteria_confirmed"] = v.FieldError(
            _("Answer true or false, or a list with one true or false per criterion."), 400)
    v.raise_for(errors)
    return age, confirmed


def exclusion_reasons(study: Study, age: int, confirmed: list[bool]) -> list[str]:
    """Why this person cannot take part (empty when eligible): "age", "criterion:<n>"."""
    rules = study.eligibility or {}
    reasons = []
    if age < (rules.get("min_age") or 0) or (rules.get("max_age") is not None and age > rules["max_age"]):
        reasons.append("age")
    reasons += [f"criterion:{i}" for i, ok in enumerate(confirmed) if not ok]
    return reasons


def screen(study: Study, age, criteria_confirmed) -> list[str]:
    """Check eligibility and count it; nothing about the person is kept. Returns the reasons."""
    require_recruiting(study)
    age, confirmed = clean_screening(study, age, criteria_confirmed)
    reasons = exclusion_reasons(study, age, confirmed)
    tally(study.id, "screened")
    for reason in reasons or ["eligible"]:
        tally(study.id, reason)
    bump_data_version(study)  # the flow of the results changed
    return reasons


def reason_texts(study: Study, reasons: list[str]) -> list[str]:
    """Kind words for each reason, to tell a person why they cannot take part."""
    rules = study.eligibility or {}
    out = []
    for reason in reasons:
        if reason == "age":
            if rules.get("max_age") is not None:
                out.append(_("This pilot is for people aged %(lo)d to %(hi)d.", lo=rules["min_age"], hi=rules["max_age"]))
            else:
                out.append(_("This pilot is for people aged %(lo)d or more.", lo=rules.get("min_age") or 0))
        else:
            index = int(reason.split(":")[1])
            out.append(_("This pilot is for people who can confirm: “%(criterion)s”.",
                         criterion=rules["criteria"][index]))
    return out


# --- Enrolment -------------------------------------------------------------------------------

def clean_consent_answers(study: Study, consent_version, clauses, signature):
    consent = study.current_consent
    errors = {}
    if isinstance(consent_version, bool) or not isinstance(consent_version, int):
        errors["consent_version"] = v.FieldError(_("Must be a whole number."), 400)
    if not isinstance(clauses, dict) or not all(isinstance(x, bool) for x in clauses.values()):
        errors["clauses"] = v.FieldError(_("Send an object of clause keys to true or false."), 400)
    try:
        signature = v.text(signature, max_len=200, required=True, single_line=True)
    except v.FieldError as err:
        errors["signature"] = err
    v.raise_for(errors)
    if consent is None or consent_version != consent.version:
        raise Invalid(_("The consent form has changed: please read the current version and sign again."),
                      code="stale_consent", fields={"consent_version": _("Not the current version.")})
    known = {c["key"] for c in consent.clauses}
    unknown = [k for k in clauses if k not in known]
    if unknown:
        raise Invalid(_("Unknown consent clauses."), code="invalid",
                      fields={f"clauses.{k}"[:80]: _("No such clause.") for k in unknown})
    refused = [c["key"] for c in consent.clauses if c["required"] and clauses.get(c["key"]) is not True]
    if refused:
        raise Invalid(_("Taking part needs your agreement to every required clause."), code="consent_refused",
                      fields={f"clauses.{k}": _("Required to take part.") for k in refused})
    answers = {c["key"]: bool(clauses.get(c["key"], False)) for c in consent.clauses}
    return consent, answers, signature


def take_a_place(study: Study) -> int:
    """Count one more enrolment unless the study is full or not recruiting: one conditional UPDATE,
    which locks the study row until commit, so concurrent enrolments queue and the cap holds.
    Returns the new enrolment's position."""
    result = db.session.execute(
        update(Study)
        .where(Study.id == study.id, Study.status == StudyStatus.RECRUITING,
               (Study.target_enrolment.is_(None)) | (Study.enrolled_count < Study.target_enrolment))
        .values(enrolled_count=Study.enrolled_count + 1, data_version=Study.data_version + 1)
        .returning(Study.enrolled_count)
        .execution_options(synchronize_session=False))
    position = result.scalar()
    if position is None:
        db.session.refresh(study)
        require_recruiting(study)
        raise Conflict(_("This pilot has all the participants it needs."), code="full")
    db.session.refresh(study)
    return position


def enrol(user, study: Study, *, consent_version, clauses, signature, age, criteria_confirmed,
          screened: bool = False) -> Enrolment:
    """Eligibility, consent and enrolment (with randomisation) in one transaction.

    `screened` says the eligibility page already counted this person (pages screen first)."""
    require_recruiting(study)
    if enrolment_of(user, study):
        raise Conflict(_("You are already taking part in this pilot."), code="already_enrolled")
    age, confirmed = clean_screening(study, age, criteria_confirmed)
    consent, answers, signature = clean_consent_answers(study, consent_version, clauses, signature)
    reasons = exclusion_reasons(study, age, confirmed)
    if reasons:
        if not screened:
            screen(study, age, confirmed)
            db.session.commit()  # the counts survive the refusal; nothing about the person is kept
        raise Invalid(" ".join(reason_texts(study, reasons)), code="not_eligible",
                      fields={"age" if r == "age" else "criteria_confirmed": _("Not eligible.") for r in reasons})
    if not screened:
        screen(study, age, confirmed)
    position = take_a_place(study)
    enrolment = Enrolment(study_id=study.id, user_id=user.id, participant_code=new_participant_code(),
                          position=position, arm=arm_for_position(study, position))
    enrolment.signatures.append(ConsentSignature(consent_version_id=consent.id, clauses=answers,
                                                 signed_name=signature))
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError:  # the same person twice at the same instant: the unique constraint decides
        db.session.rollback()
        raise Conflict(_("You are already taking part in this pilot."), code="already_enrolled") from None
    audit.record(user, "participant.enrol", study=study, participant_code=enrolment.participant_code,
                 consent_version=consent.version)
    return enrolment


def resign_consent(user, enrolment: Enrolment, *, consent_version, clauses, signature) -> ConsentSignature:
    """Sign a newer consent version (needed before the next answer when the consent changed)."""
    consent, answers, signature = clean_consent_answers(enrolment.study, consent_version, clauses, signature)
    signed = ConsentSignature(consent_version_id=consent.id, clauses=answers, signed_name=signature)
    enrolment.signatures.append(signed)
    audit.record(user, "participant.reconsent", study=enrolment.study, participant_code=enrolment.participant_code,
                 consent_version=consent.version)
    return signed


def needs_reconsent(enrolment: Enrolment) -> bool:
    current = enrolment.study.current_consent
    return current is not None and enrolment.signature.consent_version_id != current.id


# --- Surveys and answers -----------------------------------------------------------------------

def answered_survey_ids(enrolment: Enrolment) -> set[int]:
    return set(db.session.scalars(select(Response.survey_id).where(Response.enrolment_id == enrolment.id)))


def states_for(enrolment: Enrolment):
    return survey_states(enrolment, enrolment.study.surveys, answered_survey_ids(enrolment))


def require_enrolment(user, study: Study) -> Enrolment:
    enrolment = enrolment_of(user, study)
    if enrolment is None:
        raise Forbidden(_("You are not taking part in this pilot."), code="not_enrolled")
    return enrolment


def find_survey(study: Study, key: str) -> Survey:
    survey = next((s for s in study.surveys if s.key == key), None)
    if survey is None:
        raise NotFound(_("This survey does not exist."))
    return survey


def submit_response(user, study: Study, survey_key: str, answers) -> Response:
    """Save a participant's answers to one survey: all checked first, then one transaction, once."""
    enrolment = require_enrolment(user, study)
    survey = find_survey(study, survey_key)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise Conflict(_("You have withdrawn from this pilot."), code="withdrawn")
    if study.status == StudyStatus.CLOSED:  # its results are final
        raise Conflict(_("This pilot is closed: it no longer takes answers."), code="study_closed")
    state = next(d for d in states_for(enrolment) if d.survey.id == survey.id)
    if state.state == "answered":
        raise Conflict(_("You have already answered this survey."), code="already_answered")
    if state.state != "open":
        raise Conflict(_("This survey is not open yet."), code="not_open")
    if needs_reconsent(enrolment):
        raise Conflict(_("The consent form has changed: please read and sign it again first."),
                       code="reconsent_needed")
    rows, errors = check_answers(survey.items, answers)
    if errors:
        raise Invalid(_("Some answers need your attention."), code="invalid_answers", fields=errors)
    response = Response(enrolment=enrolment, survey_id=survey.id,
                        answers=[Answer(item_key=k, number=n, text=t) for k, (n, t) in rows.items()])
    db.session.add(response)
    try:
        db.session.flush()
    except IntegrityError:  # a double click or a replayed request: the unique constraint decides
        db.session.rollback()
        raise Conflict(_("You have already answered this survey."), code="already_answered") from None
    bump_data_version(study)
    audit.record(user, "participant.answer", study=study, participant_code=enrolment.participant_code,
                 survey=survey.key)
    return response


def bump_data_version(study: Study) -> None:
    db.session.execute(update(Study).where(Study.id == study.id)
                       .values(data_version=Study.data_version + 1).execution_options(synchronize_session=False))


def stored_answers(response: Response) -> dict[str, tuple]:
    return {a.item_key: (a.number, a.text) for a in response.answers}


# --- Withdrawal ----------------------------------------------------------------------------------

def withdraw(user, study: Study, erase_data) -> Enrolment:
    """Leave the pilot, keeping the answers given so far or erasing them (rows deleted). Having left
    and kept them, the participant may still ask to erase them: the same call with `erase_data` true."""
    enrolment = require_enrolment(user, study)
    try:
        erase_data = v.boolean(erase_data)
    except v.FieldError as err:
        v.raise_for({"erase_data": err})
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        if not erase_data:
            raise Conflict(_("You have already withdrawn from this pilot."), code="withdrawn")
        return erase_kept_answers(user, study, enrolment)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_at = utcnow()
    if erase_data:
        erase_answers(enrolment)
    bump_data_version(study)
    audit.record(user, "participant.withdraw", study=study, participant_code=enrolment.participant_code,
                 erase_data=erase_data)
    return enrolment


def answers_anonymised(enrolment: Enrolment) -> bool:
    """Once a pilot's data are anonymised, answers belong to nobody and cannot be erased on request.
    (Anonymisation at the end of the retention period sets `Study.anonymised_at`; until it exists,
    a pilot's answers stay linked to their participants.)"""
    return getattr(enrolment.study, "anonymised_at", None) is not None


def can_erase_kept_answers(enrolment: Enrolment) -> bool:
    return (enrolment.status == EnrolmentStatus.WITHDRAWN and not enrolment.data_erased
            and not answers_anonymised(enrolment))


def erase_kept_answers(user, study: Study, enrolment: Enrolment) -> Enrolment:
    """Erase, after leaving, the answers the participant chose to keep when they left."""
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        raise Conflict(_("You are still taking part: leave the pilot, choosing to erase your answers."),
                       code="not_withdrawn")
    if enrolment.data_erased:
        raise Conflict(_("Your answers to this pilot are already erased."), code="already_erased")
    if answers_anonymised(enrolment):
        raise Conflict(_("This pilot's data are anonymised: your answers can no longer be told apart from "
                         "anyone else's."), code="anonymised")
    erase_answers(enrolment)
    bump_data_version(study)
    audit.record(user, "participant.erase_answers", study=study, participant_code=enrolment.participant_code)
    return enrolment


def erase_answers(enrolment: Enrolment) -> None:
    """Delete the rows themselves: erasure is not a flag. The cached results of the pilot go too (they
    are recomputed without them), and the database files are purged once the transaction commits."""
    from ..studies.results import ResultsCache

    for response in list(enrolment.responses):
        db.session.delete(response)
    db.session.flush()
    db.session.expire(enrolment, ["responses"])
    db.session.execute(delete(ResultsCache).where(ResultsCache.study_id == enrolment.study_id))
    enrolment.data_erased = True
    purge.after_commit()


def my_enrolments(user) -> list[Enrolment]:
    return list(db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)))


def screening_counts(study: Study) -> dict[str, int]:
    return dict(db.session.execute(select(ScreeningTally.reason, ScreeningTally.count)
                                   .where(ScreeningTally.study_id == study.id)).all())


def count_enrolled(study: Study) -> int:
    return db.session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.study_id == study.id))
