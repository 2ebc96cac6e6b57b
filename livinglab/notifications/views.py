"""Pages: the coordinators' outbox, each account's message preferences, one-click unsubscribe.

The blueprint also carries the worker's commands (`flask --app livinglab worker`, `mailcatcher`,
`scheduler`), at the top level of the CLI."""

import json
import re

import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update

from ..auth.models import Role, User
from ..extensions import csrf, db
from ..policy import public, requires
from ..results import refresh  # noqa: F401  (registers the results refresh, a job of the scheduler)
from ..timeutil import utcnow
from ..transactions import unit_of_work
from ..urls import MAX_ID
from . import (
    jobs,  # noqa: F401  (registers the scheduler's jobs)
    preferences,
    scheduler,
)
from .forms import RetryForm, preferences_form
from .kinds import KINDS, essential_kinds, preference_kinds
from .models import OutboxMessage, QueueStatus

bp = Blueprint("notifications", __name__, cli_group=None)
PER_PAGE = 50
STATUS_ORDER = [
    QueueStatus.FAILED,
    QueueStatus.PENDING,
    QueueStatus.HELD,
    QueueStatus.SENDING,
    QueueStatus.SENT,
    QueueStatus.CANCELLED,
]


def status_labels() -> dict:
    return {
        QueueStatus.FAILED: _("Failed"),
        QueueStatus.PENDING: _("Waiting"),
        QueueStatus.HELD: _("Held"),
        QueueStatus.SENDING: _("Sending"),
        QueueStatus.SENT: _("Sent"),
        QueueStatus.CANCELLED: _("Not sent"),
    }


# The outbox (coordinators) ----------------------------------------------------------------------------


@bp.get("/outbox")
@requires("outbox")
def outbox():
    """Messages by status, failures first; participants' mail shows their code, never their address."""
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
        ).all()
    )
    wanted = request.args.get("status") or QueueStatus.FAILED.value
    if wanted not in {s.value for s in QueueStatus}:
        wanted = QueueStatus.FAILED.value
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and len(page) <= 5 and int(page) > 0 else 1
    rows = db.session.execute(
        select(OutboxMessage, User.role, User.email)
        .outerjoin(User, User.id == OutboxMessage.user_id)
        .where(OutboxMessage.status == wanted)
        .order_by(OutboxMessage.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    more = len(rows) > PER_PAGE
    messages = [
        {
            "row": message,
            "to": recipient_text(message, role, email),
            "error": error_text(message),
            "label": KINDS[message.kind].label if message.kind in KINDS else message.kind,
        }
        for message, role, email in rows[:PER_PAGE]
    ]
    return render_template(
        "notifications/outbox.html",
        counts=counts,
        statuses=STATUS_ORDER,
        labels=status_labels(),
        wanted=wanted,
        messages=messages,
        page=page,
        more=more,
        jobs=scheduler.status(),
        retry_form=RetryForm(),
    )


def recipient_text(message: OutboxMessage, role, email) -> str:
    """Staff mail shows the address; participants' mail shows the participant code, or "participant"."""
    spec = KINDS.get(message.kind)
    if role == Role.PARTICIPANT or (spec is not None and spec.participant):
        return message.participant_code or _("participant")
    if message.to_address:
        return message.to_address
    return email or _("erased account")


EMAIL = re.compile(r"[^\s<>@]+@[^\s<>@]+")


def error_text(message: OutboxMessage) -> str | None:
    """The last error, with any address in it masked: the sender already masks the recipient's own."""
    return EMAIL.sub("[address]", message.last_error) if message.last_error else None


@bp.post("/outbox/retry")
@requires("outbox")
def retry():
    """Send a failed message again, from its first attempt."""
    form = RetryForm()
    message_id = form.message.data or ""
    if (
        not form.validate_on_submit()
        or not (message_id.isascii() and message_id.isdigit())
        or len(message_id) > 10
        or int(message_id) > MAX_ID
    ):
        abort(400)
    with unit_of_work():
        changed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == int(message_id), OutboxMessage.status == QueueStatus.FAILED)
            .values(status=QueueStatus.PENDING, attempts=0, next_attempt_at=utcnow(), last_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    if changed:
        flash(_("The message will be sent again in a moment."), "success")
    else:
        flash(_("This message is no longer waiting for a retry."), "info")
    return redirect(url_for(".outbox", status=QueueStatus.FAILED.value))


# Preferences (every account) --------------------------------------------------------------------------


@bp.route("/account/notifications", methods=["GET", "POST"])
@requires("signed_in")
def preferences_page():
    """Which non-essential messages this account gets; the essential ones, listed as always sent."""
    role = str(current_user.role)
    kinds = preference_kinds(role)
    current = preferences.choices_of(current_user)
    form = preferences_form(kinds, current)
    if form.validate_on_submit():
        with unit_of_work():
            for spec in kinds:
                preferences.set_choice(current_user, spec.name, getattr(form, f"kind_{spec.name}").data)
        flash(_("Your choices are saved."), "success")
        return redirect(url_for(".preferences_page"))
    fields = [getattr(form, f"kind_{spec.name}") for spec in kinds]
    return render_template("notifications/preferences.html", form=form, fields=fields, essential=essential_kinds(role))


# One-click unsubscribe (RFC 8058): no sign-in, no CSRF token; the signed token is the authority ----


@bp.route("/mail/unsubscribe", methods=["GET", "POST"])
@csrf.exempt
@public
def unsubscribe():
    """GET: a page with one button (works without JavaScript). POST: done (mail clients post here)."""
    # In the query (the List-Unsubscribe URL, which mail clients post to) or in the form (the page's button).
    token = request.args.get("token") or request.form.get("token")
    found = preferences.read_unsubscribe_token(token)
    spec = KINDS.get(found[1]) if found else None
    user = db.session.get(User, found[0]) if found else None
    if found is None or spec is None or spec.essential:
        return render_template("notifications/unsubscribe.html", state="invalid"), 400
    if request.method == "POST":
        if user is not None and spec in preference_kinds(str(user.role)):
            with unit_of_work():
                preferences.set_choice(user, spec.name, "off")
        if request.form.get("List-Unsubscribe") == "One-Click":  # a mail client (RFC 8058): answer, no redirect
            return render_template("notifications/unsubscribe.html", state="done", kind=spec)
        return redirect(url_for(".unsubscribe", token=token, done=1), code=303)  # a person's browser
    done = request.args.get("done") == "1" and user is not None and preferences.choices_of(user).get(spec.name) == "off"
    state = "done" if done else "confirm"
    return render_template("notifications/unsubscribe.html", state=state, kind=spec, token=token)


# Commands ---------------------------------------------------------------------------------------------


@bp.cli.command("worker")
@click.option("--once", is_flag=True, help="One pass: due jobs, then every due message and webhook; then exit.")
@click.option("--no-scheduler", is_flag=True, help="Only send; leave the scheduled jobs to another worker.")
@click.option("--batch", type=click.IntRange(1, 1000), default=None, help="Messages claimed at once.")
def worker_command(once, no_scheduler, batch):
    """Send the outbox, post webhook events and run the scheduler (until stopped, or --once)."""
    from .transport import MailConfigError
    from .worker import run

    try:
        report = run(once, not no_scheduler, batch)
    except MailConfigError as err:
        raise click.ClickException(str(err)) from None
    if report is not None:
        mail = report.mail
        click.echo(
            f"mail: {mail.sent} sent, {mail.retried} to retry, {mail.failed} failed, {mail.held} held, "
            f"{mail.cancelled} not sent; webhooks: {report.webhooks['sent']} delivered, "
            f"{report.webhooks['retried']} to retry, {report.webhooks['failed']} failed; "
            f"jobs run: {', '.join(report.jobs) or 'none'}"
        )


@bp.cli.command("mailcatcher")
@click.option("--port", type=int, default=1025)
@click.option("--host", default="127.0.0.1")
def mailcatcher_command(port, host):
    """A local SMTP server that keeps every message in instance/mail (LIVINGLAB_MAIL_URL=smtp://127.0.0.1:1025)."""
    from .catcher import main
    from .settings import mail_dir

    main(["--dir", str(mail_dir()), "--host", host, "--port", str(port)])


@bp.cli.command("scheduler")
@click.argument("job", required=False)
def scheduler_command(job):
    """List the scheduled jobs, or run one now (even if it ran within its interval)."""
    from .worker import worker_name

    if job is None:
        for item in scheduler.status():
            row = item["row"]
            last = row.last_finished_at.isoformat() if row is not None and row.last_finished_at else "never"
            click.echo(f"{item['name']:<16} every {item['every']}  last: {last}  {item['result'] or ''}")
        return
    if job not in scheduler.JOBS:
        raise click.ClickException(f"No job {job!r}: {', '.join(scheduler.JOBS)}.")
    result = scheduler.run_job(job, worker_name(), force=True)
    if result is None:
        raise click.ClickException(f"{job} is running in another worker right now.")
    click.echo(f"{job}: {scheduler.explain(scheduler.JOBS[job], json.dumps(result))}")


@bp.cli.command("mail-samples")
@click.option("--email", default="citizen@livinglab.example", show_default=True, help="The account to write to.")
def mail_samples_command(email):
    """Queue one message of every kind to an account, in its language, to read them all in the mailbox."""
    from ..studies.models import Study
    from .outbox import enqueue
    from .samples import SAMPLES

    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise click.ClickException(f"No account has the address {email}.")
    study_id = db.session.scalar(select(Study.id).order_by(Study.id).limit(1))
    queued = 0
    with unit_of_work():
        for kind, context in SAMPLES.items():
            context = {**context, **({"study_id": study_id} if study_id and "study_id" in context else {})}
            queued += enqueue(kind, user, context) is not None
    held = "" if user.email_verified_at else " (held until the address is verified)"
    click.echo(f"{queued} messages queued for {email}{held}; the worker sends them.")
