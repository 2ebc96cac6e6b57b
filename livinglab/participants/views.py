"""The participant's pages: catalogue, eligibility, consent and enrolment, surveys, withdrawal, GDPR rights."""

import json
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf.csrf import ValidationError, validate_csrf
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from .. import audit
from .. import validation as v
from ..auth import services as accounts
from ..auth.models import Organisation
from ..clients import client_address
from ..errors import DomainError, Invalid, NotFound
from ..extensions import csrf, db, limiter, login_manager
from ..forms import show_errors
from ..listing import Listing, matches
from ..policy import can, public, requires
from ..results.views import lay_summary
from ..studies import pilot_languages, regulatory, sites, workflow
from ..studies.forms import DOMAIN_LABELS
from ..studies.models import Domain, Study
from ..studies.protocol import PUBLIC as PUBLIC_PROTOCOL
from ..surveys import branching
from ..surveys.answers import readable
from ..surveys.definitions import answer_keys
from ..surveys.paging import has_sections
from ..timeutil import utcnow
from ..transactions import unit_of_work
from ..validation import KEY_RE
from . import (
    corrections,
    drafts,
    gdpr,
    quota_places,
    reports,
    screening,
    services,
    started,
    survey_pages,
)
from .forms import EraseAccountForm, EraseKeptAnswersForm, WithdrawForm, consent_form, eligibility_form
from .models import EnrolmentStatus, ScreeningOutcome
from .schedule import window_days
from .standing import State, of_enrolment, sentence, standing

bp = Blueprint("participants", __name__, url_prefix="/pilots")
bp.add_app_template_global(window_days, "window_days")  # (opens, closes) days of a timepoint, for every page
bp.add_app_template_global(regulatory.mode_of, "consent_mode")  # how a pilot's participants agree, for every page


@bp.app_context_processor
def consent_modes():
    """The consent modes' names and laws, for every page that states a pilot's mode."""
    return {"consent_mode_names": regulatory.MODE_NAMES, "consent_mode_law": regulatory.MODE_LAW}


@bp.context_processor
def page_helpers():
    return {
        "domain_labels": DOMAIN_LABELS,
        "when": readable_time,
        "standing_sentence": sentence,
        "public_fields": PUBLIC_PROTOCOL,
    }


def readable_time(iso: str | None) -> str:
    """An ISO timestamp of the data export, as people read dates."""
    return format_datetime(datetime.fromisoformat(iso), "medium") if iso else "—"


def visible_study(study_id: int) -> Study:
    return services.visible_study(current_user, study_id)


def my_study(study_id: int):
    """The study and the signed-in participant's enrolment in it (403 when not taking part)."""
    study = visible_study(study_id)
    return study, services.require_enrolment(current_user, study)


def participants_only() -> None:
    """The eligibility and consent pages are for visitors and participants; staff never take part."""
    if current_user.is_authenticated and not can(current_user, "join"):
        abort(403)


def elsewhere(study: Study, here):
    """Someone who may not join now is sent to the pilot's page, which says why."""
    flash(sentence(here, study), "info")
    return redirect(url_for(".study", study_id=study.id))


# --- The catalogue and a pilot's page ------------------------------------------------------------


@bp.get("/")
@public
def catalogue():
    """Pilots open to new participants, by domain, searched and a page at a time; no sign-in needed."""
    domain = request.args.get("domain")
    if domain not in {d.value for d in Domain}:
        domain = None
    listing = Listing.from_request(CATALOGUE_SORTS, per_page=12)
    query = (
        select(Study)
        .join(Organisation, Organisation.id == Study.organisation_id)
        .where(workflow.in_states(workflow.RECRUITING))
    )
    if domain:
        query = query.where(Study.domain == domain)
    if listing.q:
        query = query.where(matches(listing.q, Study.title, Study.summary, Organisation.name))
    listing.fetch(query.options(selectinload(Study.organisation)))
    return render_template(
        "participants/catalogue.html",
        studies=listing.rows,
        listing=listing,
        domain=domain,
        groups=groups_of(listing.rows),
    )


def groups_of(studies) -> dict[int, list[tuple[str, int]]]:
    """The places left in each age group and site with a quota, by pilot: one query for the whole page."""
    return quota_places.groups_of(studies)


# Newest first; or the pilots with the most places left (those without a target count as open).
CATALOGUE_SORTS = {
    "newest": (_l("Newest first"), [Study.id.desc()]),
    "places": (
        _l("Most places left"),
        [
            case((Study.target_enrolment.is_(None), 1), else_=0).desc(),
            (Study.target_enrolment - Study.enrolled_count).desc(),
            Study.id.desc(),
        ],
    ),
    "title": (_l("Title, A to Z"), [func.lower(Study.title), Study.id]),
}


@bp.get("/<int:study_id>")
@public
def study(study_id: int):
    """What the pilot tests and what taking part involves, in plain words, and where the reader stands."""
    study = visible_study(study_id)
    return render_template(
        "participants/study.html", study=study, here=standing(current_user, study), groups=groups_of([study])
    )


# --- Eligibility, consent and enrolment ------------------------------------------------------------


@bp.route("/<int:study_id>/eligibility", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["ENROL_RATE_LIMIT"], methods=["POST"])  # keeps the counts honest
def eligibility(study_id: int):
    """Age and criteria, with or without an account: the answers are not kept, only the outcome (once per
    person and pilot), which opens the consent step for a few minutes."""
    participants_only()
    study = visible_study(study_id)
    here = standing(current_user, study)
    if not here.may_join:
        return elsewhere(study, here)
    adopt_visitor_checks()
    form = eligibility_form(*pilot_languages.eligibility_texts(study, sites.choices(study)))
    if form.is_submitted():
        form.validate()  # the yes/no answers; the age is the service's, so that every error shows at once
        age, confirmed, errors = services.screening_values(study, (form.age.data or "").strip(), form.confirmed())
        for name, err in errors.items():
            if name == "age":
                form.age.errors = [*form.age.errors, err.message]
        if not form.errors:
            key = screening.key_of(current_user) or screening.visitor_key(screening.session_visitor(create=True))
            try:
                with unit_of_work():
                    reasons = services.screen(study, age, confirmed, key, site=form.site_key())
            except DomainError as err:
                flash(err.message, "error")
                return redirect(url_for(".study", study_id=study.id))
            return redirect(url_for(".not_eligible" if reasons else ".join", study_id=study.id))
    return render_template("participants/eligibility.html", study=study, form=form), 422 if form.errors else 200


@bp.get("/<int:study_id>/not-eligible")
@public
def not_eligible(study_id: int):
    """Why this person cannot take part, kindly (from their check's outcome: their answers were not kept)."""
    participants_only()
    study = visible_study(study_id)
    checked = screening.find(study, screening.key_of(current_user))
    if checked is None or not checked.reasons:
        return redirect(url_for(".study", study_id=study.id))
    return render_template(
        "participants/not_eligible.html", study=study, reasons=services.reason_texts(study, checked.reasons.split())
    )


@bp.route("/<int:study_id>/join", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["ENROL_RATE_LIMIT"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["REGISTER_RATE_LIMIT"],
    methods=["POST"],
    exempt_when=lambda: current_user.is_authenticated,
)  # it creates accounts for visitors
def join(study_id: int):
    """Read the consent form, tick its clauses, sign, and enrol (randomised where the design says so); a
    visitor creates their account in the same step."""
    participants_only()
    study = visible_study(study_id)
    here = standing(current_user, study)
    # a consent sent while the last place went: the refusal is counted (turned away), as in the API
    if not here.may_join and not (here.state == State.FULL and request.method == "POST"):
        return elsewhere(study, here)
    visitor = screening.session_visitor()
    if current_user.is_authenticated:
        adopt_visitor_checks(request.args.get("screening"))
        if request.args.get("screening"):
            return redirect(url_for(".join", study_id=study.id))
    key = screening.key_of(current_user)
    checked = screening.passed_recently(study, key)
    if checked is None:
        flash(_("First, check whether you can take part."), "info")
        return redirect(url_for(".eligibility", study_id=study.id))
    full_here = request.method == "GET" and quota_places.full_for(study, checked.stratum, checked.site)
    if full_here:
        # told before reading the consent (a consent sent anyway is refused and counted, as in the API)
        flash(full_here, "info")
        return redirect(url_for(".study", study_id=study.id))
    if request.method == "GET" and sites.has_sites(study) and checked.site not in sites.keys(study):
        flash(_("First, say where you take part."), "info")  # checked before the pilot had its sites
        return redirect(url_for(".eligibility", study_id=study.id))
    if study.current_consent is None:
        raise NotFound(_("This pilot has no consent form yet."))
    mode = regulatory.mode_of(study)
    form = consent_form(study.current_consent, with_account=not current_user.is_authenticated, mode=mode)
    if form.is_submitted() and form.validate():
        signed = form.signed()
        signing_in = not current_user.is_authenticated
        try:
            with services.counting_refusals(), unit_of_work():
                if current_user.is_authenticated:
                    services.enrol_screened(current_user, study, key, **signed)
                    person = current_user
                else:
                    person = register_and_enrol(study, form, visitor, signed)  # type: ignore[arg-type]  # the check passed above was this visitor's
                if signing_in:
                    audit.record(person, "account.signin")
        except DomainError as err:
            target = refused_enrolment(study, form, err)
            if target:
                return redirect(target)
        else:
            if signing_in:
                sign_in(person)
            session.pop(screening.VISITOR, None)
            return redirect(url_for(".welcome", study_id=study.id))
    return render_template(
        "participants/join.html",
        study=study,
        form=form,
        mode=mode,
        today=utcnow(),
        signin=url_for("auth.signin", next=url_for(".join", study_id=study.id, screening=visitor)) if visitor else None,
    ), 422 if form.errors else 200


def adopt_visitor_checks(named: str | None = None) -> None:
    """Checks made before signing in (in this browser, or the one named by the sign-in link) become the
    signed-in account's, so that the person is still counted once."""
    if not current_user.is_authenticated:
        return
    visitors = {v for v in (named, screening.session_visitor()) if v and len(v) <= 64}
    if visitors:  # a GET may write this: the sign-in's adoption of its visitor's checks (one short transaction)
        with unit_of_work():
            for visitor in visitors:
                screening.claim(visitor, current_user)
    session.pop(screening.VISITOR, None)


def register_and_enrol(study: Study, form, visitor: str, signed: dict):
    """A visitor's account and enrolment in one transaction; every error of both at once, and no account
    when the enrolment is refused."""
    consent_error = None
    try:
        services.clean_consent_answers(study, **signed)
    except Invalid as err:
        if err.code == "stale_consent":
            raise
        consent_error = err
    try:
        with db.session.begin_nested():
            user = accounts.register(
                {
                    "email": form.email.data,
                    "password": form.password.data,
                    "name": form.signature.data,
                    "role": "participant",
                }
            )
    except DomainError as err:
        fields = {("signature" if name == "name" else name): message for name, message in err.fields.items()}
        if consent_error is None:
            raise Invalid(err.message, code=err.code, fields=fields) from None
        consent_error.fields = {**consent_error.fields, **fields}
    key = screening.visitor_key(visitor)
    if consent_error is not None and consent_error.code == "consent_refused":
        services.counted(consent_error, study, key, ScreeningOutcome.DECLINED_CONSENT)
    if consent_error is not None:
        raise consent_error  # the account is rolled back (and a refused clause counted)
    enrolment = services.enrol_screened(user, study, key, **signed)
    screening.claim(visitor, user)  # the visitor's checks are the new account's from now on
    from ..auth.mail_links import send_verification

    send_verification(user)  # the enrolment confirmation waits (held) until the address is verified
    return enrolment.user


def sign_in(user) -> None:
    """Sign in as the sign-in page does (the accounts package owns how)."""
    from ..auth.sessions import start_session

    start_session(user)


def refused_enrolment(study: Study, form, err: DomainError) -> str | None:
    """Where to send a refused enrolment; None to show the form again with the errors beside it (a refused
    clause, a signature, the new account's email or password...)."""
    if err.code == "stale_consent" or "consent_version" in err.fields:
        flash(_("The consent form has just changed: please read this version and sign it."), "warning")
        return url_for(".join", study_id=study.id)
    if err.code in ("already_enrolled", "full", "not_recruiting"):
        flash(err.message, "error")
        return url_for(".study", study_id=study.id)
    if err.code == "screening_expired":
        flash(err.message, "error")
        return url_for(".eligibility", study_id=study.id)
    show_errors(form, err, form.aliases())
    return None


@bp.get("/<int:study_id>/welcome")
@requires("take_part")
def welcome(study_id: int):
    """Right after enrolment: the participant code, the group, and what comes next."""
    study, enrolment = my_study(study_id)
    return render_template(
        "participants/welcome.html", study=study, enrolment=enrolment, states=services.states_for(enrolment)
    )


@bp.route("/<int:study_id>/reconsent", methods=["GET", "POST"])
@requires("take_part")
def reconsent(study_id: int):
    """Sign the new version of a consent form that changed since enrolment."""
    study, enrolment = my_study(study_id)
    if not standing(current_user, study).answering or not services.needs_reconsent(enrolment):
        return redirect(url_for("main.dashboard"))
    mode = regulatory.mode_of(study)
    form = consent_form(study.current_consent, mode=mode)
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.resign_consent(current_user, enrolment, **form.signed())
        except DomainError as err:
            if err.code == "stale_consent" or "consent_version" in err.fields:
                flash(_("The consent form has just changed: please read this version and sign it."), "warning")
                return redirect(url_for(".reconsent", study_id=study.id))
            show_errors(form, err, form.aliases())
        else:
            flash(_("Thank you: your consent to the new version is recorded."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template(
        "participants/join.html", study=study, form=form, mode=mode, today=utcnow(), reconsent=True
    ), 422 if form.errors else 200


# --- The dashboard, surveys and answers ------------------------------------------------------------


def dashboard_page():
    """The participant's dashboard (at /dashboard): each pilot, where they stand, their code, what is due."""
    pilots = []
    enrolments = services.my_enrolments(current_user)
    sent = reports.counts_for(enrolments)  # repeatable surveys: how many sent, one query for every pilot
    for enrolment in enrolments:
        here = of_enrolment(enrolment)
        pilots.append(
            {
                "enrolment": enrolment,
                "study": enrolment.study,
                "here": here,
                "states": services.states_for(enrolment),
                "drafts": drafts.drafts_of(enrolment) if here.answering else {},
                "reports": sent[enrolment.id],
                "reconsent": here.answering and services.needs_reconsent(enrolment),
                # what an ended pilot found, for those who took part (not those who had their answers erased)
                "summary": lay_summary(enrolment.study)
                if here.state in (State.FINISHED, State.WITHDRAWN)
                and workflow.is_final(enrolment.study)
                and not enrolment.data_erased
                else None,
            }
        )
    return render_template("main/participant_home.html", pilots=pilots, standing_sentence=sentence)


def posted_answers(items: list[dict], prefix: str = "", applicable: bool = True) -> tuple[dict, dict]:
    """The answers as `submit_response` takes them (values as typed, blanks left out), and as posted; those to
    questions that do not apply left out, unless `applicable` is false (one page of a survey: the caller decides
    with the other pages' answers)."""
    answers, shown = {}, {}
    for item in items:
        multiple = item.get("type") == "multiple_choice"
        for key in answer_keys(item):
            value = request.form.getlist(prefix + key) if multiple else request.form.get(prefix + key)
            shown[key] = value
            if value and (multiple or value.strip()):  # type: ignore[union-attr]  # a str when not multiple
                answers[key] = value
    if not applicable:
        return answers, shown
    return branching.applicable_only(items, answers), shown  # without JavaScript, what does not apply is posted too


def token_valid() -> bool:
    """This form's CSRF token, checked here rather than before the view, so that an expired form can be
    shown again with its answers instead of an error page."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


@bp.route("/<int:study_id>/surveys/<key>", methods=["GET", "POST"])
@csrf.exempt  # checked in the view (token_valid): an expired form keeps its answers
@public  # a signed-out POST keeps its answers (kept_for_sign_in); anything else needs a participant
def answer(study_id: int, key: str):
    """One survey, generated from its definition; answered once; saved as a draft to finish later."""
    if not current_user.is_authenticated:
        if request.method == "POST" and from_this_site():
            return kept_for_sign_in(study_id, key)
        return login_manager.unauthorized()
    if not can(current_user, "take_part"):
        abort(403)
    study, enrolment = my_study(study_id)
    survey = services.find_survey(study, key)
    if has_sections(survey.items):  # one page at a time, with Back and Next
        return survey_pages.answer(study, enrolment, survey)
    shown: dict
    shown, errors, status, draft = {}, {}, 200, None
    begun = None  # when the participant started: this page's first display, carried by the form (started.py)
    if request.method == "POST":
        answers, shown = posted_answers(survey.items)
        begun = started.from_page(request.form.get(started.FIELD), enrolment.id, survey.id)
        if not token_valid():
            # an expired (or replayed) form: nothing is saved; shown again with its answers and a fresh token
            flash(
                _(
                    "This page had expired, so your answers were not sent yet. They are kept below: check them "
                    "and send them again."
                ),
                "warning",
            )
            status = 400
        else:
            finish_later = request.form.get("action") == "draft"
            try:
                with unit_of_work():
                    if finish_later:
                        drafts.save(current_user, study, key, answers, started_at=begun)
                    else:
                        services.submit_response(current_user, study, key, answers, started_at=begun)
            except DomainError as err:
                if err.code not in ("invalid_answers", "invalid", "malformed"):
                    flash(err.message, "info" if err.code == "already_answered" else "error")
                    if err.code == "reconsent_needed":
                        return redirect(url_for(".reconsent", study_id=study.id))
                    return redirect(url_for("main.dashboard"))
                flash(err.message, "error")
                errors, status = err.fields, 422
            else:
                flash(
                    _(
                        "Your answers to “%(title)s” are saved as a draft. Finish them from “My pilots” "
                        "whenever you like: nothing is sent before you press “Send my answers”.",
                        title=survey.title,
                    )
                    if finish_later
                    else _("Thank you: your answers to “%(title)s” are saved.", title=survey.title),
                    "success",
                )
                return redirect(url_for("main.dashboard"))
    else:
        draft = drafts.draft_of(enrolment, survey)
        if draft is not None:
            shown = drafts.shown(draft.answers)
            begun = draft.started_at
    due = next(d for d in services.states_for(enrolment) if d.survey.id == survey.id)
    return render_template(
        "participants/survey.html",
        study=study,
        survey=survey,
        due=due,
        answers=shown,
        errors=errors,
        draft=draft,
        here=of_enrolment(enrolment),
        reconsent=services.needs_reconsent(enrolment),
        correctable=due.state == "answered" and corrections.may_correct(enrolment, survey),
        started_token=started.page_token(enrolment.id, survey.id, begun),
    ), status


def from_this_site() -> bool:
    """The browser says the form was posted from one of our pages (or says nothing, as old ones may):
    another site cannot have its values kept here for someone to sign in beside."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        referrer = request.headers.get("Referer")
        return referrer is None or urlsplit(referrer).netloc == request.host
    return urlsplit(origin).netloc == request.host


MAX_KEPT = 300  # values kept in the page for someone signing in again (a survey has at most 100 items)
KEPT = "answer-"  # the prefix of the kept values' names, apart from the sign-in form's own fields


def kept_answers() -> list[tuple[str, str]]:
    """The posted values that look like answers (named like a key, bounded), to keep in the page: from the
    survey's form, or kept already (prefixed) by this page when a sign-in failed."""
    kept: list[tuple[str, str]] = []
    for name, value in request.form.items(multi=True):
        key = name[len(KEPT) :] if name.startswith(KEPT) else name
        if (
            key not in ("csrf_token", "action", "email", "password")
            and KEY_RE.match(key)
            and len(value) <= 2000
            and len(kept) < MAX_KEPT
        ):
            kept.append((KEPT + key, value))
    return kept


def kept_for_sign_in(study_id: int, key: str, error: str | None = None, status: int = 401):
    """A survey sent after the session ended: the answers stay in this page (hidden fields, nothing stored
    on the server), beside a sign-in form; signing in again saves them as the participant's draft."""
    study = visible_study(study_id)
    return render_template(
        "participants/signed_out.html", study=study, key=key, kept=kept_answers(), error=error
    ), status


@bp.route("/<int:study_id>/surveys/<key>/resume", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"], methods=["POST"])
def resume(study_id: int, key: str):
    """Sign in again from a survey sent after the session ended, and find the answers restored."""
    if current_user.is_authenticated:
        return redirect(url_for(".answer", study_id=study_id, key=key))
    if request.method == "GET":  # reloaded, or followed: the same sign-in, with nothing kept
        return kept_for_sign_in(study_id, key, status=200)
    try:
        user = accounts.authenticate(
            request.form.get("email") or "", request.form.get("password") or "", client_address()
        )
    except DomainError as err:
        db.session.rollback()
        return kept_for_sign_in(study_id, key, error=err.message)
    with unit_of_work():
        audit.record(user, "account.signin")
    sign_in(user)
    try:
        if not can(user, "take_part"):
            raise NotFound(_("This survey is not yours to answer."))
        study = services.visible_study(user, study_id)
        items = services.find_survey(study, key).items
        answers, _shown = posted_answers(items, prefix=KEPT, applicable=False)
        answers = branching.applicable_only(items, survey_pages.kept_with_draft(user, study, key, answers))
        with unit_of_work():
            drafts.save(user, study, key, answers)
    except DomainError as err:
        flash(
            _("You are signed in again, but these answers could not be kept: %(reason)s", reason=err.message), "error"
        )
        return redirect(url_for("main.dashboard"))
    flash(_("You are signed in again and your answers are back. Check them, then send them."), "success")
    return redirect(url_for(".answer", study_id=study_id, key=key))


@bp.get("/<int:study_id>/answers")
@requires("take_part")
def answers(study_id: int):
    """What the participant answered, question by question, and which surveys they may still correct."""
    study, enrolment = my_study(study_id)
    now = utcnow()
    sheets = [
        (
            response,
            readable(pilot_languages.items_view(study, response.survey), services.stored_answers(response)),
            corrections.may_correct(enrolment, response.survey, now),
        )
        for response in enrolment.responses
    ]
    return render_template("participants/answers.html", study=study, enrolment=enrolment, sheets=sheets)


@bp.route("/<int:study_id>/surveys/<key>/correct", methods=["GET", "POST"])
@csrf.exempt  # checked in the view (token_valid): an expired form keeps its corrections
@requires("take_part")
def correct(study_id: int, key: str):
    """The survey's form again, filled in with the answers sent, until its window closes; the answers changed
    are corrected (the earlier values are kept in the history)."""
    study, enrolment = my_study(study_id)
    survey = services.find_survey(study, key)
    response = corrections.find_response(enrolment, survey)
    errors: dict = {}
    status = 200
    revision = response.revision
    if request.method == "POST":
        given, shown = posted_answers(survey.items)
        posted = (request.form.get("revision") or "").strip()
        revision = v.digits(posted, max_len=9)  # type: ignore[assignment]  # a missing or bad one is refused by the service
        if not token_valid():
            flash(
                _("This page had expired, so your corrections were not sent yet. Check them and send them again."),
                "warning",
            )
            status = 400
        else:
            try:
                with unit_of_work():
                    corrections.correct_own(current_user, study, key, given, revision)
            except DomainError as err:
                if err.code == "stale_revision":
                    flash(err.message, "warning")
                    return redirect(url_for(".correct", study_id=study.id, key=key))
                if err.code == "reconsent_needed":
                    flash(err.message, "error")
                    return redirect(url_for(".reconsent", study_id=study.id))
                if err.status == 409:
                    flash(err.message, "error")
                    return redirect(url_for(".answers", study_id=study.id))
                flash(err.message, "error")
                errors, status = err.fields, 422
            else:
                flash(_("Your corrections to “%(title)s” are saved.", title=survey.title), "success")
                return redirect(url_for(".answers", study_id=study.id))
    else:
        shown = drafts.shown(corrections.api_values(survey, response))
    return render_template(
        "participants/correct.html",
        study=study,
        survey=survey,
        response=response,
        revision=revision,
        answers=shown,
        errors=errors,
        open_until=corrections.correction_closes_at(enrolment, survey),
        may_correct=corrections.may_correct(enrolment, survey),
    ), status


@bp.get("/<int:study_id>/consent")
@requires("take_part")
def consent(study_id: int):
    """A printable copy of the consent the participant signed: version, clauses, name, date."""
    study, enrolment = my_study(study_id)
    return render_template(
        "participants/consent_copy.html",
        study=study,
        enrolment=enrolment,
        signatures=list(reversed(enrolment.signatures)),
    )


@bp.route("/<int:study_id>/withdraw", methods=["GET", "POST"])
@requires("take_part")
def withdraw(study_id: int):
    """Leave the pilot at any time, keeping or erasing the answers given so far."""
    study, enrolment = my_study(study_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        erase = form.erase.data == "erase"
        if enrolment.status == EnrolmentStatus.WITHDRAWN:  # erasing later has its own confirmed form
            flash(_("You have already withdrawn from this pilot."), "error")
            return redirect(url_for(".withdraw", study_id=study.id))
        try:
            with unit_of_work():
                services.withdraw(current_user, study, erase)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(
                _("You have left “%(title)s”. Your answers are erased.", title=study.title)
                if erase
                else _(
                    "You have left “%(title)s”. The answers you gave are kept under your participant code.",
                    title=study.title,
                ),
                "success",
            )
        return redirect(url_for("main.dashboard"))
    return render_template(
        "participants/withdraw.html",
        study=study,
        enrolment=enrolment,
        form=form,
        erase_form=EraseKeptAnswersForm(formdata=None),
        can_erase=services.can_erase_kept_answers(enrolment),
    ), 422 if form.errors else 200


@bp.post("/<int:study_id>/erase-answers")
@requires("take_part")
def erase_answers(study_id: int):
    """Having left and kept their answers, a participant may still have them erased."""
    study, enrolment = my_study(study_id)
    form = EraseKeptAnswersForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.erase_kept_answers(current_user, study, enrolment)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("Your answers to “%(title)s” are erased.", title=study.title), "success")
            return redirect(url_for("main.dashboard"))
        return redirect(url_for(".withdraw", study_id=study.id))
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        return redirect(url_for(".withdraw", study_id=study.id))
    return render_template(
        "participants/withdraw.html",
        study=study,
        enrolment=enrolment,
        form=WithdrawForm(),
        erase_form=form,
        can_erase=services.can_erase_kept_answers(enrolment),
    ), 422


# --- GDPR rights -----------------------------------------------------------------------------------


@bp.get("/my-data")
@requires("signed_in")
def my_data():
    """Every personal datum held about the signed-in account, to read."""
    from ..audit_views import action_label

    data = gdpr.personal_data(current_user)
    ids = [e["study"]["id"] for e in data["enrolments"]]
    pilots = {s.id: s for s in db.session.scalars(select(Study).where(Study.id.in_(ids)))} if ids else {}
    return render_template(
        "participants/my_data.html",
        data=data,
        pilots=pilots,  # each pilot read in the participant's language (studies/pilot_languages.py)
        action_label=action_label,
        events=list(reversed(data["audit_events"]))[:100],
    )


@bp.get("/my-data.json")
@requires("signed_in")
def my_data_json():
    """The same, as a JSON file to download (the right to data portability)."""
    body = json.dumps(gdpr.personal_data(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="livinglab-my-data.json"'},
    )


@bp.route("/my-data/erase", methods=["GET", "POST"])
@requires("erase_account")
def erase_account():
    """Erase the account: answers erased, or kept anonymously where the consent said so."""
    form = EraseAccountForm()
    if form.validate_on_submit():
        with unit_of_work():
            gdpr.erase_account(current_user._get_current_object())
        logout_user()
        session.pop(screening.VISITOR, None)
        flash(_("Your account is erased. Thank you for the time you gave to LivingLab."), "success")
        return redirect(url_for("main.index"))
    return render_template(
        "participants/erase_account.html", form=form, enrolments=services.my_enrolments(current_user)
    ), 422 if form.errors else 200
