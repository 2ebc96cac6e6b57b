"""Each account's choices of non-essential messages, and the signed one-click unsubscribe token."""

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete, select

from ..errors import Invalid
from ..extensions import db
from ..urls import MAX_ID
from .kinds import KINDS, Kind, preference_kinds
from .models import NotificationPreference

SALT = "livinglab.unsubscribe"


def choices_of(user) -> dict[str, str]:
    """{kind: choice} for every kind this account may choose; "each" where it chose nothing."""
    stored = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.choice).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {k.name: stored.get(k.name, "each") for k in preference_kinds(str(user.role))}


def set_choice(user, kind_name: str, choice: str) -> None:
    """Record one choice in the caller's transaction ("each" is the default: no row)."""
    spec = choosable(user, kind_name)
    if choice not in spec.choices:
        raise Invalid(
            _("This choice is not available for these messages."),
            code="invalid_choice",
            fields={kind_name: _("One of: %(choices)s.", choices=", ".join(spec.choices))},
        )
    db.session.execute(
        delete(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind_name
        )
    )
    if choice != "each":
        db.session.add(NotificationPreference(user_id=user.id, kind=kind_name, choice=choice))


def choosable(user, kind_name: str) -> Kind:
    spec = KINDS.get(kind_name)
    if spec is None or spec not in preference_kinds(str(user.role)):
        raise Invalid(
            _("These messages cannot be chosen."),
            code="unknown_kind",
            fields={str(kind_name)[:64]: _("Not a kind of message you can choose.")},
        )
    return spec


def serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id: int, kind_name: str) -> str:
    """Signed, so nobody can turn off someone else's messages; no expiry, as RFC 8058 expects."""
    return serializer().dumps([user_id, kind_name])


def read_unsubscribe_token(token) -> tuple[int, str] | None:
    """(account id, kind) from a token, or None for anything tampered, truncated or odd."""
    if not isinstance(token, str) or not token or len(token) > 500:
        return None
    try:
        data = serializer().loads(token)
    except (BadData, ValueError, UnicodeError):
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], int)
        or isinstance(data[0], bool)
        or not 0 < data[0] <= MAX_ID
        or not isinstance(data[1], str)
    ):
        return None
    return data[0], data[1]
