"""From an outbox row to an email: the recipient's language, text and HTML parts from templates,
links into the app from LIVINGLAB_BASE_URL, a Message-ID fixed per row, and List-Unsubscribe on
non-essential messages only."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, format_date
from sqlalchemy import select

from ..extensions import db
from ..studies import pilot_languages
from ..studies.models import Study
from ..timeutil import aware, days, utcnow
from .kinds import Kind, decision_label, recruitment_state_label
from .kinds import kind as kind_of
from .preferences import unsubscribe_token
from .settings import base_url, from_address, mail_from, message_id_domain

CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
SPACES = re.compile(r" {2,}")  # French no-break spaces stay


@dataclass
class Recipient:
    address: str
    name: str | None
    locale: str
    user_id: int | None


def one_line(text: str, limit: int = 200) -> str:
    """Header text: control characters (CR and LF above all: header injection) become spaces."""
    return SPACES.sub(" ", CONTROL.sub(" ", str(text))).strip()[:limit]


def app_url(endpoint: str, **values) -> str:
    """An absolute link to a route of the app, from LIVINGLAB_BASE_URL: works without a request."""
    parts = urlsplit(base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def absolute(path: str) -> str:
    """An app path given by the caller (a link with a token, say) made absolute; never another site."""
    path = str(path)
    if not path.startswith("/") or path.startswith("//") or "\\" in path or CONTROL.search(path):
        raise ValueError(f"not a path of this app: {path!r}")
    return base_url() + path


def message_id(uid: str) -> str:
    return f"<{uid}@{message_id_domain()}>"


def build(message, recipient: Recipient) -> EmailMessage:
    """The whole email for one outbox row, rendered in the recipient's language."""
    spec = kind_of(message.kind)
    context = dict(message.context or {})
    if spec.participant:
        context = in_pilot_language(context, recipient.locale)
    unsubscribe = None
    if not spec.essential and recipient.user_id is not None:
        unsubscribe = app_url("notifications.unsubscribe", token=unsubscribe_token(recipient.user_id, spec.governed_by))
    with force_locale(recipient.locale):
        subject = one_line(spec.subject(context))
        page = template_context(spec, context, message, recipient, unsubscribe)
        text = render_template(f"mail/{spec.name}.txt", subject=subject, **page)
        html = inline_styles(render_template(f"mail/{spec.name}.html", subject=subject, **page))
    email = EmailMessage(policy=SMTP)
    email["Subject"] = subject
    email["From"] = mail_from()
    email["To"] = to_header(recipient)
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message.uid)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us
    email["X-LivingLab-Kind"] = spec.name
    if unsubscribe:
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    email["Content-Language"] = recipient.locale  # after the parts: set_content moves Content-* headers
    return email


def in_pilot_language(context: dict, language: str) -> dict:
    """A participant's message names the pilot and its survey as they read them on the site: in their language
    when the pilot has an up-to-date translation of the very text the message was written with, else as written."""
    study = db.session.get(Study, int(context["study_id"])) if context.get("study_id") else None
    if study is None or not study.languages:
        return context
    reads = pilot_languages.language_for(study, language)
    out = dict(context)
    if out.get("title"):
        out["title"] = pilot_languages.text_in(study, reads, "protocol.title", out["title"])
    if out.get("survey") and out.get("survey_key"):
        out["survey"] = pilot_languages.text_in(study, reads, f"surveys.{out['survey_key']}.title", out["survey"])
    return out


def template_context(spec: Kind, context: dict, message, recipient: Recipient, unsubscribe: str | None) -> dict:
    """What every mail template may use, beside the message's own context."""
    page = dict(context)
    if context.get("close_day") is not None:
        page["closes_on"] = window_closes(int(context["close_day"]), message.participant_code)
    if "link" in context:
        page["link"] = absolute(context["link"])
    page.update(
        kind=spec,
        essential=spec.essential,
        lang=recipient.locale,
        recipient_name=recipient.name,
        participant_code=message.participant_code or context.get("participant_code"),
        app_url=app_url,
        home_url=app_url("main.index"),
        unsubscribe_url=unsubscribe,
        preferences_url=app_url("notifications.preferences_page"),
        decision_label=decision_label,
        recruitment_state_label=recruitment_state_label,
        day=day,
    )
    return page


def window_closes(close_day: int, participant_code: str | None) -> str | None:
    """When a survey's window closes for the message's participant: the scheduler writes one message per
    participant with the timepoint's close day (days after enrolment); the date is theirs."""
    from ..participants.models import Enrolment

    if not participant_code:
        return None
    enrolled_at = db.session.scalar(select(Enrolment.enrolled_at).where(Enrolment.participant_code == participant_code))
    return (aware(enrolled_at) + days(close_day)).isoformat() if enrolled_at is not None else None


def day(value) -> str:
    """A date (or the date of an ISO time) in the recipient's language: "3 mars 2026"."""
    text = str(value)
    moment = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text[:10])
    return format_date(moment.date() if isinstance(moment, datetime) else moment, format="long")


# Mail clients ignore most stylesheets: the few bare tags of our templates get their style inline.
INLINE = {
    "<p>": '<p style="margin:0 0 16px;">',
    "<ul>": '<ul style="margin:0 0 16px;padding-left:20px;">',
    "<li>": '<li style="margin:0 0 6px;">',
    "<h2>": '<h2 style="font-size:17px;margin:20px 0 8px;">',
    "<blockquote>": '<blockquote style="margin:0 0 16px;padding:8px 14px;border-left:4px solid #d9dee5;'
    'white-space:pre-line;">',
}


def inline_styles(html: str) -> str:
    for bare, styled in INLINE.items():
        html = html.replace(bare, styled)
    return html


def to_header(recipient: Recipient) -> Address:
    """The header policy encodes a non-ASCII name, and refuses a malformed address (ValueError)."""
    return Address(display_name=one_line(recipient.name or "", 100), addr_spec=recipient.address)


def sender() -> str:
    return from_address()
