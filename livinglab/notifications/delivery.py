"""Posting webhook events: signed, to a checked address, without following redirects, with timeouts.

The receiver checks `X-LivingLab-Signature: sha256=<hex>`, the HMAC-SHA256 with its secret of
`<X-LivingLab-Timestamp>.<raw body>`, and may refuse old timestamps (replays). The host is resolved
when posting and every address must be public (unless WEBHOOK_ALLOW_PRIVATE): the connection goes to
the address that was checked, so a name that changes its answer in between (DNS rebinding) cannot
lead us into the private network."""

import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..timeutil import aware, utcnow
from ..transactions import end_reads
from . import queue
from .models import QueueStatus, WebhookDelivery, WebhookEndpoint
from .settings import enabled, setting
from .webhooks import public_address, resolve

USER_AGENT = "LivingLab-Webhooks/1"


class Refused(Exception):
    """We will not post there: a private address, or a URL that no longer passes the checks."""


@dataclass
class Answer:
    status: int
    excerpt: str


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def body_of(uid: str, event: str, organisation_id: int, created_at: datetime, payload: dict) -> bytes:
    return json.dumps(
        {
            "id": uid,
            "event": event,
            "organisation_id": organisation_id,
            "created_at": aware(created_at).isoformat(),
            "data": payload,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")


def post(url: str, body: bytes, headers: dict, timeout: float, allow_private: bool) -> Answer:
    """One POST, to the checked address of the URL's host; never follows a redirect."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    if parts.scheme not in ("https", "http") or (not https and not allow_private):
        raise Refused("the address must use https")
    port = parts.port or (443 if https else 80)
    try:
        addresses = resolve(parts.hostname, port)  # type: ignore[arg-type]  # check_url accepted only URLs with a host
    except (OSError, UnicodeError) as err:
        raise ConnectionError(f"cannot resolve {parts.hostname}: {err}") from None
    if not addresses:
        raise ConnectionError(f"{parts.hostname} has no address")
    if not allow_private and not all(public_address(a) for a in addresses):
        raise Refused(f"{parts.hostname} resolves to a private or local address")
    pinned = addresses[0]
    if https:
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname,  # type: ignore[arg-type]  # check_url accepted only URLs with a host
            port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = http.client.HTTPConnection(
            parts.hostname,  # type: ignore[arg-type]  # check_url accepted only URLs with a host
            port,
            timeout=timeout,
        )
    connection._create_connection = lambda address, timeout=timeout, source=None: socket.create_connection(  # type: ignore[attr-defined]  # pins the checked address (http.client's hook)
        (pinned, address[1]), timeout, source
    )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(512).decode("utf-8", "replace")
        return Answer(response.status, " ".join(excerpt.split())[:200])
    finally:
        connection.close()


def deliver_due(worker: str, now: datetime | None = None, limit: int = 20) -> dict:
    """Claim a batch of due deliveries and post each; {"sent": n, "retried": n, "failed": n}."""
    now = now or utcnow()
    counts = {"sent": 0, "retried": 0, "failed": 0}
    ids = queue.claim(WebhookDelivery, worker, now, limit, timedelta(seconds=float(setting("MAIL_LEASE_SECONDS"))))
    if not ids:
        return counts
    d, e = WebhookDelivery, WebhookEndpoint
    rows = db.session.execute(
        select(d.id, d.uid, d.event, d.payload, d.attempts, d.created_at, e.url, e.secret, e.organisation_id)
        .join(e, e.id == d.endpoint_id)
        .where(d.id.in_(ids), d.claimed_by == worker)
        .order_by(d.id)
    ).all()
    end_reads()  # nothing is held open while we post
    timeout = float(setting("WEBHOOK_TIMEOUT"))
    allow_private = enabled("WEBHOOK_ALLOW_PRIVATE")
    for row in rows:
        body = body_of(row.uid, row.event, row.organisation_id, row.created_at, row.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-LivingLab-Event": row.event,
            "X-LivingLab-Delivery": row.uid,
            "X-LivingLab-Timestamp": str(timestamp),
            "X-LivingLab-Signature": signature(row.secret, timestamp, body),
        }
        permanent, status = False, None
        try:
            answer = post(row.url, body, headers, timeout, allow_private)
            status = answer.status
            error = (
                None
                if 200 <= status < 300
                else (
                    f"HTTP {status}: redirects are not followed"
                    if 300 <= status < 400
                    else f"HTTP {status}: {answer.excerpt}"
                )
            )
        except Refused as err:
            error, permanent = f"refused: {err}", True
        except (OSError, http.client.HTTPException, ConnectionError, ValueError) as err:
            error = f"{type(err).__name__}: {err}"[:500]
        if error is None:
            values = {"status": QueueStatus.SENT, "sent_at": utcnow(), "last_error": None}
            counts["sent"] += 1
        else:
            values = queue.retry_or_fail(
                row.attempts,
                int(setting("WEBHOOK_MAX_ATTEMPTS")),
                error,
                utcnow(),
                float(setting("MAIL_RETRY_SECONDS")),
                float(setting("MAIL_RETRY_MAX_SECONDS")),
                permanent=permanent,
            )
            counts["failed" if values["status"] == QueueStatus.FAILED else "retried"] += 1
        queue.finish(WebhookDelivery, row.id, worker, response_status=status, **values)
    return counts
