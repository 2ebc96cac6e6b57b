"""The audit trail for coordinators: browse and filter it, and verify its hash chain.

Read-only by design: there is no route that edits or deletes a record."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from . import audit
from .audit import AuditRecord
from .auth.models import Role, User
from .auth.permissions import ROLE_ACTIONS, role_required
from .extensions import db
from .forms import EmptyForm
from .studies.models import Study
from .studies.workflow import STATUS_LABELS
from .urls import MAX_ID

bp = Blueprint("audit", __name__, url_prefix="/audit")
coordinators_only = role_required(*ROLE_ACTIONS["audit"])
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
}
DETAIL_LABELS = {
    "fields": _l("fields"), "version": _l("version"), "survey": _l("survey"),
    "participant_code": _l("participant code"), "consent_version": _l("consent version"),
    "erase_data": _l("answers erased"), "role": _l("role"), "user_id": _l("account"),
    "organisation_id": _l("organisation"),
}
ROLE_LABELS = {Role.COORDINATOR: _l("coordinator"), Role.STARTUP: _l("startup"), Role.PARTICIPANT: _l("participant")}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


class TrailFilterForm(Form):
    """The trail's filters: a GET form, so no CSRF token; every value is checked by `criteria`."""
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    study = StringField(_l("Study"), description=_l("Its number, such as 12"))
    actor = StringField(_l("Who"), description=_l("Email, or part of it, or #account number"))
    date_from = StringField(_l("From (UTC)"))
    date_to = StringField(_l("To (UTC)"))

    def __init__(self, formdata, actions: list[str]):
        super().__init__(formdata)
        self.action.choices = [SelectChoice("", _l("Any action"))] + sorted(
            (SelectChoice(a, action_label(a)) for a in actions), key=lambda c: str(c.label).casefold())


@dataclass
class Criteria:
    action: str | None = None
    study_id: int | None = None
    actor_id: int | None = None
    actor_email: str | None = None  # part of an email, lower case
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
        found.study_id = whole_number(study)
        if found.study_id is None:
            form.study.errors = [_("A study number is a whole number, such as 12.")]
    actor = (form.actor.data or "").strip()
    if actor.startswith("#") or actor.isdigit():
        found.actor_id = whole_number(actor.lstrip("#"))
        if found.actor_id is None:
            form.actor.errors = [_("An account number is a whole number, such as #12.")]
    elif actor:
        if len(actor) > 254:
            form.actor.errors = [_("An email has at most 254 characters.")]
        else:
            found.actor_email = actor.casefold()
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
            found.start = datetime.combine(day, time.min, timezone.utc)
        elif day < date.max:
            found.end = datetime.combine(day + timedelta(days=1), time.min, timezone.utc)
    if found.start and found.end and found.start >= found.end:
        form.date_to.errors = [_("The end date is before the start date.")]
    return found


def whole_number(text: str) -> int | None:
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def filtered(query, found: Criteria):
    if found.action:
        query = query.where(AuditRecord.action == found.action)
    if found.study_id is not None:
        query = query.where(AuditRecord.study_id == found.study_id)
    if found.actor_id is not None:
        query = query.where(AuditRecord.actor_id == found.actor_id)
    if found.actor_email:
        query = query.where(AuditRecord.actor_id.in_(select(User.id).where(email_matches(found.actor_email))))
    if found.start:
        query = query.where(AuditRecord.at >= found.start)
    if found.end:
        query = query.where(AuditRecord.at < found.end)
    return query


def email_matches(part: str):
    escaped = part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(User.email).like(f"%{escaped}%", escape="\\")


def page_number(raw: str | None) -> tuple[int, str | None]:
    """The page asked for, or the first with a word on why."""
    if raw is None or raw == "":
        return 1, None
    if raw.isascii() and raw.isdigit() and int(raw) >= 1:
        return int(raw), None
    return 1, _("Page numbers are whole numbers from 1: here is the first page.")


# --- Who did it, in words ------------------------------------------------------------------------

def actor_text(record: AuditRecord, users: dict[int, tuple[str, Role]]) -> tuple[str, str | None]:
    """(who, their role) for one record. Participants are shown by account number only."""
    if record.actor_id is None:
        return _("the system"), None
    if record.actor_role == Role.PARTICIPANT or users.get(record.actor_id, (None, None))[1] == Role.PARTICIPANT:
        return _("participant #%(id)d", id=record.actor_id), None
    if record.actor_id not in users:
        return _("erased account #%(id)d", id=record.actor_id), None
    name, role = users[record.actor_id]
    return name, str(ROLE_LABELS.get(role, role))


def account_text(account_id, users: dict[int, tuple[str, Role]]) -> str:
    if not isinstance(account_id, int):
        return str(account_id)
    if account_id in users and users[account_id][1] != Role.PARTICIPANT:
        return f"{users[account_id][0]} (#{account_id})"
    return f"#{account_id}"


def detail_lines(record: AuditRecord, users) -> list[tuple[str, str]]:
    lines = []
    for key, value in sorted((record.details or {}).items()):
        if key == "user_id":
            value = account_text(value, users)
        elif isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        lines.append((str(DETAIL_LABELS.get(key, key)), str(value)))
    return lines


def rows_for(records: list[AuditRecord]) -> list[dict]:
    """The page's records with names and study titles: two queries, whatever the page holds."""
    ids = {r.actor_id for r in records} | {r.details.get("user_id") for r in records if r.details}
    ids = {i for i in ids if isinstance(i, int)}
    users = {uid: (name, role) for uid, name, role in db.session.execute(
        select(User.id, User.name, User.role).where(User.id.in_(ids)))} if ids else {}
    study_ids = {r.study_id for r in records if r.study_id is not None}
    titles = dict(db.session.execute(select(Study.id, Study.title).where(Study.id.in_(study_ids))).all()) \
        if study_ids else {}
    rows = []
    for record in records:
        who, role = actor_text(record, users)
        rows.append({"record": record, "who": who, "role": role, "what": action_label(record.action),
                     "title": titles.get(record.study_id),
                     "from_state": state_text(record.from_state), "to_state": state_text(record.to_state),
                     "details": detail_lines(record, users)})
    return rows


def state_text(state: str | None) -> str | None:
    return str(STATUS_LABELS.get(state, state)) if state else None


def matching_accounts(part: str) -> list[str]:
    """The accounts an email search matched, to show whose records these are (at most 10)."""
    rows = db.session.execute(select(User.id, User.name, User.role).where(email_matches(part))
                              .order_by(User.id).limit(11)).all()
    out = [_("participant #%(id)d", id=uid) if role == Role.PARTICIPANT
           else f"{name} ({ROLE_LABELS.get(role, role)}, #{uid})" for uid, name, role in rows[:10]]
    if len(rows) > 10:
        out.append(_("and more"))
    return out


# --- Routes --------------------------------------------------------------------------------------

@bp.get("")
@coordinators_only
def index():
    """The trail, newest first, 50 records a page, filtered by action, study, actor and dates."""
    actions = list(db.session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)))
    form = TrailFilterForm(request.args, actions)
    found = criteria(form, actions)
    page, page_note = page_number(request.args.get("page"))
    invalid = any(field.errors for field in form)
    total, pages, rows = 0, 0, []
    if not invalid:
        total = db.session.scalar(filtered(select(func.count(AuditRecord.id)), found))
        pages = max(1, -(-total // PER_PAGE))
        if page > pages:
            page_note = _("There is no page %(page)s: these records fill %(pages)d.", page=page, pages=pages)
        else:
            records = db.session.scalars(filtered(select(AuditRecord), found).order_by(AuditRecord.id.desc())
                                         .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
            rows = rows_for(records)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/index.html", form=form, rows=rows, total=total, page=page, pages=pages, page_note=page_note,
        invalid=invalid, filtered=found.any, args=args,
        accounts=matching_accounts(found.actor_email) if found.actor_email and not invalid else None)


@bp.post("/verify")
@coordinators_only
def verify():
    """Walk the whole hash chain and say whether any record was changed, removed or inserted."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    checked, broken = audit.verify()
    if broken is None:
        flash(_("The chain is intact: %(n)d records, every link verified.", n=checked), "success")
    elif broken.id is None:
        flash(_("The chain is broken: records are missing at its end, after %(n)d intact records.", n=checked),
              "error")
    else:
        flash(_("The chain is broken at record #%(id)d: it was changed, or a record before it was removed. "
                "The %(n)d records before it are intact.", id=broken.id, n=checked), "error")
    db.session.rollback()  # verification only reads; release the transaction at once
    return redirect(url_for(".index"))
