"""The settings of mail, the worker and webhooks, with their defaults.

Each can be set as `LIVINGLAB_<NAME>` in the environment or `<NAME>` in instance/config.py; the
README's configuration table lists them."""

from email.utils import parseaddr
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

DEFAULTS = {
    "MAIL_URL": None,  # smtp://user:pass@host:587?starttls=1 | smtps://... | local
    "MAIL_FROM": None,  # "LivingLab <noreply@example.org>"; derived from BASE_URL when unset
    "BASE_URL": "http://127.0.0.1:5000",  # the app's public address, for links in messages
    "MAILBOX": False,  # the local mailbox page (/dev/mailbox); never in production
    "MAIL_DIR": None,  # where the local catcher stores messages; instance/mail when unset
    "MAIL_TIMEOUT": 30,  # seconds, per SMTP operation
    "MAIL_MAX_ATTEMPTS": 8,  # then the message is marked failed
    "MAIL_RETRY_SECONDS": 60,  # first retry delay; doubled at each attempt
    "MAIL_RETRY_MAX_SECONDS": 6 * 3600,
    "MAIL_LEASE_SECONDS": 120,  # a claim older than this is another worker's to retry
    "MAIL_BATCH": 50,  # rows claimed at once
    "HELD_DAYS": 30,  # a message held for an unverified address is dropped after this
    "WORKER_POLL_SECONDS": 2.0,  # the worker's nap when there is nothing to do
    "DIGEST_HOUR": 7,  # UTC hour from which daily digests go out
    "DIGEST_WEEKDAY": 0,  # the weekly recruitment digest goes out on Mondays (0) from DIGEST_HOUR
    "DAY_SECONDS": None,  # a shorter "day" of the survey calendar, for a demo (60: a minute)
    "WEBHOOK_ALLOW_PRIVATE": False,  # allow http and loopback/private addresses (tests, local tools)
    "WEBHOOK_TIMEOUT": 10,  # seconds, to connect and to read the answer
    "WEBHOOK_MAX_ATTEMPTS": 8,
    "WEBHOOK_MAX_ENDPOINTS": 5,  # per organisation
}


def setting(name: str):
    config = current_app.config
    return config[name] if config.get(name) is not None else DEFAULTS[name]


def enabled(name: str) -> bool:
    """A yes/no setting, whether it came as JSON (true) or as text ("true", "1", "yes")."""
    value = setting(name)
    return value is True or (isinstance(value, (str, int)) and str(value).strip().lower() in ("1", "true", "yes", "on"))


def base_url() -> str:
    return str(setting("BASE_URL")).rstrip("/")


def mail_dir() -> Path:
    configured = setting("MAIL_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "mail"


def mail_from() -> str:
    configured = setting("MAIL_FROM")
    if configured:
        return str(configured)
    host = urlsplit(base_url()).hostname or ""
    if "." not in host or is_ip(host):
        host = "livinglab.localhost"
    return f"LivingLab <noreply@{host}>"


def from_address() -> str:
    return parseaddr(mail_from())[1]


def message_id_domain() -> str:
    return from_address().rpartition("@")[2] or "livinglab.localhost"


def is_ip(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True
