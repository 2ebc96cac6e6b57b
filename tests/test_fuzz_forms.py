"""Every HTML form survives hostile input: Hypothesis posts random and hostile values (huge strings,
unicode, NUL bytes, markup, extreme numbers, lists instead of scalars, missing and extra fields) to
each POST route of the pages, signed in as the role that may use it, on real objects.

Never a 500; and a rejected submission (the form shown again, a 4xx, or a redirect with an error)
changes nothing: a digest of every row of every table (all columns, in primary key order) is the same
before and after, so an update of a row's content is caught as well as an insert or a delete.

The fields of each form are read from the page that shows it, so a field added to a form is fuzzed
without touching this file; a new POST route fails `test_every_form_is_fuzzed` until it is listed in
FORMS. Bounded: LIVINGLAB_FUZZ_EXAMPLES examples per form (default 25), derandomized.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from livinglab.auth import organisations
from livinglab.auth.models import User
from livinglab.demo import build_study, food_protocol, food_surveys
from livinglab.extensions import db
from livinglab.participants import services as participation
from livinglab.studies.models import ConsentVersion
from tests.conftest import signed_in_session
from tests.fuzzing import examples, reproducible

EXAMPLES = examples(25)
REJECTED_FLASHES = {"error", "warning"}


# --- The forms: who posts them, on which objects, and which page shows them --------------------------


@dataclass
class Form:
    role: str  # "anonymous", "participant", "startup", "coordinator"
    url: Callable[[dict], str]  # the POST target, from the world's objects
    page: Callable[[dict], str] | None = None  # the page that shows the form; None: `url` itself (GET)
    prepare: Callable[[object, dict], None] | None = None  # run before each example (session state)
    # Tables a rejected submission may change on purpose (a failed sign-in counts towards the lock-out).
    may_store: frozenset = frozenset()


def survey(w, path=""):
    return f"/studies/{w['draft']}/surveys/{w['survey']}{path}"


def amending(w, path=""):
    """A page of the draft amendment (of an approved pilot nobody has joined: its surveys change freely)."""
    return f"/studies/{w['amending']}/amendments/{w['amending_version']}{path}"


def screen_first(client, w):
    """Joining needs a passed eligibility check in the session (until an example enrols)."""
    answers = {"age": "34", **{f"criterion_{i}": "yes" for i in range(w["open_criteria"])}}
    client.post(f"/pilots/{w['open']}/eligibility", data=answers)


FORMS = {
    # A failed sign-in slows the next tries from this address (signin_throttle) and may be audited.
    "auth.signin": Form(
        "anonymous",
        lambda w: "/account/signin",
        may_store=frozenset({"audit_record", "audit_chain", "audit_pseudonym", "database_identity", "signin_throttle"}),
    ),
    "auth.register": Form("anonymous", lambda w: "/account/register"),
    "auth.signout": Form("participant", lambda w: "/account/signout", page=lambda w: "/privacy"),
    "account.name": Form("participant", lambda w: "/account/name", page=lambda w: "/account/"),
    "account.password": Form("participant", lambda w: "/account/password", page=lambda w: "/account/"),
    "account.signout_everywhere": Form(
        "participant", lambda w: "/account/signout-everywhere", page=lambda w: "/account/"
    ),
    "organisation.invite": Form(
        "startup", lambda w: "/account/organisation/invitations", page=lambda w: "/account/organisation"
    ),
    "organisation.revoke": Form(
        "startup",
        lambda w: f"/account/organisation/invitations/{w['invitation']}/revoke",
        page=lambda w: "/account/organisation",
    ),
    "organisation.leave": Form(
        "startup", lambda w: "/account/organisation/leave", page=lambda w: "/account/organisation"
    ),
    "organisation.accept": Form("startup", lambda w: f"/account/invitations/{w['invited_to_another']}"),
    "auth.coordinators": Form("coordinator", lambda w: "/account/coordinators"),
    # The accounts' mail: an accepted request queues a message (and is audited when the address has an account).
    "account_mail.forgot": Form(
        "anonymous",
        lambda w: "/account/forgot",
        may_store=frozenset({"outbox_message", "audit_record", "audit_chain", "audit_pseudonym", "database_identity"}),
    ),
    "account_mail.resend_verification": Form(
        "participant", lambda w: "/account/verify/resend", page=lambda w: "/account/email"
    ),
    "account_mail.email": Form("participant", lambda w: "/account/email"),
    "account_mail.reset": Form(
        "anonymous", lambda w: "/account/reset", page=lambda w: f"/account/reset?token={w['reset']}"
    ),
    "account_mail.confirm_email": Form(
        "anonymous",
        lambda w: "/account/email/confirm",
        page=lambda w: f"/account/email/confirm?token={w['email_change']}",
    ),
    "main.language": Form("anonymous", lambda w: "/language", page=lambda w: "/"),
    "audit.verify": Form("coordinator", lambda w: "/audit/verify", page=lambda w: "/audit"),
    "studies.new": Form("startup", lambda w: "/studies/new"),
    # The protocol editor keeps the valid fields of a draft even when others are refused (issue 9.11).
    "studies.edit": Form(
        "startup",
        lambda w: f"/studies/{w['draft']}/edit",
        may_store=frozenset({"study", "audit_record", "audit_chain", "database_identity"}),
    ),
    "studies.consent": Form("startup", lambda w: f"/studies/{w['draft']}/consent"),
    "translations.edit": Form("startup", lambda w: f"/studies/{w['draft']}/translations"),
    "translations.amendment": Form("startup", lambda w: amending(w, "/translations")),
    "studies.submit": Form(
        "startup", lambda w: f"/studies/{w['draft']}/submit", page=lambda w: f"/studies/{w['draft']}"
    ),
    "studies.review": Form("coordinator", lambda w: f"/studies/{w['submitted']}/review"),
    "studies.recruitment": Form(
        "startup", lambda w: f"/studies/{w['approved']}/recruitment", page=lambda w: f"/studies/{w['approved']}"
    ),
    "studies.end": Form("coordinator", lambda w: f"/studies/{w['enrolled']}/end"),
    # a coordinator postpones an ended pilot's purge, with a reason (retention)
    "retention.postpone": Form(
        "coordinator", lambda w: f"/retention/{w['finished']}/postpone", page=lambda w: "/retention/"
    ),
    # amendments of an approved protocol: opened with a reason, submitted, decided by a coordinator
    "amendments.open_amendment": Form(
        "startup", lambda w: f"/studies/{w['approved']}/amendments", page=lambda w: f"/studies/{w['approved']}"
    ),
    "amendments.submit": Form(
        "startup",
        lambda w: f"/studies/{w['amending']}/amendments/{w['amending_version']}/submit",
        page=lambda w: f"/studies/{w['amending']}/amendments/{w['amending_version']}",
    ),
    # editing the amendment like a draft, with the study's own editors (issue 12)
    # as the study's own editor, it keeps the valid fields (in the amendment's record) when others are refused
    "amendment_editing.protocol": Form(
        "startup",
        lambda w: amending(w, "/protocol"),
        may_store=frozenset({"amendment", "audit_record", "audit_chain", "database_identity"}),
    ),
    "amendment_editing.consent": Form("startup", lambda w: amending(w, "/consent")),
    "amendment_editing.survey_new": Form("startup", lambda w: amending(w, "/new-survey")),
    "amendment_editing.survey_update": Form(
        "startup", lambda w: amending(w, "/surveys/baseline/edit"), page=lambda w: amending(w, "/surveys/baseline")
    ),
    "amendment_editing.survey_add_item": Form(
        "startup", lambda w: amending(w, "/surveys/baseline/items"), page=lambda w: amending(w, "/surveys/baseline")
    ),
    "amendment_editing.survey_edit_item": Form("startup", lambda w: amending(w, "/surveys/baseline/items/0/edit")),
    "amendment_editing.survey_move_item": Form(
        "startup",
        lambda w: amending(w, "/surveys/baseline/items/0/move"),
        page=lambda w: amending(w, "/surveys/baseline"),
    ),
    "amendment_editing.survey_delete_item": Form(
        "startup",
        lambda w: amending(w, "/surveys/baseline/items/0/delete"),
        page=lambda w: amending(w, "/surveys/baseline"),
    ),
    # the response letter: the startup answers the comments of the last decision, of its protocol or amendment
    "letters.replies": Form(
        "startup", lambda w: f"/studies/{w['asked']}/replies", page=lambda w: f"/studies/{w['asked']}"
    ),
    "letters.amendment_replies": Form(
        "startup",
        lambda w: f"/studies/{w['amended_asked']}/amendments/{w['amended_asked_version']}/replies",
        page=lambda w: f"/studies/{w['amended_asked']}/amendments/{w['amended_asked_version']}",
    ),
    "amendments.decide": Form(
        "coordinator",
        lambda w: f"/studies/{w['amended']}/amendments/{w['amended_version']}/decision",
        page=lambda w: f"/studies/{w['amended']}/amendments/{w['amended_version']}",
    ),
    "surveys.new": Form("startup", lambda w: f"/studies/{w['draft']}/surveys/new"),
    "surveys.update": Form("startup", lambda w: survey(w, "/edit"), page=survey),
    "surveys.add_item": Form("startup", lambda w: survey(w, "/items"), page=survey),
    "surveys.edit_item": Form("startup", lambda w: survey(w, "/items/0/edit")),
    "surveys.move_item": Form("startup", lambda w: survey(w, "/items/0/move"), page=survey),
    "surveys.delete_item": Form("startup", lambda w: survey(w, "/items/0/delete"), page=survey),
    "surveys.delete": Form("startup", lambda w: survey(w, "/delete"), page=survey),
    "survey_reuse.copy_item": Form("startup", lambda w: survey(w, "/items/0/copy"), page=survey),
    "survey_reuse.copy_survey": Form("startup", lambda w: survey(w, "/copy"), page=survey),
    "survey_reuse.add_from_library": Form("startup", lambda w: survey(w, "/library")),
    "survey_reuse.from_template": Form(
        "startup",
        lambda w: f"/studies/{w['draft']}/surveys/from-template",
        page=lambda w: f"/studies/{w['draft']}/surveys/new",
    ),
    "participants.eligibility": Form("participant", lambda w: f"/pilots/{w['open']}/eligibility"),
    # a refused required clause is counted in the flow (the person's screening step), as in the API
    "participants.join": Form(
        "participant",
        lambda w: f"/pilots/{w['open']}/join",
        prepare=screen_first,
        may_store=frozenset({"screening", "study"}),
    ),
    "participants.resume": Form(
        "anonymous",
        lambda w: f"/pilots/{w['enrolled']}/surveys/baseline/resume",
        may_store=frozenset(
            {"audit_record", "audit_chain", "audit_pseudonym", "database_identity", "user_account", "signin_throttle"}
        ),
    ),
    "participants.reconsent": Form("participant", lambda w: f"/pilots/{w['changed']}/reconsent"),
    "participants.answer": Form("participant", lambda w: f"/pilots/{w['enrolled']}/surveys/baseline"),
    "participants.withdraw": Form("participant", lambda w: f"/pilots/{w['enrolled']}/withdraw"),
    # corrections of answers sent: the participant's own (window open), and a coordinator's with a reason
    "participants.correct": Form("participant", lambda w: f"/pilots/{w['answered']}/surveys/baseline/correct"),
    "recruitment.correct_answer": Form(
        "coordinator",
        lambda w: (
            f"/studies/{w['answered']}/participants/{w['answered_code']}/surveys/baseline/items/sleep_hours/correct"
        ),
    ),
    # data quality: excluding a response with a reason, and bringing it back
    "quality.exclude": Form(
        "coordinator",
        lambda w: f"/studies/{w['answered']}/data-quality/exclusions",
        page=lambda w: f"/studies/{w['answered']}/data-quality",
    ),
    "quality.undo": Form(
        "coordinator",
        lambda w: f"/studies/{w['answered']}/data-quality/exclusions/{w['exclusion']}/undo",
        page=lambda w: f"/studies/{w['answered']}/data-quality",
    ),
    "participants.erase_answers": Form(
        "participant", lambda w: f"/pilots/{w['left']}/erase-answers", page=lambda w: f"/pilots/{w['left']}/withdraw"
    ),
    "participants.erase_account": Form("participant", lambda w: "/pilots/my-data/erase"),
    "notifications.preferences_page": Form("participant", lambda w: "/account/notifications"),
    "notifications.retry": Form(
        "coordinator",
        lambda w: "/outbox/retry",
        page=lambda w: "/outbox?status=failed",
        prepare=lambda client, w: a_failed_message(w),
    ),
    "notifications.unsubscribe": Form(
        "anonymous", lambda w: "/mail/unsubscribe", page=lambda w: f"/mail/unsubscribe?token={w['unsubscribe']}"
    ),
    "webhooks.index": Form("startup", lambda w: "/account/organisation/webhooks"),
    "webhooks.delete": Form(
        "startup",
        lambda w: "/account/organisation/webhooks/delete",
        page=lambda w: "/account/organisation/webhooks",
        prepare=lambda client, w: a_receiver(w),
    ),
    "webhooks.ping": Form(
        "startup",
        lambda w: "/account/organisation/webhooks/ping",
        page=lambda w: "/account/organisation/webhooks",
        prepare=lambda client, w: a_receiver(w),
    ),
}


def a_failed_message(w):
    """The outbox page shows its "send again" button on a failed message."""
    from livinglab.notifications.models import OutboxMessage, QueueStatus

    if not db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == QueueStatus.FAILED)):
        db.session.add(
            OutboxMessage(
                kind="password_reset",
                user_id=w["users"]["participant"],
                context={"link": "/"},
                status=QueueStatus.FAILED,
                attempts=8,
                last_error="550 No such user",
            )
        )
        db.session.commit()


def a_receiver(w):
    """The webhooks page shows its buttons on a receiver of the organisation (an example may remove it)."""
    from livinglab.notifications.models import WebhookEndpoint

    if not db.session.scalar(select(WebhookEndpoint.id)):
        db.session.add(
            WebhookEndpoint(
                organisation_id=w["organisation"],
                url="https://93.184.216.34/hook",
                secret="whsec_test",
                events=["enrolment"],
            )
        )
        db.session.commit()


def page_forms(app) -> set[str]:
    """The endpoints of the pages that take a POST (the API is JSON, fuzzed by test_fuzz_api)."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    }


def test_every_form_is_fuzzed(app):
    assert page_forms(app) - set(FORMS) == set(), "list each new form in FORMS"
    assert set(FORMS) - page_forms(app) == set(), "FORMS lists forms that no longer exist"


@pytest.fixture
def world(make_study, make_user, startup, coordinator, participant):
    """A draft with its surveys, a study at each review step, two recruiting studies the participant
    takes part in (one with a newer consent to sign again) and one open to join."""
    colleague = make_user("startup", organisation="Colleague's first startup", email="colleague@example.org")
    invited_to_another, _ = organisations.invite(colleague, startup.email)  # refused: the startup has one
    invitation = organisations.invite(startup, "invitee@example.org")[1]
    draft = make_study("draft")
    submitted, approved = make_study("submitted"), make_study("approved")
    enrolled, changed, left = make_study("recruiting"), make_study("recruiting"), make_study("recruiting")
    answered = make_study("recruiting")
    open_study = make_study("recruiting", protocol=food_protocol(), survey_defs=food_surveys())
    build_study(make_user("startup", organisation="Another startup"), coordinator, "draft")
    codes = {}
    for study in (enrolled, changed, left, answered):
        consent = study.current_consent
        codes[study.id] = participation.enrol(
            participant,
            study,
            consent_version=consent.version,
            clauses={clause["key"]: True for clause in consent.clauses},
            signature=participant.name,
            age=34,
            criteria_confirmed=True,
        )
    participation.submit_response(
        participant, left, "baseline", {"sleep_hours": 7, **{f"who_{i}": 2 for i in range(1, 6)}}
    )
    participation.submit_response(
        participant, answered, "baseline", {"sleep_hours": 7, **{f"who_{i}": 2 for i in range(1, 6)}}
    )
    participation.withdraw(participant, left, False)  # left, keeping the answers: they may be erased later
    from livinglab.quality import services as quality

    exclusion = quality.exclude(  # so that the data-quality page shows an undo form
        coordinator,
        answered,
        {"participant_code": codes[answered.id].participant_code, "survey": "baseline", "reason": "Fuzzed."},
    )
    db.session.add(
        ConsentVersion(
            study_id=changed.id,
            version=changed.current_consent.version + 1,
            text="Version two.",
            created_by_id=startup.id,
            clauses=[{"key": "ok", "text": "I agree to version two.", "required": True}],
        )
    )
    someone = make_user("participant", email="someone@example.org")
    from livinglab.studies import amendments

    amending, amended = make_study("approved"), make_study("recruiting")
    draft_amendment = amendments.open_amendment(startup, amending, "A second site in Rennes.")
    submitted_amendment = amendments.open_amendment(startup, amended, "A clearer consent.")
    amendments.submit(startup, amended, submitted_amendment)
    asked = make_study("changes_requested")
    finished = make_study("ended")  # its purge is upcoming: the retention page lists it
    amended_asked = make_study("recruiting")
    asked_amendment = amendments.open_amendment(startup, amended_asked, "A shorter survey.")
    amendments.submit(startup, amended_asked, asked_amendment)
    amendments.decide(
        coordinator, amended_asked, asked_amendment, "request_changes", "Why?", {"consent": "Say who reads it."}
    )
    db.session.commit()
    from livinglab.auth import mail_links

    reset = mail_links.make_token("reset", someone, mail_links.fingerprint(someone.password_hash))
    email_change = mail_links.make_token(
        "email", someone, "someone.new@example.org", mail_links.fingerprint(someone.email)
    )
    from livinglab.notifications.preferences import unsubscribe_token

    return {
        "draft": draft.id,
        "survey": draft.surveys[0].id,
        "submitted": submitted.id,
        "approved": approved.id,
        "organisation": startup.organisation_id,
        "unsubscribe": unsubscribe_token(participant.id, "survey_open"),
        "enrolled": enrolled.id,
        "changed": changed.id,
        "open": open_study.id,
        "left": left.id,
        "answered": answered.id,
        "answered_code": codes[answered.id].participant_code,
        "exclusion": exclusion.id,
        "amending": amending.id,
        "amending_version": draft_amendment.version,
        "amended": amended.id,
        "amended_version": submitted_amendment.version,
        "asked": asked.id,
        "finished": finished.id,
        "amended_asked": amended_asked.id,
        "amended_asked_version": asked_amendment.version,
        "open_criteria": len(open_study.eligibility["criteria"]),
        "invitation": invitation.id,
        "invited_to_another": invited_to_another,
        "reset": reset,
        "email_change": email_change,
        "users": {"participant": participant.id, "startup": startup.id, "coordinator": coordinator.id},
    }


# --- Reading a form from its page -------------------------------------------------------------------


@dataclass
class Field:
    kind: str
    options: list = field(default_factory=list)  # values the page offers (choices, buttons, checkboxes)
    default: list = field(default_factory=list)  # what the browser would send as the page stands


class FormReader(HTMLParser):
    """The POST forms of a page, by action path: {path: {name: Field}}."""

    def __init__(self, page_path: str):
        super().__init__(convert_charrefs=True)
        self.page_path, self.forms, self.current = page_path, {}, None
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            path = urlsplit(a.get("action") or self.page_path).path or self.page_path
            self.current = self.forms.setdefault(path, {})
        elif self.current is None or "name" not in a:
            if tag == "option" and self.select is not None:
                self.option(a)
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            entry = self.current.setdefault(a["name"], Field(kind))
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            if kind in ("checkbox", "radio", "submit"):
                entry.options.append(value)
                if "checked" in a:
                    entry.default.append(value)
            elif not entry.default:
                entry.default.append(value)
        elif tag == "button":
            entry = self.current.setdefault(a["name"], Field("button"))
            entry.options.append(a.get("value", ""))
        elif tag == "select":
            self.select = self.current.setdefault(a["name"], Field("select"))
        elif tag == "textarea":
            self.textarea = self.current.setdefault(a["name"], Field("textarea", default=[""]))

    def option(self, a):
        value = a.get("value", "")
        self.select.options.append(value)
        if "selected" in a:
            self.select.default = [value]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.default = [self.textarea.default[0] + data]

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            if self.select is not None and not self.select.default and self.select.options:
                self.select.default = self.select.options[:1]
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def read_form(html: str, page_path: str, action: str) -> dict[str, Field] | None:
    """The fields of the page's form that posts to `action`; None when the page has no such form."""
    reader = FormReader(page_path)
    reader.feed(html)
    if action not in reader.forms:
        return None
    fields = dict(reader.forms[action])
    fields.pop("csrf_token", None)  # CSRF is off in the tests
    for entry in fields.values():
        if entry.kind == "button" and not entry.default:
            entry.default = entry.options[:1]  # the form is sent with its (first) button
    return fields


# --- Hostile values ---------------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "\t\t",
    "\u202egnp.exe",
    "\ufeff",
    "\u200b",
    "🙂" * 50,
    "ℌ𝔢𝔩𝔩𝔬",
    "é" * 201,
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7 * 7 }}",
    "{% debug %}",
    "' OR 1=1 --",
    "../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
    "%00",
    "%s%s%n",
    "-1",
    "0",
    "-0",
    "00",
    "1.5",
    "1,5",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-inf",
    "0x10",
    "١٢",
    "½",
    "²",
    "9" * 4301,
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "true",
    "false",
    "on",
    "y",
    "yes",
    "null",
    "None",
    "[]",
    "{}",
    '{"a": 1}',
    "2026-02-30",
    "1900-01-01",
    "9999-12-31T23:59:59+14:00",
]
PLAUSIBLE = [
    "34",
    "5",
    "1",
    "2",
    "baseline",
    "follow_up",
    "q_new",
    "who",
    "sus",
    "likert",
    "number",
    "text",
    "Sleep better",
    "A. Person",
    "fuzz@example.org",
    "someone@example.org",
    "colleague@example.org",
    "correct-horse-battery",
]


def huge_strings():
    return st.builds(
        lambda unit, n: unit * n,
        st.sampled_from(["a", "é", "🙂", "\x00", "<b>", "9"]),
        st.sampled_from([201, 2_001, 20_001, 100_001]),
    )


def scalar(options):
    pools = [
        st.sampled_from(HOSTILE),
        st.sampled_from(PLAUSIBLE),
        st.text(max_size=60),
        huge_strings(),
        st.integers(-(2**70), 2**70).map(str),
        st.floats().map(str),
    ]
    if options:
        pools.insert(0, st.sampled_from(options))
    return st.one_of(pools)


KEEP, DROP = object(), object()


def form_data(fields: dict[str, Field]):
    """Per field: as the page has it, missing, a hostile value, or several values (a list)."""

    def one(entry: Field):
        value = scalar(entry.options)
        return st.one_of(st.just(KEEP), st.just(DROP), value, st.lists(value, min_size=2, max_size=4))

    extras = st.dictionaries(st.text(min_size=1, max_size=20), scalar([]), max_size=3)
    return st.tuples(st.fixed_dictionaries({name: one(entry) for name, entry in fields.items()}), extras)


def encode(fields: dict[str, Field], choice) -> MultiDict:
    chosen, extras = choice
    data = MultiDict()
    for name, value in chosen.items():
        if value is KEEP:
            values = fields[name].default
        elif value is DROP:
            values = []
        else:
            values = value if isinstance(value, list) else [value]
        for item in values:
            data.add(name, item)
    for name, value in extras.items():
        data.add(name, value)
    return data


# --- The test ---------------------------------------------------------------------------------------


class Errors(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(self.format(record))


def table_digests() -> dict[str, str]:
    """A SHA-256 of every row of each table, all columns, in primary key order: what a new request would read."""
    db.session.rollback()
    digests = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(json.dumps([list(row) for row in rows], default=str).encode()).hexdigest()
    return digests


def sign_in_as(client, user_id):
    with client.session_transaction() as session:
        signed_in_session(session, db.session.get(User, user_id) if user_id is not None else None)


def flashed(client) -> set[str]:
    with client.session_transaction() as session:
        return {category for category, _message in session.get("_flashes", [])}


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_a_form_survives_hostile_input(app, client, world, endpoint):
    form = FORMS[endpoint]
    user_id = world["users"].get(form.role)
    url = form.url(world)
    page = form.page(world) if form.page else url
    sign_in_as(client, user_id)
    if form.prepare:
        form.prepare(client, world)
    shown = client.get(page)
    assert shown.status_code == 200, f"{page} as {form.role}: {shown.status_code}"
    fields = read_form(shown.get_data(as_text=True), page, url)
    assert fields is not None, f"no form posting to {url} on {page}"
    errors = Errors()
    app.logger.addHandler(errors)
    outcomes, problems = {}, []

    @reproducible(EXAMPLES)
    @given(choice=form_data(fields))
    def post(choice):
        sign_in_as(client, user_id)
        if form.prepare:
            form.prepare(client, world)
        data = encode(fields, choice)
        before = table_digests()
        response = client.post(url, data=data)
        status = response.status_code
        rejected = status == 200 or 400 <= status < 500 or bool(flashed(client) & REJECTED_FLASHES)
        outcomes[status, rejected] = outcomes.get((status, rejected), 0) + 1
        sample = {
            key: (value[:80] + f"…({len(value)})" if len(value) > 80 else value)
            for key, value in data.items(multi=True)
        }
        if status >= 500:
            problems.append(f"{status} for {sample}:\n" + "\n".join(errors.records[-1:]))
        elif rejected:
            changed = sorted(
                table
                for table, digest in table_digests().items()
                if digest != before[table] and table not in form.may_store
            )
            if changed:
                problems.append(f"rejected ({status}) but stored {changed} for {sample}")

    try:
        post()
    finally:
        app.logger.removeHandler(errors)
    summary = ", ".join(
        f"{status}{' rejected' if rejected else ''}: {n}" for (status, rejected), n in sorted(outcomes.items())
    )
    print(
        f"\n[{db.engine.dialect.name}] {endpoint} as {form.role}, {len(fields)} fields: "
        f"{sum(outcomes.values())} examples ({summary})"
    )
    assert not problems, "\n".join(problems[:5])
