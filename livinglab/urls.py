"""What comes in through URLs: ids in routes, redirect targets."""

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

from .validation import digits

MAX_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL


def form_id(text) -> int | None:
    """An id as a form field or a query string sends it ("12"), if it can name a row: ASCII digits
    within 1..MAX_ID; None for anything else (a 2**31 would make PostgreSQL answer 500)."""
    value = digits(text, max_len=len(str(MAX_ID)))
    return value if value is not None and 0 < value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` in every route. An id beyond the database's range names nothing: it becomes 0,
    which no row has, so every lookup answers its usual 404 (a converter that refused it would let
    the router answer 405 where another method matches). So does an id written in other digits than
    ASCII ones: the router's `\\d+` matches "１" or "١", which `int` would read as 1."""

    def to_python(self, value: str) -> int:
        if not value.isascii():
            return 0
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def safe_next(target: str | None) -> str | None:
    """A redirect target taken from a request, only if it stays on this site and holds no control
    character (a CR or LF in a header is refused by the server: it would answer 500)."""
    if not target or not isinstance(target, str):
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # CR/LF would split the Location header
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def public_url(endpoint: str, **values) -> str:
    """An absolute link to give to someone else: on LIVINGLAB_BASE_URL (the app's public address) when
    set, never on whatever Host header the request came with."""
    from flask import current_app, url_for

    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)
