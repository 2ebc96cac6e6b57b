"""A real SMTP server for the mail tests (aiosmtpd, in this process, on a free port), and helpers."""

import threading
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from livinglab.extensions import db
from livinglab.timeutil import utcnow
from tests.servers import free_port

BASE_URL = "https://livinglab.test"


class Received:
    """What the SMTP server accepted: the envelope and the parsed message."""

    def __init__(self, mail_from: str, rcpt_tos: list[str], raw: bytes):
        self.mail_from, self.rcpt_tos, self.raw = mail_from, rcpt_tos, raw
        self.message = message_from_bytes(raw, policy=default)

    def __getitem__(self, header):
        return self.message[header]

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        return self.message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")


class Recorder:
    """The server's handler: records what it accepts; `refuse` answers RCPT with a code per
    address, `fail_data` answers the next DATA commands with these replies (then accepts)."""

    def __init__(self):
        self.received: list[Received] = []
        self.refuse: dict[str, str] = {}
        self.fail_data: list[str] = []
        self.attempted_ids: list[str] = []  # Message-ID of every DATA, accepted or not
        self.logins: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        with self.lock:
            parsed = Received(envelope.mail_from, list(envelope.rcpt_tos), raw)
            self.attempted_ids.append(str(parsed["Message-ID"]))
            if self.fail_data:
                return self.fail_data.pop(0)
            self.received.append(parsed)
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class SmtpServer:
    def __init__(self, port: int, recorder: Recorder, credentials=None):
        self.port, self.recorder, self.credentials = port, recorder, credentials
        self.controller = None

    @property
    def received(self):
        return self.recorder.received

    def to(self, address: str) -> list[Received]:
        return self.recorder.to(address)

    def url(self, user: str | None = None, password: str | None = None) -> str:
        auth = f"{user}:{password}@" if user else ""
        return f"smtp://{auth}127.0.0.1:{self.port}"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.recorder.logins.append(login)
        return AuthResult(success=self.credentials is None or login == self.credentials)


def start_server(credentials=None) -> SmtpServer:
    recorder = Recorder()
    server = SmtpServer(free_port(), recorder, credentials)
    server.controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=server.port,
        ready_timeout=30,
        enable_SMTPUTF8=True,
        authenticator=server.authenticate,
        auth_require_tls=False,
    )
    server.controller.start()
    return server


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server, and the app configured to send to it with links to BASE_URL."""
    server = start_server()
    monkeypatch.setitem(app.config, "MAIL_URL", server.url())
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    monkeypatch.setitem(app.config, "MAIL_FROM", "LivingLab <noreply@livinglab.test>")
    yield server
    server.controller.stop()


@pytest.fixture
def run_worker():
    """One pass of a worker in this process (`flask worker --once`); returns its report."""
    from livinglab.notifications.worker import Worker

    def run(**kwargs):
        worker = Worker(**kwargs)
        try:
            return worker.run_once()
        finally:
            worker.close()

    return run


@pytest.fixture
def verified():
    """Mark an account's address as verified (the accounts branch provides the real flow)."""

    def mark(user):
        user.email_verified_at = utcnow()
        db.session.commit()
        return user

    return mark


@pytest.fixture
def verified_user(make_user, verified):
    def make(role="participant", locale=None, **kwargs):
        user = make_user(role, **kwargs)
        user.locale = locale
        return verified(user)

    return make


@pytest.fixture(autouse=True)
def no_weekly_digest_unless_asked(app, monkeypatch):
    """The weekly recruitment digest goes out on Mondays: tests ask for it by setting DIGEST_WEEKDAY."""
    monkeypatch.setitem(app.config, "DIGEST_WEEKDAY", 7)  # no weekday is 7


def clear_outbox():
    """Forget the mail and webhook events of the setup (a study walked to a status tells people)."""
    from sqlalchemy import delete

    from livinglab.notifications.models import OutboxMessage, WebhookDelivery

    db.session.execute(delete(OutboxMessage))
    db.session.execute(delete(WebhookDelivery))
    db.session.commit()


@pytest.fixture
def make_study(make_study):
    """The shared fixture, minus the mail its walk through the lifecycle queued."""

    def make(*args, **kwargs):
        study = make_study(*args, **kwargs)
        clear_outbox()
        return study

    return make
