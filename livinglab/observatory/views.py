"""The observatory pages: the figures, their charts (SVG) and the CSV export."""
import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _

from ..auth.permissions import ROLE_ACTIONS, role_required
from ..exports.cells import csv_cell
from ..studies.forms import DOMAIN_LABELS
from ..studies.workflow import STATUS_LABELS
from . import charts, services
from .forms import ScopeForm

bp = Blueprint("observatory", __name__)
coordinators_only = role_required(*ROLE_ACTIONS["observatory"])
CHARTS = ("studies", "participants", "turnaround")
# An SVG shown through <img> runs no script; its own styles are allowed, nothing else.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def scope_form() -> tuple[ScopeForm, services.Scope]:
    """The filters of the address, and the studies they select."""
    form = ScopeForm(request.args, services.creation_years())
    return form, form.scope()


def domain_label(domain: str) -> str:
    return str(DOMAIN_LABELS.get(domain, domain))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def duration(seconds: float | None) -> str:
    """A review time in the unit that reads best: minutes, hours or days."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        minutes = round(seconds / 60)
        return _("under a minute") if minutes < 1 else ngettext("%(num)d min", "%(num)d min", minutes)
    if seconds < 2 * 86400:
        return _("%(n)s h", n=format_decimal(round(seconds / 3600, 1), "#,##0.#"))
    return _("%(n)s days", n=format_decimal(round(seconds / 86400, 1), "#,##0.#"))  # always 2 or more


def percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value, "#,##0.#%")


@bp.context_processor
def page_helpers():
    return {"duration": duration, "percent": percent, "domain_label": domain_label}


@bp.get("/observatory")
@coordinators_only
def index():
    """The sector at a glance: studies, participation, review turnaround, outcomes."""
    form, scope = scope_form()
    data = services.figures(scope)
    return render_template("observatory/index.html", form=form, data=data,
                           filters={k: v for k, v in (("domain", scope.domain), ("year", scope.year)) if v},
                           alt={name: chart_alt(name, data) for name in CHARTS})


@bp.get("/observatory/charts/<any(studies, participants, turnaround):name>.svg")
@coordinators_only
def chart(name: str):
    """One chart of the observatory, as SVG, for the same filters as the page."""
    _form, scope = scope_form()
    data = services.figures(scope, with_verdicts=False)
    width = charts.NARROW if request.args.get("size") == "narrow" else charts.WIDE
    response = Response(draw(name, data, width), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.get("/observatory.csv")
@coordinators_only
def export():
    """One row per study: state, review dates and rounds, participation counts, verdict; no person."""
    form, scope = scope_form()
    if form.has_errors:
        message = " ".join(str(e) for e in (*form.domain.errors, *form.year.errors))
        return Response(message + "\n", status=400, mimetype="text/plain")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=services.EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in services.export_rows(scope):
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    name = "-".join(["livinglab-observatory", *(str(v) for v in (scope.domain, scope.year) if v)])
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


# --- Charts and their text alternatives ------------------------------------------------------------

def turnaround_unit(data: dict) -> tuple[float, str]:
    longest = max((v for values in data["turnaround"]["durations"].values() for v in values), default=0)
    if longest < 120:
        return 1, _("Seconds from submission to decision")
    if longest < 2 * 3600:
        return 60, _("Minutes from submission to decision")
    if longest < 3 * 86400:
        return 3600, _("Hours from submission to decision")
    return 86400, _("Days from submission to decision")


def draw(name: str, data: dict, width: float) -> str:
    domains = data["domains"]
    labels = [domain_label(d) for d in domains]
    if name == "studies":
        by_domain = data["studies"]["by_domain"]
        return charts.stacked_bars(
            labels, [(status_label(s), [by_domain[d][s] for d in domains]) for s in data["statuses"]],
            title=_("Studies by domain and status"), xlabel=_("Studies"), empty=_("No study yet."), width=width)
    if name == "participants":
        people = data["participants"]
        return charts.grouped_bars(
            labels, [(_("Enrolled"), [people[d]["enrolled"] for d in domains]),
                     (_("Retained"), [people[d]["retained"] for d in domains])],
            title=_("Participants enrolled and retained"), xlabel=_("Participants"),
            empty=_("No participant yet."), colours=[charts.PALETTE[0], charts.PALETTE[2]], width=width)
    unit, axis = turnaround_unit(data)
    durations = data["turnaround"]["durations"]
    return charts.box_plot([(domain_label(d), [v / unit for v in durations[d]]) for d in domains],
                           title=_("Review turnaround"), xlabel=axis, empty=_("No review decided yet."),
                           width=width)


def chart_alt(name: str, data: dict) -> str:
    """The chart in one or two sentences; the table beside it holds every figure."""
    domains = data["domains"]
    if name == "studies":
        parts = []
        for d in domains:
            counts = data["studies"]["by_domain"][d]
            states = ", ".join(f"{n} {status_label(s).lower()}" for s, n in counts.items() if n)
            parts.append(_("%(domain)s: %(n)d (%(states)s)", domain=domain_label(d), n=sum(counts.values()),
                           states=states or "0"))
        return _("Bar chart of studies per domain, stacked by status. %(parts)s.", parts="; ".join(parts))
    if name == "participants":
        parts = [_("%(domain)s: %(enrolled)d enrolled, %(retained)d retained", domain=domain_label(d),
                   enrolled=data["participants"][d]["enrolled"], retained=data["participants"][d]["retained"])
                 for d in domains]
        return _("Bar chart of participants enrolled and retained per domain. %(parts)s.", parts="; ".join(parts))
    parts = []
    for d in domains:
        s = data["turnaround"]["by_domain"][d]
        if s["n"]:
            parts.append(_("%(domain)s: median %(median)s, quartiles %(q1)s to %(q3)s, %(n)d rounds",
                           domain=domain_label(d), median=duration(s["median"]), q1=duration(s["q1"]),
                           q3=duration(s["q3"]), n=s["n"]))
    return _("Box plot of review turnaround per domain, each round a dot. %(parts)s.",
             parts="; ".join(parts) or _("No review decided yet"))
