"""The OpenAPI description of the webhook and message-preference endpoints (merged by api/openapi.py)."""

from ..api.openapi import (
    array,
    enum,
    errors,
    integer,
    nullable,
    obj,
    operation,
    page_parameters,
    ref,
    string,
    timestamp,
)
from ..urls import MAX_ID
from .kinds import KINDS
from .models import QueueStatus
from .webhooks import EVENTS, PING, URL_MAX

TAG = {
    "name": "webhooks",
    "description": (
        "An organisation's receivers of events (enrolment, answer, withdrawal: codes only), posted as JSON by the "
        "worker, signed, retried with backoff. The receiver checks `X-LivingLab-Signature: sha256=<hex>`, the "
        "HMAC-SHA256 with its secret of `<X-LivingLab-Timestamp>.<raw body>`; `X-LivingLab-Delivery` (also `id` in "
        "the body) is the same for every attempt of one delivery, so a receiver can ignore repeats. Redirects are "
        "not followed; addresses must be https and public."
    ),
}
STARTUPS = "Startups only; the receivers of the caller's organisation. Another organisation's id is 404."


def schemas() -> dict:
    choosable = sorted({k.name for k in KINDS.values() if not k.essential and k.preference is None})
    return {
        "NewWebhook": obj(
            {
                "url": string(URL_MAX, format="uri", description="https, a public address, no user or password."),
                "events": array(enum(EVENTS), min_items=1, unique=True, description="Default: all of them."),
                "description": string(200),
            },
            required=["url"],
        ),
        "Webhook": obj(
            {
                "id": integer(1),
                "url": string(),
                "events": array(enum(EVENTS)),
                "description": string(),
                "created_at": timestamp(),
                "secret": string(description="Only in the answer to its creation: keep it, it is never shown again."),
            },
            required=["id", "url", "events", "description", "created_at"],
        ),
        "WebhookList": obj(
            {"items": array(ref("Webhook")), "next_cursor": {"type": "null"}}, required=["items", "next_cursor"]
        ),
        "WebhookDelivery": obj(
            {
                "id": integer(1),
                "delivery_id": string(description="`X-LivingLab-Delivery`, and `id` in the body."),
                "event": enum((*EVENTS, PING)),
                "payload": obj({}),
                "status": enum(
                    ("pending", "sending", "delivered", "failed", str(QueueStatus.HELD), str(QueueStatus.CANCELLED))
                ),
                "attempts": integer(0),
                "response_status": nullable(integer()),
                "last_error": nullable(string()),
                "created_at": timestamp(),
                "delivered_at": nullable(timestamp()),
                "next_attempt_at": nullable(timestamp()),
            },
            required=["id", "delivery_id", "event", "payload", "status", "attempts", "created_at"],
        ),
        "WebhookDeliveryList": obj(
            {"items": array(ref("WebhookDelivery")), "next_cursor": nullable(string())},
            required=["items", "next_cursor"],
        ),
        "NotificationChoices": obj(
            {
                "choices": obj(
                    {},
                    additionalProperties=enum(("each", "digest", "off")),
                    description="For each non-essential kind this account receives: "
                    + ", ".join(f"`{name}`" for name in choosable)
                    + ".",
                ),
                "options": obj({}, additionalProperties=array(enum(("each", "digest", "off")))),
            },
            required=["choices", "options"],
        ),
        "VerificationSent": obj(
            {"email": string(), "email_verified": {"type": "boolean"}, "sent": {"type": "boolean"}},
            required=["email", "email_verified", "sent"],
        ),
        "PasswordResetRequest": obj({"email": string(254, format="email")}, required=["email"]),
        "PasswordResetQueued": obj({"sent": {"type": "boolean"}}, required=["sent"]),
        "NotificationChoicesChange": obj(
            {
                "choices": obj({}, additionalProperties=enum(("each", "digest", "off")), minProperties=1),
            },
            required=["choices"],
        ),
    }


def webhook_id() -> dict:
    return {"name": "webhook_id", "in": "path", "required": True, "schema": integer(1, MAX_ID)}


def paths() -> dict:
    one = {"parameters": [webhook_id()]}
    return {
        "/webhooks": {
            "get": operation(
                "list_webhooks",
                "The organisation's receivers (without secrets)",
                tag="webhooks",
                ok=(200, "The receivers, by id.", ref("WebhookList")),
                errors=errors(400, 401, 403, 422),
                description=STARTUPS,
                parameters=page_parameters(),
            ),
            "post": operation(
                "create_webhook",
                "Register a receiver",
                tag="webhooks",
                body="NewWebhook",
                ok=(201, "The receiver with its `secret`, shown this once.", ref("Webhook")),
                errors=errors(
                    400,
                    401,
                    403,
                    409,
                    422,
                    e409="`too_many_webhooks`: at most 5 per organisation.",
                    e422="`invalid_url`: not https, a private or loopback address, a "
                    "name that cannot be found, a user or password in it...",
                ),
                description=STARTUPS,
            ),
        },
        "/webhooks/{webhook_id}": {
            **one,
            "delete": operation(
                "delete_webhook",
                "Remove a receiver and its delivery log",
                tag="webhooks",
                ok=(204, "Removed.", None),
                errors=errors(401, 403, 404),
                description=STARTUPS,
            ),
        },
        "/webhooks/{webhook_id}/ping": {
            **one,
            "post": operation(
                "ping_webhook",
                "Queue a test event (`ping`) for this receiver",
                tag="webhooks",
                ok=(202, "The delivery, to be posted by the worker.", ref("WebhookDelivery")),
                errors=errors(401, 403, 404),
                description=STARTUPS,
            ),
        },
        "/webhooks/{webhook_id}/deliveries": {
            **one,
            "get": operation(
                "list_webhook_deliveries",
                "The delivery log of a receiver, newest first",
                tag="webhooks",
                ok=(200, "Deliveries; `next_cursor` gives the next (older) page.", ref("WebhookDeliveryList")),
                errors=errors(400, 401, 403, 404, 422),
                description=STARTUPS,
                parameters=page_parameters(),
            ),
        },
        "/me/verification": {
            "post": operation(
                "resend_verification",
                "Send the verification link again to the caller's address",
                tag="accounts",
                ok=(202, "Queued; the worker sends it.", ref("VerificationSent")),
                errors=errors(401, 409, 429, e409="`already_verified`."),
                description="Until an address is verified LivingLab mails it nothing but this link; every flow of "
                "the API works meanwhile, and the messages that waited go once it is verified.",
            )
        },
        "/auth/password-reset": {
            "post": operation(
                "request_password_reset",
                "Mail a link to choose a new password",
                tag="accounts",
                security=[],
                body="PasswordResetRequest",
                ok=(202, "The same answer whether or not the address has an account.", ref("PasswordResetQueued")),
                errors=errors(400, 422, 429),
                description="The link (`/account/reset?token=...` on `LIVINGLAB_BASE_URL`) works once, for one hour; "
                "using it signs out every session of the account and revokes its API tokens. An "
                "unverified address first gets its verification link again.",
            )
        },
        "/me/notifications": {
            "get": operation(
                "get_notification_choices",
                "The caller's choices of non-essential messages",
                tag="accounts",
                ok=(200, "Choices and what each kind allows.", ref("NotificationChoices")),
                errors=errors(401),
            ),
            "put": operation(
                "set_notification_choices",
                "Change some of the caller's choices",
                tag="accounts",
                body="NotificationChoicesChange",
                ok=(200, "All the choices, after the change.", ref("NotificationChoices")),
                errors=errors(
                    400,
                    401,
                    422,
                    e422="`invalid_choice`: a kind the caller cannot "
                    "choose (essential messages always go), or a "
                    "choice it does not offer; nothing is changed.",
                ),
                description="Essential messages (verification, password, consent, enrolment, "
                "withdrawal, erasure) cannot be turned off.",
            ),
        },
    }
