"""Accounts: registration, sign-in, changing one's name and password, signing out everywhere."""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit
from .. import validation as v
from ..errors import Conflict, DomainError, Unauthorized
from ..extensions import db
from ..transactions import unit_of_work
from . import organisations, throttle, tokens
from .emails import clean_email
from .models import Role, User
from .names import clean_organisation_name
from .passwords import PASSWORD_MAX, PASSWORD_MIN, check_password, clean_password, hash_password  # noqa: F401
from .sessions import rotate_session_token
from .tokens import create_token, user_for_token  # noqa: F401  (scripts, benchmarks and tests import them here)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def register(data, *, allowed_roles=(Role.STARTUP, Role.PARTICIPANT), actor=None) -> User:
    """Create an account. A startup account comes with its new organisation, or joins an existing one
    with an invitation's secret (`invitation`) for the same email."""
    if not isinstance(data, dict):
        v.raise_for({"body": v.FieldError(_("Send a JSON object."), 400)})
    checks = {
        "email": clean_email,
        "name": lambda x: v.text(x, max_len=200, required=True, single_line=True),
        "role": lambda x: v.choice(x, allowed_roles),
        "organisation": lambda x: v.text(x, max_len=200, single_line=True) and clean_organisation_name(x),
        "invitation": lambda x: v.text(x, max_len=200, single_line=True),
    }
    clean, errors = v.gather(checks, data)
    if "password" in data:
        try:
            clean["password"] = clean_password(data["password"], email=clean.get("email"), name=clean.get("name"))
        except v.FieldError as err:
            errors["password"] = err
    for name in ("email", "password", "name", "role"):
        if name not in data:
            errors[name] = v.FieldError(_("This field is required."))
    invitation = None
    if clean.get("invitation") and "invitation" not in errors:
        try:
            invitation = organisations.invitation_by_secret(clean["invitation"])
        except DomainError as err:
            errors["invitation"] = v.FieldError(err.message)
        else:
            if clean.get("email") and clean["email"] != invitation.email:
                errors["invitation"] = v.FieldError(_("This invitation is for another email address."))
            if clean.get("role") not in (None, Role.STARTUP):
                errors["role"] = v.FieldError(_("An invitation is for a startup account."))
    elif clean.get("role") == Role.STARTUP and not clean.get("organisation") and "organisation" not in errors:
        errors["organisation"] = v.FieldError(_("A startup account needs its organisation."))
    v.raise_for(errors)
    # The organisation's name is checked before the email, so that a taken name answers the same
    # whether or not the email has an account.
    organisation = None
    if invitation is None and clean["role"] == Role.STARTUP:
        organisation = organisations.new_organisation(clean["organisation"])
    if find_user(clean["email"]):
        raise Conflict(
            _("An account with this email already exists."),
            code="email_taken",
            fields={"email": _("Already registered.")},
        )
    user = User(
        email=clean["email"],
        name=clean["name"],
        role=Role(clean["role"]),
        password_hash=hash_password(clean["password"]),
        organisation=organisation,
        locale=page_language() if actor is None else None,
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same email or name registered by another request at the same moment
        db.session.rollback()
        raise Conflict(
            _("This email or organisation was registered at the same moment: try again."), code="conflict"
        ) from None
    audit.record(actor or user, "account.create", role=str(user.role), user_id=user.id)
    if organisation is not None:
        audit.record(actor or user, "organisation.create", organisation_id=organisation.id)
    if invitation is not None:
        organisations.join(user, invitation)
    return user


def page_language() -> str | None:
    """The language the person registers in (the page's, or the API request's Accept-Language): their mail
    speaks it. None outside a request (the CLI): the default language."""
    from flask import has_request_context
    from flask_babel import get_locale

    return str(get_locale()) if has_request_context() else None


def create_user(email, password, name, role, organisation=None, actor=None) -> User:
    """Used by the CLI and by coordinators: any role, coordinators included."""
    return register(
        {"email": email, "password": password, "name": name, "role": role, "organisation": organisation},
        allowed_roles=tuple(Role),
        actor=actor,
    )


def authenticate(email, password, client: str) -> User:
    """The account for these credentials. Failures slow down this client address for this account
    (auth/throttle.py); every refusal has the same answer, and costs the same time."""
    if not isinstance(email, str) or not isinstance(password, str):
        v.raise_for({"email": v.FieldError(_("Must be text."), 400)})
    # A NUL byte can be in no stored email (PostgreSQL refuses it outright): treat it as unknown.
    user = None if "\x00" in email or len(email) > 254 else find_user(email.strip().lower())
    if user is None or throttle.is_waiting(user, client):
        check_password(None, password)
    elif check_password(user.password_hash, password):
        throttle.clear(user, client)
        return user
    else:
        with unit_of_work():  # a failed attempt is its own transaction: its count must outlive the answer
            throttle.record_failure(user, client)
    raise Unauthorized(
        _("The email or the password is wrong, or there were too many attempts: wait a moment and try again."),
        code="invalid_credentials",
    )


def change_name(user: User, name) -> None:
    try:
        user.name = v.text(name, max_len=200, required=True, single_line=True)
    except v.FieldError as err:
        v.raise_for({"name": err})
    audit.record(user, "account.rename", user_id=user.id)


def change_password(user: User, current, new) -> int:
    """A new password, given the current one. Every session of the account ends (the caller starts a
    new one for this browser) and every API token is revoked: whoever knew the old password may have
    made one. Returns the number of tokens revoked."""
    if not isinstance(current, str) or not check_password(user.password_hash, current):
        v.raise_for({"current_password": v.FieldError(_("This is not your current password."))})
    try:
        password = clean_password(new, email=user.email, name=user.name)
    except v.FieldError as err:
        v.raise_for({"new_password": err})
    user.password_hash = hash_password(password)
    rotate_session_token(user)
    revoked = tokens.revoke_all_tokens(user)
    audit.record(user, "account.password_change", user_id=user.id, tokens_revoked=revoked)
    return revoked


def sign_out_everywhere(user: User, revoke_tokens: bool = False) -> int:
    """End every browser session of the account (and, if asked, revoke its API tokens)."""
    rotate_session_token(user)
    revoked = tokens.revoke_all_tokens(user) if revoke_tokens else 0
    audit.record(user, "account.signout_everywhere", user_id=user.id, tokens_revoked=revoked)
    return revoked


def sign_out(user: User) -> None:
    """Signing out ends the session in every copy of its cookie."""
    rotate_session_token(user)


def coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.COORDINATOR).order_by(User.name)))


def user_dict(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": str(user.role),
        "organisation": {"id": user.organisation.id, "name": user.organisation.name} if user.organisation else None,
    }


def security_data(user: User) -> dict:
    """What the account's security keeps about its owner, for the personal data export: its API tokens
    (never the secret), its sign-in throttling, and invitations addressed to its email."""
    return {
        "api_tokens": [tokens.token_dict(token) for token in tokens.tokens_of(user)],
        "sign_in_throttling": throttle.state(user),
        "invitations": [organisations.invitation_dict(i) for i in organisations.invitations_for(user)],
    }
