"""`{items, next_cursor}` lists with `?limit=` (default 100, at most 500) and an opaque `?cursor=`, over
lists kept in a stable order. For the short lists of the accounts API (tokens, members, invitations)."""
from flask import request
from flask_babel import gettext as _

from .. import validation as v

DEFAULT_LIMIT, MAX_LIMIT = 100, 500


def _number(name: str, default: int, lo: int, hi: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not lo <= int(raw) <= hi:
        v.raise_for({name: v.FieldError(_("Must be between %(lo)s and %(hi)s.", lo=lo, hi=hi))})
    return int(raw)


def page_of(items: list) -> dict:
    """One page of `items`; the cursor is the offset of the next page."""
    limit = _number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    start = _number("cursor", 0, 0, 10**9)
    chunk = items[start:start + limit]
    following = start + limit if start + limit < len(items) else None
    return {"items": chunk, "next_cursor": str(following) if following is not None else None}
