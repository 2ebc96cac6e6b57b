"""Webhooks: events written in the caller's transaction, posted signed to a real local HTTP server,
retried, logged for the organisation; SSRF refused; another organisation's endpoints are 404."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select, update

from livinglab.extensions import db
from livinglab.notifications import webhooks
from livinglab.notifications.delivery import deliver_due
from livinglab.notifications.models import QueueStatus, WebhookDelivery, WebhookEndpoint
from livinglab.timeutil import utcnow


class Receiver:
    """A startup's receiver on loopback: records each POST; `answers` scripts the status codes."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                if status in (301, 302, 307):
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/livinglab?source=test"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)  # loopback, for this test only
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint(receiver, startup):
    created = webhooks.create_endpoint(startup, receiver.url, ["enrolment", "withdrawal"], "our CRM")
    db.session.commit()
    return created


def deliveries():
    return db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def test_an_event_is_posted_signed_with_codes_only(receiver, endpoint, startup):
    assert (
        webhooks.emit(
            startup.organisation_id, "enrolment", {"study_id": 4, "participant_code": "P-AB12CD34", "arm": "control"}
        )
        == 1
    )
    assert webhooks.emit(startup.organisation_id, "answer", {"study_id": 4}) == 0  # not subscribed
    db.session.commit()

    assert deliver_due("w") == {"sent": 1, "retried": 0, "failed": 0}

    [request] = receiver.requests
    assert request["path"] == "/hooks/livinglab?source=test"
    headers, body = request["headers"], request["body"]
    assert headers["Content-Type"] == "application/json" and headers["X-LivingLab-Event"] == "enrolment"
    expected = (
        "sha256="
        + hmac.new(
            endpoint.secret.encode(), headers["X-LivingLab-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
    )
    assert hmac.compare_digest(headers["X-LivingLab-Signature"], expected)
    event = json.loads(body)
    assert event["event"] == "enrolment" and event["organisation_id"] == startup.organisation_id
    assert event["data"] == {"study_id": 4, "participant_code": "P-AB12CD34", "arm": "control"}
    [row] = deliveries()
    assert event["id"] == headers["X-LivingLab-Delivery"] == row.uid
    assert row.status == QueueStatus.SENT and row.response_status == 204


def test_a_rolled_back_event_posts_nothing(receiver, endpoint, startup):
    webhooks.emit(startup.organisation_id, "withdrawal", {"participant_code": "P-AB12CD34"})
    db.session.rollback()
    assert deliver_due("w")["sent"] == 0 and receiver.requests == []


def test_personal_data_is_refused_in_a_payload(endpoint, startup):
    with pytest.raises(ValueError, match="codes only"):
        webhooks.emit(startup.organisation_id, "enrolment", {"participant": {"email": "a@b.c"}})
    with pytest.raises(ValueError, match="unknown webhook event"):
        webhooks.emit(startup.organisation_id, "signin", {})


def test_failures_are_retried_with_backoff_then_marked_failed(app, receiver, endpoint, startup, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_MAX_ATTEMPTS", 3)
    receiver.answers = [500, 302, 503]
    webhooks.emit(startup.organisation_id, "enrolment", {"participant_code": "P-1"})
    db.session.commit()
    seen, errors = [], []
    for _attempt in range(3):
        deliver_due("w")
        row = deliveries()[0]
        seen.append((row.status, row.attempts, row.response_status))
        errors.append(row.last_error)
        if row.status == QueueStatus.PENDING:
            assert row.next_attempt_at.replace(tzinfo=None) > utcnow().replace(tzinfo=None)
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow()))
        db.session.commit()
    assert seen == [(QueueStatus.PENDING, 1, 500), (QueueStatus.PENDING, 2, 302), (QueueStatus.FAILED, 3, 503)]
    assert errors[0].startswith("HTTP 500") and errors[1] == "HTTP 302: redirects are not followed"
    assert len(receiver.requests) == 3  # the redirect was not followed


def test_the_organisation_reads_its_delivery_log_and_another_cannot(
    client, login, receiver, endpoint, startup, other_startup
):
    webhooks.emit(startup.organisation_id, "enrolment", {"participant_code": "P-LOG00001"})
    db.session.commit()
    deliver_due("w")
    login(startup)
    page = client.get("/account/organisation/webhooks").get_data(as_text=True)
    assert receiver.url.replace("&", "&amp;") in page and "enrolment" in page and "HTTP 204" in page
    assert endpoint.secret not in page  # shown once, at creation only
    client.post("/account/signout")
    login(other_startup)
    page = client.get("/account/organisation/webhooks").get_data(as_text=True)
    assert "127.0.0.1" not in page
    assert client.post("/account/organisation/webhooks/delete", data={"endpoint": str(endpoint.id)}).status_code == 404
    assert client.post("/account/organisation/webhooks/ping", data={"endpoint": str(endpoint.id)}).status_code == 404
    for bad in ("", "abc", "-1", "99999999999", "1e3"):
        assert client.post("/account/organisation/webhooks/delete", data={"endpoint": bad}).status_code == 400
    assert db.session.get(WebhookEndpoint, endpoint.id) is not None


def test_a_startup_adds_sees_the_secret_once_pings_and_removes_a_receiver(client, login, receiver, startup):
    login(startup)
    posted = client.post(
        "/account/organisation/webhooks",
        data={"url": receiver.url, "description": "CRM", "enrolment": "y", "answer": "y"},
    )
    assert posted.status_code == 302
    created = db.session.scalar(select(WebhookEndpoint))
    assert created.events == ["answer", "enrolment"]
    assert created.secret in client.get(posted.location).get_data(as_text=True)
    assert created.secret not in client.get(posted.location).get_data(as_text=True)  # once
    assert client.post("/account/organisation/webhooks/ping", data={"endpoint": str(created.id)}).status_code == 302
    assert deliver_due("w")["sent"] == 1 and json.loads(receiver.requests[0]["body"])["event"] == "ping"
    assert client.post("/account/organisation/webhooks/delete", data={"endpoint": str(created.id)}).status_code == 302
    assert db.session.scalars(select(WebhookEndpoint)).all() == [] and deliveries() == []


def test_the_api_manages_webhooks_and_hides_other_organisations(
    client, api_headers, receiver, startup, other_startup, participant
):
    mine, theirs = api_headers(startup), api_headers(other_startup)
    created = client.post("/api/v1/webhooks", headers=mine, json={"url": receiver.url, "events": ["answer"]})
    assert created.status_code == 201
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["answer"]
    listed = client.get("/api/v1/webhooks", headers=mine).get_json()["items"]
    assert [item["id"] for item in listed] == [body["id"]] and "secret" not in listed[0]
    assert client.get("/api/v1/webhooks", headers=theirs).get_json()["items"] == []
    hook = body["id"]
    for method, path in (
        ("DELETE", f"/api/v1/webhooks/{hook}"),
        ("GET", f"/api/v1/webhooks/{hook}/deliveries"),
        ("POST", f"/api/v1/webhooks/{hook}/ping"),
    ):
        response = client.open(path, method=method, headers=theirs)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/webhooks", headers=api_headers(participant)).status_code == 403
    assert client.post(f"/api/v1/webhooks/{hook}/ping", headers=mine).status_code == 202
    log = client.get(f"/api/v1/webhooks/{hook}/deliveries?limit=1", headers=mine).get_json()
    assert [item["event"] for item in log["items"]] == ["ping"] and log["next_cursor"] is None
    assert client.get(f"/api/v1/webhooks/{hook}/deliveries?limit=0", headers=mine).status_code == 422
    assert (
        client.get(f"/api/v1/webhooks/{hook}/deliveries?cursor=x", headers=mine).status_code == 400
    )  # a cursor this list never gave
    assert client.delete(f"/api/v1/webhooks/{hook}", headers=mine).status_code == 204
    assert client.delete(f"/api/v1/webhooks/{hook}", headers=mine).status_code == 404


def test_an_organisation_has_at_most_five_receivers(client, api_headers, receiver, startup):
    headers = api_headers(startup)
    for _ in range(5):
        assert client.post("/api/v1/webhooks", headers=headers, json={"url": receiver.url}).status_code == 201
    response = client.post("/api/v1/webhooks", headers=headers, json={"url": receiver.url})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "too_many_webhooks"


# SSRF ------------------------------------------------------------------------------------------------


@pytest.fixture
def dns(monkeypatch):
    """A fake resolver (the sandbox has no DNS): names map to addresses; IP literals resolve to themselves."""
    table = {
        "hooks.example.com": ["93.184.216.34"],
        "rebind.example.com": ["93.184.216.34"],
        "inside.example.com": ["10.0.0.7"],
        "mixed.example.com": ["93.184.216.34", "192.168.1.1"],
    }

    def resolve(host, port):
        import ipaddress

        try:
            return [str(ipaddress.ip_address(host.strip("[]")))]
        except ValueError:
            pass
        if host in table:
            return table[host]
        raise OSError("Name or service not known")

    monkeypatch.setattr(webhooks, "resolve", resolve)
    monkeypatch.setattr("livinglab.notifications.delivery.resolve", resolve)
    return table


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/",
        "https://192.168.0.10/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/",
        "https://[fd00::1]/",
        "https://0.0.0.0/",
        "https://100.64.0.1/",
        "https://inside.example.com/",
        "https://mixed.example.com/",
        "http://hooks.example.com/",
        "https://user:pass@hooks.example.com/",
        "https://hooks.example.com@127.0.0.1/",
        "ftp://hooks.example.com/",
        "https://nowhere.invalid/",
        "javascript:alert(1)",
        "https://hooks.example.com/\r\nX: y",
        "",
        " ",
        "https://hooks.example.com:99999/",
        "https://" + "a" * 600 + ".com/",
        "https://hooks.exämple.com/",
        "https:///path-only",
        "https://hooks.example.com/#frag",
    ],
)
def test_addresses_that_lead_inside_or_make_no_sense_are_refused_with_a_422(client, api_headers, startup, dns, url):
    response = client.post("/api/v1/webhooks", headers=api_headers(startup), json={"url": url})
    assert response.status_code == 422, url
    assert "url" in response.get_json()["error"]["fields"]
    assert db.session.scalars(select(WebhookEndpoint)).all() == []


def test_wrong_types_are_refused_without_a_500(client, api_headers, startup, dns):
    headers = api_headers(startup)
    for body in (
        {"url": 5},
        {"url": ["https://hooks.example.com/"]},
        {"url": "https://hooks.example.com/", "events": "enrolment"},
        {"url": "https://hooks.example.com/", "events": ["everything"]},
        {"url": "https://hooks.example.com/", "description": {"a": 1}},
    ):
        assert client.post("/api/v1/webhooks", headers=headers, json=body).status_code == 422, body


def test_a_public_address_is_accepted(client, api_headers, startup, dns):
    response = client.post(
        "/api/v1/webhooks", headers=api_headers(startup), json={"url": "https://hooks.example.com/x"}
    )
    assert response.status_code == 201


def test_a_name_that_turns_private_after_registration_is_refused_when_posting(client, api_headers, startup, dns):
    client.post("/api/v1/webhooks", headers=api_headers(startup), json={"url": "https://rebind.example.com/x"})
    dns["rebind.example.com"] = ["127.0.0.1"]  # DNS rebinding
    webhooks.emit(startup.organisation_id, "enrolment", {"participant_code": "P-1"})
    db.session.commit()
    assert deliver_due("w") == {"sent": 0, "retried": 0, "failed": 1}
    [row] = deliveries()
    assert row.status == QueueStatus.FAILED and row.last_error.startswith("refused:")


def test_a_stale_delivery_is_claimed_again_after_its_lease(receiver, endpoint, startup):
    webhooks.emit(startup.organisation_id, "enrolment", {"participant_code": "P-1"})
    db.session.execute(
        update(WebhookDelivery).values(
            status=QueueStatus.SENDING, claimed_by="dead", claimed_until=utcnow() - timedelta(seconds=1)
        )
    )
    db.session.commit()
    assert deliver_due("w")["sent"] == 1 and len(receiver.requests) == 1
