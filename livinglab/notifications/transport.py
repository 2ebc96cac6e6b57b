"""SMTP, with the standard library: `LIVINGLAB_MAIL_URL` parsed, one connection per batch, and each
failure sorted into permanent (a 5xx answer about this message) or transient (retry later).

Why smtplib and email.message rather than a mail library: both are part of Python, maintained with
it, and give us the two things we need exactly: our own headers (Message-ID, List-Unsubscribe) and
the SMTP answer code of each failure."""

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

LOCAL = "local"


class MailConfigError(ValueError):
    """LIVINGLAB_MAIL_URL is missing or cannot be read."""


@dataclass(frozen=True)
class MailURL:
    scheme: str  # smtp | smtps | local
    host: str = "127.0.0.1"
    port: int = 25
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 30

    @property
    def local(self) -> bool:
        return self.scheme == LOCAL

    def safe(self) -> str:
        """For logs: never the password."""
        user = f"{self.username}@" if self.username else ""
        return (
            LOCAL
            if self.local
            else f"{self.scheme}://{user}{self.host}:{self.port}" + ("?starttls=1" if self.starttls else "")
        )


TRUE = {"1", "true", "yes", "on"}


def parse_mail_url(url: str | None, timeout: float = 30) -> MailURL:
    """smtp://user:pass@host:587?starttls=1, smtps://user:pass@host (465), smtp://host:1025, or local."""
    if not url or not str(url).strip():
        raise MailConfigError(
            "LIVINGLAB_MAIL_URL is not set: say where mail goes (smtp://..., smtps://..., "
            "or local for the local mailbox)."
        )
    url = str(url).strip()
    if url in (LOCAL, "local://"):
        return MailURL(LOCAL, timeout=timeout)
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise MailConfigError(f"LIVINGLAB_MAIL_URL: unknown scheme {parts.scheme!r} (smtp, smtps or local).")
    if not parts.hostname:
        raise MailConfigError("LIVINGLAB_MAIL_URL names no host.")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError as err:
        raise MailConfigError(f"LIVINGLAB_MAIL_URL: {err}.") from None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "").lower() in TRUE
    if starttls and parts.scheme == "smtps":
        raise MailConfigError("LIVINGLAB_MAIL_URL: smtps is already encrypted; starttls is for smtp.")
    if "timeout" in query:
        try:
            timeout = float(query["timeout"])
        except ValueError:
            raise MailConfigError("LIVINGLAB_MAIL_URL: timeout is a number of seconds.") from None
    return MailURL(
        parts.scheme,
        parts.hostname,
        port,
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
        starttls,
        timeout,
    )


class SendError(Exception):
    """One message was not sent. `permanent`: retrying will not help (a 5xx answer about it)."""

    def __init__(self, message: str, *, permanent: bool, connection_lost: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.connection_lost = connection_lost


class SmtpConnection:
    """One SMTP session, opened on first use and reused for the batch; reopened after a loss."""

    def __init__(self, url: MailURL, host: str | None = None, port: int | None = None):
        self.url = url
        self.host = host or url.host
        self.port = port or url.port
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        try:
            if self.url.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.url.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.url.timeout)
            try:
                smtp.ehlo()
                if self.url.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.url.username:
                    smtp.login(self.url.username, self.url.password or "")
            except BaseException:
                smtp.close()
                raise
        except (smtplib.SMTPException, OSError) as err:
            # Nothing about a message: the server, the network or our settings. Retry later.
            raise SendError(
                f"cannot connect to {self.url.safe()}: {describe(err)}", permanent=False, connection_lost=True
            ) from None
        self.smtp = smtp
        return smtp

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        smtp = self.open()
        try:
            refused = smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as err:
            code, text = next(iter(err.recipients.values()), (450, b""))
            self.reset()
            raise SendError(f"{code} {decode(text)}", permanent=code >= 500) from None
        except smtplib.SMTPSenderRefused as err:
            # Our sender address refused: a setting to fix, not this message's fault. Retry.
            self.reset()
            raise SendError(f"sender refused: {err.smtp_code} {decode(err.smtp_error)}", permanent=False) from None
        except smtplib.SMTPResponseException as err:
            self.reset()
            raise SendError(f"{err.smtp_code} {decode(err.smtp_error)}", permanent=err.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as err:
            self.close()
            raise SendError(describe(err), permanent=False, connection_lost=True) from None
        if refused:  # only possible with several recipients; we send one at a time
            code, text = next(iter(refused.values()))
            raise SendError(f"{code} {decode(text)}", permanent=code >= 500)

    def reset(self) -> None:
        """After a refused message the session may be mid-transaction: RSET, or start afresh."""
        if self.smtp is None:
            return
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None


def decode(text) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)


def describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:500]
