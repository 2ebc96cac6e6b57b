"""The results pages: what the pilot found (flow, primary outcome, charts, tables), a printable report,
the charts as SVG, and the lay summary shown to participants once a pilot ends."""

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from babel.numbers import get_decimal_symbol
from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ..analysis.instruments import NUMERIC_TYPES
from ..analysis.question_types import OTHER
from ..drawn import DrawnOnce
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..policy import get_study_or_404, requires
from ..studies import sample_size
from ..studies.models import Study
from ..studies.workflow import is_interim, results_available
from . import charts, methods_text
from . import verdict as say
from .cache import Served, results_for, serve
from .correlations import checked, choices, correlation_of

if TYPE_CHECKING:
    import pandas as pd

bp = Blueprint("results", __name__, url_prefix="/studies")

NUMERIC = NUMERIC_TYPES  # (analysis/instruments.py: one home)
CHOICES = ("single_choice", "multiple_choice", "yes_no")


@bp.context_processor
def page_helpers():
    return {
        "num": say.number,
        "integer": say.integer,
        "percent": say.percent,
        "points": say.points,
        "points_interval": say.points_interval,
        "p_text": say.p_value,
        "test_name": say.test_name,
        "words": say.words,
        "magnitude": say.magnitude,
        "magnitudes": say.MAGNITUDES,
        "effect_sizes": say.EFFECT_SIZES,
        "df_text": say.degrees_of_freedom,
        "reason_text": say.reason_text,
        "comparison_text": say.comparison,
        "choice_label": choice_label,
        "DASH": say.DASH,
        "adjusted_heading": say.adjusted_heading,  # issue 13, item 5
        "interval": say.interval,
        "correlation_measures": correlation_measures,
        "odds_ratio_text": say.odds_ratio_text,  # issue 13, items 2 and 8: yes/no effect sizes, extreme cases
        "imputed_as_text": say.imputed_as_text,
        "assumption_names": say.ASSUMPTION_NAMES,
        "adjustment_name": say.adjustment_name,
    }


def results_study(study_id: int) -> Study:
    """The study, if this user may read its results; 404 otherwise, so that a participant or another
    startup never learns more than that the page is not theirs."""
    try:
        return get_study_or_404(study_id, "results")
    except Forbidden:
        raise NotFound(_("This page does not exist, or you cannot see it.")) from None


# --- The pages ----------------------------------------------------------------------------------


@bp.get("/<int:study_id>/results")
@requires("results")
def show(study_id: int):
    """Flow, the primary outcome in one sentence with its figures, charts, secondary outcomes, descriptives."""
    study = results_study(study_id)
    if not results_available(study):
        return render_template("results/unavailable.html", study=study)
    return render_template("results/show.html", **page_context(study))


@bp.get("/<int:study_id>/results/report")
@requires("results")
def report(study_id: int):
    """The same content, laid out to print on A4 or save as PDF from the browser."""
    study = results_study(study_id)
    if not results_available(study):
        return render_template("results/unavailable.html", study=study)
    return render_template("results/report.html", report=True, **page_context(study))


@bp.get("/<int:study_id>/results/charts/<name>.svg")
@requires("results")
def chart(study_id: int, name: str):
    """One chart as an SVG image (an <img> on the page: the CSP forbids inline styles in the HTML)."""
    study = results_study(study_id)
    if not results_available(study):
        raise NotFound(_("There are no results before the protocol is approved."))
    results = results_for(study)
    say.name_by(study)
    spec = chart_specs(study, results).get(name)
    if spec is None:
        raise NotFound(_("This chart does not exist."))
    body = cached_svg(
        (study.id, study.created_at.isoformat(), results.get("data_version"), name, str(get_locale())),
        lambda: draw(study, results, spec),
    )
    response = Response(body, mimetype="image/svg+xml")
    # matplotlib styles its SVG inline; inside an image nothing runs, and this policy says so twice
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# --- What the pages show --------------------------------------------------------------------------


def units_of(study: Study) -> dict[str, str]:
    return {item["key"]: item["unit"] for survey in study.surveys for item in survey.items if item.get("unit")}


def names_of(results: dict) -> dict[str, str]:
    names = {key: say.variable_name(key, variable) for key, variable in (results.get("variables") or {}).items()}
    primary = results.get("primary_outcome") or {}
    if primary.get("variable") and primary["variable"] not in names:
        names[primary["variable"]] = say.words(primary["variable"])
    return names


def page_context(study: Study) -> dict:
    """Everything the results page and the report show, from the cached results and no further query
    that grows with the participants."""
    latest = serve(study)
    results = latest.results
    say.name_by(study)  # the page names the pilot's timepoints and arms by their labels, in the reader's language
    units, names = units_of(study), names_of(results)
    primary = results.get("primary_outcome") or {}
    key = primary.get("variable")
    specs = chart_specs(study, results)
    by_variable: dict[str, list] = {}
    for spec in specs.values():
        by_variable.setdefault(spec["variable"], []).append(spec)
    return {
        "study": study,
        "results": results,
        "computed": computed(latest),
        "flow": results.get("flow") or {},
        "primary": primary,
        "sample_size": sample_size.achieved(study, primary),
        "primary_name": names.get(key, say.words(key)),  # type: ignore[arg-type]  # None (no primary outcome) takes the default
        "primary_unit": units.get(key),  # type: ignore[arg-type]  # None (no primary outcome) takes the default
        "sentence": say.primary_sentence(primary, names.get(key, say.words(key)), units.get(key)),  # type: ignore[arg-type]  # None (no primary outcome) takes the default
        "primary_chart": specs.get(f"compare-{key}"),
        "charts": by_variable,
        "names": names,
        "units": units,
        "warnings": [say.warning_text(w, results, names) for w in results.get("warnings") or []],
        "methods": say.method_notes(results.get("methods")),
        "methods_text": methods_text.paragraph(study, results),
        "interim": is_interim(study),
        "exclusions": exclusions(study, results.get("flow") or {}),
        "timepoints": list(study.timepoints),
        "arms": list(study.arms),
        "parallel": str(study.design) == say.PARALLEL,
        "secondary": results.get("secondary") or [],
        "categorical": results.get("categorical") or [],
    }


def computed(latest: Served) -> dict:
    """When the results shown were computed, from how many completed surveys, and whether the pilot's data
    changed since (then the worker is computing them again: `cache.serve` serves them only then)."""
    results = latest.results
    return {
        "at": datetime.fromisoformat(results["computed_at"]),
        "responses": int(results.get("responses_included") or 0),
        "up_to_date": latest.up_to_date,
    }


def exclusions(study: Study, flow: dict) -> list[tuple[str, int]]:
    """Why people were not eligible, in words, with how many."""
    rules, labels = study.eligibility or {}, flow.get("excluded_labels") or {}
    lines = []
    for reason, count in (flow.get("excluded") or {}).items():
        if reason == "age":
            text = (
                _("Age outside %(lo)d–%(hi)d", lo=rules.get("min_age") or 0, hi=rules["max_age"])
                if rules.get("max_age") is not None
                else _("Younger than %(lo)d", lo=rules.get("min_age") or 0)
            )
        elif reason in labels:
            text = _("Could not confirm “%(criterion)s”", criterion=labels[reason])
        else:
            text = say.words(reason)
        lines.append((text, count))
    return lines


def lay_summary(study: Study) -> dict:
    """For the participants of an ended pilot: what it found and who took part, in simple words."""
    results = results_for(study)
    primary = results.get("primary_outcome") or {}
    key = primary.get("variable")
    with say.named_by(study):  # its timepoints and groups by their labels, in the participant's language
        return {
            "finding": say.lay_sentence(primary, names_of(results).get(key, say.words(key)), units_of(study).get(key)),  # type: ignore[arg-type]  # None (no primary outcome) takes the default
            "flow": say.flow_sentence(results.get("flow") or {}, list(study.timepoints)),
        }


# --- Charts: which exist, and what they say in words --------------------------------------------------


def _rows(study: Study, variable: dict) -> list[tuple[str, str, str | None, dict]]:
    """(label, timepoint, arm, summary) for each timepoint (× group for parallel designs) with answers."""
    rows = []
    parallel = str(study.design) == say.PARALLEL and len(study.arms) > 1
    for tp in variable.get("timepoints") or []:
        if parallel:
            for arm in study.arms:
                summary = ((variable.get("by_arm") or {}).get(arm) or {}).get(tp) or {}
                if summary.get("n"):
                    rows.append((f"{say.words(tp)} · {say.words(arm)}", tp, arm, summary))
        else:
            summary = (variable.get("by_timepoint") or {}).get(tp) or {}
            if summary.get("n"):
                rows.append((say.words(tp), tp, None, summary))
    return rows


def _entry(results: dict, key: str) -> dict | None:
    """The comparison of this variable (the primary outcome's, or the first secondary one)."""
    primary = results.get("primary_outcome") or {}
    if primary.get("variable") == key:
        return primary
    return next((e for e in results.get("secondary") or [] if e.get("variable") == key), None)


def chart_specs(study: Study, results: dict) -> dict[str, dict]:
    """Every chart the results allow, by name, with its text alternative; none without data to draw."""
    names, specs = names_of(results), {}
    parallel = str(study.design) == say.PARALLEL and len(study.arms) > 1
    for key, variable in (results.get("variables") or {}).items():
        kind, name, timepoints = variable.get("type"), names[key], variable.get("timepoints") or []
        base = {"variable": key, "type": kind, "name": name}
        if kind in NUMERIC:
            entry = _entry(results, key)
            compared = (entry or {}).get("timepoints") or []  # the primary outcome: up to its declared timepoint
            last = compared[-1] if compared and compared[-1] in timepoints else (timepoints[-1] if timepoints else "")
            if not parallel and len(timepoints) >= 2 and entry and entry.get("n"):
                specs[f"compare-{key}"] = base | {
                    "chart": "paired",
                    "timepoints": [timepoints[0], last],
                    **_paired_words(name, entry, timepoints),
                }
            elif timepoints:
                spec = _strip_words(study, name, variable, last, parallel)
                if spec:
                    specs[f"compare-{key}"] = base | spec
        if kind in ("likert", "nps") or kind in CHOICES:
            rows = _rows(study, variable)
            if rows:
                specs[f"distribution-{key}"] = base | _distribution_words(name, kind, rows)
    for file, spec in specs.items():
        spec["file"] = file
        spec["size"] = chart_pixels(study, results, spec)
    return specs


def chart_pixels(study: Study, results: dict, spec: dict) -> tuple[int, int]:
    """The size a chart is drawn at, in CSS pixels (96 per inch): its <img> says it, so the page keeps the
    chart's place before it loads, and the printed report prints it at that size, its text included."""
    if spec["chart"] == "paired":
        inches = charts.paired_lines_size()
    elif spec["chart"] == "strip":
        inches = charts.strip_by_group_size(len(spec["arms"]))
    else:
        function, labels = distribution_categories(study, (results.get("variables") or {})[spec["variable"]], spec)
        labels = [choice_label(spec["type"], label) for label in labels] if spec["type"] in CHOICES else labels
        inches = (
            charts.grouped_bars_size(len(spec["rows"]), len(labels))
            if function == "grouped_bars"
            else charts.stacked_bars_size(len(spec["rows"]), labels)
        )
    return round(inches[0] * 96), round(inches[1] * 96)


def distribution_categories(study: Study, described: dict, spec: dict) -> tuple[str, list]:
    """How a distribution is drawn (stacked or grouped bars) and the words of its categories."""
    kind = spec["type"]
    if kind in CHOICES:
        first = ((described.get("by_timepoint") or {}).get(spec["rows"][0][1]) or {}).get("counts") or {}
        return ("grouped_bars" if kind == "multiple_choice" else "stacked_bars"), list(first)
    if kind == "nps":
        return "stacked_bars", [_("Detractors (0–6)"), _("Passives (7–8)"), _("Promoters (9–10)")]
    item: dict = next((i for s in study.surveys for i in s.items if i.get("key") == spec["variable"]), {})
    low = int(item["min"]) if item.get("min") is not None else 1
    high = int(item["max"]) if item.get("max") is not None else 5
    return "stacked_bars", [str(p) for p in range(low, high + 1)]


def choice_label(kind: str, choice) -> str:
    if kind == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(choice, str(choice))
    if kind == "single_choice" and choice == OTHER:  # the category of "Other (please specify)": the app's word
        return _("Other")
    return str(choice)


def _paired_words(name: str, entry: dict, timepoints: list[str]) -> dict:
    first, last = entry["timepoints"] if len(entry.get("timepoints") or []) == 2 else (timepoints[0], timepoints[-1])
    means = entry.get("means") or {}
    return {
        "alt": _(
            "%(variable)s at %(first)s and %(last)s, one line per participant",
            variable=name,
            first=say.words(first),
            last=say.words(last),
        ),
        "caption": ngettext(
            "One grey line for the %(num)d participant who answered at both %(first)s and %(last)s; the green line "
            "joins the means, %(before)s then %(after)s.",
            "One grey line for each of the %(num)d participants who answered at both %(first)s and %(last)s; the "
            "green line joins the means, %(before)s then %(after)s.",
            int(entry["n"]),
            first=say.words(first),
            last=say.words(last),
            before=say.number(means.get(first), 2),
            after=say.number(means.get(last), 2),
        )
        + _sampled(int(entry["n"]), charts.MAX_LINES),
    }


def _sampled(count: int, limit: int) -> str:
    if count <= limit:
        return ""
    return " " + _(
        "Lines or dots drawn for a random sample of %(shown)s of %(total)s participants; the means, "
        "boxes and bars use everyone.",
        shown=say.integer(limit),
        total=say.integer(count),
    )


def _strip_words(study: Study, name: str, variable: dict, timepoint: str, parallel: bool) -> dict | None:
    groups = (
        [(arm, ((variable.get("by_arm") or {}).get(arm) or {}).get(timepoint) or {}) for arm in study.arms]
        if parallel
        else [(None, (variable.get("by_timepoint") or {}).get(timepoint) or {})]
    )
    if not any(summary.get("n") for _arm, summary in groups):
        return None
    parts = [
        _(
            "%(group)s: mean %(mean)s, median %(median)s (n = %(n)s)",
            group=say.words(arm) if arm else say.words(timepoint),
            mean=say.number(s.get("mean"), 2),
            median=say.number(s.get("median"), 2, trim=True),
            n=say.integer(s.get("n") or 0),
        )
        for arm, s in groups
    ]
    largest = max(int(s.get("n") or 0) for _arm, s in groups)
    return {
        "chart": "strip",
        "timepoint": timepoint,
        "arms": [arm for arm, _s in groups],
        "alt": _("%(variable)s at %(timepoint)s, per group", variable=name, timepoint=say.words(timepoint))
        if parallel
        else _("%(variable)s at %(timepoint)s", variable=name, timepoint=say.words(timepoint)),
        "caption": _(
            "Each dot is one participant's value at %(timepoint)s; the box spans the middle half of "
            "the values, its line is the median and the diamond the mean.",
            timepoint=say.words(timepoint),
        )
        + " "
        + "; ".join(parts)
        + "."
        + _sampled(largest, charts.MAX_POINTS),
    }


def _distribution_words(name: str, kind: str, rows: list) -> dict:
    if kind == "nps":
        parts = [
            _(
                "%(row)s: NPS %(score)s (n = %(n)s)",
                row=label,
                score=say.number((s.get("nps") or {}).get("score"), 0),
                n=say.integer(s["n"]),
            )
            for label, _tp, _arm, s in rows
        ]
        caption = (
            _(
                "Share of detractors (0 to 6), passives (7 and 8) and promoters (9 and 10); the Net Promoter "
                "Score is the share of promoters minus the share of detractors."
            )
            + " "
            + "; ".join(parts)
            + "."
        )
    elif kind == "likert":
        parts = [
            _("%(row)s: mean %(mean)s (n = %(n)s)", row=label, mean=say.number(s.get("mean"), 2), n=say.integer(s["n"]))
            for label, _tp, _arm, s in rows
        ]
        caption = _("Share of each point of the scale, lowest on the left.") + " " + "; ".join(parts) + "."
    else:
        parts = []
        for label, _tp, _arm, s in rows:
            counts = s.get("counts") or {}
            top = max(counts, key=counts.get) if counts else None  # type: ignore[arg-type]  # counts.get as a key function
            parts.append(
                _(
                    "%(row)s: most often “%(choice)s” (%(share)s, n = %(n)s)",
                    row=label,
                    choice=choice_label(kind, top),
                    share=say.percent((s.get("percentages") or {}).get(top)),
                    n=say.integer(s["n"]),
                )
                if top is not None
                else label
            )
        caption = (
            (
                _("Share of respondents who picked each answer (several answers allowed).")
                if kind == "multiple_choice"
                else _("Share of each answer.")
            )
            + " "
            + "; ".join(parts)
            + "."
        )
    return {
        "chart": "distribution",
        "rows": [(label, tp, arm) for label, tp, arm, _s in rows],
        "alt": _("%(variable)s: how the answers are spread", variable=name),
        "caption": caption,
    }


# --- Drawing -------------------------------------------------------------------------------------

cached_svg = DrawnOnce(size=128).get  # charts drawn once per data version and language


def load_values(study: Study, variable: dict) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """One query for the answers this variable is made of; its values per participant (panel) and per row (wide)."""
    from ..analysis.variables import by_participant, long_frame, wide_numbers  # on first use (README, "Startup")
    from .loading import load_answers

    frame = long_frame(load_answers(db.session.connection(), study.id, variable["items"]))
    frame = frame[frame["timepoint"].isin(study.timepoints)]
    wide = wide_numbers(frame, {variable["key"]: variable})
    return by_participant(wide), wide


def draw(study: Study, results: dict, spec: dict) -> str:
    from ..analysis.variables import catalogue, column_at  # on first use (README, "Startup")
    from .loading import study_spec

    decimal = get_decimal_symbol(get_locale())
    key, name = spec["variable"], spec["name"]
    unit = units_of(study).get(key)
    axis = f"{name} ({unit})" if unit else name
    described = (results.get("variables") or {})[key]
    if spec["chart"] == "distribution" and spec["type"] in CHOICES:
        _function, categories = distribution_categories(study, described, spec)
        rows = []
        for label, tp, arm in spec["rows"]:
            summary = (
                ((described.get("by_arm") or {}).get(arm) or {}) if arm else (described.get("by_timepoint") or {})
            ).get(tp) or {}
            shares = summary.get("percentages") or {}
            rows.append((f"{label} (n = {summary.get('n', 0)})", [shares.get(c) or 0.0 for c in categories]))
        labels = [choice_label(spec["type"], c) for c in categories]
        if spec["type"] == "multiple_choice":
            return charts.grouped_bars(rows, labels, x_label=_("Share of respondents (%)"), decimal=decimal)
        return charts.stacked_bars(rows, labels, x_label=_("Share of answers (%)"), kind="nominal", decimal=decimal)
    if spec["chart"] == "distribution" and spec["type"] == "nps":
        rows = []
        for label, tp, arm in spec["rows"]:
            summary = (
                ((described.get("by_arm") or {}).get(arm) or {}) if arm else (described.get("by_timepoint") or {})
            ).get(tp) or {}
            nps, n = summary.get("nps") or {}, summary.get("n") or 0
            rows.append(
                (
                    f"{label} (n = {n})",
                    [100 * (nps.get(part) or 0) / n if n else 0.0 for part in ("detractors", "passives", "promoters")],
                )
            )
        return charts.stacked_bars(
            rows,
            distribution_categories(study, described, spec)[1],
            x_label=_("Share of answers (%)"),
            kind="ordered",
            decimal=decimal,
        )

    variable = catalogue(study_spec(study)["surveys"], list(study.timepoints)).get(key)
    if variable is None:
        raise NotFound(_("This chart does not exist."))
    panel, wide = load_values(study, variable)
    if spec["chart"] == "paired":
        first, last = spec["timepoints"]
        before, after = column_at(panel, key, first), column_at(panel, key, last)
        keep = np.isfinite(before) & np.isfinite(after)
        return charts.paired_lines(
            before[keep],
            after[keep],
            labels=[say.words(first), say.words(last)],
            y_label=axis,
            mean_label=ngettext("Mean of %(num)d participant", "Mean of %(num)d participants", int(keep.sum())),
            decimal=decimal,
        )
    if spec["chart"] == "strip":
        tp = spec["timepoint"]
        values = column_at(panel, key, tp)
        arms = panel.index.get_level_values("arm").to_numpy() if len(panel) else np.array([])
        groups = []
        for arm in spec["arms"]:
            chosen = values[arms == arm] if arm else values
            chosen = chosen[np.isfinite(chosen)]
            groups.append((f"{say.words(arm or tp)}\n(n = {len(chosen)})", chosen))
        return charts.strip_by_group(groups, y_label=axis, mean_label=_("Mean"), decimal=decimal)
    # a Likert scale, point by point
    labels = distribution_categories(study, described, spec)[1]
    points = [int(label) for label in labels]
    rows = []
    for label, tp, arm in spec["rows"]:
        mask = wide.index.get_level_values("timepoint") == tp
        if arm:
            mask &= wide.index.get_level_values("arm") == arm
        values = wide.loc[mask, key].to_numpy(dtype=float) if key in wide.columns else np.array([])
        values = values[np.isfinite(values)]
        rows.append(
            (
                f"{label} (n = {len(values)})",
                [100 * float(np.sum(values == p)) / len(values) if len(values) else 0.0 for p in points],
            )
        )
    return charts.stacked_bars(
        rows, [str(p) for p in points], x_label=_("Share of answers (%)"), kind="ordered", decimal=decimal
    )


# --- Correlations on request (issue 13, item 5) ----------------------------------------------------------


def correlation_measures(results: dict, names: dict[str, str]) -> list[tuple[str, str]]:
    """The measures the results page offers to correlate, from the results (no query): (value, words)."""
    return [
        (f"{key}@{tp}", f"{names.get(key, say.words(key))} · {say.words(tp)}")
        for key, variable in (results.get("variables") or {}).items()
        if variable.get("type") in NUMERIC
        for tp in variable.get("timepoints") or []
    ]


@bp.get("/<int:study_id>/results/correlation")
@requires("results")
def correlation(study_id: int):
    """Two numeric measures the reader chose: Pearson's r and Spearman's rho, labelled exploratory."""
    study = results_study(study_id)
    if not results_available(study):
        return render_template("results/unavailable.html", study=study)
    from ..analysis.variables import catalogue  # on first use (README, "Startup")
    from .loading import study_spec

    say.name_by(study)  # its timepoints by their labels, as on the results page
    x, y = request.args.get("x"), request.args.get("y")
    variables = catalogue(study_spec(study)["surveys"], list(study.timepoints))
    measures = [(m, say.correlation_measure(m, variables)) for m in choices(study)]
    context: dict = {
        "study": study,
        "measures": measures,
        "chosen": {"x": x, "y": y},
        "problems": {},
        "found": None,
        "parallel": str(study.design) == say.PARALLEL and len(study.arms) > 1,
    }
    if x is None and y is None:
        return render_template("results/correlation.html", **context)
    try:
        found = correlation_of(study, *checked(study, x, y))
    except DomainError as error:
        known = dict(measures)
        context["chosen"] = {"x": x if x in known else None, "y": y if y in known else None}
        context["problems"] = {k: str(v) for k, v in error.fields.items()}
        return render_template("results/correlation.html", **context), error.status
    title = _(
        "%(x)s and %(y)s",
        x=say.correlation_measure(found["x"]["measure"], variables),
        y=say.correlation_measure(found["y"]["measure"], variables),
    )
    context.update(found=found, found_title=title)
    return render_template("results/correlation.html", **context)
