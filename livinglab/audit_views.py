"""The audit trail for coordinators: search it by action, study and date, sort it, page through it,
and verify its chains.

Read-only by design: there is no route that edits or deletes a record. There is no search by
person: participants are in the trail by participant code or account pseudonym only, and nothing
here turns an email or an account into either."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, tuple_
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from . import audit
from .audit import AuditRecord
from .auth.models import Role, User
from .extensions import db
from .forms import EmptyForm
from .policy import requires
from .studies.models import Study
from .studies.workflow import STATUS_LABELS
from .urls import form_id

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50

ACTION_LABELS = {
    "account.create": _l("Account created"),
    "account.signin": _l("Signed in"),
    "account.locked": _l("Account locked after failed sign-ins"),
    "account.erase": _l("Account erased"),
    "token.create": _l("API token created"),
    "organisation.add_member": _l("Member added to an organisation"),
    "study.create": _l("Study drafted"),
    "study.update": _l("Protocol edited"),
    "consent.save": _l("Consent form saved"),
    "survey.create": _l("Survey added"),
    "survey.update": _l("Survey changed"),
    "survey.delete": _l("Survey deleted"),
    "survey.add_item": _l("Question added"),
    "survey.edit_item": _l("Question edited"),
    "survey.move_item": _l("Questions reordered"),
    "survey.delete_item": _l("Question deleted"),
    "study.submit": _l("Study submitted for review"),
    "study.approve": _l("Study approved"),
    "study.request_changes": _l("Changes requested"),
    "study.reject": _l("Study rejected"),
    "study.open": _l("Recruitment opened"),
    "study.pause": _l("Recruitment paused"),
    "study.close": _l("Recruitment closed"),
    "study.end": _l("Pilot ended"),
    "participant.enrol": _l("Participant enrolled"),
    "participant.reconsent": _l("Participant signed a new consent version"),
    "participant.answer": _l("Participant answered a survey"),
    "participant.withdraw": _l("Participant withdrew"),
    "participant.save_draft": _l("Participant saved a draft of a survey"),
    "participant.discard_draft": _l("Participant threw a survey draft away"),
    "participant.erase_answers": _l("Participant had their kept answers erased"),
    "participant.correct": _l("Participant corrected their answers"),
    "answer.correct": _l("Coordinator corrected an answer"),
    "audit.rekey": _l("Trail re-chained under the audit key"),
    "response.exclude": _l("Response excluded from the sensitivity analysis"),
    "response.include": _l("Excluded response brought back into the sensitivity analysis"),
}
DETAIL_LABELS = {
    "fields": _l("fields"),
    "version": _l("version"),
    "survey": _l("survey"),
    "items": _l("answers changed"),
    "revision": _l("revision"),
    "consent_version": _l("consent version"),
    "erase_data": _l("answers erased"),
    "role": _l("role"),
    "user_id": _l("account"),
    "organisation_id": _l("organisation"),
    "previous_organisation_id": _l("previous organisation"),
    "legacy_records": _l("records of the former chain"),
    "legacy_head": _l("its last hash"),
    "legacy_intact": _l("intact"),
    "legacy_first_broken": _l("first broken record"),
    "exclusion": _l("exclusion"),
}
ROLE_LABELS = {Role.COORDINATOR: _l("coordinator"), Role.STARTUP: _l("startup"), Role.PARTICIPANT: _l("participant")}
SORTS = {"newest": _l("Newest first"), "oldest": _l("Oldest first")}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


class TrailFilterForm(Form):
    """The trail's search: a GET form, so no CSRF token; every value is checked by `criteria`."""

    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    study = StringField(_l("Study"), description=_l("Its number, such as 12"))
    date_from = StringField(_l("From (UTC)"))
    date_to = StringField(_l("To (UTC)"))
    sort = SelectField(_l("Order"), choices=[SelectChoice(k, v) for k, v in SORTS.items()], validate_choice=False)

    def __init__(self, formdata, actions: list[str]):
        super().__init__(formdata)
        self.action.choices = [SelectChoice("", _l("Any action"))] + sorted(
            (SelectChoice(a, action_label(a)) for a in actions), key=lambda c: str(c.label).casefold()
        )


@dataclass
class Criteria:
    action: str | None = None
    study_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None  # exclusive

    @property
    def any(self) -> bool:
        return any(v is not None for v in vars(self).values())


def criteria(form: TrailFilterForm, actions: list[str]) -> Criteria:
    """The filters as values; a field that cannot be read gets an error beside it."""
    found = Criteria()
    action = (form.action.data or "").strip()
    if action:
        if action in actions:
            found.action = action
        else:
            form.action.errors = [_("No record has this action.")]
    study = (form.study.data or "").strip().lstrip("#")
    if study:
        found.study_id = form_id(study)
        if found.study_id is None:
            form.study.errors = [_("A study number is a whole number, such as 12.")]
    for name in ("date_from", "date_to"):
        field = getattr(form, name)
        text = (field.data or "").strip()
        if not text:
            continue
        try:
            day = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            field.errors = [_("Write the date as YYYY-MM-DD, for example 2026-03-31.")]
        elif name == "date_from":
            found.start = datetime.combine(day, time.min, UTC)
        elif day < date.max:
            found.end = datetime.combine(day + timedelta(days=1), time.min, UTC)
    if found.start and found.end and found.start >= found.end:
        form.date_to.errors = [_("The end date is before the start date.")]
    if (form.sort.data or "newest") not in SORTS:
        form.sort.errors = [_("Choose newest or oldest first.")]
    return found


def filtered(query, found: Criteria):
    if found.action:
        query = query.where(AuditRecord.action == found.action)
    if found.study_id is not None:
        query = query.where(AuditRecord.study_id == found.study_id)
    if found.start:
        query = query.where(AuditRecord.at >= found.start)
    if found.end:
        query = query.where(AuditRecord.at < found.end)
    return query


# --- Keyset paging -------------------------------------------------------------------------------


@dataclass
class Page:
    records: Sequence[AuditRecord]
    newer: int | None = None  # the cursor of the page before (towards the start of the order)
    older: int | None = None  # the cursor of the page after
    note: str | None = None


def page_of(query, sort: str, after: str | None, before: str | None) -> Page:
    """PER_PAGE records in (at, id) order from a cursor (a record id), whatever the trail's length:
    each page is one indexed range query, never an OFFSET."""
    key = tuple_(AuditRecord.at, AuditRecord.id)
    forward = [AuditRecord.at.desc(), AuditRecord.id.desc()] if sort == "newest" else [AuditRecord.at, AuditRecord.id]
    backward = [AuditRecord.at, AuditRecord.id] if sort == "newest" else [AuditRecord.at.desc(), AuditRecord.id.desc()]
    note = None
    raw = before if before is not None else after
    cursor = None
    if raw is not None:
        anchor_id = form_id(raw)
        anchor = (
            db.session.execute(select(AuditRecord.at, AuditRecord.id).where(AuditRecord.id == anchor_id)).first()
            if anchor_id
            else None
        )
        if anchor is None:
            note = _("This position is not in the trail: here are the first records.")
        else:
            cursor = (anchor.at, anchor.id)
    later = (lambda c: key < c) if sort == "newest" else (lambda c: key > c)  # further along the order
    earlier = (lambda c: key > c) if sort == "newest" else (lambda c: key < c)
    if cursor is not None and before is not None:
        rows = db.session.scalars(query.where(earlier(cursor)).order_by(*backward).limit(PER_PAGE + 1)).all()
        more_before = len(rows) > PER_PAGE
        rows = list(reversed(rows[:PER_PAGE]))
        page = Page(rows, newer=rows[0].id if rows and more_before else None)
        page.older = rows[-1].id if rows else None
    else:
        if cursor is not None:
            query = query.where(later(cursor))
        rows = db.session.scalars(query.order_by(*forward).limit(PER_PAGE + 1)).all()
        more_after = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        page = Page(rows, older=rows[-1].id if rows and more_after else None)
        page.newer = rows[0].id if rows and cursor is not None else None
    page.note = note
    return page


# --- Who did it, in words ------------------------------------------------------------------------


def actor_text(record: AuditRecord, users: dict[int, tuple[str, Role]]) -> tuple[str, str | None]:
    """(who, their role) for one record. Participants by participant code or account pseudonym only."""
    if record.actor_role == Role.PARTICIPANT:
        return (
            _("participant %(key)s", key=record.participant_key) if record.participant_key else _("a participant")
        ), None
    if record.actor_id is None:
        return _("the system"), None
    if record.actor_id not in users:
        return _("erased account #%(id)d", id=record.actor_id), None
    name, role = users[record.actor_id]
    return name, str(ROLE_LABELS.get(role, role))


def account_text(account_id, users: dict[int, tuple[str, Role]]) -> str:
    if isinstance(account_id, int) and account_id in users and users[account_id][1] != Role.PARTICIPANT:
        return f"{users[account_id][0]} (#{account_id})"
    return f"#{account_id}"


def detail_lines(record: AuditRecord, users) -> list[tuple[str, str]]:
    lines = []
    if record.participant_key and record.actor_role != Role.PARTICIPANT:
        lines.append((_("participant"), record.participant_key))
    for key, value in sorted((record.details or {}).items()):
        if key == "user_id":
            value = account_text(value, users)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        elif value is None:
            value = "—"
        lines.append((str(DETAIL_LABELS.get(key, key)), str(value)))
    return lines


def rows_for(records: list[AuditRecord]) -> list[dict]:
    """The page's records with names and study titles: two queries, whatever the page holds."""
    ids = {r.actor_id for r in records} | {r.details.get("user_id") for r in records if r.details}
    ids = {i for i in ids if isinstance(i, int)}
    users = (
        {
            uid: (name, role)
            for uid, name, role in db.session.execute(
                select(User.id, User.name, User.role).where(User.id.in_(ids), User.role != Role.PARTICIPANT)
            )
        }
        if ids
        else {}
    )
    study_ids = {r.study_id for r in records if r.study_id is not None}
    titles = (
        dict(db.session.execute(select(Study.id, Study.title).where(Study.id.in_(study_ids))).all())
        if study_ids
        else {}
    )
    rows = []
    for record in records:
        who, role = actor_text(record, users)
        rows.append(
            {
                "record": record,
                "who": who,
                "role": role,
                "what": action_label(record.action),
                "title": titles.get(record.study_id),  # type: ignore[arg-type]  # no study: None takes no title
                "from_state": state_text(record.from_state),
                "to_state": state_text(record.to_state),
                "details": detail_lines(record, users),
            }
        )
    return rows


def state_text(state: str | None) -> str | None:
    return str(STATUS_LABELS.get(state, state)) if state else None


# --- Routes --------------------------------------------------------------------------------------


@bp.get("")
@requires("audit")
def index():
    """The trail, 50 records a page, searched by action, study and dates, newest or oldest first."""
    actions = list(db.session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)))
    form = TrailFilterForm(request.args, actions)
    found = criteria(form, actions)
    sort = form.sort.data if form.sort.data in SORTS else "newest"
    invalid = any(field.errors for field in form)
    total, page, rows = 0, Page([]), []
    if not invalid:
        total = db.session.scalar(filtered(select(func.count(AuditRecord.id)), found))
        page = page_of(
            filtered(select(AuditRecord), found), sort, request.args.get("after"), request.args.get("before")
        )
        rows = rows_for(page.records)
    args = {k: v for k, v in request.args.items() if k in form._fields and v}
    links = {}
    if page.newer is not None or "before" in request.args:
        links["first"] = url_for(".index", **args)
    if page.newer is not None:
        links["previous"] = url_for(".index", **args, before=page.newer)
    if page.older is not None:
        links["next"] = url_for(".index", **args, after=page.older)
    return render_template(
        "audit/index.html",
        form=form,
        rows=rows,
        total=total,
        page=page,
        invalid=invalid,
        filtered=found.any,
        links=links,
    )


@bp.post("/verify")
@requires("audit")
def verify():
    """Walk every chain against the key, the head rows and the latest checkpoint."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    result = audit.verify_trail()
    problem = result.first
    when = result.checkpoint.at.strftime("%Y-%m-%d %H:%M UTC") if result.checkpoint else None
    if problem is None:
        flash(
            _(
                "The trail is intact: %(n)d records in %(chains)d chains, every link verified under the key.",
                n=result.checked,
                chains=len(result.chains),
            )
            + " "
            + (
                _("Nothing is missing since the checkpoint of %(when)s.", when=when)
                if when
                else _("No checkpoint has been written yet: run flask audit checkpoint.")
            ),
            "success",
        )
    elif problem.kind == "changed":
        flash(
            _(
                "The trail is broken at record #%(id)d: it was changed, or a record before it in its chain was "
                "removed or inserted.",
                id=problem.record.id,
            ),
            "error",
        )
    elif problem.kind == "diverged":
        flash(
            _(
                "The trail is broken: chain “%(chain)s” no longer matches %(source)s at its record %(want)d: "
                "its last records were rewritten.",
                chain=problem.chain,
                want=problem.want,
                source=_("the checkpoint of %(when)s", when=when)
                if problem.source == "checkpoint"
                else _("its head row"),
            ),
            "error",
        )
    elif problem.kind == "missing":
        flash(
            _(
                "The trail is broken: records are missing at the end of chain “%(chain)s” (%(have)d found, "
                "%(want)d vouched for by %(source)s).",
                chain=problem.chain,
                have=problem.have,
                want=problem.want,
                source=_("the checkpoint of %(when)s", when=when)
                if problem.source == "checkpoint"
                else _("its head row"),
            ),
            "error",
        )
    else:
        flash(
            _("The trail is broken: the database's identity is missing, while records or checkpoints exist."), "error"
        )
    db.session.rollback()  # verification only reads; release the transaction at once
    return redirect(url_for(".index"))
