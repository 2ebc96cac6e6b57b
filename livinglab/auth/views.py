"""Sign in, sign out, register, and the startup's organisation page."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from .. import audit
from ..errors import DomainError
from ..extensions import db, limiter
from ..forms import EmptyForm, show_errors
from ..urls import safe_next
from . import services
from .forms import AddMemberForm, NewCoordinatorForm, RegisterForm, SignInForm
from .models import Role
from .permissions import public, role_required

bp = Blueprint("auth", __name__, url_prefix="/account")


def start_session(user) -> None:
    """Sign in, in a session that expires after PERMANENT_SESSION_LIFETIME without activity."""
    login_user(user)
    session.permanent = True


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
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as err:
            flash(err.message, "error")
        else:
            start_session(user)
            audit.record(user, "account.signin")
            db.session.commit()
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/signin.html", form=form)


@bp.post("/signout")
@role_required()
def signout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
@public
def register():
    """Create a participant or startup account."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("role") in ("startup", "participant"):
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        try:
            user = services.register({"email": form.email.data, "password": form.password.data,
                                      "name": form.name.data, "role": form.role.data,
                                      "organisation": form.organisation.data})
        except DomainError as err:
            db.session.rollback()
            show_errors(form, err)
        else:
            db.session.commit()
            start_session(user)
            flash(_("Your account is ready."), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    return render_template("auth/register.html", form=form)


@bp.route("/organisation", methods=["GET", "POST"])
@role_required(Role.STARTUP)
def organisation():
    """The startup's organisation: its members, and adding a colleague."""
    form = AddMemberForm()
    if form.validate_on_submit():
        try:
            colleague = services.add_member(current_user, form.email.data)
        except DomainError as err:
            db.session.rollback()
            show_errors(form, err)
        else:
            db.session.commit()
            flash(_("%(name)s joined %(org)s.", name=colleague.name, org=current_user.organisation.name), "success")
            return redirect(url_for("auth.organisation"))
    return render_template("auth/organisation.html", form=form, organisation=current_user.organisation)




@bp.route("/coordinators", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def coordinators():
    """Coordinators see their colleagues and create coordinator accounts (never self-registered)."""
    form = NewCoordinatorForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.password.data, form.name.data, Role.COORDINATOR,
                                        actor=current_user)
        except DomainError as err:
            db.session.rollback()
            show_errors(form, err)
        else:
            db.session.commit()
            flash(_("%(name)s is now a coordinator.", name=user.name), "success")
            return redirect(url_for("auth.coordinators"))
    return render_template("auth/coordinators.html", form=form, coordinators=services.coordinators())
