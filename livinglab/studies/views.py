"""The study pages: dashboards, the protocol and consent editors, submission, review and recruitment."""

import csv
import io

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..auth.models import Organisation, Role, User
from ..errors import DomainError, NotFound
from ..exports.cells import csv_cell
from ..extensions import db
from ..forms import EmptyForm, show_errors
from ..listing import Listing, matches
from ..participants.schedule import follow_up_ends_at
from ..policy import can, get_study_or_404, requires, visible_studies
from ..surveys.definitions import study_variables
from ..surveys.instruments import INSTRUMENTS
from ..timeutil import utcnow
from ..transactions import unit_of_work
from . import allocation, regulatory, rounds, sample_size, services, sites, workflow
from .amendments import amendments_of, waiting_for_decision
from .checklist import checklist, missing
from .consent import GDPR_ITEMS
from .consent_templates import consent_from_template
from .edit_target import StudyTarget
from .forms import (
    LABELS,
    AmendmentForm,
    ConsentForm,
    DecisionForm,
    EndStudyForm,
    NewStudyForm,
    RecruitmentForm,
    ReplyForm,
    StudyFilterForm,
    consent_initial,
    gdpr_answers,
    gdpr_fields,
    protocol_form,
    protocol_initial,
)
from .keys import label_of
from .labels import field_label, fields_in_words
from .models import Study
from .pilot_languages import interface_language
from .processing_record import entries as record_entries
from .protocol import sections as protocol_sections

bp = Blueprint("studies", __name__, url_prefix="/studies")
bp.add_app_template_global(allocation.describe, "allocation_of")  # the protocol page
bp.add_app_template_global(sites.name_of, "site_name")  # the results and recruitment pages
bp.add_app_template_global(allocation.stratum_label, "age_group_label")  # the results page, by age group
bp.add_app_template_global(lambda study: allocation.of(study)["age_strata"], "allocation_strata")  # what is kept
bp.add_app_template_global(sites.has_sites, "has_sites")  # what is kept
bp.add_app_template_global(sample_size.summary, "sample_size_of")  # the protocol, editor and results pages
bp.add_app_template_global(StudyTarget, "editing")  # the editors' templates: `target or editing(study)`
bp.add_app_template_global(lambda: GDPR_ITEMS, "gdpr_items")  # the consent's GDPR items, for every page


@bp.context_processor
def page_helpers():
    return {
        "labels": LABELS,
        "instruments": INSTRUMENTS,
        # The survey builder is another blueprint: link to it only once its pages exist.
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
        "label_of": label_of,
        "protocol_sections": protocol_sections(),
        "qualification_of": lambda study: regulatory.summary(
            study.qualification, study.research_category, study.cnil_framework
        ),
    }


@bp.app_template_filter("timepoint_label")
def timepoint_label(key: str, study: Study) -> str:
    """A timepoint as the founder named it: `{{ tp|timepoint_label(study) }}`."""
    return label_of(study.labels, "timepoints", key)


def next_step(study: Study) -> str:
    """What the startup should do now, in one short sentence."""
    if workflow.changes_requested(study):
        return _("Fix the requested changes")
    if workflow.is_editable(study):  # a draft
        gaps = len(missing(study))
        if gaps:
            return ngettext(
                "Complete the protocol (%(num)d item missing)", "Complete the protocol (%(num)d items missing)", gaps
            )
        return _("Submit for review")
    return str(workflow.NEXT_STEPS[study.status])


HISTORY = {
    "study.create": _l("Created the draft"),
    "study.update": _l("Edited the protocol: %(fields)s"),
    "consent.save": _l("Saved consent version %(version)s"),
    "survey.create": _l("Added the survey %(survey)s"),
    "survey.update": _l("Changed the survey %(survey)s"),
    "survey.delete": _l("Deleted the survey %(survey)s"),
    "survey.add_item": _l("Added a question to the survey %(survey)s"),
    "survey.edit_item": _l("Edited a question of the survey %(survey)s"),
    "survey.move_item": _l("Reordered the questions of the survey %(survey)s"),
    "survey.delete_item": _l("Deleted a question of the survey %(survey)s"),
    "study.submit": _l("Submitted for review"),
    "study.approve": _l("Approved"),
    "study.request_changes": _l("Requested changes"),
    "study.reject": _l("Rejected"),
    "study.open": _l("Opened recruitment"),
    "study.pause": _l("Paused recruitment"),
    "study.close": _l("Closed recruitment"),
    "study.end": _l("Ended the pilot"),
}


def describe(record) -> str:
    """One audit record in words; an action this page does not know is shown by its name."""
    label = HISTORY.get(record.action)
    details = dict(record.details or {})
    if isinstance(details.get("fields"), list):
        details["fields"] = fields_in_words(details["fields"])
    try:
        return str(label) % details if label is not None else record.action
    except (KeyError, TypeError, ValueError):
        return record.action


def user_names(ids) -> dict[int, str]:
    """Names of these accounts, in one query."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def study_context(study: Study, actor_ids=()) -> dict:
    """What the study page and the review page both show beside the protocol."""
    return {
        "study": study,
        "checks": checklist(study),
        "variables": study_variables(study.surveys, study.timepoints),
        "names": user_names([*(comment.author_id for comment in study.comments), *actor_ids]),
    }


def back_unless_editable(study: Study):
    """The editors are refused (409) once the protocol is frozen: say why, on the study page."""
    try:
        workflow.require_editable(study)
    except DomainError as err:
        flash(err.message, "error")
        return redirect(url_for(".show", study_id=study.id))
    return None


def study_sorts(*names: str) -> dict:
    """The orders a list of studies offers, the first being its default; each ends on the id, so a
    page never shows a study twice nor skips one."""
    options = {
        "updated": (_l("Last updated first"), [Study.updated_at.desc(), Study.id.desc()]),
        "oldest_submission": (_l("Oldest submission first"), [Study.submitted_at, Study.id]),
        "newest_submission": (_l("Newest submission first"), [Study.submitted_at.desc(), Study.id.desc()]),
        "title": (_l("Title, A to Z"), [func.lower(Study.title), Study.id]),
        "status": (_l("Status"), [Study.status, Study.updated_at.desc(), Study.id.desc()]),
        "organisation": (_l("Organisation, A to Z"), [func.lower(Organisation.name), Study.id]),
        "created": (_l("Newest first"), [Study.created_at.desc(), Study.id.desc()]),
    }
    return {name: options[name] for name in names}


def searched(query, listing: Listing, *, organisations: bool = True):
    """Studies whose title (or organisation's name) contains the search text."""
    query = query.join(Organisation, Organisation.id == Study.organisation_id)
    if listing.q:
        columns = (Study.title, Organisation.name) if organisations else (Study.title,)
        query = query.where(matches(listing.q, *columns))
    return query


@bp.get("/")
@requires("create_study")
def mine():
    """The startup's dashboard: its organisation's studies and what to do next on each."""
    listing = Listing.from_request(study_sorts("updated", "title", "status", "created"), per_page=20)
    query = searched(select(Study).where(visible_studies(current_user)), listing, organisations=False)
    listing.fetch(query.options(selectinload(Study.surveys), selectinload(Study.consent_versions)))
    return render_template(
        "studies/mine.html", listing=listing, rows=[(study, next_step(study)) for study in listing.rows]
    )


@bp.get("/all")
@requires("review_queue")
def overview():
    """Every study, filtered by status and domain, searched by title or organisation, a page at a time."""
    form = StudyFilterForm(request.args)
    listing = Listing.from_request(study_sorts("updated", "title", "organisation", "status", "created"))
    query = searched(select(Study).where(visible_studies(current_user)), listing)
    if form.status.data:
        query = query.where(Study.status == form.status.data)
    if form.domain.data:
        query = query.where(Study.domain == form.domain.data)
    listing.fetch(query.options(selectinload(Study.organisation)))
    waiting = db.session.scalar(
        select(func.count(Study.id)).where(workflow.in_states(workflow.REVIEWABLE), visible_studies(current_user))
    )
    return render_template(
        "studies/overview.html",
        form=form,
        listing=listing,
        studies=listing.rows,
        waiting=waiting,
        filtered=bool(form.status.data or form.domain.data or listing.q),
    )


@bp.get("/queue")
@requires("review_queue")
def queue():
    """Studies waiting for a decision, the oldest submission first (or as asked), a page at a time."""
    listing = Listing.from_request(study_sorts("oldest_submission", "newest_submission", "title", "organisation"))
    query = searched(
        select(Study).where(workflow.in_states(workflow.REVIEWABLE), visible_studies(current_user)), listing
    )
    listing.fetch(query.options(selectinload(Study.organisation)))
    return render_template(
        "studies/queue.html", listing=listing, studies=listing.rows, amendments=waiting_for_decision()
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("create_study")
def new():
    """Start a draft: a title and a domain are enough."""
    form = NewStudyForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                study = services.create_study(
                    current_user,
                    {"title": form.title.data, "domain": form.domain.data, "languages": [interface_language()]},
                )
        except DomainError as err:
            show_errors(form, err)
        else:
            flash(_("Your draft is ready. Describe the protocol now, or save and come back later."), "success")
            return redirect(url_for(".edit", study_id=study.id))
    return render_template("studies/new.html", form=form)


@bp.get("/<int:study_id>")
@requires("view")
def show(study_id: int):
    """The study: status, protocol, checklist, consent, surveys, review and history."""
    study = get_study_or_404(study_id)
    # Participants' own actions stay out of this page: they are pseudonymous to the startup.
    history = [record for record in audit.study_history(study.id) if record.actor_role != Role.PARTICIPANT]
    context = study_context(study, [record.actor_id for record in history])
    return render_template(
        "studies/show.html",
        **context,
        history=[(r, describe(r)) for r in history],
        next_step=next_step(study),
        requested=requested_changes(study),
        letter=rounds.letter(study),
        reply_form=ReplyForm(),
        form=EmptyForm(),
        amendments=amendments_of(study),
        amend_form=AmendmentForm(),
    )


@bp.route("/<int:study_id>/edit", methods=["GET", "POST"])
@requires("edit")
def edit(study_id: int):
    """The protocol editor: save a draft at any time. Every valid field is saved; the others are listed
    at the top, each linked to its input, and shown again as typed; completeness is checked on submission."""
    study = get_study_or_404(study_id, "edit")
    refused = back_unless_editable(study)
    if refused:
        return refused
    return protocol_editor(
        study,
        StudyTarget(study),
        lambda data: services.save_draft(current_user, study, data),
        requested_changes(study),
    )


def protocol_editor(study: Study, target: StudyTarget, save, requested: list):
    """The protocol editor's page on `study`, the study itself or an amendment's proposed study (`target` says
    which): `save(data)` keeps every valid field and answers (changed, invalid); a refusal goes back."""
    form = protocol_form(study, data=protocol_initial(study) if request.method == "GET" else None)
    page = {"study": study, "target": target, "requested": requested}
    problems, status = [], 200
    if form.is_submitted():
        form.validate()
        if "csrf_token" in form.errors:
            flash(_("This form has expired: nothing was saved. Please try again."), "error")
            return render_template("studies/edit.html", form=form, problems=[], checks=checklist(study), **page), 400
        unreadable = form.unreadable()
        try:
            with unit_of_work():
                changed, invalid = save(form.study_data(skip=unreadable))
        except DomainError as err:
            flash(err.message, "error")
            return redirect(target.back)
        invalid = {**unreadable, **invalid}
        if not invalid:
            flash(saved_message(study) if changed else _("Nothing changed."), "success")
            return redirect(request.path)
        problems = editor_problems(form, invalid)
        status = 422
    return render_template(
        "studies/edit.html",
        form=form,
        problems=problems,
        changed=status == 422,
        checks=checklist(study),
        **page,
    ), status


# Where each field of the service is shown in the editor: the id the error summary links to.
EDITOR_ANCHORS = {
    "arms": "arms",
    "labels": "arms",
    "timepoints": "timepoints",
    "timepoint_delays": "timepoints",
    "eligibility": "eligibility",
    "primary_outcome": "primary_variable",
    "qualification": "qualification",
    "sample_size": "sample_size",
    "allocation": "allocation",
}


def editor_problems(form, invalid: dict[str, str]) -> list[tuple[str, str, str]]:
    """The fields that were not saved, as (anchor, label, message) in the editor's order; each message is
    also shown beside its input."""
    slots = {
        "arms": form.arm_errors,
        "labels": form.arm_errors,
        "timepoints": form.timepoint_errors,
        "timepoint_delays": form.timepoint_errors,
        "eligibility": form.eligibility,
        "qualification": form.qualification,
        "sample_size": form.sample_size,
        "allocation": form.allocation,
    }
    problems: list[tuple[str, str, str]] = []
    for name, message in invalid.items():
        field = name.split(".")[0]
        anchor = EDITOR_ANCHORS.get(field, field)
        target = slots.get(field) or getattr(form, anchor, None)
        if target is not None and hasattr(target, "errors") and message not in (target.errors or []):
            if isinstance(target.errors, tuple):
                target.errors = list(target.errors)
            if isinstance(target.errors, list):
                target.errors.append(message)
        if not any(existing[0] == anchor and existing[2] == message for existing in problems):
            problems.append((anchor, field_label(field), message))
    order = {name: index for index, name in enumerate(EDITOR_ORDER)}
    return sorted(problems, key=lambda problem: order.get(problem[0], len(order)))


EDITOR_ORDER = (
    "title",
    "domain",
    "summary",
    "objectives",
    "intervention",
    "risks",
    "duration",
    "location",
    "compensation",
    "design",
    "arms",
    "timepoints",
    "target_enrolment",
    "eligibility",
    "sites",
    "allocation",
    "primary_variable",
    "hypothesis",
    "alpha",
    "sample_size",
    "data_collected",
    "qualification",
    "research_category",
    "cnil_framework",
    "qualification_justification",
    "cnil_reference",
    "ethics_opinion",
    "cpp_name",
    "cpp_date",
    "cpp_decision",
    "principal_investigator",
    "id_rcb",
    "ansm_reference",
    "insurance",
    "medical_device",
    "dpia_done",
    "dpia_reference",
    "dpia_date",
    "dpia_not_required",
    "legal_basis",
    "health_data_exception",
    "dpo_contact",
    "data_host",
    "hds_certified",
    "retention_months",
)


def saved_message(study: Study) -> str:
    gaps = len(missing(study))
    if not gaps:
        return _("Draft saved. Nothing is missing: you can submit it for review.")
    return ngettext(
        "Draft saved. %(num)d item is still missing before you can submit it.",
        "Draft saved. %(num)d items are still missing before you can submit it.",
        gaps,
    )


def fingerprint(value: str) -> Markup:
    """A SHA-256 fingerprint shown short (CSS cuts it, so selecting it still copies all 64 characters), with
    a copy button that static/copy.js reveals where the clipboard can be written."""
    return Markup(
        '<code class="hash-short" title="{full}">{full}</code> <button type="button" class="link copy-button" '
        'data-copy="{full}" data-copied="{copied}" hidden>{label}</button>'
    ).format(full=value, label=_("Copy the fingerprint"), copied=_("Copied"))


def requested_changes(study: Study) -> list:
    """The comments of the decision that sent the protocol back, shown while fixing it."""
    if not workflow.changes_requested(study):
        return []
    comments = [c for c in study.comments if c.decision == "request_changes"]
    return [c for c in comments if c.study_version == comments[-1].study_version] if comments else []


@bp.route("/<int:study_id>/consent", methods=["GET", "POST"])
@requires("edit")
def consent(study_id: int):
    """The consent editor: each save is a new version; earlier versions stay readable."""
    study = get_study_or_404(study_id, "edit")
    refused = back_unless_editable(study)
    if refused:
        return refused
    initial = consent_from_template(consent_initial(study), study, request.args.get("template"))  # no version yet
    form = ConsentForm(data=initial if request.method == "GET" else None)
    if form.validate_on_submit():
        clauses, rows = form.filled_clauses()
        try:
            with unit_of_work():
                version = services.save_consent(
                    current_user,
                    study,
                    form.text.data,
                    clauses,
                    gdpr_answers(form),
                    on_erasure=form.on_erasure.data,
                    keep_free_text=form.keep_free_text.data,
                )
        except DomainError as err:
            show_consent_errors(form, err, rows)
        else:
            flash(_("Consent version %(n)d saved.", n=version.version), "success")
            return redirect(url_for(".consent", study_id=study.id))
    return render_template(
        "studies/consent_edit.html",
        study=study,
        form=form,
        requested=requested_changes(study),
        gdpr_fields=gdpr_fields(form),
    )


def show_consent_errors(form: ConsentForm, err: DomainError, rows: list[int]) -> None:
    """A clause's error goes on the row it was typed in; the others beside their fields."""
    others = {}
    for name, message in err.fields.items():
        prefix, _dot, index = name.partition(".")
        if prefix == "clauses" and index.isdigit() and int(index) < len(rows):
            form.clauses[rows[int(index)]].form.form_errors.append(message)
        else:
            others[name] = message
    show_errors(form, type(err)(err.message, code=err.code, fields=others))


@bp.get("/<int:study_id>/consent/<int:version>")
@requires("view")
def consent_version(study_id: int, version: int):
    """One consent version, read-only."""
    study = get_study_or_404(study_id)
    consent = next((c for c in study.consent_versions if c.version == version), None)
    if consent is None:
        raise NotFound(_("This consent version does not exist."))
    return render_template("studies/consent_version.html", study=study, consent=consent)


@bp.get("/<int:study_id>/consent/preview")
@requires("view")
def consent_preview(study_id: int):
    """The current consent exactly as a participant will see it, with its controls disabled."""
    study = get_study_or_404(study_id)
    return render_template(
        "studies/consent_preview.html", study=study, consent=study.current_consent, today=utcnow().date()
    )


@bp.post("/<int:study_id>/submit")
@requires("submit")
def submit(study_id: int):
    """Send the protocol to the coordinators; what is still missing is listed instead."""
    study = get_study_or_404(study_id, "submit")
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                services.submit(current_user, study)
        except DomainError as err:
            if err.code == "incomplete":
                # each item is a sentence of its own: joined without their full stops
                items = "; ".join(str(item).rstrip(" .\u00a0") for item in err.fields.values())
                flash(_("The protocol is not complete yet. Still missing: %(items)s.", items=items), "error")
            else:
                flash(err.message, "error")
        else:
            flash(
                _("Submitted for review. A coordinator will read it and decide; you will see the decision here."),
                "success",
            )
    return redirect(url_for(".show", study_id=study.id))


@bp.route("/<int:study_id>/review", methods=["GET", "POST"])
@requires("review")
def review(study_id: int):
    """The coordinator reads the whole submission, what changed since the round they reviewed with the
    startup's replies, comments any section, and approves, asks for changes or rejects."""
    study = get_study_or_404(study_id, "review")
    form = DecisionForm()
    section_errors: dict[str, str] = {}
    if form.validate_on_submit():
        survey_keys = [survey.key for survey in study.surveys]
        try:
            if (
                form.decision.data == "reject"
                and request.form.get("confirmed") != "yes"
                and workflow.allowed(study, "reject")
            ):
                services.clean_decision(form.decision.data, form.comment.data, form.section_comments(), survey_keys)
                return confirm_rejection(study, form)
            with unit_of_work():
                services.decide(current_user, study, form.decision.data, form.comment.data, form.section_comments())
        except DomainError as err:
            if err.status == 409:
                flash(err.message, "error")
                return redirect(url_for(".review", study_id=study.id))
            section_errors = {
                name.removeprefix("section_comments."): message
                for name, message in err.fields.items()
                if name.startswith("section_comments.")
            }
            show_errors(form, err)
        else:
            flash(decision_message(study), "success")
            return redirect(url_for(".show", study_id=study.id))
    return render_template(
        "studies/review.html",
        **study_context(study),
        form=form,
        letter=rounds.letter(study),
        section_errors=section_errors,
    )


def confirm_rejection(study: Study, form: DecisionForm):
    """Rejecting cannot be undone: a page asks once more, with the decision and comments carried along."""
    sections = {form.PREFIX + name: body for name, body in form.section_comments().items()}
    carried = {"decision": "reject", "comment": form.comment.data or "", **sections}
    return render_template(
        "confirm.html",
        title=_("Reject this protocol?"),
        action=url_for(".review", study_id=study.id),
        lines=[
            _(
                "“%(title)s” will be rejected. The startup reads your comments, but cannot resubmit this protocol: "
                "a rejection is final.",
                title=study.title,
            )
        ],
        carried=carried,
        confirm=_("Yes, reject the protocol"),
        cancel=url_for(".review", study_id=study.id),
        cancel_label=_("No, go back to the review"),
    )


def decision_message(study: Study) -> str:
    if workflow.is_approved(study):
        # The template string itself (no variables: flask-babel leaves %(hash)s in place), escaped, then the
        # fingerprint as markup: shortened on screen, whole when selected or copied.
        return Markup(escape(_("Approved. The protocol is registered with the fingerprint %(hash)s."))) % {
            "hash": fingerprint(study.registration_hash)  # type: ignore[arg-type]  # an approved study has its registration hash
        }
    if workflow.changes_requested(study):
        return _("Changes requested: the startup can edit the protocol again and resubmit it.")
    return _("Rejected. The startup can read your comments.")


@bp.post("/<int:study_id>/recruitment")
@requires("recruit")
def recruitment(study_id: int):
    """Open, pause or close recruitment (closing, which cannot be undone, asks for confirmation first)."""
    study = get_study_or_404(study_id, "recruit")
    form = RecruitmentForm()
    if form.validate_on_submit():
        if form.state.data == "closed" and request.form.get("confirmed") != "yes" and workflow.allowed(study, "close"):
            return render_template(
                "confirm.html",
                title=_("Close recruitment?"),
                action=url_for(".recruitment", study_id=study.id),
                lines=[
                    _(
                        "Nobody new can join “%(title)s” once recruitment is closed, and it cannot reopen.",
                        title=study.title,
                    ),
                    _(
                        "The participants already enrolled go on answering the surveys of their timepoints. "
                        "Ending the pilot, when they are done, is a separate step."
                    ),
                ],
                carried={"state": "closed"},
                confirm=_("Yes, close recruitment"),
                cancel=url_for(".show", study_id=study.id),
                cancel_label=_("No, keep it as it is"),
            )
        try:
            with unit_of_work():
                services.set_recruitment(current_user, study, form.state.data)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(str(workflow.RECRUITMENT_CHANGED[study.status]), "success")
    return redirect(url_for(".show", study_id=study.id))


@bp.route("/<int:study_id>/end", methods=["GET", "POST"])
@requires("end")
def end(study_id: int):
    """End the pilot, on a page that says what it means and asks for a reason (no JavaScript needed)."""
    study = get_study_or_404(study_id, "end")
    if not workflow.allowed(study, "end"):
        flash(_("A study that is %(status)s cannot be ended.", status=workflow.STATUS_LABELS[study.status]), "error")
        return redirect(url_for(".show", study_id=study.id))
    form, status = EndStudyForm(), 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.end_study(current_user, study, form.reason.data)
        except DomainError as err:
            show_errors(form, err)
            status = err.status
        else:
            flash(
                _("The pilot has ended. Its results are final, and its participants can read what it found."), "success"
            )
            return redirect(url_for(".show", study_id=study.id))
    ends_at = follow_up_ends_at(study)
    early = ends_at is not None and ends_at > utcnow()
    return render_template(
        "studies/end.html",
        study=study,
        form=form,
        ends_at=ends_at if early else None,
        may_end=not early or can(current_user, "end_early", study),
    ), status


# --- The record of processing (GDPR art. 30) ----------------------------------------------------------------


@bp.get("/<int:study_id>/processing-record")
@requires("processing_record")
def processing_record(study_id: int):
    """The pilot's record of processing activities (GDPR art. 30), generated from its protocol."""
    study = get_study_or_404(study_id, "processing_record")
    return render_template("studies/processing_record.html", study=study, entries=record_entries(study))


@bp.get("/<int:study_id>/processing-record.csv")
@requires("processing_record")
def processing_record_csv(study_id: int):
    """The same record as a CSV file: one row per entry, cells guarded against formulas."""
    study = get_study_or_404(study_id, "processing_record")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["item", "label", "value"])
    for entry in record_entries(study):
        writer.writerow([entry.key, csv_cell(entry.label), csv_cell(entry.value)])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="processing-record-{study.id}.csv"'},
    )
