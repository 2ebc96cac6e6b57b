"""The participant's pages: catalogue, eligibility, consent and enrolment, surveys, withdrawal, GDPR rights."""
import json
from datetime import datetime

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.models import Role
from ..auth.permissions import public, role_required
from ..errors import DomainError, NotFound
from ..extensions import db, limiter
from ..forms import show_errors
from ..studies.forms import DOMAIN_LABELS
from ..studies.models import Domain, Study, StudyStatus
from ..studies.results_views import lay_summary
from ..surveys.answers import readable
from ..surveys.definitions import answer_keys
from ..timeutil import utcnow
from . import gdpr, services
from .forms import EraseAccountForm, EraseKeptAnswersForm, WithdrawForm, consent_form, eligibility_form
from .models import EnrolmentStatus

bp = Blueprint("participants", __name__, url_prefix="/pilots")

# The eligibility answers, kept in the signed session cookie between the eligibility page and the
# consent page (nothing about the person is stored on the server): {study id: {age, criteria, reasons}}.
SCREENING = "screening"


@bp.context_processor
def page_helpers():
    return {"domain_labels": DOMAIN_LABELS, "when": readable_time}


def readable_time(iso: str | None) -> str:
    """An ISO timestamp of the data export, as people read dates."""
    return format_datetime(datetime.fromisoformat(iso), "medium") if iso else "—"


def visible_study(study_id: int) -> Study:
    return services.visible_study(current_user, study_id)


def my_study(study_id: int):
    """The study and the signed-in participant's enrolment in it (403 when not taking part)."""
    study = visible_study(study_id)
    return study, services.require_enrolment(current_user, study)


def screening_result(study: Study) -> dict | None:
    result = session.get(SCREENING, {}).get(str(study.id))
    # Signing out keeps the session cookie: never hand one person's answers to the next on a shared device.
    return result if result and result.get("user") == current_user.id else None


def remember_screening(study: Study, age: str, criteria: list[bool], reasons: list[str]) -> None:
    results = dict(session.get(SCREENING, {}))
    results[str(study.id)] = {"user": current_user.id, "age": age, "criteria": criteria, "reasons": reasons}
    session[SCREENING] = results


def forget_screening(study: Study) -> None:
    results = dict(session.get(SCREENING, {}))
    if results.pop(str(study.id), None) is not None:
        session[SCREENING] = results


# --- The catalogue and a pilot's page ------------------------------------------------------------

@bp.get("/")
@public
def catalogue():
    """Pilots open to new participants, by domain; no sign-in needed."""
    domain = request.args.get("domain")
    if domain not in {d.value for d in Domain}:
        domain = None
    query = (select(Study).where(Study.status == StudyStatus.RECRUITING)
             .options(selectinload(Study.organisation)).order_by(Study.id.desc()))
    if domain:
        query = query.where(Study.domain == domain)
    return render_template("participants/catalogue.html", studies=db.session.scalars(query).all(), domain=domain)


@bp.get("/<int:study_id>")
@public
def study(study_id: int):
    """What the pilot tests and what taking part involves, in plain words."""
    study = visible_study(study_id)
    return render_template("participants/study.html", study=study,
                           enrolment=services.enrolment_of(current_user, study))


# --- Eligibility, consent and enrolment ------------------------------------------------------------

@bp.route("/<int:study_id>/eligibility", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
@limiter.limit(lambda: current_app.config["ENROL_RATE_LIMIT"], methods=["POST"])  # keeps the counts honest
def eligibility(study_id: int):
    """Age and criteria: only the counts are kept, the answers wait in the session for the consent."""
    study = visible_study(study_id)
    if services.enrolment_of(current_user, study):
        flash(_("You are already taking part in this pilot."), "info")
        return redirect(url_for(".study", study_id=study.id))
    form = eligibility_form((study.eligibility or {}).get("criteria", []))
    if form.validate_on_submit():
        age, confirmed = (form.age.data or "").strip(), form.confirmed()
        try:
            reasons = services.screen(study, age, confirmed)
        except DomainError as err:
            db.session.rollback()
            show_errors(form, err)
        else:
            db.session.commit()
            remember_screening(study, age, confirmed, reasons)
            if reasons:
                return redirect(url_for(".not_eligible", study_id=study.id))
            return redirect(url_for(".join", study_id=study.id))
    return render_template("participants/eligibility.html", study=study, form=form), 422 if form.errors else 200


@bp.get("/<int:study_id>/not-eligible")
@role_required(Role.PARTICIPANT)
def not_eligible(study_id: int):
    """Why this person cannot take part, kindly."""
    study = visible_study(study_id)
    result = screening_result(study)
    if not result or not result["reasons"]:
        return redirect(url_for(".study", study_id=study.id))
    return render_template("participants/not_eligible.html", study=study,
                           reasons=services.reason_texts(study, result["reasons"]))


@bp.route("/<int:study_id>/join", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
@limiter.limit(lambda: current_app.config["ENROL_RATE_LIMIT"], methods=["POST"])
def join(study_id: int):
    """Read the consent form, tick its clauses, sign, and enrol (randomised where the design says so)."""
    study = visible_study(study_id)
    if services.enrolment_of(current_user, study):
        flash(_("You are already taking part in this pilot."), "info")
        return redirect(url_for(".study", study_id=study.id))
    screening = screening_result(study)
    if screening is None or screening["reasons"]:
        flash(_("First, check whether you can take part."), "info")
        return redirect(url_for(".eligibility", study_id=study.id))
    if study.current_consent is None:
        raise NotFound(_("This pilot has no consent form yet."))
    form = consent_form(study.current_consent)
    if form.validate_on_submit():
        try:
            services.enrol(current_user, study, consent_version=form.version(), clauses=form.clause_answers(),
                           signature=form.signature.data, age=screening["age"],
                           criteria_confirmed=screening["criteria"], screened=True)
        except DomainError as err:
            db.session.rollback()
            target = refused_enrolment(study, form, err)
            if target:
                return redirect(target)
        else:
            db.session.commit()
            forget_screening(study)
            return redirect(url_for(".welcome", study_id=study.id))
    return render_template("participants/join.html", study=study, form=form, today=utcnow()), \
        422 if form.errors else 200


def refused_enrolment(study: Study, form, err: DomainError) -> str | None:
    """Where to send a refused enrolment; None to show the form again with the errors beside it."""
    if err.code == "stale_consent" or "consent_version" in err.fields:
        flash(_("The consent form has just changed: please read this version and sign it."), "warning")
        return url_for(".join", study_id=study.id)
    if err.code in ("consent_refused", "invalid") and not {"age", "criteria_confirmed"} & set(err.fields):
        show_errors(form, err, form.aliases())
        return None
    flash(err.message, "error")
    if err.code == "not_recruiting":
        return url_for(".catalogue")
    if err.code in ("already_enrolled", "full"):
        return url_for(".study", study_id=study.id)
    forget_screening(study)  # not eligible after all: check again
    return url_for(".eligibility", study_id=study.id)


@bp.get("/<int:study_id>/welcome")
@role_required(Role.PARTICIPANT)
def welcome(study_id: int):
    """Right after enrolment: the participant code, the group, and what comes next."""
    study, enrolment = my_study(study_id)
    return render_template("participants/welcome.html", study=study, enrolment=enrolment,
                           states=services.states_for(enrolment))


@bp.route("/<int:study_id>/reconsent", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def reconsent(study_id: int):
    """Sign the new version of a consent form that changed since enrolment."""
    study, enrolment = my_study(study_id)
    if enrolment.status != EnrolmentStatus.ACTIVE or not services.needs_reconsent(enrolment):
        return redirect(url_for("main.dashboard"))
    form = consent_form(study.current_consent)
    if form.validate_on_submit():
        try:
            services.resign_consent(current_user, enrolment, consent_version=form.version(),
                                    clauses=form.clause_answers(), signature=form.signature.data)
        except DomainError as err:
            db.session.rollback()
            if err.code == "stale_consent" or "consent_version" in err.fields:
                flash(_("The consent form has just changed: please read this version and sign it."), "warning")
                return redirect(url_for(".reconsent", study_id=study.id))
            show_errors(form, err, form.aliases())
        else:
            db.session.commit()
            flash(_("Thank you: your consent to the new version is recorded."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("participants/join.html", study=study, form=form, today=utcnow(), reconsent=True), \
        422 if form.errors else 200


# --- The dashboard, surveys and answers ------------------------------------------------------------

def dashboard_page():
    """The participant's dashboard (at /dashboard): each pilot, its code and what is due."""
    enrolments = services.my_enrolments(current_user)
    pilots = [(enrolment, services.states_for(enrolment),
               enrolment.status == EnrolmentStatus.ACTIVE and services.needs_reconsent(enrolment))
              for enrolment in enrolments]
    # what each closed pilot found, for those who took part (not those who had their answers erased)
    summaries = {enrolment.study_id: lay_summary(enrolment.study) for enrolment in enrolments
                 if enrolment.study.status == StudyStatus.CLOSED and not enrolment.data_erased}
    return render_template("main/participant_home.html", pilots=pilots, summaries=summaries)


def posted_answers(items: list[dict]) -> tuple[dict, dict]:
    """The answers as `submit_response` takes them (values as typed, blanks left out), and as posted."""
    answers, shown = {}, {}
    for item in items:
        multiple = item.get("type") == "multiple_choice"
        for key in answer_keys(item):
            value = request.form.getlist(key) if multiple else request.form.get(key)
            shown[key] = value
            if value and (multiple or value.strip()):
                answers[key] = value
    return answers, shown


@bp.route("/<int:study_id>/surveys/<key>", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def answer(study_id: int, key: str):
    """One survey, generated from its definition; answered once."""
    study, enrolment = my_study(study_id)
    survey = services.find_survey(study, key)
    shown, errors, status = {}, {}, 200
    if request.method == "POST":
        answers, shown = posted_answers(survey.items)
        try:
            services.submit_response(current_user, study, key, answers)
        except DomainError as err:
            db.session.rollback()
            if err.code != "invalid_answers":
                flash(err.message, "info" if err.code == "already_answered" else "error")
                if err.code == "reconsent_needed":
                    return redirect(url_for(".reconsent", study_id=study.id))
                return redirect(url_for("main.dashboard"))
            flash(err.message, "error")
            errors, status = err.fields, 422
        else:
            db.session.commit()
            flash(_("Thank you: your answers to “%(title)s” are saved.", title=survey.title), "success")
            return redirect(url_for("main.dashboard"))
    due = next(d for d in services.states_for(enrolment) if d.survey.id == survey.id)
    return render_template("participants/survey.html", study=study, survey=survey, due=due, answers=shown,
                           errors=errors, reconsent=services.needs_reconsent(enrolment)), status


@bp.get("/<int:study_id>/answers")
@role_required(Role.PARTICIPANT)
def answers(study_id: int):
    """What the participant answered, question by question."""
    study, enrolment = my_study(study_id)
    sheets = [(response, readable(response.survey.items, services.stored_answers(response)))
              for response in enrolment.responses]
    return render_template("participants/answers.html", study=study, enrolment=enrolment, sheets=sheets)


@bp.get("/<int:study_id>/consent")
@role_required(Role.PARTICIPANT)
def consent(study_id: int):
    """A printable copy of the consent the participant signed: version, clauses, name, date."""
    study, enrolment = my_study(study_id)
    return render_template("participants/consent_copy.html", study=study, enrolment=enrolment,
                           signatures=list(reversed(enrolment.signatures)))


@bp.route("/<int:study_id>/withdraw", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
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
            services.withdraw(current_user, study, erase)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("You have left “%(title)s”. Your answers are erased.", title=study.title) if erase else
                  _("You have left “%(title)s”. The answers you gave are kept under your participant code.",
                    title=study.title), "success")
        return redirect(url_for("main.dashboard"))
    return render_template("participants/withdraw.html", study=study, enrolment=enrolment, form=form,
                           erase_form=EraseKeptAnswersForm(formdata=None),
                           can_erase=services.can_erase_kept_answers(enrolment)), 422 if form.errors else 200


@bp.post("/<int:study_id>/erase-answers")
@role_required(Role.PARTICIPANT)
def erase_answers(study_id: int):
    """Having left and kept their answers, a participant may still have them erased."""
    study, enrolment = my_study(study_id)
    form = EraseKeptAnswersForm()
    if form.validate_on_submit():
        try:
            services.erase_kept_answers(current_user, study, enrolment)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(_("Your answers to “%(title)s” are erased.", title=study.title), "success")
            return redirect(url_for("main.dashboard"))
        return redirect(url_for(".withdraw", study_id=study.id))
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        return redirect(url_for(".withdraw", study_id=study.id))
    return render_template("participants/withdraw.html", study=study, enrolment=enrolment, form=WithdrawForm(),
                           erase_form=form, can_erase=services.can_erase_kept_answers(enrolment)), 422


# --- GDPR rights -----------------------------------------------------------------------------------

@bp.get("/my-data")
@role_required()
def my_data():
    """Every personal datum held about the signed-in account, to read."""
    from ..audit_views import action_label

    data = gdpr.personal_data(current_user)
    return render_template("participants/my_data.html", data=data, action_label=action_label,
                           events=list(reversed(data["audit_events"]))[:100])


@bp.get("/my-data.json")
@role_required()
def my_data_json():
    """The same, as a JSON file to download (the right to data portability)."""
    body = json.dumps(gdpr.personal_data(current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="livinglab-my-data.json"'})


@bp.route("/my-data/erase", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def erase_account():
    """Erase the account: answers erased, or kept anonymously where the consent said so."""
    form = EraseAccountForm()
    if form.validate_on_submit():
        gdpr.erase_account(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.pop(SCREENING, None)
        flash(_("Your account is erased. Thank you for the time you gave to LivingLab."), "success")
        return redirect(url_for("main.index"))
    return render_template("participants/erase_account.html", form=form,
                           enrolments=services.my_enrolments(current_user)), 422 if form.errors else 200
