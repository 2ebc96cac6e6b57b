"""Organisations and their members: creation, invitations, joining and leaving.

Nobody is moved into an organisation without asking: a member invites an email; whoever holds the
invitation's link accepts it while signed in with that email (or registers with it). The link is the
proof, as long as email addresses are not verified: seeing one's pending invitations is not enough to
accept them, or anyone could register a colleague's address first and take the invitation. No answer
says whether an email has an account. Every step is audited."""

import secrets
from datetime import timedelta
from typing import TypeGuard

from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from .. import validation as v
from ..errors import Conflict, Forbidden, NotFound
from ..extensions import db
from ..policy import can
from ..studies.fields import iso
from ..timeutil import aware, utcnow
from .emails import clean_email
from .models import Invitation, InvitationStatus, Organisation, User
from .names import glyph_key, name_key
from .tokens import hash_secret

INVITATION_LIFETIME = timedelta(days=14)
MAX_PENDING_INVITATIONS = 50  # per organisation


def _email(value) -> str:
    try:
        return clean_email(value)
    except v.FieldError as err:
        v.reject("email", err)


def name_taken(name: str) -> bool:
    return (
        db.session.scalar(
            select(Organisation.id).where(
                (Organisation.name_key == name_key(name)) | (Organisation.glyph_key == glyph_key(name))
            )
        )
        is not None
    )


def new_organisation(name: str) -> Organisation:
    """A new organisation; a name that looks like an existing one is refused."""
    if name_taken(name):
        raise Conflict(
            _(
                "This organisation already has an account, or one with a name that looks the same: "
                "ask one of its members to invite you."
            ),
            code="organisation_taken",
            fields={"organisation": _("Already registered.")},
        )
    organisation = Organisation(name=name, name_key=name_key(name), glyph_key=glyph_key(name))
    db.session.add(organisation)
    return organisation


def members(organisation: Organisation) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.organisation_id == organisation.id).order_by(User.name, User.id))
    )


def own_organisation(actor: User) -> Organisation:
    """The actor's organisation; 403 for an account that has none (or is no startup)."""
    if not can(actor, "manage_organisation") or actor.organisation is None:
        raise Forbidden(_("Join an organisation first."), code="no_organisation")
    return actor.organisation


def _live(invitation: Invitation | None) -> TypeGuard[Invitation]:
    return (
        invitation is not None
        and invitation.status == InvitationStatus.PENDING
        and aware(invitation.expires_at) > utcnow()
    )


def invite(actor: User, email) -> tuple[str, Invitation]:
    """Invite an email into the actor's organisation: (the secret for the link, the invitation)."""
    organisation = own_organisation(actor)
    email = _email(email)
    if any(member.email == email for member in organisation.members):
        raise Conflict(
            _("This person is already a member."), code="already_member", fields={"email": _("Already a member.")}
        )
    pending = pending_invitations(organisation)
    if any(invitation.email == email for invitation in pending):
        raise Conflict(
            _("This email already has a pending invitation: revoke it to make a new link."),
            code="already_invited",
            fields={"email": _("Already invited.")},
        )
    if len(pending) >= MAX_PENDING_INVITATIONS:
        raise Conflict(_("Too many pending invitations: revoke some first."), code="too_many_invitations")
    raw = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        token_hash=hash_secret(raw),
        invited_by=actor,
        expires_at=utcnow() + INVITATION_LIFETIME,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "organisation.invite", organisation_id=organisation.id, invitation_id=invitation.id)
    mail_invitation(actor, invitation, raw)
    return raw, invitation


def mail_invitation(actor: User, invitation: Invitation, raw: str) -> bool:
    """The invitation by email, in the transaction that creates it. Only from an inviter whose own address
    is verified: nobody can make LivingLab mail strangers from an account made up for it (the inviter
    still gets the link to send)."""
    from ..notifications import notify
    from .mail_links import app_path

    if actor.email_verified_at is None:
        return False
    notify.organisation_invitation(
        invitation.email,
        invitation.organisation.name,
        actor.name,
        app_path("organisation.invitation", token=raw),
        locale=actor.locale,
    )
    return True


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    """The organisation's invitations still waiting for an answer, oldest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.status == InvitationStatus.PENDING,
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.id)
        )
    )


def invitations_for(user: User) -> list[Invitation]:
    """Pending invitations addressed to the account's email (accepting one takes its link)."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.email == user.email,
                Invitation.status == InvitationStatus.PENDING,
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.id)
        )
    )


def revoke_invitation(actor: User, invitation_id: int) -> Invitation:
    """Withdraw a pending invitation of the actor's organisation: its link stops working."""
    organisation = own_organisation(actor)
    invitation = db.session.get(Invitation, invitation_id)
    if not _live(invitation) or invitation.organisation_id != organisation.id:
        raise NotFound(_("There is no pending invitation with this id."), code="not_found")
    invitation.status, invitation.closed_at = InvitationStatus.REVOKED, utcnow()
    audit.record(actor, "organisation.revoke_invitation", organisation_id=organisation.id, invitation_id=invitation.id)
    return invitation


def invitation_by_secret(raw) -> Invitation:
    """The live invitation this link's secret names; the same 404 for unknown, used, revoked or expired."""
    invitation = None
    if isinstance(raw, str) and 0 < len(raw) <= 200:
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_secret(raw)))
    if not _live(invitation):
        raise NotFound(
            _("This invitation does not exist, was withdrawn, was already used or has expired."),
            code="invitation_not_found",
        )
    return invitation


def check_invitee(user_email: str, invitation: Invitation) -> None:
    if user_email != invitation.email:
        raise Forbidden(_("This invitation is for another email address."), code="invitation_for_another_email")


def accept_invitation(user: User, raw) -> Organisation:
    """The signed-in invitee joins the organisation (after leaving any other explicitly)."""
    if raw is None or raw == "":
        v.raise_for({"token": v.FieldError(_("This field is required."))})
    invitation = invitation_by_secret(raw)
    check_invitee(user.email, invitation)
    if not can(user, "manage_organisation"):
        raise Conflict(_("Only startup accounts can join an organisation."), code="not_a_startup")
    if user.organisation_id == invitation.organisation_id:
        raise Conflict(_("You are already a member of this organisation."), code="already_member")
    if user.organisation_id is not None:
        raise Conflict(
            _(
                "You are a member of %(name)s: leave it first, then accept this invitation.",
                name=user.organisation.name,  # type: ignore[union-attr]  # organisation_id is set
            ),
            code="already_in_organisation",
        )
    join(user, invitation)
    return invitation.organisation


def join(user: User, invitation: Invitation) -> None:
    """Close the invitation and make the account a member (registration calls this too)."""
    invitation.status, invitation.closed_at = InvitationStatus.ACCEPTED, utcnow()
    user.organisation = invitation.organisation
    db.session.flush()
    audit.record(user, "organisation.join", organisation_id=invitation.organisation_id, invitation_id=invitation.id)


def leave(user: User) -> None:
    """Leave the organisation; the last member of one that owns studies cannot. An organisation left
    empty is deleted (its name becomes free)."""
    from ..studies.models import Study

    if not can(user, "manage_organisation") or user.organisation_id is None:
        raise Conflict(_("You are not a member of any organisation."), code="no_organisation")
    # Lock the organisation's row, so that its last two members cannot both leave at the same time.
    organisation = db.session.execute(
        select(Organisation).where(Organisation.id == user.organisation_id).with_for_update()
    ).scalar_one()
    others = db.session.scalar(
        select(func.count()).select_from(User).where(User.organisation_id == organisation.id, User.id != user.id)
    )
    owns_studies = db.session.scalar(select(Study.id).where(Study.organisation_id == organisation.id).limit(1))
    if not others and owns_studies is not None:
        raise Conflict(
            _(
                "You are the last member of %(name)s, which has studies: invite a colleague to take "
                "them over before you leave.",
                name=organisation.name,
            ),
            code="last_member",
        )
    user.organisation = None
    db.session.flush()
    audit.record(user, "organisation.leave", organisation_id=organisation.id)
    if not others:
        db.session.delete(organisation)
        audit.record(user, "organisation.delete", organisation_id=organisation.id)


def member_dict(user: User) -> dict:
    return {"id": user.id, "name": user.name, "email": user.email}


def invitation_dict(invitation: Invitation) -> dict:
    return {
        "id": invitation.id,
        "email": invitation.email,
        "organisation": {"id": invitation.organisation.id, "name": invitation.organisation.name},
        "invited_by": invitation.invited_by.name if invitation.invited_by else None,
        "status": str(invitation.status),
        "created_at": iso(invitation.created_at),
        "expires_at": iso(invitation.expires_at),
    }
