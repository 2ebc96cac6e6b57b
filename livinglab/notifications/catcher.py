"""A local SMTP server (aiosmtpd) that keeps every message it receives as a .eml file: the newcomer's
mailbox (`LIVINGLAB_MAIL_URL=local`, read at /dev/mailbox) and the benchmark's receiver.

Files are named after the message's Message-ID, written whole then linked into place, so a second
copy of the same message (a worker that died between the server's "250" and marking it sent) is
recognised and counted in `duplicates.log` instead of shown twice: at-least-once sending plus
deduplication by Message-ID at the receiver.

    python -m livinglab.notifications.catcher --dir instance/mail --port 1025
"""

import argparse
import hashlib
import os
import signal
import threading
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller

NAME_LENGTH = 40


def file_name(raw: bytes) -> str:
    """The file of a message: from its Message-ID, or from its bytes when it has none."""
    headers = BytesHeaderParser(policy=default).parsebytes(raw)
    message_id = str(headers.get("Message-ID") or "").strip()
    key = message_id.encode("utf-8", "replace") if message_id else raw
    return hashlib.sha256(key).hexdigest()[:NAME_LENGTH] + ".eml"


def store(directory: Path, raw: bytes) -> Path | None:
    """Keep one message; None when a message with this Message-ID is already kept."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / file_name(raw)
    temporary = directory / f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    temporary.write_bytes(raw)
    try:
        os.link(temporary, final)  # atomic, and refuses to replace: the first copy wins
    except FileExistsError:
        with open(directory / "duplicates.log", "a", encoding="utf-8") as log:
            log.write(final.name + "\n")
        return None
    finally:
        temporary.unlink()
    return final


class StoringHandler:
    """aiosmtpd handler: every accepted message to `store`, and to `received.log` if asked (benchmark)."""

    def __init__(self, directory: Path, log_ids: bool = False):
        self.directory = Path(directory)
        self.log_ids = log_ids
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        with self.lock:
            if self.log_ids:
                with open(self.directory / "received.log", "a", encoding="utf-8") as log:
                    log.write(file_name(raw) + "\n")
            store(self.directory, raw)
        return "250 Message accepted for delivery"


def start(directory: Path, host: str = "127.0.0.1", port: int = 0, log_ids: bool = False) -> Controller:
    """Start the server in a thread; port 0 picks a free one. Returns the running controller."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    if not port:
        port = free_port(host)
    controller = Controller(
        StoringHandler(directory, log_ids),
        hostname=host,
        port=port,
        ready_timeout=30,
        enable_SMTPUTF8=True,
        data_size_limit=10 * 1024 * 1024,
    )
    controller.start()
    return controller


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="A local SMTP server that stores each message as a .eml file.")
    parser.add_argument("--dir", required=True, help="where to store messages")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--log-ids", action="store_true", help="also list every received message in received.log")
    args = parser.parse_args(argv)
    controller = start(Path(args.dir), args.host, args.port, args.log_ids)
    print(f"SMTP catcher on {args.host}:{controller.port}, storing in {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
