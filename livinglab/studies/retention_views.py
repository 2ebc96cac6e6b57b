"""The coordinators' retention page: upcoming purges, and postponing one with a reason."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError, Malformed
from ..policy import get_study_or_404, requires
from ..transactions import unit_of_work
from . import retention
from .forms import PostponePurgeForm

bp = Blueprint("retention", __name__, url_prefix="/retention")


def render_list(form: PostponePurgeForm | None = None, failed: int | None = None, error: DomainError | None = None):
    page = render_template(
        "studies/retention.html",
        upcoming=retention.upcoming(),
        purged=retention.recently_purged(),
        form=form or PostponePurgeForm(),
        failed=failed,
        error=error,
        notice_days=retention.NOTICE_DAYS,
    )
    return (page, error.status) if error is not None else page


@bp.get("/")
@requires("retention")
def index():
    """Ended pilots, soonest purge first, with what the purge will do; the pilots purged lately."""
    return render_list()


@bp.post("/<int:study_id>/postpone")
@requires("postpone_purge")
def postpone(study_id: int):
    """Move one pilot's purge to a later day, with a reason (audited; shown to the startup)."""
    study = get_study_or_404(study_id, "postpone_purge")
    form = PostponePurgeForm()
    if not form.validate_on_submit():
        return render_list(form, study.id, Malformed(_("The form expired: reload the page and try again.")))
    try:
        with unit_of_work():
            rule = retention.postpone(current_user, study, form.until.data, form.reason.data)
    except DomainError as err:
        return render_list(form, study.id, err)
    flash(
        _(
            "The purge of “%(title)s” is postponed to %(day)s.",
            title=study.title,
            day=rule["purge_on"].date().isoformat(),
        ),
        "success",
    )
    return redirect(url_for(".index"))
