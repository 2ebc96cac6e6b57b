"""The rate limits of registration, shared by the page and the API: per client address, and per email.

The per-email limit counts only the answers that say the email is taken, so that it slows down whoever
probes which emails have an account without letting anyone keep a person from registering."""

import hashlib

from flask import current_app, request

from ..extensions import limiter


def _email_key() -> str:
    """The email being registered, hashed (the limits' store need not hold addresses)."""
    email = None
    if request.is_json or request.path.startswith("/api/"):
        body = request.get_json(silent=True, force=True)
        email = body.get("email") if isinstance(body, dict) else None
    else:
        email = request.form.get("email")
    email = email.strip().lower() if isinstance(email, str) else ""
    return "register-email:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]


def _conflict(response) -> bool:
    """The page and the API both answer 409 when the email (or the organisation) is taken."""
    return response.status_code == 409


def registration_limits(view):
    """Both limits, shared by the registration page and the API (one count for both doors)."""
    per_client = limiter.shared_limit(
        lambda: current_app.config["REGISTER_RATE_LIMIT"], scope="register", methods=["POST"]
    )
    per_email = limiter.shared_limit(
        lambda: current_app.config["REGISTER_EMAIL_RATE_LIMIT"],
        scope="register-email",
        methods=["POST"],
        key_func=_email_key,
        deduct_when=_conflict,
    )
    return per_email(per_client(view))
