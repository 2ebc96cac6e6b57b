"""Browser sessions: what the signed cookie holds, and what ends it.

The cookie names the account by its session token (Flask-Login's alternative id), never by its row
id. A new token ends every session of the account wherever its cookie was copied: at sign-out, at a
password change and at "sign out of every device"; erasing the account deletes it. A session also ends
after PERMANENT_SESSION_LIFETIME without activity (8 hours) and, however active, SESSION_ABSOLUTE_LIFETIME
after signing in (7 days)."""

import time

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_user, logout_user
from sqlalchemy import select

from ..extensions import db
from .models import User, new_secret

SIGNED_IN_AT = "signed_in_at"
# The language chosen, and the random id of the eligibility checks this browser made before signing in (the
# account adopts them, then the id is dropped: participants/screening.py). Nothing that could fixate or leak.
KEPT_ACROSS_SIGN_IN = ("lang", "visitor")


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, except that a static file's answer never carries it: a stylesheet or an icon
    fetched beside the next click would otherwise send back the session as it was before that click (a
    language just chosen, a sign-in, lost)."""

    def should_set_cookie(self, app, session) -> bool:
        return request.endpoint != "static" and super().should_set_cookie(app, session)


def load_user(session_token: str) -> User | None:
    """Flask-Login's user loader: the account whose current token the cookie names, while the session
    is younger than its absolute lifetime."""
    started = session.get(SIGNED_IN_AT)
    lifetime = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    if not isinstance(started, (int, float)) or not 0 <= time.time() - started <= lifetime:
        return None
    if not isinstance(session_token, str) or not session_token:
        return None
    return db.session.scalar(select(User).where(User.session_token == session_token))


def _fresh_session() -> None:
    """Regenerate the session: drop everything an earlier visitor (or an attacker who planted the
    cookie) put in it, the CSRF token included, so a new one is made."""
    kept = {key: session[key] for key in KEPT_ACROSS_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    g.pop("csrf_token", None)  # Flask-WTF's cache of this request's token


def start_session(user: User) -> None:
    """Sign in, in a new session that expires after inactivity or, at the latest, its absolute lifetime."""
    _fresh_session()
    login_user(user)
    session[SIGNED_IN_AT] = int(time.time())
    session.permanent = True


def end_session() -> None:
    """Sign this browser out (the caller rotates the account's token to end the copies too)."""
    logout_user()
    _fresh_session()


def rotate_session_token(user: User) -> None:
    """Every session of the account ends: their cookies name a token that no longer exists."""
    user.session_token = new_secret()
