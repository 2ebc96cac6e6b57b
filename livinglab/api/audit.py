"""The audit trail for coordinators, as on the page: searched by action, study and dates, newest or oldest
first, a page at a time; and the verification of its chains. Read-only: nothing edits a record.

Participants appear by participant code or account pseudonym only, never by account."""

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from .. import validation as v
from ..audit import AuditRecord
from ..audit_views import Criteria, action_label, filtered
from ..auth.models import Role, User
from ..extensions import db
from ..studies.fields import iso
from ..studies.models import Study
from ..urls import MAX_ID
from .common import query_choice, query_whole_number, token_required
from .pagination import paginate

bp = Blueprint("audit", __name__)
coordinators_only = token_required("audit")
SORTS = ("newest", "oldest")


def query_day(name: str) -> date | None:
    """`?from=` / `?to=` as YYYY-MM-DD (UTC days); 422 for anything else."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if len(raw) == 10 and raw.isascii():
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    v.reject(name, v.FieldError(_("Write the date as YYYY-MM-DD, for example 2026-03-31.")))


def criteria() -> Criteria:
    """The filters of the query string, checked as the page checks its form."""
    found, errors = Criteria(), {}
    try:
        found.action = v.text(request.args.get("action"), max_len=64, single_line=True) or None
    except v.FieldError as err:
        errors["action"] = err
    v.raise_for(errors)
    found.study_id = query_whole_number("study_id", 1, MAX_ID)
    start, end = query_day("from"), query_day("to")
    if start:
        found.start = datetime.combine(start, time.min, UTC)
    if end and end < date.max:
        found.end = datetime.combine(end + timedelta(days=1), time.min, UTC)
    if found.start and found.end and found.start >= found.end:
        v.raise_for({"to": v.FieldError(_("The end date is before the start date."))})
    return found


def record_dict(record: AuditRecord) -> dict:
    participant = record.actor_role == Role.PARTICIPANT
    return {
        "id": record.id,
        "at": iso(record.at),
        "action": record.action,
        "label": action_label(record.action),
        "study_id": record.study_id,
        "study_title": None,
        "actor": {"id": None if participant else record.actor_id, "role": record.actor_role, "name": None},
        "participant_key": record.participant_key,
        "from_state": record.from_state,
        "to_state": record.to_state,
        "comment": record.comment,
        "details": record.details or {},
        "chain": record.chain,
        "seq": record.seq,
    }


def name_actors(items: list[dict]) -> None:
    """Staff names and study titles for a page of records: two queries, whatever the page holds."""
    ids = {item["actor"]["id"] for item in items if item["actor"]["id"] is not None}
    names = (
        dict(
            db.session.execute(select(User.id, User.name).where(User.id.in_(ids), User.role != Role.PARTICIPANT)).all()
        )
        if ids
        else {}
    )
    study_ids = {item["study_id"] for item in items if item["study_id"] is not None}
    titles = (
        dict(db.session.execute(select(Study.id, Study.title).where(Study.id.in_(study_ids))).all())
        if study_ids
        else {}
    )
    for item in items:
        item["actor"]["name"] = names.get(item["actor"]["id"])
        item["study_title"] = titles.get(item["study_id"])


@bp.get("/audit")
@coordinators_only
def trail(_user):
    """A page of the trail, newest first unless `sort=oldest`, filtered by action, study and UTC days."""
    sort = query_choice("sort", SORTS) or "newest"
    found = criteria()
    page = paginate(
        filtered(select(AuditRecord), found),
        AuditRecord.id,
        f"audit.{sort}",
        record_dict,
        newest_first=sort == "newest",
    )
    name_actors(page["items"])
    return page


@bp.post("/audit/verify")
@coordinators_only
def verify(_user):
    """Walk every chain against the key, the head rows and the latest checkpoint; nothing is written."""
    result = audit.verify_trail()
    problem = result.first
    answer = {
        "intact": problem is None,
        "checked": result.checked,
        "chains": len(result.chains),
        "checkpoint_at": iso(result.checkpoint.at) if result.checkpoint else None,
        "problem": None
        if problem is None
        else {
            "kind": problem.kind,
            "chain": problem.chain,
            "record_id": problem.record.id if problem.record is not None else None,
            "found": problem.have,
            "vouched_for": problem.want,
            "source": problem.source or None,
            "message": problem.describe(),
        },
    }
    db.session.rollback()  # verification only reads; release the transaction at once
    return answer
