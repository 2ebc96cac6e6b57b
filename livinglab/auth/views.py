"""Sign in, sign out, register, and the coordinators' page."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..clients import client_address
from ..errors import DomainError
from ..extensions import limiter
from ..forms import EmptyForm, show_errors
from ..policy import public, requires
from ..transactions import unit_of_work
from ..urls import safe_next
from . import mail_links, organisations, services
from .forms import NewCoordinatorForm, RegisterForm, SignInForm
from .limits import registration_limits
from .models import Role
from .sessions import end_session, start_session

bp = Blueprint("auth", __name__, url_prefix="/account")


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"], methods=["POST"])
@public
def signin():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, client_address())
        except DomainError as err:
            flash(err.message, "error")
        else:
            with unit_of_work():
                start_session(user)
                audit.record(user, "account.signin")
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/signin.html", form=form)


@bp.post("/signout")
@requires("signed_in")
def signout():
    """Sign out: the session ends here and in every copy of its cookie."""
    form = EmptyForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.sign_out(current_user)
        end_session()
        flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@registration_limits
@public
def register():
    """Create a participant or startup account (joining an organisation with an invitation's link)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    invitation, status = None, 200
    if request.method == "GET":
        form.invitation.data = request.args.get("invitation", "")
        if request.args.get("role") in ("startup", "participant"):
            form.role.data = request.args["role"]
    if form.invitation.data:
        try:
            invitation = organisations.invitation_by_secret(form.invitation.data)
        except DomainError as err:
            flash(err.message, "error")
            form.invitation.data = ""
        else:
            form.role.data = "startup"
            form.email.data = form.email.data or invitation.email
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.register(
                    {
                        "email": form.email.data,
                        "password": form.password.data,
                        "name": form.name.data,
                        "role": form.role.data,
                        "organisation": "" if invitation else form.organisation.data,
                        "invitation": form.invitation.data or None,
                    }
                )
                mail_links.send_verification(user)  # in the registration's transaction (the outbox)
        except DomainError as err:
            show_errors(form, err, aliases={"invitation": "email"})  # the link's field is hidden
            status = 409 if err.status == 409 else 200  # what the per-email rate limit counts
        else:
            start_session(user)
            flash(
                _(
                    "Your account is ready. We sent a link to %(email)s: open it to confirm your address.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/register.html", form=form, invitation=invitation), status


@bp.route("/coordinators", methods=["GET", "POST"])
@requires("manage_users")
def coordinators():
    """Coordinators see their colleagues and create coordinator accounts (never self-registered)."""
    form = NewCoordinatorForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.create_user(
                    form.email.data, form.password.data, form.name.data, Role.COORDINATOR, actor=current_user
                )
                mail_links.send_verification(user)
        except DomainError as err:
            show_errors(form, err)
        else:
            flash(_("%(name)s is now a coordinator.", name=user.name), "success")
            return redirect(url_for("auth.coordinators"))
    return render_template("auth/coordinators.html", form=form, coordinators=services.coordinators())
