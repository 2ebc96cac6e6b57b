"""The home page, the privacy notice, the language switch and the dashboard that sends each role to its own."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from .config import Config
from .participants.views import dashboard_page
from .policy import can, public, requires
from .transactions import unit_of_work
from .urls import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    """What LivingLab is, and where to go next."""
    return render_template("main/index.html")


@bp.get("/dashboard")
@requires("signed_in")
def dashboard():
    """Each role lands on its own dashboard."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.signin"))
    if can(current_user, "review_queue"):
        return redirect(url_for("studies.overview"))
    if can(current_user, "create_study"):
        return redirect(url_for("studies.mine"))
    return dashboard_page()


@bp.get("/privacy")
@public
def privacy():
    """The privacy notice: who holds what, why, for how long, and the participant's rights."""
    return render_template("participants/privacy.html")


@bp.post("/language")
@public
def language():
    """Switch the language for this session (and remember it on the account)."""
    lang = request.form.get("lang")
    if lang in Config.LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            with unit_of_work():
                current_user.locale = lang
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
