"""Accounts: register, tokens, me."""
from flask import Blueprint, current_app

from ..auth import services
from ..extensions import db, limiter
from ..studies.fields import iso
from ..auth.permissions import public
from .common import json_body, token_required

bp = Blueprint("accounts", __name__)


@bp.post("/auth/register")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"])
@public
def register():
    """Create a startup or participant account."""
    user = services.register(json_body())
    db.session.commit()
    return services.user_dict(user), 201


@bp.post("/auth/tokens")
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"])
@public
def create_token():
    """Exchange an email and password for a bearer token."""
    data = json_body()
    user = services.authenticate(data.get("email"), data.get("password"))
    raw, token = services.create_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": iso(token.expires_at)}, 201


@bp.get("/me")
@token_required()
def me(user):
    """The caller's account."""
    return services.user_dict(user)
