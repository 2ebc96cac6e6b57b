"""The methods paragraph of a pilot's results, in French and English, written from what the analysis ran.

Each sentence is read from the stored results (the tests run, their numbers of participants, the
corrections, the software that computed them) and from the study's registrations: nothing is said of a
method that did not run. The notes under it (verdict.METHODS) give the formulas; this is the paragraph a
report or an article's "Statistical analysis" section carries."""

import platform
from datetime import datetime
from importlib import metadata

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _

from ..config import Config
from ..studies.models import Study
from . import verdict as say
from .reports import methods_sentence

EXTREME_CASES = ("extreme_case_upper", "extreme_case_lower")  # the yes/no outcome's sensitivity to missing data
SOFTWARE = ("numpy", "scipy", "pandas", "statsmodels")  # the libraries the statistics come from


def software_versions() -> dict[str, str]:
    """What computed the results: LivingLab, Python and the statistical libraries, read from the installed
    packages' metadata (nothing is imported)."""
    return {"livinglab": _version("livinglab"), "python": platform.python_version()} | {
        name: _version(name) for name in SOFTWARE
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def both(study: Study, results: dict) -> dict[str, str]:
    """The paragraph in each language the app speaks: {"en": ..., "fr": ...}."""
    written = {}
    for language in Config.LANGUAGES:
        with force_locale(language), say.named_by(study):
            written[language] = paragraph(study, results)
    return written


def paragraph(study: Study, results: dict) -> str:
    """The paragraph in the current language."""
    primary = results.get("primary_outcome") or {}
    names = {key: say.variable_name(key, variable) for key, variable in (results.get("variables") or {}).items()}
    sentences = [
        _registration(study),
        _primary(primary, names.get(primary.get("variable") or "", say.words(primary.get("variable")))),
        _arms(primary),
        _over_time(results),
        _secondary(results),
        _yes_no_effects(results),
        _missing(primary),
        _excluded(primary),
        methods_sentence(results),  # repeated reports (results/reports.py)
        _computed(results),
    ]
    return " ".join(sentence for sentence in sentences if sentence)


def _registration(study: Study) -> str:
    registrations = sorted(study.registrations, key=lambda r: r.version)
    design = (
        _("a single group measured before and after")
        if str(study.design) == say.SINGLE
        else _("%(n)s parallel groups", n=len(study.arms))
    )
    if not registrations:
        return _("Design: %(design)s.", design=design)
    first = registrations[0]
    text = _(
        "Design: %(design)s. The analysis plan was registered on %(date)s (protocol version %(version)s, "
        "SHA-256 %(hash)s…) before any answer was collected.",
        design=design,
        date=format_date(first.approved_at, "long"),
        version=first.version,
        hash=first.registration_hash[:12],
    )
    changed = [r for r in registrations[1:] if r.outcome_change]
    if changed:
        text += " " + _(
            "The primary outcome or design was changed after registration, at protocol version %(version)s (%(date)s).",
            version=changed[-1].version,
            date=format_date(changed[-1].approved_at, "long"),
        )
    return text


def _primary(primary: dict, name: str) -> str:
    test = primary.get("test")
    alpha = say.number(primary.get("alpha") or 0.05, 3, trim=True)
    if primary.get("reason") or not test:
        return _(
            "The primary outcome, %(name)s, could not be tested: %(reason)s.",
            name=name,
            reason=say.reason_text(primary.get("reason")),
        )
    text = _(
        "The primary outcome, %(name)s, was analysed in %(n)s participants (%(comparison)s); test: %(test)s, "
        "two-sided at the %(alpha)s level.",
        name=name,
        n=say.integer(primary.get("n") or 0),
        test=say.test_name(test),
        comparison=say.comparison(primary),
        alpha=alpha,
    )
    if primary.get("declared_timepoint"):
        text += " " + _(
            "The protocol declares “%(timepoint)s” as the timepoint of the primary comparison; the secondary outcomes "
            "are compared at the last timepoint measuring them.",
            timepoint=say.words(primary["declared_timepoint"]),
        )
    sensitivity = primary.get("sensitivity") or {}
    if sensitivity.get("test"):
        text += " " + _(
            "Sensitivity analysis, without adjustment: %(test)s.",
            test=say.test_name(sensitivity["test"]),
        )
    robustness = (primary.get("robustness") or {}).get("test")
    if robustness and (primary.get("robustness") or {}).get("p_value") is not None:
        text += " " + _("Robustness: %(test)s.", test=say.test_name(robustness))
    effect = primary.get("effect_size") or {}
    if effect.get("value") is not None:
        name_of = say.EFFECT_SIZES.get(str(effect.get("name")), effect.get("name"))
        text += " " + (
            _("The effect size is %(name)s with its 95 %% confidence interval (noncentral t).", name=name_of)
            if effect.get("ci95")
            else _("The effect size is %(name)s.", name=name_of)
        )
    if primary.get("odds_ratio"):
        text += " " + _("The odds ratio has its exact interval, as R's fisher.test computes it.")
    return text


def _arms(primary: dict) -> str:
    """Three or more arms: the overall test when it ran (numeric outcomes), and the contrasts with the control."""
    overall, contrasts = primary.get("overall"), primary.get("arm_contrasts")
    if overall:
        return _(
            "More than two groups: overall test, %(overall)s (robustness: %(robust)s); each group against the "
            "control with Holm's adjustment.",
            overall=say.test_name(overall.get("test")),
            robust=say.test_name((overall.get("robustness") or {}).get("test")),
        )
    if contrasts:
        return _(
            "More than two groups: each group against the control with Holm's adjustment; no overall test is run "
            "for a yes/no outcome."
        )
    return ""


def _over_time(results: dict) -> str:
    entries = [results.get("primary_outcome") or {}] + list(results.get("secondary") or [])
    fitted = [e for e in entries if e.get("longitudinal") and e["longitudinal"].get("model", {}).get("reason") is None]
    if not fitted:
        return ""
    text = _(
        "Supportive analysis of the variables measured at three timepoints or more (%(n)s): a linear mixed model "
        "with a random intercept per participant (REML), each timepoint against the first.",
        n=say.integer(len(fitted)),
    )
    if any(((e.get("longitudinal") or {}).get("friedman") or {}).get("p_value") is not None for e in fitted):
        text += " " + _("Friedman's test on the participants with a value at every timepoint.")
    return text


def _secondary(results: dict) -> str:
    tested = [e for e in results.get("secondary") or [] if e.get("p_value") is not None]
    categorical = [e for e in results.get("categorical") or [] if e.get("p_value") is not None]
    if not tested and not categorical:
        return _("No secondary outcome was tested.")
    families = [
        ngettext("%(num)s secondary comparison", "%(num)s secondary comparisons", len(tested)) if tested else "",
        ngettext("%(num)s comparison of a choice question", "%(num)s comparisons of choice questions", len(categorical))
        if categorical
        else "",
    ]
    named = [family for family in families if family]
    if any(e.get("adjustment") == "benjamini_hochberg" for e in tested + categorical):
        if len(named) == 1:
            return _("Exploratory: %(families)s, with the Benjamini–Hochberg adjustment.", families=named[0])
        return _(
            "Exploratory: %(families)s, each family with the Benjamini–Hochberg adjustment.",
            families=_("; ").join(named),
        )
    if len(named) == 1:
        return _("Exploratory: %(families)s, with Holm's adjustment.", families=named[0])
    return _("Exploratory: %(families)s, each family with Holm's adjustment.", families=_("; ").join(named))


def _missing(primary: dict) -> str:
    dropped = primary.get("dropped_missing") or 0
    ran = [s for s in primary.get("missing_data_sensitivity") or [] if s.get("estimate") is not None]
    imputed = next((s for s in ran if s.get("assumption") != "baseline_carried_forward" and s.get("imputations")), None)
    sensitivity = ""
    extremes = {s.get("assumption") for s in ran} & set(EXTREME_CASES)  # a yes/no outcome (analysis/missing_data.py)
    if len(extremes) == 2:
        sensitivity = " " + _(
            "Sensitivity to missing data, on every participant allocated: extreme cases, each missing answer counted "
            "the way that makes the difference largest, then the way that makes it smallest, with the primary test "
            "again on each (the difference of all participants lies between the two, whatever the missing answers)."
        )
    elif extremes:
        sensitivity = " " + (
            _(
                "Sensitivity to missing data, on every participant allocated: the extreme case counting each missing "
                "answer the way that makes the difference largest, with the primary test again (the other extreme "
                "case could not be tested)."
            )
            if extremes == {EXTREME_CASES[0]}
            else _(
                "Sensitivity to missing data, on every participant allocated: the extreme case counting each missing "
                "answer the way that makes the difference smallest, with the primary test again (the other extreme "
                "case could not be tested)."
            )
        )
    elif ran:
        sensitivity = " " + (
            _(
                "Sensitivity to missing data, on every participant allocated: the last value replaced by the first "
                "(baseline carried forward), and multiple imputation by chained equations (statsmodels MICE, "
                "%(m)s imputations pooled by Rubin's rules, seeded with the study's number).",
                m=imputed.get("imputations") or 0,
            )
            if imputed is not None
            else _(
                "Sensitivity to missing data, on every participant allocated: the last value replaced by the first "
                "(baseline carried forward)."
            )
        )
    if not dropped:
        return _("No participant who answered was left out of the primary analysis for a missing value.") + sensitivity
    return _missing_count(dropped) + sensitivity


def _yes_no_effects(results: dict) -> str:
    """The effect sizes of the yes/no questions of the categorical family, when any was computed."""
    if not any(e.get("estimate") is not None for e in results.get("categorical") or []):
        return ""
    return _(
        "Yes/no questions compared between groups also give the difference in the proportion of yes (Newcombe's "
        "hybrid score interval) and the odds ratio (conditional maximum likelihood and exact interval, as R's "
        "fisher.test); these intervals are not adjusted for multiplicity."
    )


def _missing_count(dropped: int) -> str:
    return ngettext(
        "%(num)s participant who answered was left out of the primary analysis for a missing value (complete cases).",
        "%(num)s participants who answered were left out of the primary analysis for a missing value (complete cases).",
        dropped,
    )


def _excluded(primary: dict) -> str:
    without = primary.get("without_exclusions")
    if not without:
        return _("No response was excluded.")
    return ngettext(
        "%(num)s response was excluded, with a reason; the registered analysis keeps every response and the "
        "primary analysis without it is shown as a sensitivity analysis.",
        "%(num)s responses were excluded, each with a reason; the registered analysis keeps every response and the "
        "primary analysis without them is shown as a sensitivity analysis.",
        without.get("excluded_responses") or 0,
    )


def _computed(results: dict) -> str:
    software = results.get("software") or {}
    return _(
        "Computed by LivingLab %(livinglab)s (Python %(python)s; NumPy %(numpy)s, SciPy %(scipy)s, pandas "
        "%(pandas)s, statsmodels %(statsmodels)s) from %(n)s completed surveys, on %(date)s.",
        livinglab=software.get("livinglab", "?"),
        python=software.get("python", "?"),
        numpy=software.get("numpy", "?"),
        scipy=software.get("scipy", "?"),
        pandas=software.get("pandas", "?"),
        statsmodels=software.get("statsmodels", "?"),
        n=say.integer(results.get("responses_included") or 0),
        date=format_date(datetime.fromisoformat(results["computed_at"]), "long") if results.get("computed_at") else "?",
    )
