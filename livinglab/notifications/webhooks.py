"""Webhooks for startups: endpoints of an organisation, and events written in the caller's transaction.

`emit(organisation_id, event, payload)` adds one delivery per endpoint of the organisation (one
INSERT ... SELECT), so a rolled-back event posts nothing; the worker posts them (delivery.py), signed
with HMAC-SHA256, retried with backoff, and logged for the organisation. Payloads carry codes only:
participant codes, study ids, survey keys; never a name or an address."""

import json
import secrets
import socket
from datetime import datetime
from ipaddress import IPv6Address, ip_address
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import JSON, DateTime, Integer, String, func, literal, select

from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..timeutil import utcnow
from .models import QueueStatus, WebhookDelivery, WebhookEndpoint
from .outbox import insert_ignore, uid_sql
from .settings import enabled, setting

EVENTS = ("enrolment", "answer", "withdrawal")
PING = "ping"
URL_MAX = 500
FORBIDDEN_KEYS = {"email", "name", "address", "phone", "signature", "signed_name"}


def emit(organisation_id: int, event: str, payload: dict, *, now: datetime | None = None) -> int:
    """Queue `event` for every endpoint of the organisation that listens to it, in the caller's
    transaction. Returns the number of deliveries added."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; one of {', '.join(EVENTS)}")
    payload = plain_payload(payload)
    now = now or utcnow()
    ids = [
        endpoint_id
        for endpoint_id, events in db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.organisation_id == organisation_id)
        )
        if not events or event in events
    ]
    if not ids:
        return 0
    query = select(
        uid_sql(),
        WebhookEndpoint.id,
        literal(event, String),
        literal(payload, JSON),
        literal(QueueStatus.PENDING.value),
        literal(0, Integer),
        literal(now, DateTime(timezone=True)),
        literal(now, DateTime(timezone=True)),
    ).where(WebhookEndpoint.id.in_(ids))
    statement = (
        insert_ignore(WebhookDelivery)
        .from_select(
            ["uid", "endpoint_id", "event", "payload", "status", "attempts", "next_attempt_at", "created_at"], query
        )
        .on_conflict_do_nothing()
        .returning(WebhookDelivery.id)
    )
    return len(db.session.execute(statement).all())


def plain_payload(payload: dict) -> dict:
    """JSON, and codes only: a key that names personal data is refused outright."""
    if not isinstance(payload, dict):
        raise ValueError("a webhook payload is a dict")
    personal = sorted(key for key in walk_keys(payload) if key.lower() in FORBIDDEN_KEYS)
    if personal:
        raise ValueError(f"webhook payloads carry codes only, not {', '.join(personal)}")
    return json.loads(json.dumps(payload, default=str))


def walk_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield str(key)
            yield from walk_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from walk_keys(inner)


def ping(endpoint: WebhookEndpoint, now: datetime | None = None) -> WebhookDelivery:
    """A test event for one endpoint, so the organisation can check its receiver."""
    now = now or utcnow()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event=PING,
        payload={"message": "ping"},
        status=QueueStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    return delivery


# Endpoints ----------------------------------------------------------------------------------------


def endpoints_of(organisation_id: int) -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == organisation_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def endpoint_of(organisation_id: int, endpoint_id) -> WebhookEndpoint:
    """The organisation's endpoint, or 404: another organisation's is as unknown as a missing one."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id) if isinstance(endpoint_id, int) else None
    if endpoint is None or endpoint.organisation_id != organisation_id:
        raise NotFound(_("This webhook does not exist, or is not your organisation's."))
    return endpoint


def create_endpoint(user, url, events=None, description="") -> WebhookEndpoint:
    """Register an endpoint for the user's organisation, with a new secret (shown once)."""
    errors = {}
    clean_url = None
    try:
        clean_url = check_url(url)
    except Invalid as err:
        errors.update(err.fields)
    if events is None:
        events = list(EVENTS)
    if not isinstance(events, list) or not events or any(e not in EVENTS for e in events):
        errors["events"] = _("Choose among: %(events)s.", events=", ".join(EVENTS))
    if not isinstance(description, str) or len(description) > 200:
        errors["description"] = _("At most 200 characters.")
    if errors:
        raise Invalid(_("The webhook could not be added."), fields=errors)
    count = db.session.execute(
        select(func.count(WebhookEndpoint.id)).where(WebhookEndpoint.organisation_id == user.organisation_id)
    ).scalar_one()
    if count >= int(setting("WEBHOOK_MAX_ENDPOINTS")):
        raise Conflict(
            _("Your organisation has %(n)d webhooks already: remove one first.", n=count), code="too_many_webhooks"
        )
    endpoint = WebhookEndpoint(
        organisation_id=user.organisation_id,
        url=clean_url,
        secret="whsec_" + secrets.token_urlsafe(32),
        events=sorted(set(events)),
        description=" ".join(description.split()),
        created_by=user.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    db.session.delete(endpoint)  # its deliveries go with it (ON DELETE CASCADE)


def endpoint_dict(endpoint: WebhookEndpoint, with_secret: bool = False) -> dict:
    out = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events or EVENTS),
        "description": endpoint.description,
        "created_at": iso(endpoint.created_at),
    }
    if with_secret:
        out["secret"] = endpoint.secret
    return out


def delivery_dict(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.id,
        "delivery_id": delivery.uid,
        "event": delivery.event,
        "payload": delivery.payload,
        "status": "delivered" if delivery.status == QueueStatus.SENT else str(delivery.status),
        "attempts": delivery.attempts,
        "response_status": delivery.response_status,
        "last_error": delivery.last_error,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.sent_at),
        "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == QueueStatus.PENDING else None,
    }


def iso(value) -> str | None:
    from ..timeutil import aware

    return aware(value).isoformat() if value is not None else None


# The address check (SSRF) -------------------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """Every address a host name resolves to (tests replace this: there is no DNS in the sandbox)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})  # type: ignore[misc]  # an AF_INET/AF_INET6 address is a str


def public_address(address: str) -> bool:
    """Globally routable: not loopback, private, link-local (cloud metadata), shared, reserved..."""
    ip = ip_address(address.split("%")[0])
    if isinstance(ip, IPv6Address):  # an IPv4 address dressed as IPv6 is judged as IPv4
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_unspecified
    )


def check_url(url) -> str:
    """A URL we agree to post to: https (http only where private addresses are allowed), no user or
    password in it, and a host whose every address is public. Raises Invalid on `url`."""

    def bad(message):
        raise Invalid(_("This address cannot receive webhooks."), code="invalid_url", fields={"url": message})

    if not isinstance(url, str) or not url.strip():
        bad(_("Give the address (URL) of your receiver."))
    url = url.strip()
    if len(url) > URL_MAX or any(ch in url for ch in "\r\n\t ") or not url.isascii():
        bad(_("Write the address in plain ASCII, at most %(n)d characters, without spaces.", n=URL_MAX))
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        bad(_("This is not a valid address."))
    allow_private = enabled("WEBHOOK_ALLOW_PRIVATE")
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        bad(_("The address must start with https://."))
    if parts.username or parts.password or "@" in parts.netloc:
        bad(_("Put no user name or password in the address: verify our signature instead."))
    host = parts.hostname
    if not host:
        bad(_("The address names no server."))
    if parts.fragment:
        bad(_("An address for webhooks has no #fragment."))
    if not allow_private:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            bad(_("This server name cannot be found."))
        if not addresses:
            bad(_("This server name cannot be found."))
        if not all(public_address(a) for a in addresses):
            bad(_("This address leads to a private or local network: webhooks go to public servers only."))
    return url
