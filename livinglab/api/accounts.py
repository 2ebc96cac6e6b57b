"""Accounts: register, tokens (create, list, revoke), me."""

from flask import Blueprint, current_app

from ..auth import mail_links, services, tokens
from ..auth.limits import registration_limits
from ..clients import client_address
from ..extensions import limiter
from ..policy import public
from ..studies.fields import iso
from ..transactions import unit_of_work
from .common import json_body, token_required
from .pagination import paginate_list

bp = Blueprint("accounts", __name__)


@bp.post("/auth/register")
@registration_limits
@public
def register():
    """Create a startup or participant account (a startup joins an organisation with `invitation`)."""
    with unit_of_work():
        user = services.register(json_body())
        mail_links.send_verification(user)  # never blocks: the API works for an unverified account
    return services.user_dict(user), 201


@bp.post("/auth/tokens")
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"])
@public
def create_token():
    """Exchange an email and password for a bearer token (optionally named)."""
    data = json_body()
    user = services.authenticate(data.get("email"), data.get("password"), client_address())
    with unit_of_work():
        raw, token = tokens.create_token(user, data.get("name"))
    return {"token": raw, "expires_at": iso(token.expires_at), "id": token.id, "name": token.name}, 201


@bp.get("/auth/tokens")
@token_required("signed_in")
def list_tokens(user):
    """The caller's live tokens, oldest first (never their secret)."""
    return paginate_list(tokens.tokens_of(user), "tokens", tokens.token_dict)


@bp.delete("/auth/tokens/<int:token_id>")
@token_required("signed_in")
def revoke_token(user, token_id):
    """Revoke one of the caller's tokens: it answers 401 from now on."""
    with unit_of_work():
        tokens.revoke_token(user, token_id)
    return "", 204


@bp.get("/me")
@token_required("signed_in")
def me(user):
    """The caller's account."""
    return services.user_dict(user)
