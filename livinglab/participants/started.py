"""When a participant started a survey, for the data-quality flag on answers given impossibly fast.

The survey page carries the moment of its first display in a signed hidden field (nothing is written when a
page is only shown); a draft keeps the earliest start it saw; the response keeps the earliest of the two. An
API client may send `started_at`; without it, the response has no start and is never flagged as too fast."""

from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer

from .. import validation as v
from ..timeutil import aware, utcnow

FIELD = "started-token"  # the hidden field's name: never an answer key (those have no hyphen)
TOKEN_MAX = 200  # characters: a real token is about 60
CLOCK_SKEW = timedelta(minutes=1)  # an API client's clock may run this far ahead


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="livinglab.survey.started")  # type: ignore[arg-type]  # create_app sets it


def page_token(enrolment_id: int, survey_id: int, at: datetime | None = None) -> str:
    """The hidden field of a survey page shown now (or at `at`, the start a draft or an earlier display kept)."""
    moment = aware(at) if at is not None else utcnow()
    return _signer().dumps({"e": enrolment_id, "s": survey_id, "t": int(moment.timestamp())})


def from_page(token, enrolment_id: int, survey_id: int) -> datetime | None:
    """The start a survey page was given, if the token is one we signed for this participant and survey;
    anything else (absent, forged, another survey's) is no start at all."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return None
    try:
        data = _signer().loads(token)
    except (BadData, ValueError, UnicodeError):
        return None
    if not isinstance(data, dict) or data.get("e") != enrolment_id or data.get("s") != survey_id:
        return None
    moment = data.get("t")
    if isinstance(moment, bool) or not isinstance(moment, int):
        return None
    started = datetime.fromtimestamp(moment, UTC)
    return started if started <= utcnow() else None


def from_api(value) -> datetime | None:
    """`started_at` of an API answer: an ISO 8601 time with a time zone, not in the future; absent or null: no
    start. 400 for a value that is not text, 422 for text that is not such a time."""
    if value is None:
        return None
    if not isinstance(value, str):
        v.reject("started_at", v.FieldError(_("Must be a time in ISO 8601, with a time zone."), 400))
    try:
        parsed = datetime.fromisoformat(value.strip()) if len(value) <= 40 else None
        started = parsed.astimezone(UTC) if parsed is not None and parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        started = None
    if started is None:
        v.reject("started_at", v.FieldError(_("Must be a time in ISO 8601, with a time zone.")))
    now = utcnow()
    if started > now + CLOCK_SKEW:
        v.reject("started_at", v.FieldError(_("Cannot be in the future.")))
    return min(started, now)


def earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the starts known (None when none is)."""
    known = [aware(m) for m in moments if m is not None]
    return min(known) if known else None
