"""Screening: each person who completes a pilot's eligibility check is counted once, at their latest step,
and nothing they answered is kept.

A person is known here by a screener key: a keyed hash (HMAC with the app's secret key) of their account
id, or, for a visitor without an account, of a random id held in their session. The database's unique
key (pilot, screener key) is what stops the counts from being inflated by checking again."""

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Literal, overload

from flask import current_app, session
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..studies.models import Study
from ..timeutil import aware, utcnow
from .models import Screening
from .models import ScreeningOutcome as O

VISITOR = "visitor"  # the session key of a visitor's random id, until it is claimed by an account
# How long a passed check opens the consent step; after that the person checks again (counted once still).
FRESH_FOR = timedelta(minutes=30)
PASSED = (O.ELIGIBLE, O.DECLINED_CONSENT, O.TURNED_AWAY_FULL)  # may (still) go on to the consent step


def _keyed(kind: str, ident: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"livinglab-screening:{kind}:{ident}".encode(), hashlib.sha256).hexdigest()


def account_key(user) -> str:
    return _keyed("account", str(user.id))


def visitor_key(visitor_id: str) -> str:
    return _keyed("visitor", visitor_id)


@overload
def session_visitor(create: Literal[True]) -> str: ...
@overload
def session_visitor(create: bool = False) -> str | None: ...
def session_visitor(create: bool = False) -> str | None:
    """This browser's visitor id (made on the first eligibility check without an account)."""
    visitor = session.get(VISITOR)
    if not (isinstance(visitor, str) and 16 <= len(visitor) <= 64) and create:
        visitor = session[VISITOR] = secrets.token_urlsafe(24)
    return visitor if isinstance(visitor, str) and 16 <= len(visitor) <= 64 else None


def key_of(user) -> str | None:
    """The screener key of whoever makes this request: the signed-in account, else the session's visitor."""
    if user is not None and getattr(user, "is_authenticated", False):
        return account_key(user)
    visitor = session_visitor()
    return visitor_key(visitor) if visitor else None


def record(
    study: Study, key: str, outcome: O, reasons: list[str] | tuple = (), stratum: str | None = None, site=None
) -> None:
    """Set this person's latest step in one upsert: a second check updates the row, never adds one. A check
    also notes the stratum the person would be randomised in (studies/allocation.py; an age band, not the age);
    the later steps keep it."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    values = {"outcome": outcome, "reasons": " ".join(reasons), "updated_at": now}
    if stratum is not None:
        values["stratum"] = stratum
    if site is not None:  # where the person takes part (studies/sites.py), noted by the check like the stratum
        values["site"] = site
    statement = insert(Screening).values(study_id=study.id, screener_key=key, **values)
    db.session.execute(statement.on_conflict_do_update(index_elements=["study_id", "screener_key"], set_=values))


def find(study: Study, key: str | None) -> Screening | None:
    if not key:
        return None
    return db.session.scalar(
        select(Screening)
        .where(Screening.study_id == study.id, Screening.screener_key == key)
        .execution_options(populate_existing=True)
    )


def passed_recently(study: Study, key: str | None) -> Screening | None:
    """This person's check, when they passed it less than FRESH_FOR ago and have not enrolled."""
    row = find(study, key)
    if row is None or row.outcome not in PASSED or aware(row.updated_at) < utcnow() - FRESH_FOR:
        return None
    return row


def claim(visitor: str | None, user) -> int:
    """A visitor's checks become the account's (at sign-in or registration), in every pilot: still one row
    per person and pilot. Returns how many were claimed."""
    if not visitor:
        return 0
    rows = list(db.session.scalars(select(Screening).where(Screening.screener_key == visitor_key(visitor))))
    mine = account_key(user)
    for row in rows:
        existing = db.session.scalar(
            select(Screening).where(Screening.study_id == row.study_id, Screening.screener_key == mine)
        )
        if existing is not None:  # the account had checked too: one row, with the latest step
            if aware(row.updated_at) >= aware(existing.updated_at):
                existing.outcome, existing.reasons, existing.updated_at = row.outcome, row.reasons, row.updated_at
            db.session.delete(row)
            db.session.execute(
                update(Study)
                .where(Study.id == row.study_id)  # the flow changed
                .values(data_version=Study.data_version + 1)
                .execution_options(synchronize_session=False)
            )
        else:
            row.screener_key = mine
    db.session.flush()
    return len(rows)


def anonymise(user) -> None:
    """At account erasure: the counts stay, nothing links them to the person any more."""
    for row in db.session.scalars(select(Screening).where(Screening.screener_key == account_key(user))):
        row.screener_key = "erased-" + secrets.token_hex(24)


def of_account(user) -> list[Screening]:
    """The account's own checks, for its personal data export."""
    return list(
        db.session.scalars(select(Screening).where(Screening.screener_key == account_key(user)).order_by(Screening.id))
    )


def counts(study: Study) -> dict[str, int]:
    """The flow's screening figures in one aggregate query, non-zero ones only: `screened`, `eligible`,
    each exclusion reason (`age`, `criterion:<n>`), `declined_consent`, `turned_away_full`."""
    rows = db.session.execute(
        select(Screening.outcome, Screening.reasons, func.count())
        .where(Screening.study_id == study.id)
        .group_by(Screening.outcome, Screening.reasons)
    ).all()
    out: dict[str, int] = {}

    def add(name: str, n: int) -> None:
        out[name] = out.get(name, 0) + n

    for outcome, reasons, n in rows:
        add("screened", n)
        if outcome == O.NOT_ELIGIBLE:
            for reason in (reasons or "").split():
                add(reason, n)
        else:
            add("eligible", n)
        if outcome in (O.DECLINED_CONSENT, O.TURNED_AWAY_FULL):
            add(str(outcome), n)
    return out
