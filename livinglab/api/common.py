"""Bearer-token authentication and JSON bodies for the API."""

import json
import re
from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import UnsupportedMediaType

from .. import validation as v
from ..auth.tokens import user_for_token
from ..errors import Forbidden, Malformed, Unauthorized
from ..policy import allowed_by_role, declare_access, rule_of


def bearer_user():
    """The account the request's bearer token names, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return user_for_token(raw.strip())


def token_required(action: str = "signed_in"):
    """The API takes no cookies: the caller is whoever the bearer token names, and their role may do
    `action` (an action on one study is checked by the handler, which loads it: 404 or 403)."""
    rule_of(action)  # an unknown action fails at import

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = bearer_user()
            if user is None:
                raise Unauthorized(_("Send a valid token: Authorization: Bearer <token>."), code="unauthorized")
            if not allowed_by_role(user, action):
                raise Forbidden(_("Your role may not do this."))
            g.api_user = user
            return view(user, *args, **kwargs)

        return declare_access(wrapped, action)

    return decorator


MAX_DEPTH = 32  # no body of this API nests deeper than 6
MAX_KEYS = 2_000  # per object: a survey's answers have at most 100 items of at most 10 answer keys
SURROGATE = re.compile("[\ud800-\udfff]")  # left alone by the JSON decoder only when unpaired


def require_json_body() -> None:
    """The API takes JSON bodies only: a body of any other type answers 415 (a cross-site form posts
    text/plain, form-urlencoded or multipart, never application/json without a CORS preflight)."""
    has_body = request.content_length or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if has_body and request.mimetype != "application/json":
        raise UnsupportedMediaType()


def json_body(default_empty: bool = False) -> dict:
    """The request's JSON object; 400 for anything else, including JSON that would break what reads it."""
    raw = request.get_data(cache=True)
    if not raw and default_empty:
        return {}
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError):
        raise Malformed(_("Send a JSON object, in UTF-8."), code="malformed_json") from None
    except RecursionError:
        raise Malformed(_("The JSON is nested too deeply."), code="malformed_json") from None
    if not isinstance(data, dict):
        raise Malformed(_("Send a JSON object."), code="malformed_json")
    _check_tree(data)
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_tree(data) -> None:
    """Depth, size of objects, and lone surrogates (which no database or encoder accepts), in any string
    or key, however nested: one walk, without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise Malformed(
                _("The JSON is nested too deeply (at most %(n)d levels).", n=MAX_DEPTH), code="malformed_json"
            )
        if isinstance(value, dict):
            if len(value) > MAX_KEYS:
                raise Malformed(_("An object has too many keys (at most %(n)d).", n=MAX_KEYS), code="malformed_json")
            for key, item in value.items():
                if SURROGATE.search(key):
                    raise Malformed(
                        _("The JSON holds a lone surrogate (such as \\ud800): it is not text."), code="malformed_json"
                    )
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and SURROGATE.search(value):
            raise Malformed(
                _("The JSON holds a lone surrogate (such as \\ud800): it is not text."), code="malformed_json"
            )


def query_choice(name: str, options) -> str | None:
    """An optional enum filter from the query string; an unknown value is a 422, not a silent no-op."""
    try:
        return v.choice(request.args.get(name), options, required=False)
    except v.FieldError as err:
        v.reject(name, err)


def query_whole_number(name: str, lo: int, hi: int) -> int | None:
    """An optional whole number from the query string: 400 when it is not digits, 422 out of lo..hi."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 30):
        v.reject(name, v.FieldError(_("Must be a whole number."), 400))
    try:
        return v.integer(int(raw), lo=lo, hi=hi)
    except v.FieldError as err:
        v.reject(name, err)
