"""The participant's journey: screening, consent and enrolment, answers, withdrawal."""

import secrets
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit, purge
from .. import validation as v
from ..errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..extensions import db
from ..notifications import notify, webhooks
from ..policy import sees_pilot
from ..studies import allocation, regulatory, sites, workflow
from ..studies.enums import ConsentMode
from ..studies.models import Study
from ..studies.pilot_languages import reading_language
from ..surveys.answers import check_answers
from ..surveys.branching import NOT_APPLICABLE as NA
from ..surveys.models import Survey
from ..surveys.repeats import is_repeatable
from ..timeutil import utcnow
from ..transactions import unit_of_work
from . import quota_places, randomisation, reports, screening
from .models import Answer, ConsentSignature, Enrolment, EnrolmentStatus, Response, ScreeningOutcome, SurveyDraft
from .schedule import survey_states
from .started import earliest

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud without mistakes


def new_participant_code() -> str:
    """Random, not derived from the account: 31^8 ≈ 8.5 × 10^11 codes."""
    return "P-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def require_recruiting(study: Study) -> None:
    if not workflow.is_recruiting(study):
        raise Conflict(_("This pilot is not recruiting at the moment."), code="not_recruiting")


def visible_study(user, study_id: int) -> Study:
    """A pilot's public page exists once its protocol is approved (recruiting or not); before, it is not
    found. Its participants keep seeing it whatever happens."""
    study = db.session.get(Study, study_id)
    if study is None or not sees_pilot(user, study):
        raise NotFound(_("This pilot does not exist, or it is not open to new participants."))
    return study


def counted(err: DomainError, study: Study, key: str, outcome: ScreeningOutcome, reasons=()) -> DomainError:
    """Mark a refusal whose step the flow counts (not eligible, consent refused, full)."""
    err.step = (study, key, outcome, tuple(reasons))  # type: ignore[attr-defined]  # a mark read back with getattr (counting_refusals)
    return err


@contextmanager
def counting_refusals():
    """Around an enrolment attempt: on any error everything is rolled back, then a refusal that the flow
    counts gets its step written alone and committed (the person's step, never their answers, nor an
    account made in the same attempt), so that pages and API count alike."""
    try:
        yield
    except DomainError as err:
        db.session.rollback()
        step = getattr(err, "step", None)
        if step is not None:
            study, key, outcome, reasons = step
            with unit_of_work():
                screening.record(study, key, outcome, reasons)
                bump_data_version(study)
        raise


def enrolment_of(user, study: Study) -> Enrolment | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Enrolment).where(Enrolment.study_id == study.id, Enrolment.user_id == user.id))


# --- Screening -------------------------------------------------------------------------------


def clean_screening(study: Study, age, criteria_confirmed) -> tuple[int, list[bool]]:
    age, confirmed, errors = screening_values(study, age, criteria_confirmed)
    v.raise_for(errors)
    return age, confirmed


def screening_values(study: Study, age, criteria_confirmed) -> tuple[int | None, list[bool], dict]:
    """The age and one answer per criterion, with every problem found (not raised)."""
    criteria = (study.eligibility or {}).get("criteria", [])
    errors = {}
    try:
        if isinstance(age, str) and age.strip().isascii() and age.strip().isdigit() and len(age.strip()) < 100:
            age = int(age.strip())  # a form's text; "²" or 5,000 digits stay text, which v.integer refuses
        age = v.integer(age, lo=0, hi=130, required=True)
    except v.FieldError as err:
        errors["age"], age = err, None
    if isinstance(criteria_confirmed, bool):
        confirmed = [criteria_confirmed] * len(criteria)
    elif (
        isinstance(criteria_confirmed, list)
        and all(isinstance(c, bool) for c in criteria_confirmed)
        and len(criteria_confirmed) == len(criteria)
    ):
        confirmed = criteria_confirmed
    elif criteria_confirmed is None and not criteria:
        confirmed = []
    else:
        confirmed = []
        errors["criteria_confirmed"] = v.FieldError(
            _("Answer true or false, or a list with one true or false per criterion."), 400
        )
    return age, confirmed, errors


def exclusion_reasons(study: Study, age: int, confirmed: list[bool]) -> list[str]:
    """Why this person cannot take part (empty when eligible): "age", "criterion:<n>"."""
    rules = study.eligibility or {}
    reasons = []
    if age < (rules.get("min_age") or 0) or (rules.get("max_age") is not None and age > rules["max_age"]):
        reasons.append("age")
    reasons += [f"criterion:{i}" for i, ok in enumerate(confirmed) if not ok]
    return reasons


def screen(study: Study, age, criteria_confirmed, key: str | None = None, site=None) -> list[str]:
    """Check eligibility and note this person's outcome under their screener key (once per person and
    pilot: checking again updates it); the answers themselves are not kept. Returns the reasons.
    Without a key (scripts), each call counts as someone new."""
    require_recruiting(study)
    key = key or "anonymous-" + secrets.token_hex(24)
    age, confirmed = clean_screening(study, age, criteria_confirmed)
    v.raise_for(sites.choice_errors(study, site))  # where the person takes part, when the pilot has sites
    reasons = exclusion_reasons(study, age, confirmed)
    screening.record(
        study,
        key,
        ScreeningOutcome.NOT_ELIGIBLE if reasons else ScreeningOutcome.ELIGIBLE,
        reasons,
        stratum="" if reasons else allocation.stratum(study, age),  # a stratified pilot's age group, once eligible
        site=site or sites.NO_SITE,
    )
    bump_data_version(study)  # the flow of the results changed
    return reasons


def reason_texts(study: Study, reasons: list[str]) -> list[str]:
    """Kind words for each reason, to tell a person why they cannot take part."""
    rules = study.eligibility or {}
    out = []
    for reason in reasons:
        if reason == "age":
            if rules.get("max_age") is not None:
                out.append(
                    _("This pilot is for people aged %(lo)d to %(hi)d.", lo=rules["min_age"], hi=rules["max_age"])
                )
            else:
                out.append(_("This pilot is for people aged %(lo)d or more.", lo=rules.get("min_age") or 0))
        else:
            index = int(reason.split(":")[1])
            out.append(
                _("This pilot is for people who can confirm: “%(criterion)s”.", criterion=rules["criteria"][index])
            )
    return out


# --- Enrolment -------------------------------------------------------------------------------


def consent_values(study: Study, consent_version, clauses, signature, confirmed=None):
    """(consent, answers, signature, errors, refused, mode): every problem of a consent, found at once.

    The mode is the pilot's (`regulatory.mode_of`): written consent needs the signature; express consent and
    information need `confirmed` true (the clauses ticked and the agreement confirmed; the notice read), and
    a written signature is valid evidence in every mode (clients that sign keep working)."""
    consent = study.current_consent
    mode = regulatory.mode_of(study)
    errors, refused, answers = {}, [], {}
    if isinstance(consent_version, bool) or not isinstance(consent_version, int):
        errors["consent_version"] = v.FieldError(_("Must be a whole number."), 400)
    if not isinstance(clauses, dict) or not all(isinstance(x, bool) for x in clauses.values()):
        errors["clauses"] = v.FieldError(_("Send an object of clause keys to true or false."), 400)
        clauses = {}
    if confirmed is not None and not isinstance(confirmed, bool):
        errors["confirmed"] = v.FieldError(_("Must be true or false."), 400)
        confirmed = None
    try:
        signature = v.text(signature, max_len=200, required=mode == ConsentMode.WRITTEN, single_line=True)
    except v.FieldError as err:
        errors["signature"] = err
    if (
        mode != ConsentMode.WRITTEN
        and not signature
        and confirmed is not True
        and not errors.keys() & {"signature", "confirmed"}
    ):
        errors["confirmed"] = v.FieldError(
            _("Tick the box to confirm that you agree to take part.")
            if mode == ConsentMode.EXPRESS
            else _("Tick the box to confirm that you have read the information notice.")
        )
    if consent is not None:
        known = {c["key"] for c in consent.clauses}
        for key in clauses:
            if key not in known:
                errors[f"clauses.{key}"[:80]] = v.FieldError(_("No such clause."))
        refused = [c["key"] for c in consent.clauses if c["required"] and clauses.get(c["key"]) is not True]
        answers = {c["key"]: bool(clauses.get(c["key"], False)) for c in consent.clauses}
    return consent, answers, signature or "", errors, refused, mode


def clean_consent_answers(study: Study, consent_version, clauses, signature, confirmed=None):
    """The consent answers, or one error naming every problem: wrong types (400), a version that is not the
    current one (`stale_consent`), else a missing signature or confirmation, unknown clauses and each refused
    required clause together (`consent_refused` when a required clause is refused). Returns (consent,
    answers, signature, mode)."""
    consent, answers, signature, errors, refused, mode = consent_values(
        study, consent_version, clauses, signature, confirmed
    )
    if any(err.status == 400 for err in errors.values()):
        v.raise_for(errors)
    if consent is None or consent_version != consent.version:
        raise Invalid(
            _("The consent form has changed: please read the current version and sign again."),
            code="stale_consent",
            fields={"consent_version": _("Not the current version.")},
        )
    fields = {name: err.message for name, err in errors.items()}
    fields.update({f"clauses.{key}": _("Required to take part.") for key in refused})
    if refused:
        raise Invalid(
            _("Taking part needs your agreement to every required clause."), code="consent_refused", fields=fields
        )
    if fields:
        raise Invalid(_("Some values are not valid."), fields=fields)
    return consent, answers, signature, mode


def take_a_place(study: Study) -> int | None:
    """Count one more enrolment unless the study is full or not recruiting: one conditional UPDATE,
    which locks the study row until commit, so concurrent enrolments queue and the cap holds.
    Returns the new enrolment's position, or None when the study is full."""
    result = db.session.execute(
        update(Study)
        .where(
            Study.id == study.id,
            workflow.in_states(workflow.RECRUITING),
            (Study.target_enrolment.is_(None)) | (Study.enrolled_count < Study.target_enrolment),
        )
        .values(enrolled_count=Study.enrolled_count + 1, data_version=Study.data_version + 1)
        .returning(Study.enrolled_count)
        .execution_options(synchronize_session=False)
    )
    position = result.scalar()
    db.session.refresh(study)
    if position is None:
        require_recruiting(study)
    return position


def enrol(
    user, study: Study, *, consent_version, clauses, signature, age, criteria_confirmed, confirmed=None, site=None
) -> Enrolment:
    """Eligibility, consent and enrolment (with randomisation) in one request, as the API takes them.

    Every malformed or invalid value is refused first, and nothing is counted; then the eligibility check is
    counted (once per account and pilot), then the consent, then the capacity. A refusal after the check
    raises an error marked `counted`: `counting_refusals` commits its step alone before answering."""
    require_recruiting(study)
    if enrolment_of(user, study):
        raise Conflict(_("You are already taking part in this pilot."), code="already_enrolled")
    age, criteria, errors = screening_values(study, age, criteria_confirmed)
    errors.update(consent_values(study, consent_version, clauses, signature, confirmed)[3])
    errors.update(sites.choice_errors(study, site))
    v.raise_for(errors)
    key = screening.account_key(user)
    reasons = screen(study, age, criteria, key, site=site)
    if reasons:
        raise counted(
            Invalid(
                " ".join(reason_texts(study, reasons)),
                code="not_eligible",
                fields={"age" if r == "age" else "criteria_confirmed": _("Not eligible.") for r in reasons},
            ),
            study,
            key,
            ScreeningOutcome.NOT_ELIGIBLE,
            reasons,
        )
    return admit(
        user, study, key, consent_version=consent_version, clauses=clauses, signature=signature, confirmed=confirmed
    )


def enrol_screened(
    user, study: Study, key: str | None, *, consent_version, clauses, signature, confirmed=None
) -> Enrolment:
    """The pages' enrolment: the person passed the eligibility check a few minutes ago (held server-side
    under their screener key, without their answers); now the consent and a place."""
    require_recruiting(study)
    if enrolment_of(user, study):
        raise Conflict(_("You are already taking part in this pilot."), code="already_enrolled")
    if screening.passed_recently(study, key) is None:
        raise Conflict(
            _("Please check again whether you can take part: your answers were not kept for long."),
            code="screening_expired",
        )
    return admit(
        user,
        study,
        key,  # type: ignore[arg-type]  # a passed check (just above) has its key
        consent_version=consent_version,
        clauses=clauses,
        signature=signature,
        confirmed=confirmed,
    )


def admit(user, study: Study, key: str, *, consent_version, clauses, signature, confirmed=None) -> Enrolment:
    """After a passed eligibility check: the consent, then a place (a refusal of either is counted: see
    `counting_refusals`), then the enrolment with its code and arm, and the audit record."""
    try:
        consent, answers, signature, mode = clean_consent_answers(study, consent_version, clauses, signature, confirmed)
    except Invalid as err:
        if err.code == "consent_refused":
            raise counted(err, study, key, ScreeningOutcome.DECLINED_CONSENT) from None
        raise
    position = take_a_place(study)
    checked = screening.find(study, key)
    stratum = checked.stratum if checked is not None and checked.stratum in allocation.strata(study) else ""
    site = sites.screened_site(study, checked)  # 422 naming `site` when the pilot has sites and none was chosen
    full_here = position is not None and quota_places.take(study, stratum, site)  # the database holds the quotas
    if full_here:
        raise counted(
            Conflict(full_here, code="full"),
            study,
            key,
            ScreeningOutcome.TURNED_AWAY_FULL,
        )
    if position is None:
        raise counted(
            Conflict(_("This pilot has all the participants it needs."), code="full"),
            study,
            key,
            ScreeningOutcome.TURNED_AWAY_FULL,
        )
    enrolment = Enrolment(
        study_id=study.id,
        user_id=user.id,
        participant_code=new_participant_code(),
        position=position,
        arm=randomisation.allocate(study, sites.randomisation_stratum(study, site, stratum)),
        stratum=stratum,
        site=site,
    )
    enrolment.signatures.append(
        ConsentSignature(
            consent_version_id=consent.id,
            clauses=answers,
            signed_name=signature,
            mode=mode,
            language=reading_language(study) or "",
        )
    )
    db.session.add(enrolment)
    try:
        db.session.flush()
    except IntegrityError:  # the same person twice at the same instant: the unique constraint decides
        db.session.rollback()
        raise Conflict(_("You are already taking part in this pilot."), code="already_enrolled") from None
    screening.record(study, key, ScreeningOutcome.ENROLLED)
    audit.record(
        user,
        "participant.enrol",
        study=study,
        participant_code=enrolment.participant_code,
        consent_version=consent.version,
        consent_mode=str(mode),
    )
    notify.enrolment_confirmed(enrolment)
    webhooks.emit(
        study.organisation_id,
        "enrolment",
        {
            "study_id": study.id,
            "participant_code": enrolment.participant_code,
            "arm": enrolment.arm,
            "consent_version": consent.version,
            "at": enrolment.enrolled_at,
        },
    )
    return enrolment


def resign_consent(
    user, enrolment: Enrolment, *, consent_version, clauses, signature, confirmed=None
) -> ConsentSignature:
    """Sign a newer consent version (needed before the next answer when the consent changed), in the mode the
    pilot asks for now."""
    consent, answers, signature, mode = clean_consent_answers(
        enrolment.study, consent_version, clauses, signature, confirmed
    )
    signed = ConsentSignature(
        consent_version_id=consent.id,
        clauses=answers,
        signed_name=signature,
        mode=mode,
        language=reading_language(enrolment.study) or "",
    )
    enrolment.signatures.append(signed)
    audit.record(
        user,
        "participant.reconsent",
        study=enrolment.study,
        participant_code=enrolment.participant_code,
        consent_version=consent.version,
        consent_mode=str(mode),
    )
    return signed


def reconsent(user, study: Study, *, consent_version, clauses, signature, confirmed=None) -> ConsentSignature:
    """An enrolled participant signs the consent version that replaced the one they signed (the API's call)."""
    enrolment = require_enrolment(user, study)
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise Conflict(_("You have withdrawn from this pilot."), code="withdrawn")
    if not needs_reconsent(enrolment):
        raise Conflict(_("You have already signed the current consent form."), code="consent_current")
    return resign_consent(
        user, enrolment, consent_version=consent_version, clauses=clauses, signature=signature, confirmed=confirmed
    )


def needs_reconsent(enrolment: Enrolment) -> bool:
    current = enrolment.study.current_consent
    return current is not None and enrolment.signature.consent_version_id != current.id  # type: ignore[union-attr]  # signatures go only with the account, and its enrolments with them


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


def require_answerable(enrolment: Enrolment, survey: Survey) -> None:
    """The survey is open to this participant now (for answers and for drafts alike)."""
    study = enrolment.study
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise Conflict(_("You have withdrawn from this pilot."), code="withdrawn")
    if not workflow.takes_answers(study):
        raise Conflict(_("This pilot has ended: it no longer takes answers."), code="study_ended")
    state = next(d for d in states_for(enrolment) if d.survey.id == survey.id)
    if state.state == "answered":
        raise Conflict(_("You have already answered this survey."), code="already_answered")
    if state.state == "missed":
        raise Conflict(_("This survey's window has closed: it can no longer be answered."), code="window_closed")
    if state.state != "open":
        raise Conflict(_("This survey is not open yet."), code="not_open")
    if needs_reconsent(enrolment):
        raise Conflict(_("The consent form has changed: please read and sign it again first."), code="reconsent_needed")


def submit_response(user, study: Study, survey_key: str, answers, started_at=None) -> Response:
    """Save a participant's answers to one survey: all checked first, then one transaction, once; the
    draft of this survey, if any, goes in the same transaction. The response keeps when the survey was
    started: the earliest of `started_at` (the page's first display, or the API's) and the draft's start."""
    enrolment = require_enrolment(user, study)
    survey = find_survey(study, survey_key)
    require_answerable(enrolment, survey)
    rows, errors = check_answers(survey.items, answers)
    if errors:
        raise Invalid(_("Some answers need your attention."), code="invalid_answers", fields=errors)
    # the draft of this survey goes, and says when it was started (one statement; a refusal below rolls it back)
    drafted = db.session.scalar(
        delete(SurveyDraft)
        .where(SurveyDraft.enrolment_id == enrolment.id, SurveyDraft.survey_id == survey.id)
        .returning(SurveyDraft.started_at)
        .execution_options(synchronize_session=False)
    )
    if is_repeatable(survey):  # numbered in this transaction: a race gets the next number (reports.py)
        response = reports.add_numbered(enrolment, survey, earliest(started_at, drafted))
    else:
        response = Response(enrolment=enrolment, survey_id=survey.id, started_at=earliest(started_at, drafted))
        db.session.add(response)
        try:
            db.session.flush()
        except IntegrityError:  # a double click or a replayed request: the unique constraint decides
            db.session.rollback()
            raise Conflict(_("You have already answered this survey."), code="already_answered") from None
    if rows:  # one batched INSERT, however many items (none when every question was optional and skipped)
        db.session.execute(
            insert(Answer),
            [
                {"response_id": response.id, "item_key": k, "number": n, "text": t, "not_applicable": (n, t) == NA}
                for k, (n, t) in rows.items()
            ],
        )
    bump_data_version(study)
    audit.record(
        user, "participant.answer", study=study, participant_code=enrolment.participant_code, survey=survey.key
    )
    notify.cancel_survey_mail(enrolment=enrolment, survey=survey)
    payload = {
        "study_id": study.id,
        "participant_code": enrolment.participant_code,
        "survey": survey.key,
        "timepoint": survey.timepoint,
        "at": response.submitted_at,
    }
    if is_repeatable(survey):
        reports.announce(study, enrolment, survey, response)
        payload["instance"] = response.instance  # which report of a diary or a problem report survey
    webhooks.emit(study.organisation_id, "answer", payload)
    return response


def bump_data_version(study: Study) -> None:
    db.session.execute(
        update(Study)
        .where(Study.id == study.id)
        .values(data_version=Study.data_version + 1)
        .execution_options(synchronize_session=False)
    )


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
    delete_drafts(enrolment)  # nothing more will be sent
    if erase_data:
        erase_answers(enrolment)
    bump_data_version(study)
    audit.record(
        user, "participant.withdraw", study=study, participant_code=enrolment.participant_code, erase_data=erase_data
    )
    notify.cancel_survey_mail(enrolment=enrolment)
    notify.withdrawal_confirmed(enrolment, erase_data)
    webhooks.emit(
        study.organisation_id,
        "withdrawal",
        {
            "study_id": study.id,
            "participant_code": enrolment.participant_code,
            "answers_erased": bool(erase_data),
            "at": enrolment.withdrawn_at,
        },
    )
    return enrolment


def answers_anonymised(enrolment: Enrolment) -> bool:
    """Once a pilot's data are anonymised (the purge at the end of its retention, studies/retention.py, sets
    `Study.anonymised_at`), answers belong to nobody and cannot be erased on request."""
    return enrolment.study.anonymised_at is not None


def can_erase_kept_answers(enrolment: Enrolment) -> bool:
    return (
        enrolment.status == EnrolmentStatus.WITHDRAWN
        and not enrolment.data_erased
        and not answers_anonymised(enrolment)
    )


def erase_kept_answers(user, study: Study, enrolment: Enrolment) -> Enrolment:
    """Erase, after leaving, the answers the participant chose to keep when they left."""
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        raise Conflict(
            _("You are still taking part: leave the pilot, choosing to erase your answers."), code="not_withdrawn"
        )
    if enrolment.data_erased:
        raise Conflict(_("Your answers to this pilot are already erased."), code="already_erased")
    if answers_anonymised(enrolment):
        raise Conflict(
            _("This pilot's data are anonymised: your answers can no longer be told apart from anyone else's."),
            code="anonymised",
        )
    erase_answers(enrolment)
    bump_data_version(study)
    audit.record(user, "participant.erase_answers", study=study, participant_code=enrolment.participant_code)
    return enrolment


def erase_answers(enrolment: Enrolment) -> None:
    """Delete the rows themselves: erasure is not a flag. The cached results of the pilot go too (they
    are recomputed without them), and the database files are purged once the transaction commits."""
    from ..results.cache import ResultsCache

    for response in list(enrolment.responses):
        db.session.delete(response)
    db.session.flush()
    db.session.expire(enrolment, ["responses"])
    # The study's row lock first, as the worker storing results takes it (results.cache.store): results
    # computed before this erasure are then never stored after the delete below.
    db.session.execute(select(Study.id).where(Study.id == enrolment.study_id).with_for_update())
    db.session.execute(delete(ResultsCache).where(ResultsCache.study_id == enrolment.study_id))
    enrolment.data_erased = True
    purge.after_commit()


def delete_drafts(enrolment: Enrolment) -> None:
    db.session.execute(delete(SurveyDraft).where(SurveyDraft.enrolment_id == enrolment.id))


def my_enrolments(user) -> list[Enrolment]:
    return list(db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.id)))


def screening_counts(study: Study) -> dict[str, int]:
    """The flow's screening figures (see `screening.counts`)."""
    return screening.counts(study)


def count_enrolled(study: Study) -> int:
    return db.session.execute(
        select(func.count()).select_from(Enrolment).where(Enrolment.study_id == study.id)
    ).scalar_one()
