"""/api/v1: the organisation's webhooks, and the caller's message preferences."""

from flask import Blueprint, current_app
from flask_babel import gettext as _

from .. import audit
from ..api.common import json_body, token_required
from ..api.pagination import paginate, paginate_list
from ..errors import Invalid
from ..extensions import db, limiter
from ..policy import public
from ..transactions import unit_of_work
from . import preferences, webhooks
from .kinds import preference_kinds
from .models import WebhookDelivery

bp = Blueprint("notifications", __name__)


@bp.get("/webhooks")
@token_required("manage_organisation")
def list_webhooks(user):
    """The receivers of the caller's organisation (never their secrets)."""
    return paginate_list(webhooks.endpoints_of(user.organisation_id), "webhooks", webhooks.endpoint_dict)


@bp.post("/webhooks")
@token_required("manage_organisation")
def create_webhook(user):
    """Register a receiver; the answer carries its secret, this once."""
    data = json_body()
    events = data.get("events")
    description = data.get("description", "")
    with unit_of_work():
        endpoint = webhooks.create_endpoint(user, data.get("url"), events, description)
        audit.record(user, "webhook.create", endpoint_id=endpoint.id, url=endpoint.url, events=endpoint.events)
    return webhooks.endpoint_dict(endpoint, with_secret=True), 201


@bp.delete("/webhooks/<int:webhook_id>")
@token_required("manage_organisation")
def delete_webhook(user, webhook_id: int):
    endpoint = webhooks.endpoint_of(user.organisation_id, webhook_id)
    with unit_of_work():
        audit.record(user, "webhook.delete", endpoint_id=endpoint.id, url=endpoint.url)
        webhooks.delete_endpoint(endpoint)
    return "", 204


@bp.post("/webhooks/<int:webhook_id>/ping")
@token_required("manage_organisation")
def ping_webhook(user, webhook_id: int):
    """Queue a test event (`ping`) for this receiver."""
    endpoint = webhooks.endpoint_of(user.organisation_id, webhook_id)
    with unit_of_work():
        delivery = webhooks.ping(endpoint)
    return webhooks.delivery_dict(delivery), 202


@bp.get("/webhooks/<int:webhook_id>/deliveries")
@token_required("manage_organisation")
def list_deliveries(user, webhook_id: int):
    """The delivery log of one receiver, newest first, `?limit=` and `?cursor=`."""
    endpoint = webhooks.endpoint_of(user.organisation_id, webhook_id)
    query = db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    return paginate(query, WebhookDelivery.id, f"deliveries.{endpoint.id}", webhooks.delivery_dict, newest_first=True)


@bp.get("/me/notifications")
@token_required("signed_in")
def get_preferences(user):
    """The caller's choice for each non-essential kind of message it may receive."""
    return preferences_dict(user)


def preferences_dict(user) -> dict:
    return {
        "choices": preferences.choices_of(user),
        "options": {k.name: list(k.choices) for k in preference_kinds(str(user.role))},
    }


@bp.put("/me/notifications")
@token_required("signed_in")
def put_preferences(user):
    """Change some choices: `{"choices": {"<kind>": "each" | "digest" | "off"}}`."""
    data = json_body()
    choices = data.get("choices")
    if not isinstance(choices, dict) or not choices:
        raise Invalid(_("Send the choices to change."), fields={"choices": _("An object of kind: choice.")})
    errors = {}
    with unit_of_work():  # all the choices, or none
        for name, choice in choices.items():
            try:
                preferences.set_choice(user, name, choice)
            except Invalid as err:
                errors.update(err.fields)
        if errors:
            raise Invalid(_("Some choices are not possible."), code="invalid_choice", fields=errors)
    return preferences_dict(user)


# The accounts' mail (auth/mail_links.py): the API's doors to the verification and reset links ---------


@bp.post("/me/verification")
@limiter.limit("5 per hour")
@token_required("signed_in")
def resend_verification(user):
    """Send the verification link again to the caller's address; 409 `already_verified` once it is."""
    from ..auth import mail_links
    from ..errors import Conflict

    if user.email_verified_at is not None:
        raise Conflict(_("Your address is already verified."), code="already_verified")
    with unit_of_work():
        mail_links.send_verification(user)
    return {"email": user.email, "email_verified": False, "sent": True}, 202


@bp.post("/auth/password-reset")
@limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"])
@limiter.limit("5 per hour", key_func=lambda: reset_email_key())
@public
def request_password_reset():
    """Mail a reset link to `{email}` if an account has it: 202 either way (the answer tells nothing)."""
    from ..auth import mail_links

    data = json_body()
    with unit_of_work():
        mail_links.request_reset(data.get("email"))
    return {"sent": True}, 202


def reset_email_key() -> str:
    import hashlib

    from flask import request

    body = request.get_json(silent=True, force=True)
    email = body.get("email") if isinstance(body, dict) else None
    email = email.strip().lower() if isinstance(email, str) else ""
    return "reset-email:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()[:32]
