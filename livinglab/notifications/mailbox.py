"""The local mailbox: every message the local catcher stored under instance/mail, readable in the app.

Only when LIVINGLAB_MAILBOX is true (run.sh sets it); everywhere else every route here answers 404,
so production never shows anyone's mail."""

import re
from email import message_from_bytes
from email.policy import default
from email.utils import parsedate_to_datetime

from flask import Blueprint, abort, make_response, render_template

from ..policy import public
from .catcher import NAME_LENGTH
from .settings import enabled, mail_dir

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mailbox")
NAME = re.compile(rf"^[0-9a-f]{{{NAME_LENGTH}}}\.eml$")
LISTED = 200


@bp.before_request
def only_when_enabled():
    if not enabled("MAILBOX"):
        abort(404)


def read(path):
    return message_from_bytes(path.read_bytes(), policy=default)


def summary(path) -> dict:
    message = read(path)
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    return {
        "name": path.name,
        "subject": str(message["Subject"] or ""),
        "to": str(message["To"] or ""),
        "date": date,
        "kind": str(message["X-LivingLab-Kind"] or ""),
        "unsubscribe": message["List-Unsubscribe"] is not None,
    }


def stored(name: str):
    if not NAME.match(name):
        abort(404)
    path = mail_dir() / name
    if not path.is_file():
        abort(404)
    return path


@bp.get("")
@public
def index():
    """The newest messages first."""
    directory = mail_dir()
    paths = sorted(directory.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True) if directory.is_dir() else []
    return render_template(
        "notifications/mailbox.html",
        messages=[summary(p) for p in paths[:LISTED]],
        total=len(paths),
        directory=directory,
    )


@bp.get("/<name>")
@public
def show(name: str):
    """One message: its headers, its text part, and its HTML part in a sandboxed frame."""
    message = read(stored(name))
    text = message.get_body(preferencelist=("plain",))
    headers = [
        (key, str(message[key]))
        for key in (
            "From",
            "To",
            "Subject",
            "Date",
            "Message-ID",
            "Content-Language",
            "List-Unsubscribe",
            "List-Unsubscribe-Post",
            "X-LivingLab-Kind",
        )
        if message[key] is not None
    ]
    return render_template(
        "notifications/mailbox_message.html",
        name=name,
        headers=headers,
        subject=str(message["Subject"] or ""),
        text=text.get_content() if text else "",
        has_html=message.get_body(preferencelist=("html",)) is not None,
    )


@bp.get("/<name>/html")
@public
def html(name: str):
    """The HTML part alone, for the frame: no script, no outside resource, framed by us only."""
    part = read(stored(name)).get_body(preferencelist=("html",))
    if part is None:
        abort(404)
    # Links open in the whole window, not in the frame (the app refuses to be framed).
    content = part.get_content().replace("<head>", '<head><base target="_top">', 1)
    response = make_response(content)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; form-action 'none'"
    )
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
