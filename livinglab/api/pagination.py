"""Paginated lists of the API (v1.1): `?limit=` (default 100, at most 500), `?cursor=` (opaque) and
`next_cursor` in the answer (null on the last page), in a stable order: ascending id (descending for a log
read newest first).

A cursor is the last id of the page, signed with the app's secret key for one list only (a cursor of
the catalogue does not page the studies), so a client can neither forge nor tamper with it: anything
else answers 400 `invalid_cursor`. Keyset pagination: each page is one indexed query, however deep."""

import re
from collections.abc import Sequence

from flask import current_app, request
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from .. import validation as v
from ..errors import Malformed
from ..extensions import db

DEFAULT_LIMIT, MAX_LIMIT = 100, 500
CURSOR_MAX = 200  # characters: a real cursor is about 40
DIGITS = re.compile(r"[0-9]{1,30}")


def page_limit() -> int:
    """`?limit=`: 400 when it is not a whole number, 422 out of 1..500."""
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not DIGITS.fullmatch(raw):
        v.reject("limit", v.FieldError(_("Must be a whole number."), 400))
    try:
        return v.integer(int(raw), lo=1, hi=MAX_LIMIT)
    except v.FieldError as err:
        v.reject("limit", err)


def _signer(listing: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=f"livinglab.api.cursor.{listing}")  # type: ignore[arg-type]  # create_app sets the secret key


def make_cursor(listing: str, last_id: int) -> str:
    return _signer(listing).dumps({"after": last_id})


def read_cursor(listing: str) -> int | None:
    """The id after which the page starts, from `?cursor=`; None on the first page."""
    raw = request.args.get("cursor")
    if raw is None or raw == "":
        return None
    problem = Malformed(
        _("This cursor is not one this list gave: start again without it."),
        code="invalid_cursor",
        fields={"cursor": _("Use the next_cursor of the previous page.")},
    )
    if len(raw) > CURSOR_MAX:
        raise problem
    try:
        data = _signer(listing).loads(raw)
    except (BadData, ValueError, UnicodeError):
        raise problem from None
    after = data.get("after") if isinstance(data, dict) else None
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise problem
    return after


def paginate(query, id_column, listing: str, render, *, newest_first: bool = False, prepare=None) -> dict:
    """`{items, next_cursor}` for one page of a select of ORM objects, ordered by `id_column` (ascending, or
    descending for a log read newest first). `prepare(rows)`, when given, reads what the page's rows need in a
    fixed number of queries and returns the `render` to use."""
    limit, after = page_limit(), read_cursor(listing)
    if after is not None:
        query = query.where(id_column < after if newest_first else id_column > after)
    order = id_column.desc() if newest_first else id_column
    rows = db.session.scalars(query.order_by(None).order_by(order).limit(limit + 1)).all()
    if prepare is not None:
        render = prepare(rows[:limit])
    return _page(rows[:limit], len(rows) > limit, listing, render)


def paginate_list(objects: list, listing: str, render) -> dict:
    """The same for a list already in memory (a study's few surveys), by ascending id."""
    limit, after = page_limit(), read_cursor(listing)
    rows = sorted((o for o in objects if after is None or o.id > after), key=lambda o: o.id)
    return _page(rows[:limit], len(rows) > limit, listing, render)


def _page(rows: Sequence, more: bool, listing: str, render) -> dict:
    return {
        "items": [render(row) for row in rows],
        "next_cursor": make_cursor(listing, rows[-1].id) if more and rows else None,
    }
