"""Pages of the accounts' mail: verify an address (and send the link again), forgotten password, new
password from a link, email change and its confirmation. The logic is in auth/mail_links.py."""

import hashlib

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import limiter
from ..forms import EmptyForm, show_errors
from ..policy import public, requires
from ..transactions import unit_of_work
from . import mail_links
from .mail_forms import EmailChangeForm, ForgotForm, ResetForm
from .sessions import end_session

bp = Blueprint("account_mail", __name__, url_prefix="/account")


def signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


def link_error(err: DomainError):
    status = 409 if err.status == 409 else 400
    return render_template("auth/link_error.html", message=err.message), status


def _email_key() -> str:
    """Requests for one address count together, whoever sends them (hashed: no address in the store)."""
    email = request.form.get("email")
    email = email.strip().lower() if isinstance(email, str) else ""
    return "reset-email:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]


@bp.get("/verify")
@public
def verify():
    """The link of the verification message: the address is verified, and the mail held for it goes."""
    try:  # a GET that writes, by design: the link proves the address, once or again (idempotent)
        with unit_of_work():
            user = mail_links.verify(request.args.get("token"), signed_in())
    except DomainError as err:
        return link_error(err)
    return render_template("auth/verified.html", user=user)


@bp.post("/verify/resend")
@limiter.limit("5 per hour")
@requires("signed_in")
def resend_verification():
    """Send the verification link again (to the account's current address)."""
    if EmptyForm().validate_on_submit():
        if current_user.email_verified_at is None:
            with unit_of_work():
                mail_links.send_verification(current_user)
            flash(_("A new link is on its way to %(email)s.", email=current_user.email), "success")
        else:
            flash(_("Your address is already verified."), "info")
    return redirect(safe_back())


def safe_back() -> str:
    return url_for("account_mail.email")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"], methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_email_key)
@public
def forgot():
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = ForgotForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                mail_links.request_reset(form.email.data)
        except DomainError as err:
            show_errors(form, err)
        else:
            return render_template("auth/forgot.html", form=form, sent=True)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form, sent=False), status


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"], methods=["POST"])
@public
def reset():
    """The reset link's page: choose a new password (the link works once, for an hour)."""
    form = ResetForm()
    token = form.token.data if request.method == "POST" else request.args.get("token")
    try:
        user = mail_links.reset_user(token)
    except DomainError as err:
        return link_error(err)
    if request.method == "GET":
        form.token.data = token
    if form.validate_on_submit():
        try:
            with unit_of_work():
                mail_links.reset_password(token, form.new_password.data)
        except DomainError as err:
            show_errors(form, err)
        else:
            if current_user.is_authenticated:
                end_session()
            flash(
                _(
                    "Your password is changed, and every session of your account is signed out: sign in with "
                    "the new password."
                ),
                "success",
            )
            return redirect(url_for("auth.signin"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, user=user), status


@bp.route("/email", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@requires("signed_in")
def email():
    """The account's address: whether it is verified, and changing it (confirmed from the new address)."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                new_email = mail_links.request_email_change(current_user, form.email.data, form.password.data)
        except DomainError as err:
            show_errors(form, err, aliases={"new_email": "email"})
        else:
            flash(
                _(
                    "We sent a link to %(email)s: your address changes when you open it (within a day). Your "
                    "current address gets a notice.",
                    email=new_email,
                ),
                "success",
            )
            return redirect(url_for(".email"))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/email.html", form=form, resend_form=EmptyForm()), status


@bp.route("/email/confirm", methods=["GET", "POST"])
@public
def confirm_email():
    """The link sent to the new address: a button confirms (mail scanners open links, they do not post)."""
    form = EmptyForm()
    token = request.form.get("token") if request.method == "POST" else request.args.get("token")
    try:
        _user, new_email = mail_links.email_change_target(token, signed_in())
    except DomainError as err:
        return link_error(err)
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("auth/confirm_email.html", form=form, token=token, new_email=new_email), 400
        try:
            with unit_of_work():
                mail_links.confirm_email_change(token, signed_in())
        except DomainError as err:
            return link_error(err)
        flash(_("Your email address is now %(email)s.", email=new_email), "success")
        return redirect(url_for(".email") if current_user.is_authenticated else url_for("auth.signin"))
    return render_template("auth/confirm_email.html", form=form, token=token, new_email=new_email)
