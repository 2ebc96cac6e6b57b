"""The caller's organisation: members, invitations (create, list, revoke), accepting one, leaving."""

from flask import Blueprint

from ..auth import organisations, services
from ..extensions import limiter
from ..transactions import unit_of_work
from ..urls import public_url
from .common import json_body, token_required
from .pagination import paginate_list

bp = Blueprint("organisation", __name__)


@bp.get("/organisation/members")
@token_required("manage_organisation")
def members(user):
    """The members of the caller's organisation, in the order they have accounts."""
    return paginate_list(
        organisations.members(organisations.own_organisation(user)), "members", organisations.member_dict
    )


@bp.get("/organisation/invitations")
@token_required("manage_organisation")
def invitations(user):
    """The organisation's pending invitations, oldest first (the link's secret is never shown again)."""
    return paginate_list(
        organisations.pending_invitations(organisations.own_organisation(user)),
        "invitations",
        organisations.invitation_dict,
    )


@bp.post("/organisation/invitations")
@limiter.limit("30 per hour")
@token_required("manage_organisation")
def invite(user):
    """Invite an email; the answer holds the link (and its secret) to send to that person, once."""
    with unit_of_work():
        raw, invitation = organisations.invite(user, json_body().get("email"))
    return {
        **organisations.invitation_dict(invitation),
        "token": raw,
        "url": public_url("organisation.invitation", token=raw),
    }, 201


@bp.delete("/organisation/invitations/<int:invitation_id>")
@token_required("manage_organisation")
def revoke(user, invitation_id):
    """Withdraw a pending invitation of the caller's organisation."""
    with unit_of_work():
        organisations.revoke_invitation(user, invitation_id)
    return "", 204


@bp.get("/me/invitations")
@token_required("signed_in")
def mine(user):
    """Pending invitations addressed to the caller's email (accepting one takes its secret)."""
    return paginate_list(organisations.invitations_for(user), "my_invitations", organisations.invitation_dict)


@bp.post("/invitations/accept")
@token_required("signed_in")
def accept(user):
    """Accept an invitation with the secret of its link, as the invited email; answers the account."""
    with unit_of_work():
        organisations.accept_invitation(user, json_body().get("token"))
    return services.user_dict(user)


@bp.post("/organisation/leave")
@token_required("manage_organisation")
def leave(user):
    """Leave the caller's organisation; answers the account (`organisation: null`)."""
    with unit_of_work():
        organisations.leave(user)
    return services.user_dict(user)
