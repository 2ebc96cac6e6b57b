"""The amendment pages: open one from the study page, read what it changes, submit it, decide it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..forms import EmptyForm
from ..policy import can, get_study_or_404, requires
from ..transactions import unit_of_work
from . import amendments, rounds
from .diff import CHANGE_LABELS
from .forms import AmendmentForm, DecisionForm, ReplyForm

bp = Blueprint("amendments", __name__, url_prefix="/studies")


@bp.post("/<int:study_id>/amendments")
@requires("amend")
def open_amendment(study_id: int):
    """Start an amendment of the approved protocol, with its reason."""
    study = get_study_or_404(study_id, "amend")
    form = AmendmentForm()
    if form.validate_on_submit():
        try:
            with unit_of_work(
                _("An amendment of this study was opened at the same moment: finish that one first."),
                code="amendment_open",
            ):
                amendment = amendments.open_amendment(current_user, study, form.reason.data)
        except DomainError as err:
            flash(err.fields.get("reason") or err.message, "error")
        else:
            flash(_("Amendment opened: the pilot runs on its approved version until it is approved."), "success")
            return redirect(url_for(".show", study_id=study.id, version=amendment.version))
    return redirect(url_for("studies.show", study_id=study.id))


@bp.get("/<int:study_id>/amendments/<int:version>")
@requires("view")
def show(study_id: int, version: int):
    """An amendment and what it changes against the approved version (and, resubmitted, since its last round, with
    the startup's response letter), for its organisation and reviewers."""
    study = get_study_or_404(study_id, "view")
    amendment = amendments.find(study, version)
    return render_template(
        "studies/amendment.html",
        study=study,
        amendment=amendment,
        diff=amendments.differences(study, amendment),
        editable=amendment.status in amendments.EDITABLE and can(current_user, "amend", study),
        decidable=amendment.status == amendments.A.SUBMITTED and can(current_user, "review_amendment", study),
        form=EmptyForm(),
        decision_form=DecisionForm(),
        change_labels=CHANGE_LABELS,
        letter=rounds.letter(study, amendment.version),  # the response letter, and the diff since the last round
        reply_form=ReplyForm(),
    )


@bp.post("/<int:study_id>/amendments/<int:version>/submit")
@requires("amend")
def submit(study_id: int, version: int):
    """Send the amendment to the coordinators."""
    study = get_study_or_404(study_id, "amend")
    amendment = amendments.find(study, version)
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                amendments.submit(current_user, study, amendment)
        except DomainError as err:
            items = "; ".join(str(item).rstrip(" .\u00a0") for item in err.fields.values())
            flash(_("Still missing: %(items)s.", items=items) if err.code == "incomplete" else err.message, "error")
        else:
            flash(_("Amendment submitted: a coordinator will read it and decide."), "success")
    return redirect(url_for(".show", study_id=study.id, version=version))


@bp.post("/<int:study_id>/amendments/<int:version>/decision")
@requires("review_amendment")
def decide(study_id: int, version: int):
    """A coordinator approves, requests changes to or rejects the amendment."""
    study = get_study_or_404(study_id, "review_amendment")
    amendment = amendments.find(study, version)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                amendments.decide(
                    current_user, study, amendment, form.decision.data, form.comment.data, form.section_comments()
                )
        except DomainError as err:
            flash("; ".join(map(str, err.fields.values())) or err.message, "error")
        else:
            flash(
                _("Amendment approved: version %(n)d is registered.", n=amendment.version)
                if amendment.status == amendments.A.APPROVED
                else _("Decision recorded: the startup reads your comment."),
                "success",
            )
    return redirect(url_for(".show", study_id=study.id, version=version))
