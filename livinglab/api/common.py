"""Bearer-token authentication and JSON bodies for the API."""
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from .. import validation as v
from ..auth.permissions import SIGNED_IN, declare_access
from ..auth.tokens import user_for_token
from ..errors import Forbidden, Malformed, Unauthorized


def bearer_user():
    """The account the request's bearer token names, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return user_for_token(raw.strip())


def token_required(*roles):
    """The API takes no cookies: the caller is whoever the bearer token names."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = bearer_user()
            if user is None:
                raise Unauthorized(_("Send a valid token: Authorization: Bearer <token>."), code="unauthorized")
            if roles and user.role not in roles:
                raise Forbidden(_("Your role may not do this."))
            g.api_user = user
            return view(user, *args, **kwargs)
        return declare_access(wrapped, tuple(str(role) for role in roles) or SIGNED_IN)
    return decorator


def json_body(default_empty: bool = False) -> dict:
    """The request's JSON object, whatever the Content-Type says; 400 for anything else."""
    data = request.get_json(silent=True, force=True)
    if data is None and default_empty and not request.get_data():
        return {}
    if not isinstance(data, dict):
        raise Malformed(_("Send a JSON object."), code="malformed_json")
    return data


def query_choice(name: str, options) -> str | None:
    """An optional enum filter from the query string; an unknown value is a 422, not a silent no-op."""
    try:
        return v.choice(request.args.get(name), options, required=False)
    except v.FieldError as err:
        v.raise_for({name: err})
