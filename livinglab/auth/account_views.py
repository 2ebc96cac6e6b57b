"""The account page: change one's name and password, sign out of every device."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import limiter
from ..forms import show_errors
from ..policy import requires
from ..transactions import unit_of_work
from . import services
from .forms import NameForm, PasswordForm, SignOutEverywhereForm
from .sessions import end_session, start_session
from .tokens import tokens_of

bp = Blueprint("account", __name__, url_prefix="/account")


def page(name_form=None, password_form=None, everywhere_form=None, status=200):
    user = current_user
    return render_template(
        "auth/account.html",
        name_form=name_form or NameForm(name=user.name),
        password_form=password_form or PasswordForm(),
        everywhere_form=everywhere_form or SignOutEverywhereForm(),
        tokens=tokens_of(user),
    ), status


@bp.get("/")
@requires("signed_in")
def settings():
    """The signed-in person's account."""
    return page()


@bp.post("/name")
@requires("signed_in")
def name():
    """Change the name shown to others."""
    form = NameForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                services.change_name(current_user, form.name.data)
        except DomainError as err:
            show_errors(form, err)
        else:
            flash(_("Your name is changed."), "success")
            return redirect(url_for(".settings"))
    return page(name_form=form, status=422)


@bp.post("/password")
@limiter.limit("10 per hour")  # guessing the current password from a stolen session is slow
@requires("signed_in")
def password():
    """Change the password: every other session ends and every API token is revoked."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with unit_of_work():
                revoked = services.change_password(user, form.current_password.data, form.new_password.data)
        except DomainError as err:
            show_errors(form, err)
        else:
            start_session(user)  # this browser stays signed in, under the new session token
            flash(
                _("Your password is changed. Every other session is signed out.")
                + (" " + _("%(n)d API tokens were revoked.", n=revoked) if revoked else ""),
                "success",
            )
            return redirect(url_for(".settings"))
    return page(password_form=form, status=422)


@bp.post("/signout-everywhere")
@requires("signed_in")
def signout_everywhere():
    """End every session of the account, this one included."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        with unit_of_work():
            services.sign_out_everywhere(current_user, revoke_tokens=bool(form.revoke_tokens.data))
        end_session()
        flash(_("You are signed out of every device."), "info")
        return redirect(url_for("auth.signin"))
    return page(everywhere_form=form, status=400)
