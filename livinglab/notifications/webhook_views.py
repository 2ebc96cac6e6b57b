"""The organisation's webhooks: add and remove receivers, send a test event, read the delivery log."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..forms import show_errors
from ..policy import requires
from ..transactions import unit_of_work
from ..urls import form_id
from . import webhooks
from .forms import EndpointForm, WebhookForm
from .models import WebhookDelivery, WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/account/organisation/webhooks")
LOG_SIZE = 50
SECRET_KEY = "webhook_secret"


@bp.route("", methods=["GET", "POST"])
@requires("manage_organisation")
def index():
    """The receivers of the organisation, the form to add one, and the latest deliveries."""
    form = WebhookForm()
    if form.validate_on_submit():
        events = [name for name in webhooks.EVENTS if getattr(form, name).data]
        try:
            with unit_of_work():
                created = webhooks.create_endpoint(current_user, form.url.data, events, form.description.data or "")
                audit.record(
                    current_user, "webhook.create", endpoint_id=created.id, url=created.url, events=created.events
                )
        except DomainError as err:
            show_errors(form, err)
        else:
            # Shown once, on the page this redirects to; the session (a signed cookie) carries it there.
            session[SECRET_KEY] = {"id": created.id, "secret": created.secret}
            flash(_("The receiver is added. Copy its secret now: it will not be shown again."), "success")
            return redirect(url_for(".index"))
    shown = session.pop(SECRET_KEY, None) if request.method == "GET" else None
    organisation_id = current_user.organisation_id
    endpoints = webhooks.endpoints_of(organisation_id)
    wanted = form_id(request.args.get("receiver"))
    query = (
        select(WebhookDelivery, WebhookEndpoint.url)
        .join(WebhookEndpoint)
        .where(WebhookEndpoint.organisation_id == organisation_id)
    )
    if wanted is not None:
        query = query.where(WebhookEndpoint.id == wanted)
    deliveries = db.session.execute(query.order_by(WebhookDelivery.id.desc()).limit(LOG_SIZE)).all()
    created = next((e for e in endpoints if shown and e.id == shown.get("id")), None)
    return render_template(
        "notifications/webhooks.html",
        form=form,
        endpoints=endpoints,
        created=created,
        deliveries=deliveries,
        wanted=wanted,
        button=EndpointForm(),
        event_labels={"enrolment": _("Enrolments"), "answer": _("Answers to surveys"), "withdrawal": _("Withdrawals")},
    ), 422 if form.errors else 200


@bp.post("/delete")
@requires("manage_organisation")
def delete():
    """Remove a receiver (its delivery log goes with it)."""
    endpoint = posted_endpoint()
    with unit_of_work():
        audit.record(current_user, "webhook.delete", endpoint_id=endpoint.id, url=endpoint.url)
        webhooks.delete_endpoint(endpoint)
    flash(_("The receiver is removed."), "success")
    return redirect(url_for(".index"))


@bp.post("/ping")
@requires("manage_organisation")
def ping():
    """Queue a test event for one receiver; the log below shows how it went."""
    endpoint = posted_endpoint()
    with unit_of_work():
        webhooks.ping(endpoint)
    flash(_("A test event is on its way; reload this page in a moment to see how it went."), "info")
    return redirect(url_for(".index", receiver=endpoint.id))


def posted_endpoint() -> WebhookEndpoint:
    form = EndpointForm()
    if not form.validate_on_submit():
        abort(400)
    endpoint_id = form_id(form.endpoint.data)
    if endpoint_id is None:
        abort(400)
    return webhooks.endpoint_of(current_user.organisation_id, endpoint_id)
