"""Long lists on pages (studies, the review queue, a pilot's participants, the catalogue): a search
box, a choice of order and numbered pages, the same way everywhere.

A page costs a fixed number of queries however long the list: one count, one page of rows (and the
loader options the caller adds). The address says everything (`?q=&sort=&page=`), so a page can be
bookmarked and works without JavaScript; anything odd in it is ignored or trimmed, never an error."""

import re
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from .extensions import db

SEARCH_MAX = 100  # characters of a search kept
PAGE_MAX = 10**6
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def search_text(raw: str | None) -> str:
    """What was typed in a search box, on one line, without control characters, at most 100 characters."""
    return " ".join(CONTROL.sub(" ", raw or "").split())[:SEARCH_MAX]


def contains(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its own % and _ taken literally (escape: backslash)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matches(text: str, *columns):
    """A condition: one of the columns contains the text, whatever the case."""
    pattern = contains(text)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


@dataclass
class Listing:
    """One page of a list as the address asks for it: search, order and page number."""

    sorts: dict  # name -> (label, [order_by clauses]); the first is the default
    per_page: int = 25
    q: str = ""
    sort: str = ""
    page: int = 1
    total: int = 0
    note: str | None = None
    rows: list = field(default_factory=list)

    @classmethod
    def from_request(cls, sorts: dict, per_page: int = 25) -> "Listing":
        args = request.args
        sort = args["sort"] if args.get("sort") in sorts else next(iter(sorts))
        raw_page = (args.get("page") or "1").strip()
        page, note = 1, None
        if raw_page.isascii() and raw_page.isdigit() and 0 < int(raw_page) <= PAGE_MAX:
            page = int(raw_page)
        elif raw_page:
            note = _("Page numbers are whole numbers from 1: here is the first page.")
        return cls(sorts=sorts, per_page=per_page, q=search_text(args.get("q")), sort=sort, page=page, note=note)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        return [(name, label) for name, (label, _order) in self.sorts.items()]

    def fetch(self, query, *, scalars: bool = True) -> "Listing":
        """Count the query's rows, then fetch the asked page in the asked order."""
        self.total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        if self.page > self.pages:
            self.note = _("There is no page %(page)d: here is the last one.", page=self.page)
            self.page = self.pages
        ordered = query.order_by(None).order_by(*self.sorts[self.sort][1])
        ordered = ordered.offset((self.page - 1) * self.per_page).limit(self.per_page)
        self.rows = list(db.session.scalars(ordered) if scalars else db.session.execute(ordered))
        return self

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.total, self.page * self.per_page)

    def url(self, **changes) -> str:
        """This page's address with some parameters changed (None drops one); empty ones left out."""
        args: dict[str, Any] = {
            key: value for key, value in request.args.items() if key in ("domain", "status", "state")
        }
        args.update(q=self.q, sort=self.sort, page=self.page)
        args.update(changes)
        if args.get("sort") == next(iter(self.sorts)):
            args.pop("sort")
        if args.get("page") == 1:
            args.pop("page")
        args = {key: value for key, value in args.items() if value not in (None, "")}
        return url_for(request.endpoint, **(request.view_args or {}), **args)  # type: ignore[arg-type]  # a page being served has its endpoint
