"""The accounts' mail: verifying an address, resetting a forgotten password, changing the email.

Each link carries a token signed with the app's secret (itsdangerous), with its own salt per purpose
and a lifetime; none is stored. A token is single-use because it also signs a fingerprint of what
using it changes: a reset token the current password hash (a reset changes it), an email-change token
the current address (the change replaces it), a verification token the address it verifies. A token
names its account by id; a tampered, truncated, expired or replayed one is refused with the same
answer. Every message goes through the outbox in the caller's transaction (notifications/notify.py)."""

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select

from .. import audit
from .. import validation as v
from ..errors import Conflict, Invalid
from ..extensions import db
from ..timeutil import utcnow
from . import tokens
from .emails import clean_email
from .models import User
from .passwords import check_password, clean_password, hash_password
from .sessions import rotate_session_token

VERIFY_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
EMAIL_CHANGE_LIFETIME = timedelta(days=1)
TOKEN_MAX = 600  # characters: anything longer is not one of ours

SALTS = {"verify": "livinglab.verify-email", "reset": "livinglab.password-reset", "email": "livinglab.email-change"}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose])


def fingerprint(value: str | None) -> str:
    """A short keyed digest of a value a token must still match (never the value itself)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, (value or "").encode(), hashlib.sha256).hexdigest()[:24]


def make_token(purpose: str, user: User, *extra) -> str:
    return _serializer(purpose).dumps([user.id, *extra])


def read_token(purpose: str, token, lifetime: timedelta, size: int) -> list | None:
    """The token's list of `size` values if it is ours, for this purpose and still alive; else None."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return None
    try:
        data = _serializer(purpose).loads(token, max_age=int(lifetime.total_seconds()))
    except (BadData, ValueError, UnicodeError, TypeError):
        return None
    if not isinstance(data, list) or len(data) != size or not isinstance(data[0], int) or isinstance(data[0], bool):
        return None
    if not all(isinstance(x, str) for x in data[1:]):
        return None
    return data


def app_path(endpoint: str, **values) -> str:
    """A path of the app (`/account/verify?token=...`), with or without a request: the outbox makes it
    absolute with LIVINGLAB_BASE_URL when the message is sent."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def bad_link() -> Invalid:
    return Invalid(
        _("This link is not valid: it was already used, has expired, or was copied incompletely."), code="invalid_link"
    )


# Verification ---------------------------------------------------------------------------------------


def send_verification(user: User) -> None:
    """Queue the verification link (the only message an unverified address gets)."""
    from ..notifications import notify

    if user.email_verified_at is not None:
        return
    token = make_token("verify", user, fingerprint(user.email))
    notify.verify_email(user, app_path("account_mail.verify", token=token))


def verify(token, signed_in: User | None = None) -> User:
    """Mark the address the token was sent to as verified, and release the mail that waited for it.
    Following the link again is harmless (the address is already verified)."""
    from ..notifications.outbox import release_held

    data = read_token("verify", token, VERIFY_LIFETIME, 2)
    user = db.session.get(User, data[0]) if data else None
    if user is None or not hmac.compare_digest(data[1], fingerprint(user.email)):  # type: ignore[index]  # a user is found only when data is
        raise bad_link()
    if signed_in is not None and signed_in.id != user.id:
        raise Conflict(_("This link is for another account: sign out first."), code="another_account")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        release_held(user)
        audit.record(user, "account.verify_email", user_id=user.id)
    return user


# Password reset -------------------------------------------------------------------------------------


def request_reset(email) -> None:
    """Queue a reset link if an account has this address; the same answer either way. An unverified
    address first gets its verification link again: the reset waits (held) until it is verified."""
    from ..notifications import notify

    try:
        email = clean_email(email)
    except v.FieldError as err:
        v.raise_for({"email": err})
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        return
    token = make_token("reset", user, fingerprint(user.password_hash))
    message = notify.password_reset(
        user, app_path("account_mail.reset", token=token), expires_minutes=int(RESET_LIFETIME.total_seconds() // 60)
    )
    if message is not None:
        message.expires_at = utcnow() + RESET_LIFETIME  # a stale link is not worth sending
    if user.email_verified_at is None:
        send_verification(user)
    audit.record(None, "account.reset_requested", user_id=user.id)


def reset_user(token) -> User:
    """The account a live, unused reset token names; `invalid_link` otherwise."""
    data = read_token("reset", token, RESET_LIFETIME, 2)
    user = db.session.get(User, data[0]) if data else None
    if user is None or not hmac.compare_digest(data[1], fingerprint(user.password_hash)):  # type: ignore[index]  # a user is found only when data is
        raise bad_link()
    return user


def reset_password(token, new) -> User:
    """Set a new password from a reset link: the link stops working, every session of the account ends
    and its API tokens are revoked (whoever knew the old password may have made some)."""
    user = reset_user(token)
    try:
        password = clean_password(new, email=user.email, name=user.name)
    except v.FieldError as err:
        v.raise_for({"new_password": err})
    user.password_hash = hash_password(password)
    rotate_session_token(user)
    revoked = tokens.revoke_all_tokens(user)
    if user.email_verified_at is None:  # the link came to this address: it is the owner's
        from ..notifications.outbox import release_held

        user.email_verified_at = utcnow()
        release_held(user)
    audit.record(user, "account.password_reset", user_id=user.id, tokens_revoked=revoked)
    return user


# Email change ---------------------------------------------------------------------------------------


def request_email_change(user: User, new_email, password) -> str:
    """Send a confirmation link to the new address and a notice to the current one; the address
    changes only when the link is followed. Returns the new address."""
    from ..notifications import notify

    errors = {}
    if not isinstance(password, str) or not check_password(user.password_hash, password):
        errors["password"] = v.FieldError(_("This is not your current password."))
    try:
        new_email = clean_email(new_email)
    except v.FieldError as err:
        errors["email"] = err
    else:
        if new_email == user.email:
            errors["email"] = v.FieldError(_("This is already your address."))
    v.raise_for(errors)
    # No word on whether the new address has an account: that is checked when the link is followed.
    token = make_token("email", user, new_email, fingerprint(user.email))
    notify.email_change(user, new_email, app_path("account_mail.confirm_email", token=token))
    audit.record(user, "account.email_change_requested", user_id=user.id)
    return new_email


def email_change_target(token, signed_in: User | None = None) -> tuple[User, str]:
    data = read_token("email", token, EMAIL_CHANGE_LIFETIME, 3)
    user = db.session.get(User, data[0]) if data else None
    if user is None or not hmac.compare_digest(data[2], fingerprint(user.email)):  # type: ignore[index]  # a user is found only when data is
        raise bad_link()
    if signed_in is not None and signed_in.id != user.id:
        raise Conflict(_("This link is for another account: sign out first."), code="another_account")
    return user, data[1]  # type: ignore[index]  # a user is found only when data is


def confirm_email_change(token, signed_in: User | None = None) -> User:
    """The new address replaces the old one, verified (the link reached it)."""
    from ..notifications.outbox import release_held

    user, new_email = email_change_target(token, signed_in)
    if db.session.scalar(select(User.id).where(User.email == new_email)) is not None:
        raise Conflict(_("Another account uses this address now: the change cannot be made."), code="email_taken")
    user.email = new_email
    user.email_verified_at = utcnow()
    release_held(user)
    audit.record(user, "account.email_change", user_id=user.id)
    return user
