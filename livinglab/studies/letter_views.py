"""The response letter's pages: the startup answers each comment of the last decision, on its study page or
on its amendment's page (studies/rounds.py holds the rules)."""

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..errors import DomainError
from ..policy import get_study_or_404, requires
from ..transactions import unit_of_work
from . import amendments, rounds, sections
from .forms import ReplyForm

bp = Blueprint("letters", __name__, url_prefix="/studies")


@bp.app_context_processor
def letter_helpers():
    return {
        "section_label": lambda name, study=None: sections.label(
            name, {s.key: s.title for s in study.surveys} if study is not None else None
        ),
        "sections_of": sections.of,
    }


def _save(study, amendment_version: int) -> None:
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(_("The form expired: send your replies again."), "error")
        return
    try:
        with unit_of_work():
            changed = rounds.save_replies(current_user, study, amendment_version, form.replies())
    except DomainError as err:
        if err.status == 404:
            raise
        flash("; ".join(map(str, err.fields.values())) or err.message, "error")
    else:
        left = len(rounds.letter(study, amendment_version)["unanswered"])
        saved = ngettext("%(num)d reply saved.", "%(num)d replies saved.", changed) if changed else _("No change.")
        still = (
            ngettext("%(num)d comment is still unanswered.", "%(num)d comments are still unanswered.", left)
            if left
            else _("Every comment has a reply.")
        )
        flash(f"{saved} {still}", "success")


@bp.post("/<int:study_id>/replies")
@requires("answer_review")
def replies(study_id: int):
    """Save the replies of the response letter to the review of the protocol."""
    study = get_study_or_404(study_id, "answer_review")
    _save(study, rounds.PROTOCOL)
    return redirect(url_for("studies.show", study_id=study.id) + "#letter-title")


@bp.post("/<int:study_id>/amendments/<int:version>/replies")
@requires("answer_review")
def amendment_replies(study_id: int, version: int):
    """Save the replies of the response letter to the review of an amendment."""
    study = get_study_or_404(study_id, "answer_review")
    amendment = amendments.find(study, version)
    _save(study, amendment.version)
    return redirect(url_for("amendments.show", study_id=study.id, version=version) + "#letter-title")
