"""API bearer tokens: only their SHA-256 hash is stored; each has a name, an expiry and its last use."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from .. import audit
from .. import validation as v
from ..errors import NotFound
from ..extensions import db
from ..studies.fields import iso
from ..timeutil import aware, utcnow
from ..transactions import unit_of_work
from .models import ApiToken, User

LAST_USE_PRECISION = timedelta(hours=1)  # last_used_at is written at most once an hour per token


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, name=None) -> tuple[str, ApiToken]:
    """A new bearer token; only its hash is stored, the secret is shown once."""
    try:
        name = v.text(name, max_len=100, single_line=True) or None
    except v.FieldError as err:
        v.raise_for({"name": err})
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_secret(raw),
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(token)
    db.session.flush()
    audit.record(user, "token.create", token_id=token.id)
    return raw, token


def user_for_token(raw: str) -> User | None:
    """The account a live token names, noting when the token was last used."""
    if len(raw) > 200:
        return None
    now = utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(raw)))
    if token is None or aware(token.expires_at) <= now:
        return None
    last = aware(token.last_used_at)
    if last is None or last < now - LAST_USE_PRECISION:
        _note_use(token.id, now)
    return token.user


def _note_use(token_id: int, now) -> None:
    """A documented cache (a GET writes it too): the token's last use, at most once a LAST_USE_PRECISION,
    in a short transaction of its own before the request's own work begins (nothing else is pending)."""
    with unit_of_work():
        db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - LAST_USE_PRECISION),
            )
            .values(last_used_at=now)
        )


def tokens_of(user: User) -> list[ApiToken]:
    """The account's tokens that still open the API, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> None:
    """Delete one of the account's tokens: it answers 401 from the next request on."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("You have no token with this id."), code="not_found")
    db.session.delete(token)
    audit.record(user, "token.revoke", token_id=token_id)


def revoke_all_tokens(user: User) -> int:
    """Delete every token of the account; the number deleted."""
    result = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return result.rowcount or 0  # type: ignore[attr-defined]  # a DML statement's CursorResult has rowcount


def token_dict(token: ApiToken) -> dict:
    return {
        "id": token.id,
        "name": token.name,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "expires_at": iso(token.expires_at),
    }
