"""The startup's organisation page (members, invitations, leaving) and the invitation link's page."""

from flask import Blueprint, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import DomainError
from ..extensions import limiter
from ..forms import EmptyForm, show_errors
from ..policy import public, requires
from ..transactions import unit_of_work
from ..urls import public_url
from . import organisations
from .forms import InviteForm

bp = Blueprint("organisation", __name__, url_prefix="/account")
NEW_LINK = "new_invitation_link"  # shown once, on the page the invitation's form returns to


def page(form=None, status=200):
    organisation = current_user.organisation
    return render_template(
        "auth/organisation.html",
        organisation=organisation,
        form=form or InviteForm(),
        members=organisations.members(organisation) if organisation else [],
        pending=organisations.pending_invitations(organisation) if organisation else [],
        for_me=organisations.invitations_for(current_user),
        new_link=session.pop(NEW_LINK, None),
        empty_form=EmptyForm(),
    ), status


@bp.get("/organisation")
@requires("manage_organisation")
def show():
    """Members, pending invitations, and the invitations waiting for this account."""
    return page()


@bp.post("/organisation/invitations")
@limiter.limit("30 per hour")
@requires("manage_organisation")
def invite():
    """Invite a colleague's email: the inviter gets a link to send them."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                raw, invitation = organisations.invite(current_user, form.email.data)
        except DomainError as err:
            show_errors(form, err)
        else:
            session[NEW_LINK] = {
                "email": invitation.email,
                "url": public_url("organisation.invitation", token=raw),
                "mailed": current_user.email_verified_at is not None,
            }
            return redirect(url_for(".show"))
    return page(form, status=422)


@bp.post("/organisation/invitations/<int:invitation_id>/revoke")
@requires("manage_organisation")
def revoke(invitation_id: int):
    """Withdraw a pending invitation: its link stops working."""
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                invitation = organisations.revoke_invitation(current_user, invitation_id)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("The invitation for %(email)s is withdrawn.", email=invitation.email), "info")
    return redirect(url_for(".show"))


@bp.post("/organisation/leave")
@requires("manage_organisation")
def leave():
    """Leave the organisation (not the last member of one that has studies)."""
    if EmptyForm().validate_on_submit():
        name = current_user.organisation.name if current_user.organisation else ""
        try:
            with unit_of_work():
                organisations.leave(current_user)
        except DomainError as err:
            flash(err.message, "error")
        else:
            flash(_("You left %(name)s.", name=name), "info")
    return redirect(url_for(".show"))


@bp.get("/invitations/<token>")
@public
def invitation(token: str):
    """What the invitation link opens: who invites whom, and how to accept."""
    try:
        found = organisations.invitation_by_secret(token)
    except DomainError as err:
        return render_template("errors/error.html", status=404, message=err.message), 404
    return render_template("auth/invitation.html", invitation=found, token=token, form=EmptyForm())


@bp.post("/invitations/<token>")
@requires("signed_in")
def accept(token: str):
    """Accept the invitation, signed in with the invited email."""
    if EmptyForm().validate_on_submit():
        try:
            with unit_of_work():
                organisation = organisations.accept_invitation(current_user, token)
        except DomainError as err:
            flash(err.message, "error")
            if err.status == 404:
                return redirect(url_for(".show") if current_user.is_startup else url_for("main.dashboard"))
            return redirect(url_for(".invitation", token=token))
        flash(_("Welcome to %(name)s.", name=organisation.name), "success")
    return redirect(url_for(".show"))
