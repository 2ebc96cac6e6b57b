"""The observatory pages: the figures, their charts (SVG) and the CSV export."""

import csv
import hashlib
import io
import json

from flask import Blueprint, Response, render_template, request
from flask_babel import format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _

from ..drawn import DrawnOnce
from ..exports.cells import csv_cell
from ..policy import requires
from ..studies.forms import DOMAIN_LABELS
from ..studies.workflow import STATUS_LABELS
from . import charts, services
from .forms import ScopeForm

bp = Blueprint("observatory", __name__)
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
@requires("observatory")
def index():
    """The sector at a glance: studies, participation, review turnaround, outcomes."""
    form, scope = scope_form()
    data = services.figures(scope)
    return render_template(
        "observatory/index.html",
        form=form,
        data=data,
        filters={k: v for k, v in (("domain", scope.domain), ("year", scope.year)) if v},
        alt={name: chart_alt(name, data) for name in CHARTS},
        sizes={
            name: {"wide": pixels(name, data, charts.WIDE), "narrow": pixels(name, data, charts.NARROW)}
            for name in CHARTS
        },
    )


@bp.get("/observatory/charts/<any(studies, participants, turnaround):name>.svg")
@requires("observatory")
def chart(name: str):
    """One chart of the observatory, as SVG, for the same filters as the page: drawn once for the data it
    shows (a digest of it is the cache key and the ETag), then served from memory, or as 304 Not
    Modified to a browser that already holds it."""
    _form, scope = scope_form()
    data = services.figures(scope, with_verdicts=False)
    width = charts.NARROW if request.args.get("size") == "narrow" else charts.WIDE
    version = f"{digest(name, data)}-{'narrow' if width == charts.NARROW else 'wide'}"
    response = Response(mimetype="image/svg+xml")
    response.set_etag(version)
    response.headers["Cache-Control"] = "private, no-cache"  # revalidated each time: the figures move
    response.headers["Content-Security-Policy"] = SVG_POLICY
    if request.if_none_match.contains(version):
        response.status_code = 304
        return response
    response.set_data(cached_chart((name, version), lambda: draw(name, data, width)))
    return response


@bp.get("/observatory.csv")
@requires("observatory")
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
    return Response(
        buffer.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'}
    )


# --- Charts and their text alternatives ------------------------------------------------------------

charts_drawn = DrawnOnce(size=64)  # a chart per (name, digest of its data and words)
cached_chart = charts_drawn.get


def chart_input(name: str, data: dict) -> tuple[str, tuple, dict]:
    """What a chart draws: the charts function, its data and its words (all already translated)."""
    domains = data["domains"]
    labels = [domain_label(d) for d in domains]
    if name == "studies":
        by_domain = data["studies"]["by_domain"]
        return (
            "stacked_bars",
            (labels, [(status_label(s), [by_domain[d][s] for d in domains]) for s in data["statuses"]]),
            {"title": _("Studies by domain and status"), "xlabel": _("Studies"), "empty": _("No study yet.")},
        )
    if name == "participants":
        people = data["participants"]
        return (
            "grouped_bars",
            (
                labels,
                [
                    (_("Enrolled"), [people[d]["enrolled"] for d in domains]),
                    (_("Retained"), [people[d]["retained"] for d in domains]),
                ],
            ),
            {
                "title": _("Participants enrolled and retained"),
                "xlabel": _("Participants"),
                "empty": _("No participant yet."),
                "colours": [charts.PALETTE[0], charts.PALETTE[2]],
            },
        )
    unit, axis = turnaround_unit(data)
    durations = data["turnaround"]["durations"]
    return (
        "box_plot",
        ([(domain_label(d), [v / unit for v in durations[d]]) for d in domains],),
        {"title": _("Review turnaround"), "xlabel": axis, "empty": _("No review decided yet.")},
    )


def digest(name: str, data: dict) -> str:
    """A short fingerprint of what a chart shows, in the page's language."""
    function, args, words = chart_input(name, data)
    blob = json.dumps([function, args, words, str(get_locale())], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def pixels(name: str, data: dict, width: float) -> tuple[int, int]:
    """The CSS pixels a chart is drawn at (96 per inch), for the width and height of its <img>: the page
    keeps its place before the image arrives."""
    function, args, _words = chart_input(name, data)
    inches = getattr(charts, f"{function}_size")(*args, width=width)
    return round(inches[0] * 96), round(inches[1] * 96)


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
    function, args, words = chart_input(name, data)
    return getattr(charts, function)(*args, **words, width=width)


def chart_alt(name: str, data: dict) -> str:
    """The chart in one or two sentences; the table beside it holds every figure."""
    domains = data["domains"]
    if name == "studies":
        parts = []
        for d in domains:
            counts = data["studies"]["by_domain"][d]
            states = ", ".join(f"{n} {status_label(s).lower()}" for s, n in counts.items() if n)
            parts.append(
                _(
                    "%(domain)s: %(n)d (%(states)s)",
                    domain=domain_label(d),
                    n=sum(counts.values()),
                    states=states or "0",
                )
            )
        return _("Bar chart of studies per domain, stacked by status. %(parts)s.", parts="; ".join(parts))
    if name == "participants":
        parts = [
            _(
                "%(domain)s: %(enrolled)d enrolled, %(retained)d retained",
                domain=domain_label(d),
                enrolled=data["participants"][d]["enrolled"],
                retained=data["participants"][d]["retained"],
            )
            for d in domains
        ]
        return _("Bar chart of participants enrolled and retained per domain. %(parts)s.", parts="; ".join(parts))
    parts = []
    for d in domains:
        s = data["turnaround"]["by_domain"][d]
        if s["n"]:
            parts.append(
                _(
                    "%(domain)s: median %(median)s, quartiles %(q1)s to %(q3)s, %(n)d rounds",
                    domain=domain_label(d),
                    median=duration(s["median"]),
                    q1=duration(s["q1"]),
                    q3=duration(s["q3"]),
                    n=s["n"],
                )
            )
    return _(
        "Box plot of review turnaround per domain, each round a dot. %(parts)s.",
        parts="; ".join(parts) or _("No review decided yet"),
    )
